"""Finding runs again: ``Run.get(name)``, ``Run.listall()``, each run's actions, decks and
report, and ``App``, a deployed app's handle.

Named after Flyte 2's ``flyte.remote`` so notebook code reads the same. ``Run`` and
``Action`` load with the package (``fl.run`` returns them); ``App`` and the deck views
resolve on first use, so a one-task script does not import them.

``UnionRemote`` and what it returns live with the flytekit layer, in
``flyte_nb.union.remote`` (it registers workflows and launch plans, so it sits above the run
handles). They stay reachable here by name, resolved on first use, for code written when
they lived here; this package never imports them, so its layer stays below ``union``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr
from ._handles import Action, ActionTree, Run

if TYPE_CHECKING:
    from ._app import App
    from ._decks import DeckView

_UNION_REMOTE = "flyte_nb.union.remote"
_LAZY = {
    "App": "._app",
    "DeckView": "._decks",
    "UnionRemote": _UNION_REMOTE,
    "ExecutionSpan": _UNION_REMOTE,
    "LazyEntity": _UNION_REMOTE,
    "BlobAccess": _UNION_REMOTE,
    "RemoteConfig": _UNION_REMOTE,
    "LaunchPlanId": _UNION_REMOTE,
    "RegisteredLaunchPlan": _UNION_REMOTE,
    "RegisteredTask": _UNION_REMOTE,
    "RegisteredWorkflow": _UNION_REMOTE,
    "UnionExecution": _UNION_REMOTE,
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
