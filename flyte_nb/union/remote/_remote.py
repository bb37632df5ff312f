"""``UnionRemote``: the Union SDK's remote client, over the flyte_nb backend.

    remote = fl.UnionRemote()                       # the fl.init() backend; starts one if none
    ex = remote.execute(square, inputs={"x": 3}, wait=True)
    ex.outputs["o0"]                                # 9

The class is its parts together, one module per concept, each a ``RemoteBase`` (the session
and scoping, ``_base.py``): executions, tasks, files, workflows and launch plans, backfills,
registered entities, gates, apps, artifacts, packaging and the hosted-service surface. A
reader looking for a method finds it by what it is about; the package docstring lists where.
"""

from __future__ import annotations

from ._apps import AppMethods
from ._artifacts import ArtifactMethods
from ._backfill import BackfillMethods
from ._data import DataMethods
from ._executions import ExecutionMethods
from ._fetch import FetchMethods
from ._hosted import HostedMethods
from ._package import PackageMethods
from ._plans import LaunchPlanMethods
from ._signals import SignalMethods
from ._tasks import TaskMethods

__all__ = ["UnionRemote"]


class UnionRemote(
    ExecutionMethods,
    TaskMethods,
    DataMethods,
    LaunchPlanMethods,
    BackfillMethods,
    FetchMethods,
    SignalMethods,
    AppMethods,
    ArtifactMethods,
    PackageMethods,
    HostedMethods,
):
    """Run, find and manage executions, registered tasks, workflows and launch plans, gates,
    apps and artifacts on the flyte_nb backend.

    ``config`` may be an endpoint URL (same as ``endpoint=``). ``data_upload_location`` is
    accepted for compatibility: uploads always go to the backend's blob store. ``kwargs``
    takes ``endpoint=`` and ``token=`` (the seed's are gRPC client options).
    """
