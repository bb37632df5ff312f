"""``UnionRemote``: the Union SDK's remote client, over the flyte_nb backend.

    remote = fl.UnionRemote()                       # the fl.init() backend; starts one if none
    ex = remote.execute(square, inputs={"x": 3}, wait=True)
    ex.outputs["o0"]                                # 9

Design decisions:

* A ``UnionRemote`` is a view of the kernel's ``fl.init()`` session, not a connection of its
  own: each call asks for the current session (opening one, as ``fl.run`` does, when there
  is none). ``fl.remote.Run`` handles, ``fl.run`` and every ``UnionRemote`` therefore always
  talk to the same backend, and a later ``fl.init()`` redirects them all at once.
  ``endpoint=``/``token=`` are ``fl.init(endpoint, token=...)`` done for you.
* The seed's parameter names and defaults are kept so Union SDK code pastes in unchanged.
  Options only a Union cloud gives meaning to (images, clusters, tags, ...) are accepted
  when ``None`` and refused otherwise: silently ignoring a setting that changes where or
  how code runs would be worse than an error saying it does not apply here.
* ``project``/``domain`` default to the remote's ``default_project``/``default_domain``,
  else the session's (``fl.init(project=...)``), as in the seed. They are real fields of
  each run, so ``recent_executions`` and ``fetch_execution`` see only their own project.
* Registering a task stores its code reference (module + qualname, or a bundle blob) and
  the task spec runs are submitted with; ``execute`` of a fetched version loads that code
  with the loader workers use, so it runs exactly what was registered.
* ``stream_execution_events`` is a plain generator over the backend's server-sent events
  (the seed's is async): notebook code iterates with ``for``, and it ends with the run.
* Uploads go to the backend's content-addressed blob store; ``upload_file`` still returns
  the seed's ``(md5 bytes, uri)``, with URIs of the form ``flyte-nb://blobs/<sha256>``.
* Argument rules, blob transfer and the registration payload are plain functions in
  ``_union_models.py``, next to the values returned, so this module reads as the API.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import pathlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..exceptions import RunNotFoundError
from ._run import Run
from ._union_apps import AppMethods
from ._union_artifacts import ArtifactMethods
from ._union_backfill import BackfillMethods
from ._union_fetch import FetchMethods
from ._union_hosted import HostedMethods
from ._union_models import (
    MAX_LIMIT,
    Domain,
    EntityNotSupportedError,
    Project,
    RegisteredTask,
    UnionExecution,
    arg,
    download_blobs,
    invalid,
    no_filters,
    registration,
    required,
    upload_blob,
)
from ._union_package import PackageMethods
from ._union_plans import LaunchPlanMethods
from ._union_recover import RecoverMethods
from ._union_signals import SignalMethods

if TYPE_CHECKING:
    from ..client import BackendClient, Session
    from ..tasks import TaskTemplate

__all__ = ["UnionRemote"]


class UnionRemote(
    LaunchPlanMethods, SignalMethods, BackfillMethods, AppMethods, ArtifactMethods, FetchMethods,
    HostedMethods, PackageMethods, RecoverMethods,
):  # fmt: skip
    """Run, find and manage executions, registered tasks, workflows and launch plans on the
    flyte_nb backend (workflow and launch plan methods: ``_union_plans.py``; seed variants:
    ``_union_fetch.py``, ``_union_hosted.py``, ``_union_package.py``).

    ``config`` may be an endpoint URL (same as ``endpoint=``). ``data_upload_location`` is
    accepted for compatibility: uploads always go to the backend's blob store. ``kwargs``
    takes ``endpoint=`` and ``token=`` (the seed's are gRPC client options).
    """

    def __init__(
        self,
        config: str | None = None,
        default_project: str | None = None,
        default_domain: str | None = None,
        data_upload_location: str | None = None,
        interactive_mode_enabled: bool | None = None,
        **kwargs: Any,
    ) -> None:
        from ..client import connect, current

        m = "__init__"
        endpoint, token = kwargs.pop("endpoint", None), kwargs.pop("token", None)
        if kwargs:
            raise invalid(m, f"unexpected arguments {sorted(kwargs)}: Union's gRPC client "
                          "options have no meaning here; pass endpoint= and token=")  # fmt: skip
        if config is not None and endpoint is not None:
            raise invalid(m, "pass the endpoint once: config=<url> or endpoint=<url>")
        endpoint = arg(m, "config" if config else "endpoint", config or endpoint, "url")
        if arg(m, "token", token, "str") is not None and endpoint is None:
            raise invalid(m, "token= goes with endpoint=<url>; without one the remote uses this "
                          "kernel's fl.init() backend, which needs no token")  # fmt: skip
        arg(m, "data_upload_location", data_upload_location, "str")
        self._project: str | None = arg(m, "default_project", default_project, "scope")
        self._domain: str | None = arg(m, "default_domain", default_domain, "scope")
        self.interactive_mode_enabled: bool | None = arg(
            m, "interactive_mode_enabled", interactive_mode_enabled, "bool"
        )
        session = current()
        if endpoint is not None and (session is None or session.endpoint != endpoint.rstrip("/")):
            connect(endpoint, token=token)
        elif session is None:
            connect()

    # -- the session -----------------------------------------------------------------------
    def _session(self, project: str | None = None, domain: str | None = None) -> Session:
        from ..client import connect, current

        session = current() or connect()
        changes: dict[str, Any] = {"project": project or self._project or session.project,
                                   "domain": domain or self._domain or session.domain}  # fmt: skip
        if self.interactive_mode_enabled is not None:
            changes["interactive_mode"] = self.interactive_mode_enabled
        return dataclasses.replace(session, **changes)

    def _scoped(self, method: str, project: Any, domain: Any, home: Any = None) -> Session:
        """The session with ``project``/``domain`` checked and applied (``home``: defaults)."""
        return self._session(
            arg(method, "project", project, "scope", home and home.project),
            arg(method, "domain", domain, "scope", home and home.domain),
        )

    @property
    def client(self) -> BackendClient:
        """The backend's HTTP client, for calls this class does not wrap."""
        return self._session().client

    @property
    def endpoint(self) -> str:
        return self._session().endpoint

    @property
    def default_project(self) -> str:
        return self._session().project

    @property
    def default_domain(self) -> str:
        return self._session().domain

    @contextmanager
    def remote_context(self) -> Iterator[UnionRemote]:
        """The seed's remote-specific context: nothing needs setting up here; yields self."""
        yield self

    # -- executions ------------------------------------------------------------------------
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
        from ..client import submit_run
        from ..models import generate_random_name

        m = "execute"
        entity, inputs, plan = self._launch_target(m, entity, inputs)
        task, registered = self._task_of(entity)
        cloud_only = {"image_config": image_config, "options": options, "type_hints": type_hints,
                      "interruptible": interruptible, "tags": tags, "cluster_pool": cluster_pool,
                      "execution_cluster_label": execution_cluster_label,
                      "serialization_settings": serialization_settings}  # fmt: skip
        if unknown:  # a typo gets the same clear error as any other bad argument
            raise invalid(m, f"unexpected argument {min(unknown)!r}; see help(UnionRemote.execute)")
        for param, value in cloud_only.items():
            if value is not None:
                raise invalid(m, f"{param} is a Union cloud option with no meaning on the "
                              "flyte_nb backend; leave it out")  # fmt: skip
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
            raise invalid(m, "name/version register a local task; a fetched task is registered "
                          "already (pick its version with fetch_task(version=...))")  # fmt: skip
        if name is not None or version is not None:
            self._register(session, task, name or task.name, version)
        if overwrite_cache is None:
            overwrite_cache = plan.get("overwrite_cache")
        view = submit_run(session, task, (), values, name=run_name,
                          overwrite_cache=bool(overwrite_cache),
                          max_action_concurrency=plan.get("max_action_concurrency"),
                          env_vars=dict(envs or {}))  # fmt: skip
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
        self, project: str | None = None, domain: str | None = None, limit: int = 100,
        filters: Any = None,
    ) -> list[UnionExecution]:  # fmt: skip
        """Executions of ``project``/``domain``, newest first."""
        m = "recent_executions"
        no_filters(m, filters=filters)
        session = self._scoped(m, project, domain)
        found = session.client.list_runs(
            project=session.project, domain=session.domain, limit=arg(m, "limit", limit, "limit")
        )
        return [self._wrap(v, session.client) for v in found["items"]]

    def wait(
        self, execution: UnionExecution | Run, timeout: datetime.timedelta | float | None = None,
        poll_interval: datetime.timedelta | float | None = None, sync_nodes: bool = True,
    ) -> UnionExecution:  # fmt: skip
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
        self, execution: UnionExecution | Run, entity_definition: Any = None,
        sync_nodes: bool = False,
    ) -> UnionExecution:  # fmt: skip
        """Same as ``sync_execution`` (the seed keeps both names)."""
        return self.sync_execution(execution, entity_definition, sync_nodes)

    def sync_execution(
        self, execution: UnionExecution | Run, entity_definition: Any = None,
        sync_nodes: bool = False,
    ) -> UnionExecution:  # fmt: skip
        """Refresh the execution's state; with ``sync_nodes`` also ``node_executions`` (its
        actions by name). A run carries its task, so ``entity_definition`` is not needed."""
        from ..tasks import TaskTemplate

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
        self, execution: UnionExecution | Run, event_count: int | None = None,
        include_workflow_executions: bool = True, include_task_executions: bool = True,
        include_node_executions: bool = True,
    ) -> Iterator[dict[str, Any]]:  # fmt: skip
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
        raise invalid("generate_console_url", "entity must be an execution (from execute or "
                      f"fetch_execution), a Run or a registered task, got {entity!r}")  # fmt: skip

    # -- projects, domains, data -----------------------------------------------------------
    def list_projects(
        self, limit: int | None = 100, filters: Any = None, sort_by: Any = None
    ) -> list[Project]:
        """Projects with a run or a registered task, plus ``default``; sorted by name."""
        no_filters("list_projects", filters=filters, sort_by=sort_by)
        count = arg("list_projects", "limit", limit, "limit", MAX_LIMIT)
        return [Project(id=n, name=n) for n in self.client.projects()["projects"][:count]]

    def get_domains(self) -> list[Domain]:
        """The domains runs and tasks can be recorded in."""
        return [Domain(id=d, name=d) for d in self.client.projects()["domains"]]

    def upload_file(
        self, to_upload: pathlib.Path, project: str | None = None, domain: str | None = None,
        filename_root: str | None = None,
    ) -> tuple[bytes, str]:  # fmt: skip
        """Store a file in the backend's blob store: ``(md5 digest bytes, uri)``. Blobs are
        content-addressed and shared by all projects: the same bytes are stored once."""
        m = "upload_file"
        path = pathlib.Path(required(m, "to_upload", to_upload, "path", "Path('data.csv')"))
        if not path.is_file():
            raise invalid(m, f"to_upload {str(path)!r} is not a file; pass an existing file's path")
        arg(m, "project", project, "scope")
        arg(m, "domain", domain, "scope")
        arg(m, "filename_root", filename_root, "str")
        return upload_blob(self.client, path)

    def download(
        self, data: str | Mapping[str, str], download_to: str | os.PathLike[str],
        recursive: bool = True,
    ) -> pathlib.Path:  # fmt: skip
        """Write a blob (a ``flyte-nb://blobs/<sha256>`` URI or digest) to ``download_to``
        (into it, named by digest, when that is a folder). With ``recursive``, a dict of
        name to URI becomes one file per name in the folder ``download_to``."""
        m = "download"
        target = pathlib.Path(required(m, "download_to", download_to, "path", "'out.bin'"))
        if not arg(m, "recursive", recursive, "bool") and isinstance(data, Mapping):
            raise invalid(m, "a dict of blobs needs recursive=True (one file per name)")
        return download_blobs(self.client, data, target)

    # -- tasks -----------------------------------------------------------------------------
    def register_task(
        self, entity: TaskTemplate, serialization_settings: Any = None, version: str | None = None
    ) -> RegisteredTask:
        """Store the task's code and spec as ``version`` (default: its cache version, a
        digest of its source) in the default project/domain, or those of
        ``serialization_settings`` (a ``flyte_nb.models.SerializationContext``). Versions
        are immutable: registering an existing one returns the stored version unchanged."""
        from ..models import SerializationContext
        from ..tasks import TaskTemplate

        m = "register_task"
        if not isinstance(entity, TaskTemplate):
            raise invalid(m, f"entity must be a task (a function decorated with @env.task), "
                          f"got {entity!r}")  # fmt: skip
        settings = serialization_settings
        if settings is not None and not isinstance(settings, SerializationContext):
            raise invalid(m, "serialization_settings must be a flyte_nb.models."
                          f"SerializationContext or None, got {settings!r}")  # fmt: skip
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
        self, project: str | None = None, domain: str | None = None, name: str | None = None,
        version: str | None = None,
    ) -> RegisteredTask:  # fmt: skip
        """A registered task: that ``version``, or the latest one registered."""
        m = "fetch_task"
        session = self._scoped(m, project, domain)
        required(m, "name", name, "str", "fetch_task(name='my_env.my_task')")
        items = session.client.list_tasks(
            project=session.project, domain=session.domain, name=name,
            version=arg(m, "version", version, "str"), limit=1,
        )  # fmt: skip
        if not items:
            which = f"version {version!r} of " if version else ""
            raise RunNotFoundError(
                f"UnionRemote.fetch_task: no {which}task {name!r} registered in "
                f"{session.project}/{session.domain}; register it with remote.register_task"
            )
        return RegisteredTask.from_view(items[0])

    def list_tasks_by_version(
        self, version: str, project: str | None = None, domain: str | None = None,
        limit: int = 100,
    ) -> list[RegisteredTask]:  # fmt: skip
        """Every task registered as ``version`` in ``project``/``domain``, newest first."""
        m = "list_tasks_by_version"
        required(m, "version", version, "str", "list_tasks_by_version('v1')")
        session = self._scoped(m, project, domain)
        items = session.client.list_tasks(
            project=session.project, domain=session.domain, version=version,
            limit=arg(m, "limit", limit, "limit"),
        )  # fmt: skip
        return [RegisteredTask.from_view(v) for v in items]

    # -- helpers ---------------------------------------------------------------------------
    def _task_of(self, entity: Any) -> tuple[TaskTemplate, RegisteredTask | None]:
        from ..bundle import CodeRef, load_task
        from ..tasks import TaskTemplate

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

    def _execution(self, method: str, execution: Any) -> UnionExecution:
        if isinstance(execution, UnionExecution):
            return execution
        if isinstance(execution, Run):
            return self.fetch_execution(execution.project, execution.domain, execution.name)
        raise invalid(method, "execution must be what execute() or fetch_execution() returned "
                      f"(or a fl.remote.Run), got {execution!r}")  # fmt: skip

    @staticmethod
    def _wrap(view: dict[str, Any], client: BackendClient) -> UnionExecution:
        from ._sources import RemoteSource

        source = RemoteSource(client)
        return UnionExecution(Run(view, source=source), source)

    def __repr__(self) -> str:
        return f"UnionRemote(project={self.default_project!r}, domain={self.default_domain!r})"
