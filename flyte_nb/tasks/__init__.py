"""Defining tasks: ``TaskEnvironment``, the task template, and their settings.

``_environment`` holds shared settings and the name registry, ``_template`` the decorated
task and how a call is dispatched, ``_resources``/``_secret``/``_retry`` the validated
settings. Validation happens here, at decoration, so mistakes surface where they are made.
"""

from ._devices import AMD_GPU, GPU, HABANA_GAUDI, TPU, Device, Neuron
from ._environment import TaskEnvironment
from ._resources import Resources
from ._retry import Backoff, RetryStrategy, Timeout
from ._reuse import ReusePolicy
from ._secret import MountType, Secret
from ._template import TaskTemplate

__all__ = [
    "AMD_GPU",
    "GPU",
    "HABANA_GAUDI",
    "TPU",
    "Backoff",
    "Device",
    "MountType",
    "Neuron",
    "Resources",
    "RetryStrategy",
    "ReusePolicy",
    "Secret",
    "TaskEnvironment",
    "TaskTemplate",
    "Timeout",
]
