"""``UnionRemote``, the Union SDK's remote client (``union.remote``), over the flyte_nb backend.

It belongs to the flytekit layer: it registers and runs workflows and launch plans,
backfills schedules and deploys apps, so it sits with ``flyte_nb.union``, above
``flyte_nb.remote`` (the run handles, ``Run``/``Action``, which it returns wrapped).
``flyte_nb.UnionRemote`` and ``flyte_nb.remote.UnionRemote`` name the same class.

Design decisions:

* A ``UnionRemote`` is a view of the kernel's ``fl.init()`` session, not a connection of
  its own (``_base.py``), so runs, ``fl.run`` and every remote talk to the same backend.
* The seed's parameter names and defaults are kept so Union SDK code pastes in unchanged;
  options only a Union cloud gives meaning to are accepted when ``None`` and refused
  otherwise, with an error saying so.
* One module per concept, each a part of the class (``_remote.py`` puts them together):
  ``_executions`` running and following executions (and ``recover``), ``_tasks``
  registered task versions, ``_data`` projects, domains and the blob store, ``_plans``
  workflows and launch plans, ``_backfill`` backfills and ``execute_local_*``, ``_fetch``
  registered entities by identity, URI or lazily, ``_signals`` gates, ``_apps`` app
  deployments, ``_artifacts`` artifacts, ``_package`` code packaging, ``_hosted`` the
  constructors and what only a hosted Union service has. What the methods return is in
  ``_models``; how every method checks its arguments, in ``_args``.
"""

from __future__ import annotations

from ._fetch import ExecutionSpan, LazyEntity
from ._hosted import BlobAccess, RemoteConfig
from ._models import (
    LaunchPlanId,
    RegisteredLaunchPlan,
    RegisteredTask,
    RegisteredWorkflow,
    UnionExecution,
)
from ._remote import UnionRemote

__all__ = [
    "BlobAccess",
    "ExecutionSpan",
    "LaunchPlanId",
    "LazyEntity",
    "RegisteredLaunchPlan",
    "RegisteredTask",
    "RegisteredWorkflow",
    "RemoteConfig",
    "UnionExecution",
    "UnionRemote",
]
