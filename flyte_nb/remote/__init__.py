"""Finding runs again: ``Run.get(name)``, ``Run.listall()``, each run's actions, decks and
report, and ``UnionRemote``, the Union SDK's remote client over the same backend.

Named after Flyte 2's ``flyte.remote`` so notebook code reads the same. ``Run`` and
``Action`` load with the package (``fl.run`` returns them); ``UnionRemote`` and the deck
views resolve on first use, so a one-task script does not import them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr
from ._run import Action, ActionTree, Run

if TYPE_CHECKING:
    from ._app import App
    from ._docs import DeckView
    from ._union import UnionRemote
    from ._union_fetch import ExecutionSpan, LazyEntity
    from ._union_hosted import BlobAccess, RemoteConfig
    from ._union_models import (
        LaunchPlanId,
        RegisteredLaunchPlan,
        RegisteredTask,
        RegisteredWorkflow,
        UnionExecution,
    )

_LAZY = {
    "App": "._app",
    "DeckView": "._docs",
    "UnionRemote": "._union",
    "ExecutionSpan": "._union_fetch",
    "LazyEntity": "._union_fetch",
    "BlobAccess": "._union_hosted",
    "RemoteConfig": "._union_hosted",
    "LaunchPlanId": "._union_models",
    "RegisteredLaunchPlan": "._union_models",
    "RegisteredTask": "._union_models",
    "RegisteredWorkflow": "._union_models",
    "UnionExecution": "._union_models",
}

__all__ = [
    "Action",
    "ActionTree",
    "App",
    "BlobAccess",
    "DeckView",
    "ExecutionSpan",
    "LaunchPlanId",
    "LazyEntity",
    "RegisteredLaunchPlan",
    "RegisteredTask",
    "RegisteredWorkflow",
    "RemoteConfig",
    "Run",
    "UnionExecution",
    "UnionRemote",
]


__getattr__ = lazy_getattr(__name__, _LAZY)
