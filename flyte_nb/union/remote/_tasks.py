"""``UnionRemote``'s registered tasks: register a task version, fetch one, list a version.

Decisions:

* Registering a task stores its code reference (module + qualname, or a bundle blob,
  uploaded first) and the spec runs are submitted with, so ``execute`` of a fetched version
  loads that code with the loader workers use and runs exactly what was registered.
* The default version is the task's cache version, a digest of its source; versions are
  immutable, so registering an existing one returns the stored version unchanged.
* A workflow is a task to the backend (``WorkflowTemplate`` is a ``TaskTemplate``), so the
  workflow and launch plan methods (``_plans.py``) register through ``_register`` too.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from ...exceptions import RunNotFoundError
from ._args import EntityNotSupportedError, arg, invalid, required
from ._base import RemoteBase
from ._models import RegisteredTask

if TYPE_CHECKING:
    from ...client import Session
    from ...tasks import TaskTemplate
    from ...wire import RegisterTaskBody

__all__ = ["TaskMethods", "registration"]


class TaskMethods(RemoteBase):
    """Registering and fetching task versions (part of ``UnionRemote``)."""

    def register_task(
        self, entity: TaskTemplate, serialization_settings: Any = None, version: str | None = None
    ) -> RegisteredTask:
        """Store the task's code and spec as ``version`` (default: its cache version, a
        digest of its source) in the default project/domain, or those of
        ``serialization_settings`` (a ``flyte_nb.models.SerializationContext``). Versions
        are immutable: registering an existing one returns the stored version unchanged."""
        from ...models import SerializationContext
        from ...tasks import TaskTemplate

        m = "register_task"
        if not isinstance(entity, TaskTemplate):
            raise invalid(
                m, f"entity must be a task (a function decorated with @env.task), got {entity!r}"
            )
        settings = serialization_settings
        if settings is not None and not isinstance(settings, SerializationContext):
            raise invalid(
                m,
                "serialization_settings must be a flyte_nb.models."
                f"SerializationContext or None, got {settings!r}",
            )
        version = arg(m, "version", version, "str", settings.version if settings else None)
        session = self._scoped(m, settings and settings.project, settings and settings.domain)
        return self._register(session, entity, entity.name, version)

    @staticmethod
    def _register(
        session: Session, task: TaskTemplate, name: str, version: str | None
    ) -> RegisteredTask:
        view = session.client.register_task(registration(session, task, name, version))
        return RegisteredTask.from_view(view)

    def fetch_task(
        self,
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        version: str | None = None,
    ) -> RegisteredTask:
        """A registered task: that ``version``, or the latest one registered."""
        m = "fetch_task"
        session = self._scoped(m, project, domain)
        required(m, "name", name, "str", "fetch_task(name='my_env.my_task')")
        items = session.client.list_tasks(
            project=session.project,
            domain=session.domain,
            name=name,
            version=arg(m, "version", version, "str"),
            limit=1,
        )
        if not items:
            which = f"version {version!r} of " if version else ""
            raise RunNotFoundError(
                f"UnionRemote.fetch_task: no {which}task {name!r} registered in "
                f"{session.project}/{session.domain}; register it with remote.register_task"
            )
        return RegisteredTask.from_view(items[0])

    def list_tasks_by_version(
        self,
        version: str,
        project: str | None = None,
        domain: str | None = None,
        limit: int = 100,
    ) -> list[RegisteredTask]:
        """Every task registered as ``version`` in ``project``/``domain``, newest first."""
        m = "list_tasks_by_version"
        required(m, "version", version, "str", "list_tasks_by_version('v1')")
        session = self._scoped(m, project, domain)
        items = session.client.list_tasks(
            project=session.project,
            domain=session.domain,
            version=version,
            limit=arg(m, "limit", limit, "limit"),
        )
        return [RegisteredTask.from_view(v) for v in items]

    def _task_of(self, entity: Any) -> tuple[TaskTemplate, RegisteredTask | None]:
        from ...bundle import CodeRef, load_task
        from ...tasks import TaskTemplate

        if isinstance(entity, TaskTemplate):
            return entity, None
        if isinstance(entity, RegisteredTask):
            return load_task(CodeRef.from_dict(entity.ref), self.client.get_blob), entity
        hint = " (decorate it with @env.task)" if callable(entity) else ""
        raise EntityNotSupportedError(
            f"UnionRemote.execute runs tasks: a function decorated with @env.task, or a task "
            f"from fetch_task(); got {entity!r}{hint}. Workflows and launch plans run too: pass "
            "a @workflow, a LaunchPlan, or what fetch_workflow()/fetch_launch_plan() returned"
        )


def registration(
    session: Session, task: TaskTemplate, name: str, version: str | None
) -> RegisterTaskBody:
    """The POST /tasks body for ``task``, its code bundle (if any) uploaded first. The
    default version is the task's cache version: a digest of its source."""
    from ...bundle import pack_task
    from ...engine._action_spec import task_spec

    if version is None:
        try:
            version = task.cache_version()
        except Exception as exc:
            raise invalid(
                "register_task",
                f"cannot derive a version of {task.name!r} from "
                f"its source ({exc}); pass version='...'",
            ) from exc
    ref, bundle = pack_task(
        task, interactive=session.interactive_mode, size_limit=session.bundle_size_limit
    )
    if bundle is not None and ref.digest is not None:
        session.client.put_blob(ref.digest, bundle)
    fmt = inspect.formatannotation
    interface = {
        "inputs": {n: fmt(t) for n, (t, _) in task.interface.inputs.items()},
        "outputs": {n: fmt(t) for n, t in task.interface.outputs.items()},
    }
    spec = task_spec(task, ref.to_dict())
    if ref.kind == "module":  # the backend may start it itself (schedules): say where it is
        from ...client._submit import import_path

        spec["sys_path"] = import_path()
    return {
        "project": session.project,
        "domain": session.domain,
        "name": name,
        "version": version,
        "spec": spec,
        "interface": interface,
    }
