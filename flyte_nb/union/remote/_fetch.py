"""``UnionRemote``'s seed methods around fetching and running what is registered:
``get`` by ``flyte://`` URI, the ``execute_reference_*``/``execute_remote_*`` variants,
``fetch_*_lazy``, ``find_launch_plan``, ``sync_task_execution`` and
``get_execution_metrics`` (packaging: ``_package.py``).

Decisions:

* ``get(uri)`` reads two URI forms, both ours: an artifact's ``flyte://av0.1/...`` gives the
  ``Artifact`` (``.get()`` is its value), and ``flyte://v1/<project>/<domain>/<run>[/<action>]
  /i|o[/<name>]`` gives a run's (or an action's) inputs or outputs as a dict, or the one
  value named. Union's service answers the same URIs with literal maps; values are the
  Python objects here, as ``UnionExecution.outputs`` gives them.
* A "reference" entity is anything carrying a registered identity: a ``TaskId``/
  ``LaunchPlanId``, what ``fetch_*`` returned, or an object with ``.id`` holding
  ``project``/``domain``/``name``/``version`` (flytekit's reference entities). It is fetched
  by that identity and run, so a missing version fails before anything starts.
* A lazy fetch is only a promise of the lookup: ``LazyEntity`` fetches on first use and
  ``execute`` accepts it like the fetched entity.
* ``get_execution_metrics`` reports the action timings the backend records (queued,
  started, ended, attempts), as a span tree: Union's metrics come from the same events.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...exceptions import RunNotFoundError
from ._args import arg, invalid, required
from ._base import RemoteBase, as_remote
from ._models import (
    LaunchPlanId,
    RegisteredLaunchPlan,
    RegisteredTask,
    RegisteredWorkflow,
    TaskId,
    UnionExecution,
)

if TYPE_CHECKING:
    from ...remote._handles import Action

__all__ = ["ExecutionSpan", "FetchMethods", "LazyEntity"]

_RUN_URI = re.compile(
    r"^flyte://v1/(?P<project>[^/]+)/(?P<domain>[^/]+)/(?P<run>[^/]+)"
    r"(?:/(?P<action>[^/]+))?/(?P<io>[io])(?:/(?P<var>[^/]+))?$"
)


@dataclass
class LazyEntity:
    """A registered task or workflow that is looked up on first use (``fetch_*_lazy``)."""

    name: str
    _getter: Callable[[], Any] = field(repr=False)
    _entity: Any = field(default=None, init=False, repr=False)

    @property
    def entity(self) -> Any:
        if self._entity is None:
            self._entity = self._getter()
        return self._entity

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.entity, attr)


@dataclass(frozen=True)
class ExecutionSpan:
    """One action's recorded timing (``get_execution_metrics``); ``spans`` are its children."""

    name: str
    task_name: str
    phase: str
    attempts: int
    start_time: float | None
    end_time: float | None
    spans: list[ExecutionSpan] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        if self.start_time is None or self.end_time is None:
            return None
        return self.end_time - self.start_time


def _identity(method: str, entity: Any) -> tuple[str, str, str, str | None]:
    ident = entity
    if isinstance(entity, RegisteredTask | RegisteredLaunchPlan):
        ident = entity.id
    elif not isinstance(entity, TaskId | LaunchPlanId):
        ident = getattr(entity, "id", None)
    parts = [getattr(ident, k, None) for k in ("project", "domain", "name", "version")]
    if not all(isinstance(p, str) and p for p in parts[:3]):
        raise invalid(
            method,
            "entity must name a registered entity: a TaskId/LaunchPlanId, "
            "what fetch_task()/fetch_workflow()/fetch_launch_plan() returned, or an "
            f"object whose .id has project, domain, name and version; got {entity!r}",
        )
    version = parts[3] if isinstance(parts[3], str) and parts[3] else None
    return parts[0], parts[1], parts[2], version  # type: ignore[return-value]


class FetchMethods(RemoteBase):
    """Part of ``UnionRemote`` (``_remote.py``)."""

    # -- values by URI ---------------------------------------------------------------------
    def get(self, uri: str | None = None) -> Any:
        """The value behind a ``flyte://`` URI: an artifact, or run/action inputs/outputs."""
        m = "get"
        required(m, "uri", uri, "str", "get('flyte://v1/default/development/my-run/o')")
        assert uri is not None
        if uri.startswith("flyte://av"):
            return as_remote(self).get_artifact(uri=uri)
        found = _RUN_URI.match(uri)
        if not found:
            raise invalid(
                m,
                f"uri {uri!r} is not a flyte:// URI flyte_nb knows: "
                "'flyte://av0.1/<project>/<domain>/<artifact>[@<version>]' or "
                "'flyte://v1/<project>/<domain>/<run>[/<action>]/i|o[/<name>]'",
            )
        ex = as_remote(self).fetch_execution(found["project"], found["domain"], found["run"])
        kind = "inputs" if found["io"] == "i" else "outputs"
        if found["action"] is None:
            values = ex.inputs if kind == "inputs" else ex.outputs
        else:
            values = ex.source.values(ex.run.name, ex.run.action(found["action"]).name, kind)
        name = found["var"]
        if name is None:
            return values
        if name not in values:
            raise RunNotFoundError(
                f"UnionRemote.get: {uri!r} names {kind[:-1]} {name!r}, but "
                f"there are only {sorted(values)}"
            )
        return values[name]

    # -- running registered entities -------------------------------------------------------
    def _run_registered(
        self,
        m: str,
        kind: str,
        entity: Any,
        inputs: Any,
        project: str | None,
        domain: str | None,
        opts: dict[str, Any],
    ) -> UnionExecution:
        if isinstance(entity, LazyEntity):
            entity = entity.entity
        if isinstance(entity, RegisteredTask | RegisteredLaunchPlan):
            target: Any = entity
        else:
            p, d, name, version = _identity(m, entity)
            fetch = {
                "task": as_remote(self).fetch_task,
                "workflow": as_remote(self).fetch_workflow,
                "launch_plan": as_remote(self).fetch_launch_plan,
            }[kind]
            target = fetch(p, d, name, version)
        home = target.id
        return as_remote(self).execute(
            target,
            inputs,
            project or home.project,
            domain or home.domain,
            execution_name=opts.pop("execution_name"),
            execution_name_prefix=opts.pop("execution_name_prefix"),
            **opts,
        )

    def execute_reference_task(
        self,
        entity: Any,
        inputs: Mapping[str, Any] | None = None,
        execution_name: str | None = None,
        execution_name_prefix: str | None = None,
        options: Any = None,
        wait: bool = False,
        type_hints: Any = None,
        overwrite_cache: bool | None = None,
        interruptible: bool | None = None,
        envs: Mapping[str, str] | None = None,
        tags: Any = None,
        cluster_pool: Any = None,
        execution_cluster_label: Any = None,
    ) -> UnionExecution:
        """Run the registered task ``entity`` names (its own project/domain)."""
        opts = dict(locals())
        for k in ("self", "entity", "inputs"):
            opts.pop(k)
        return as_remote(self)._run_registered(
            "execute_reference_task", "task", entity, inputs, None, None, opts
        )

    def execute_reference_workflow(
        self,
        entity: Any,
        inputs: Mapping[str, Any] | None = None,
        execution_name: str | None = None,
        execution_name_prefix: str | None = None,
        options: Any = None,
        wait: bool = False,
        type_hints: Any = None,
        overwrite_cache: bool | None = None,
        interruptible: bool | None = None,
        envs: Mapping[str, str] | None = None,
        tags: Any = None,
        cluster_pool: Any = None,
        execution_cluster_label: Any = None,
    ) -> UnionExecution:
        """Run the registered workflow ``entity`` names (its own project/domain)."""
        opts = dict(locals())
        for k in ("self", "entity", "inputs"):
            opts.pop(k)
        return as_remote(self)._run_registered(
            "execute_reference_workflow", "workflow", entity, inputs, None, None, opts
        )

    def execute_reference_launch_plan(
        self,
        entity: Any,
        inputs: Mapping[str, Any] | None = None,
        execution_name: str | None = None,
        execution_name_prefix: str | None = None,
        options: Any = None,
        wait: bool = False,
        type_hints: Any = None,
        overwrite_cache: bool | None = None,
        interruptible: bool | None = None,
        envs: Mapping[str, str] | None = None,
        tags: Any = None,
        cluster_pool: Any = None,
        execution_cluster_label: Any = None,
    ) -> UnionExecution:
        """Run the registered launch plan ``entity`` names, its inputs applied."""
        opts = dict(locals())
        for k in ("self", "entity", "inputs"):
            opts.pop(k)
        return as_remote(self)._run_registered(
            "execute_reference_launch_plan", "launch_plan", entity, inputs, None, None, opts
        )

    def execute_remote_task_lp(
        self,
        entity: Any,
        inputs: Mapping[str, Any] | None = None,
        project: str | None = None,
        domain: str | None = None,
        execution_name: str | None = None,
        execution_name_prefix: str | None = None,
        options: Any = None,
        wait: bool = False,
        type_hints: Any = None,
        overwrite_cache: bool | None = None,
        interruptible: bool | None = None,
        envs: Mapping[str, str] | None = None,
        tags: Any = None,
        cluster_pool: Any = None,
        execution_cluster_label: Any = None,
    ) -> UnionExecution:
        """Run a fetched task or launch plan (``fetch_task``/``fetch_launch_plan``)."""
        m = "execute_remote_task_lp"
        if isinstance(entity, LazyEntity):
            entity = entity.entity
        if isinstance(entity, RegisteredWorkflow) or not isinstance(
            entity, RegisteredTask | RegisteredLaunchPlan
        ):
            raise invalid(
                m,
                "entity must be what fetch_task() or fetch_launch_plan() "
                f"returned, got {entity!r}; fetched workflows go to execute_remote_wf",
            )
        opts = dict(locals())
        for k in ("self", "entity", "inputs", "project", "domain", "m"):
            opts.pop(k)
        return as_remote(self)._run_registered(m, "task", entity, inputs, project, domain, opts)

    def execute_remote_wf(
        self,
        entity: Any,
        inputs: Mapping[str, Any] | None = None,
        project: str | None = None,
        domain: str | None = None,
        execution_name: str | None = None,
        execution_name_prefix: str | None = None,
        options: Any = None,
        wait: bool = False,
        type_hints: Any = None,
        overwrite_cache: bool | None = None,
        interruptible: bool | None = None,
        envs: Mapping[str, str] | None = None,
        tags: Any = None,
        cluster_pool: Any = None,
        execution_cluster_label: Any = None,
    ) -> UnionExecution:
        """Run a fetched workflow (``fetch_workflow``)."""
        m = "execute_remote_wf"
        if isinstance(entity, LazyEntity):
            entity = entity.entity
        if not isinstance(entity, RegisteredWorkflow):
            raise invalid(m, f"entity must be what fetch_workflow() returned, got {entity!r}")
        opts = dict(locals())
        for k in ("self", "entity", "inputs", "project", "domain", "m"):
            opts.pop(k)
        return as_remote(self)._run_registered(m, "workflow", entity, inputs, project, domain, opts)

    # -- lazy fetches and lookups ----------------------------------------------------------
    def fetch_task_lazy(
        self,
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        version: str | None = None,
    ) -> LazyEntity:
        """``fetch_task`` deferred to first use (arguments are checked now)."""
        required("fetch_task_lazy", "name", name, "str", "fetch_task_lazy(name='env.t')")
        as_remote(self)._scoped("fetch_task_lazy", project, domain)
        arg("fetch_task_lazy", "version", version, "str")
        assert name is not None
        return LazyEntity(name, lambda: as_remote(self).fetch_task(project, domain, name, version))

    def fetch_workflow_lazy(
        self,
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        version: str | None = None,
    ) -> LazyEntity:
        """``fetch_workflow`` deferred to first use (arguments are checked now)."""
        required("fetch_workflow_lazy", "name", name, "str", "fetch_workflow_lazy(name='m.wf')")
        as_remote(self)._scoped("fetch_workflow_lazy", project, domain)
        arg("fetch_workflow_lazy", "version", version, "str")
        assert name is not None
        return LazyEntity(
            name, lambda: as_remote(self).fetch_workflow(project, domain, name, version)
        )

    def find_launch_plan(
        self, lp_ref: Any, node_launch_plans: Mapping[Any, Any] | None = None
    ) -> RegisteredLaunchPlan:
        """The launch plan ``lp_ref`` (a ``LaunchPlanId``) names: from ``node_launch_plans``
        (id to plan, as collected while walking a workflow) when there, else fetched."""
        m = "find_launch_plan"
        if not isinstance(lp_ref, LaunchPlanId):
            raise invalid(m, f"lp_ref must be a LaunchPlanId, got {lp_ref!r}")
        if node_launch_plans is not None and not isinstance(node_launch_plans, Mapping):
            raise invalid(m, f"node_launch_plans must be a dict or None, got {node_launch_plans!r}")
        if node_launch_plans and lp_ref in node_launch_plans:
            return node_launch_plans[lp_ref]
        return as_remote(self).fetch_launch_plan(
            lp_ref.project, lp_ref.domain, lp_ref.name, lp_ref.version
        )

    def sync_task_execution(self, execution: Action, entity_interface: Any = None) -> Action:
        """A fresh copy of a task execution (an action: its attempts are the task
        executions); ``entity_interface`` is not needed, actions carry their values."""
        from ...remote._handles import Action

        if not isinstance(execution, Action):
            raise invalid(
                "sync_task_execution",
                "execution must be an Action (from "
                f"ex.node_executions or Run.actions()), got {execution!r}",
            )
        return as_remote(self).sync_node_execution(execution)

    def get_execution_metrics(self, id: Any, depth: int = 10) -> ExecutionSpan:
        """The run's recorded action timings as a span tree ``depth`` levels deep; the root
        span is the run itself."""
        m = "get_execution_metrics"
        if isinstance(id, UnionExecution):
            ex = id
        else:
            run = getattr(id, "name", id)
            required(m, "id", run, "run", "get_execution_metrics(ex.id)")
            ex = as_remote(self).fetch_execution(
                getattr(id, "project", None), getattr(id, "domain", None), run
            )
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
            raise invalid(m, f"depth must be an int >= 1, got {depth!r}")
        actions = ex.run.refresh().actions()

        def span(a: Action, level: int) -> ExecutionSpan:
            kids = [span(c, level + 1) for c in a.children] if level < depth else []
            return ExecutionSpan(
                a.name, a.task_name, a.phase, a.attempts, a.started_at, a.ended_at, kids
            )

        roots = [span(a, 1) for a in actions if a.parent is None]
        r = ex.run
        return ExecutionSpan(
            r.name,
            r.task_name,
            r.phase,
            sum(s.attempts for s in roots),
            r.started_at,
            r.ended_at,
            roots,
        )
