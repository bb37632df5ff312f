"""``UnionRemote``'s executions: run a task, workflow or launch plan, find executions,
wait for them, refresh, stop, stream their events, recover them.

Decisions:

* The seed's parameter names and defaults are kept so Union SDK code pastes in unchanged.
  Options only a Union cloud gives meaning to (images, clusters, tags, ...) are accepted
  when ``None`` and refused otherwise: silently ignoring a setting that changes where or
  how code runs would be worse than an error saying it does not apply here.
* ``execute`` of a fetched version loads the registered code with the loader workers use,
  so it runs exactly what was registered; a launch plan is resolved to its workflow and
  merged inputs first (``_plans.py``), so its execution is an ordinary workflow run.
* ``project``/``domain`` are real fields of each run, so ``recent_executions`` and
  ``fetch_execution`` see only their own project.
* ``stream_execution_events`` is a plain generator over the backend's server-sent events
  (the seed's is async): notebook code iterates with ``for``, and it ends with the run.
* ``recover`` is flytekit's ``FlyteRemote.recover`` on the durable-runs machinery: a new
  run that reuses every action of the old one that succeeded (by its deterministic name and
  inputs, traces included) and runs only what failed or never ran
  (``flyte_nb/backend/_recovery.py`` says how), on this remote's own backend.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ...exceptions import RunNotFoundError
from ...remote._handles import Run
from ._args import arg, invalid, no_filters, required
from ._base import RemoteBase, as_remote
from ._models import RegisteredTask, UnionExecution

if TYPE_CHECKING:
    from ...remote._handles import Action

__all__ = ["ExecutionMethods"]


class ExecutionMethods(RemoteBase):
    """Running and following executions (part of ``UnionRemote``)."""

    def execute(
        self,
        entity: Any,
        inputs: Mapping[str, Any] | None = None,
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        version: str | None = None,
        execution_name: str | None = None,
        execution_name_prefix: str | None = None,
        image_config: Any = None,
        options: Any = None,
        wait: bool = False,
        type_hints: Any = None,
        overwrite_cache: bool | None = None,
        interruptible: bool | None = None,
        envs: Mapping[str, str] | None = None,
        tags: Any = None,
        cluster_pool: Any = None,
        execution_cluster_label: Any = None,
        serialization_settings: Any = None,
        **unknown: Any,
    ) -> UnionExecution:
        """Run a task or workflow (local, or from ``fetch_task``/``fetch_workflow``) or a
        launch plan (local, or from ``fetch_launch_plan``: its workflow, with its default and
        fixed inputs applied) with ``inputs``.

        A fetched entity runs in its own project/domain unless told otherwise. For a local
        task, ``name``/``version`` register it under that name/version first, as the seed
        registers a missing entity. ``wait=True`` returns once the execution ended.
        """
        __tracebackhide__ = True
        from ...client import submit_run
        from ...models import generate_random_name

        m = "execute"
        entity, inputs, plan = as_remote(self)._launch_target(m, entity, inputs)
        task, registered = as_remote(self)._task_of(entity)
        cloud_only = {
            "image_config": image_config,
            "options": options,
            "type_hints": type_hints,
            "interruptible": interruptible,
            "tags": tags,
            "cluster_pool": cluster_pool,
            "execution_cluster_label": execution_cluster_label,
            "serialization_settings": serialization_settings,
        }
        if unknown:  # a typo gets the same clear error as any other bad argument
            raise invalid(m, f"unexpected argument {min(unknown)!r}; see help(UnionRemote.execute)")
        for param, value in cloud_only.items():
            if value is not None:
                raise invalid(
                    m,
                    f"{param} is a Union cloud option with no meaning on the "
                    "flyte_nb backend; leave it out",
                )
        values = dict(arg(m, "inputs", inputs, "inputs", {}))
        session = self._scoped(m, project, domain, registered and registered.id)
        name, version = arg(m, "name", name, "str"), arg(m, "version", version, "str")
        run_name = arg(m, "execution_name", execution_name, "run")
        prefix = arg(m, "execution_name_prefix", execution_name_prefix, "run")
        if run_name is not None and prefix is not None:
            raise invalid(m, "pass execution_name or execution_name_prefix, not both")
        if prefix is not None:
            run_name = f"{prefix[:40].rstrip('-')}-{generate_random_name()}"
        arg(m, "wait", wait, "bool")
        arg(m, "overwrite_cache", overwrite_cache, "bool")
        arg(m, "envs", envs, "envs")
        if registered is not None and (name is not None or version is not None):
            raise invalid(
                m,
                "name/version register a local task; a fetched task is registered "
                "already (pick its version with fetch_task(version=...))",
            )
        if name is not None or version is not None:
            as_remote(self)._register(session, task, name or task.name, version)
        if overwrite_cache is None:
            overwrite_cache = plan.get("overwrite_cache")
        view = submit_run(
            session,
            task,
            (),
            values,
            name=run_name,
            overwrite_cache=bool(overwrite_cache),
            max_action_concurrency=plan.get("max_action_concurrency"),
            env_vars=dict(envs or {}),
        )
        execution = self._wrap(view, session.client)
        return self.wait(execution) if wait else execution

    def fetch_execution(
        self, project: str | None = None, domain: str | None = None, name: str | None = None
    ) -> UnionExecution:
        """The execution (run) called ``name`` in ``project``/``domain``."""
        m = "fetch_execution"
        session = self._scoped(m, project, domain)
        run_name: str = required(m, "name", name, "run", "fetch_execution(name='r3k0f...')")
        client, where = session.client, (session.project, session.domain)
        try:
            view = client.get_run(run_name)
        except RunNotFoundError:
            raise RunNotFoundError(
                f"UnionRemote.fetch_execution: no execution named {name!r} on "
                f"{client.endpoint}; list them with remote.recent_executions()"
            ) from None
        if (view["project"], view["domain"]) != where:
            raise RunNotFoundError(
                f"UnionRemote.fetch_execution: execution {name!r} is in project "
                f"{view['project']!r}, domain {view['domain']!r}, not {where[0]!r}/"
                f"{where[1]!r}; pass project={view['project']!r}, domain={view['domain']!r}"
            )
        return self._wrap(view, client)

    def recent_executions(
        self,
        project: str | None = None,
        domain: str | None = None,
        limit: int = 100,
        filters: Any = None,
    ) -> list[UnionExecution]:
        """Executions of ``project``/``domain``, newest first."""
        m = "recent_executions"
        no_filters(m, filters=filters)
        session = self._scoped(m, project, domain)
        found = session.client.list_runs(
            project=session.project, domain=session.domain, limit=arg(m, "limit", limit, "limit")
        )
        return [self._wrap(v, session.client) for v in found["items"]]

    def wait(
        self,
        execution: UnionExecution | Run,
        timeout: datetime.timedelta | float | None = None,
        poll_interval: datetime.timedelta | float | None = None,
        sync_nodes: bool = True,
    ) -> UnionExecution:
        """Block until the execution ended (``TimeoutError`` after ``timeout``). The backend
        answers the moment a run ends, so ``poll_interval`` is accepted but not needed."""
        ex = self._execution("wait", execution)
        seconds = arg("wait", "timeout", timeout, "seconds")
        arg("wait", "poll_interval", poll_interval, "seconds")
        if isinstance(seconds, datetime.timedelta):
            seconds = seconds.total_seconds()
        ex.run.wait(timeout=seconds)
        return self.sync_execution(ex, sync_nodes=sync_nodes)

    def sync(
        self,
        execution: UnionExecution | Run,
        entity_definition: Any = None,
        sync_nodes: bool = False,
    ) -> UnionExecution:
        """Same as ``sync_execution`` (the seed keeps both names)."""
        return self.sync_execution(execution, entity_definition, sync_nodes)

    def sync_execution(
        self,
        execution: UnionExecution | Run,
        entity_definition: Any = None,
        sync_nodes: bool = False,
    ) -> UnionExecution:
        """Refresh the execution's state; with ``sync_nodes`` also ``node_executions`` (its
        actions by name). A run carries its task, so ``entity_definition`` is not needed."""
        from ...tasks import TaskTemplate

        m = "sync_execution"
        ex = self._execution(m, execution)
        if entity_definition is not None and not isinstance(
            entity_definition, TaskTemplate | RegisteredTask
        ):
            raise invalid(m, f"entity_definition must be a task or None, got {entity_definition!r}")
        if arg(m, "sync_nodes", sync_nodes, "bool"):
            ex.node_executions = {a.name: a for a in ex.run.refresh().actions()}
        else:
            ex.run.refresh()
        return ex

    def terminate(self, execution: UnionExecution | Run, cause: str) -> None:
        """Abort the execution: running actions are killed, queued ones never start."""
        ex = self._execution("terminate", execution)
        required("terminate", "cause", cause, "str", "terminate(ex, cause='wrong inputs')")
        ex.run.abort(reason=cause)

    def stream_execution_events(
        self,
        execution: UnionExecution | Run,
        event_count: int | None = None,
        include_workflow_executions: bool = True,
        include_task_executions: bool = True,
        include_node_executions: bool = True,
    ) -> Iterator[dict[str, Any]]:
        """Live events of one execution, ending when it does: ``run`` events (workflow
        executions), ``action`` events (node and task executions) and ``log`` lines (task
        executions' output). ``event_count`` stops after that many events."""
        m = "stream_execution_events"
        ex = self._execution(m, execution)
        arg(m, "event_count", event_count, "limit")
        wf = arg(m, "include_workflow_executions", include_workflow_executions, "bool")
        task = arg(m, "include_task_executions", include_task_executions, "bool")
        node = arg(m, "include_node_executions", include_node_executions, "bool")
        return self._events(ex, {"run": wf, "action": node or task, "log": task}, event_count)

    @staticmethod
    def _events(
        ex: UnionExecution, kinds: dict[str, bool], count: int | None
    ) -> Iterator[dict[str, Any]]:
        sent = 0
        for event in ex.run.watch():
            if kinds.get(event["kind"], False):
                yield event
                sent += 1
                if count is not None and sent >= count:
                    return

    def generate_console_url(self, entity: UnionExecution | Run | RegisteredTask) -> str:
        """The backend URL of an execution's run record, or of a registered task. The console
        itself is the JupyterLab panel, which reads these same records."""
        if isinstance(entity, UnionExecution):
            return self.client.run_url(entity.run.name)
        if isinstance(entity, Run):
            return self.client.run_url(entity.name)
        if isinstance(entity, RegisteredTask):
            return self.client.tasks_url(**dataclasses.asdict(entity.id))
        raise invalid(
            "generate_console_url",
            "entity must be an execution (from execute or "
            f"fetch_execution), a Run or a registered task, got {entity!r}",
        )

    def recover(
        self,
        execution: UnionExecution | Run,
        name: str | None = None,
        env_vars: dict[str, str] | None = None,
    ) -> UnionExecution:
        """A new execution that reuses what ``execution`` finished and runs only the rest.

        ``execution`` must have ended (a failed or aborted one is the usual case); ``name``
        names the new execution, ``env_vars`` are added to the old one's.
        """
        m = "recover"
        ex = self._execution(m, execution)
        if name is not None and (not isinstance(name, str) or not name):
            raise invalid(m, f"name must be a run name or None, got {name!r}")
        if env_vars is not None and not (
            isinstance(env_vars, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in env_vars.items())
        ):
            raise invalid(m, f"env_vars must be a dict of strings, got {env_vars!r}")
        view = self.client.recover_run(ex.run.name, {"name": name, "env_vars": env_vars or {}})
        return self._wrap(view, self.client)

    def sync_node_execution(self, execution: Action, node_mapping: Any = None) -> Action:
        """A fresh copy of node execution (action) ``execution``: phase, attempts, error."""
        from ...remote._handles import Action, Run

        if not isinstance(execution, Action):
            raise invalid(
                "sync_node_execution",
                "execution must be a node execution (an Action "
                f"from ex.node_executions), got {execution!r}",
            )
        return Run.get(execution.run_name).action(execution.name)
