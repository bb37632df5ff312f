"""flyte_nb: a notebook-first workflow SDK with the Flyte 2 task API.

    import flyte_nb as fl
    env = fl.TaskEnvironment(name="demo")

    @env.task
    async def square(x: int) -> int:
        return x * x

    fl.run(square, x=3).outputs()   # 9, recorded under ~/.flyte_nb

Public names are imported lazily (PEP 562): ``import flyte_nb`` loads almost nothing, and
each name pulls in only its own subpackage on first use, which keeps a notebook's first
cell and a one-task script fast. ``__all__`` is the public surface; ``tests/test_public_api``
keeps it and the lazy table honest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _run_display
from ._version import __version__

if TYPE_CHECKING:
    from . import app, deck, errors, exceptions, io, models, remote, report, union
    from ._logging import logger
    from ._map import map
    from .actors import ActorEnvironment, actor_cache
    from .artifacts import Artifact
    from .cache import Cache, CachePolicy, VersionParameters
    from .container import ContainerTask
    from .deck import Deck
    from .durable import (
        Checkpoint,
        Cron,
        FixedRate,
        Trigger,
        TriggerTime,
        deploy,
        latest_checkpoint,
        new_condition,
        recover,
        trace,
    )
    from .engine import ctx, current_context, custom_context, group
    from .image import Image, ImageSpec, PodTemplate
    from .io import FlyteDirectory, FlyteFile, StructuredDataset
    from .runs import init, init_from_config, run, with_runcontext
    from .tasks import (
        AMD_GPU,
        GPU,
        HABANA_GAUDI,
        TPU,
        Backoff,
        Device,
        Neuron,
        Resources,
        RetryStrategy,
        ReusePolicy,
        Secret,
        TaskEnvironment,
        TaskTemplate,
        Timeout,
    )
    from .union import (
        Echo,
        HashMethod,
        LaunchPlan,
        TaskMetadata,
        conditional,
        create_node,
        dynamic,
        eager,
        kwtypes,
        map_task,
        task,
        workflow,
    )
    from .union.remote import UnionRemote

_LAZY: dict[str, str] = {
    "init": "flyte_nb.runs",
    "init_from_config": "flyte_nb.runs",
    "run": "flyte_nb.runs",
    "with_runcontext": "flyte_nb.runs",
    "TaskEnvironment": "flyte_nb.tasks",
    "Resources": "flyte_nb.tasks",
    "RetryStrategy": "flyte_nb.tasks",
    "ReusePolicy": "flyte_nb.tasks",
    "TaskTemplate": "flyte_nb.tasks",
    "AMD_GPU": "flyte_nb.tasks",
    "GPU": "flyte_nb.tasks",
    "HABANA_GAUDI": "flyte_nb.tasks",
    "TPU": "flyte_nb.tasks",
    "Backoff": "flyte_nb.tasks",
    "Device": "flyte_nb.tasks",
    "Neuron": "flyte_nb.tasks",
    "Timeout": "flyte_nb.tasks",
    "logger": "flyte_nb._logging",
    "Secret": "flyte_nb.tasks",
    "Cache": "flyte_nb.cache",
    "CachePolicy": "flyte_nb.cache",
    "VersionParameters": "flyte_nb.cache",
    "Deck": "flyte_nb.deck",
    "trace": "flyte_nb.durable",
    "Checkpoint": "flyte_nb.durable",
    "latest_checkpoint": "flyte_nb.durable",
    "recover": "flyte_nb.durable",
    "new_condition": "flyte_nb.durable",
    "Trigger": "flyte_nb.durable",
    "TriggerTime": "flyte_nb.durable",
    "Cron": "flyte_nb.durable",
    "FixedRate": "flyte_nb.durable",
    "deploy": "flyte_nb.durable",
    "current_context": "flyte_nb.engine",
    "ctx": "flyte_nb.engine",
    "custom_context": "flyte_nb.engine",
    "group": "flyte_nb.engine",
    "map": "flyte_nb._map",  # Flyte 2's map, or the Union map task without iterables
    "UnionRemote": "flyte_nb.union.remote",
    # The Union/flytekit layer. The Flyte 2 task layer's subpackage is ``tasks`` (plural) so
    # that ``fl.task`` can be the decorator, as PRODUCT.md's public names require: a
    # subpackage named ``task`` would replace this attribute as soon as it was imported.
    "task": "flyte_nb.union",
    "workflow": "flyte_nb.union",
    "map_task": "flyte_nb.union",
    "conditional": "flyte_nb.union",
    "kwtypes": "flyte_nb.union",
    "LaunchPlan": "flyte_nb.union",
    "dynamic": "flyte_nb.union",
    "eager": "flyte_nb.union",
    "create_node": "flyte_nb.union",
    "TaskMetadata": "flyte_nb.union",
    "HashMethod": "flyte_nb.union",
    "Echo": "flyte_nb.union",
    "Artifact": "flyte_nb.artifacts",
    "FlyteFile": "flyte_nb.io",
    "FlyteDirectory": "flyte_nb.io",
    "StructuredDataset": "flyte_nb.io",
    "ActorEnvironment": "flyte_nb.actors",
    "actor_cache": "flyte_nb.actors",
    "ContainerTask": "flyte_nb.container",
    "ImageSpec": "flyte_nb.image",
    "Image": "flyte_nb.image",
    "PodTemplate": "flyte_nb.image",
}
_SUBMODULES = ("app", "deck", "errors", "exceptions", "io", "models", "remote", "report", "union")

__all__ = [
    "AMD_GPU",
    "GPU",
    "HABANA_GAUDI",
    "TPU",
    "ActorEnvironment",
    "Artifact",
    "Backoff",
    "Cache",
    "CachePolicy",
    "Checkpoint",
    "ContainerTask",
    "Cron",
    "Deck",
    "Device",
    "Echo",
    "FixedRate",
    "FlyteDirectory",
    "FlyteFile",
    "HashMethod",
    "Image",
    "ImageSpec",
    "LaunchPlan",
    "Neuron",
    "PodTemplate",
    "Resources",
    "RetryStrategy",
    "ReusePolicy",
    "Secret",
    "StructuredDataset",
    "TaskEnvironment",
    "TaskMetadata",
    "TaskTemplate",
    "Timeout",
    "Trigger",
    "TriggerTime",
    "UnionRemote",
    "VersionParameters",
    "__version__",
    "actor_cache",
    "app",
    "conditional",
    "create_node",
    "ctx",
    "current_context",
    "custom_context",
    "deck",
    "deploy",
    "dynamic",
    "eager",
    "errors",
    "exceptions",
    "group",
    "init",
    "init_from_config",
    "io",
    "kwtypes",
    "latest_checkpoint",
    "logger",
    "map",
    "map_task",
    "models",
    "new_condition",
    "recover",
    "remote",
    "report",
    "run",
    "task",
    "trace",
    "union",
    "with_runcontext",
    "workflow",
]


def _widgets_display() -> _run_display.RunDisplay:
    """The notebook display of runs: the widgets sit above the run handles that use it."""
    from .widgets import _display

    return _display


_run_display.set_loader(_widgets_display)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'flyte_nb' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
