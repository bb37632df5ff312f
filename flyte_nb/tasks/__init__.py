"""Defining tasks: ``TaskEnvironment``, the task template, and their settings.

``_environment`` holds shared settings and the name registry, ``_template`` the decorated
task and how a call is dispatched, ``_resources``/``_secret``/``_retry`` the validated
settings. Validation happens here, at decoration, so mistakes surface where they are made.
"""

from ._environment import TaskEnvironment
from ._resources import Resources
from ._retry import RetryStrategy
from ._secret import MountType, Secret
from ._template import TaskTemplate

__all__ = ["MountType", "Resources", "RetryStrategy", "Secret", "TaskEnvironment", "TaskTemplate"]
