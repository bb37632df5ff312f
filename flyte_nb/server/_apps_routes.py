"""Routes for apps (deploy, list, read, stop, redeploy, logs) and RunOutput resolution.

Decisions:
- An app is addressed like a launch plan, ``/api/v1/apps/{project}/{domain}/{name}``;
  deploying is ``POST /api/v1/apps`` with the spec ``AppEnvironment.to_spec()`` builds,
  and answers at once (201, state PENDING): deploying takes as long as the app takes to
  open its port, so clients poll the app (``flyte_nb.remote.App.watch``).
- ``POST .../deploy`` deploys the recorded spec again as a new revision, resolving every
  ``RunOutput`` afresh: the panel's "redeploy" after a new training run.
- Each app's ``parameters`` list the values it received and, for a ``RunOutput``, the run
  it resolved to (``run``, ``task_name``), which is what the panel links to.
- ``POST /api/v1/run-outputs/resolve`` serves ``RunOutput.get()`` in a kernel connected to
  this backend: it answers the run and its output in the stored encoding, which the kernel
  decodes (the backend itself never unpickles user values).
- Handlers that change apps are ``async`` (the supervisor lives on the backend's loop);
  reads are plain functions run in the thread pool. Logic lives in
  ``flyte_nb.backend._apps`` and ``flyte_nb.app._resolve``, each with its own tests.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query
from pydantic import Field, model_validator

from ..app import RunOutput
from ..backend import Backend, BackendError
from ..exceptions import FlyteValidationException, RunNotFoundError
from ._common import ERRORS, After, not_found
from ._schemas import NAME, SCOPE, Out, Strict

APP = "/api/v1/apps/{project}/{domain}/{name}"
STATES = ("PENDING", "DEPLOYING", "ACTIVE", "FAILED", "STOPPED")
_PARAM = r"^[A-Za-z_][A-Za-z0-9_-]{0,62}$"
_ENV = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"


class ParameterSpec(Strict):
    name: str = Field(pattern=_PARAM)
    type: Literal["string", "file", "directory"]
    value: str | None = Field(default=None, description="a string, or a path or URI")
    run_output: RunOutput | None = Field(default=None, description="resolved at deploy")
    env_var: str | None = Field(default=None, pattern=_ENV)
    download: bool = False
    mount: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ParameterSpec:
        if (self.value is None) == (self.run_output is None):
            raise ValueError(f"parameter {self.name!r} needs exactly one of value, run_output")
        if self.run_output is not None and self.run_output.type != self.type:
            raise ValueError(f"parameter {self.name!r}: run_output.type must equal type")
        if self.type == "string" and (self.download or self.mount):
            raise ValueError(f"parameter {self.name!r}: a string cannot be downloaded")
        return self


class AppSpec(Strict):
    """What ``AppEnvironment.to_spec()`` produces."""

    name: str = Field(pattern=NAME)
    argv: list[str] = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    env: dict[str, str] = {}
    parameters: list[ParameterSpec] = []
    resources: dict[str, Any] | None = None
    replicas: tuple[int, int] = (0, 1)
    requires_auth: bool = True
    description: str | None = None
    cwd: str | None = None

    @model_validator(mode="after")
    def _unique(self) -> AppSpec:
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError("parameter names must be unique")
        if self.replicas[0] > 1 or self.replicas[0] > self.replicas[1]:
            raise ValueError("replicas: this backend runs one process per app (min <= 1)")
        return self


class DeployApp(Strict):
    project: str = Field(default="default", pattern=SCOPE)
    domain: str = Field(default="development", pattern=SCOPE)
    version: str | None = Field(default=None, min_length=1, max_length=128)
    spec: AppSpec


class ResolvedParameter(Out):
    name: str
    type: str
    env_var: str | None
    value: str = Field(description="what the app received")
    source: str = Field(description="the value before download: a path, URI or string")
    run: str | None = Field(description="the run a RunOutput resolved to")
    task_name: str | None


class AppModel(Out):
    project: str
    domain: str
    name: str
    revision: int
    state: Literal["PENDING", "DEPLOYING", "ACTIVE", "FAILED", "STOPPED"]
    reason: str | None
    desired_state: Literal["ACTIVE", "STOPPED"]
    version: str | None
    port: int
    endpoint: str
    pid: int | None
    restarts: int
    created_at: float
    updated_at: float
    deployed_at: float
    active_at: float | None
    spec: dict[str, Any]
    parameters: list[ResolvedParameter]


class AppList(Out):
    items: list[AppModel]


class AppLogLine(Out):
    id: int
    revision: int
    stream: str
    ts: float
    text: str


class AppLogs(Out):
    items: list[AppLogLine]


class ResolveRunOutput(Strict):
    run_output: RunOutput
    project: str = Field(default="default", pattern=SCOPE)
    domain: str = Field(default="development", pattern=SCOPE)
    current_version: str | None = None


class ResolvedRunOutput(Out):
    run: str
    task_name: str
    output: Any = Field(description="the run's one output, in the stored encoding")


def add_app_routes(app: FastAPI, backend: Backend) -> None:
    apps = backend.apps

    @app.post("/api/v1/apps", status_code=201, response_model=AppModel, responses=ERRORS)
    async def deploy_app(body: DeployApp) -> dict[str, Any]:
        """Deploy (or replace) an app; it starts PENDING and becomes ACTIVE or FAILED."""
        spec = body.spec.model_dump(mode="json")
        return await apps.deploy(body.project, body.domain, spec, body.version)

    @app.get("/api/v1/apps", response_model=AppList, responses=ERRORS)
    def list_apps(
        project: str | None = None,
        domain: str | None = None,
        state: Literal["PENDING", "DEPLOYING", "ACTIVE", "FAILED", "STOPPED"] | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        """Apps, most recently deployed first."""
        return {"items": apps.list_apps(project=project, domain=domain, state=state, limit=limit)}

    @app.get(APP, response_model=AppModel, responses=ERRORS)
    def get_app(project: str, domain: str, name: str) -> dict[str, Any]:
        view = apps.get((project, domain, name))
        if view is None:
            raise not_found(
                f"no app named {name!r} in {project}/{domain}; list apps with GET /api/v1/apps"
            )
        return view

    @app.post(APP + "/stop", response_model=AppModel, responses=ERRORS)
    async def stop_app(project: str, domain: str, name: str) -> dict[str, Any]:
        """Stop the app's process; it stays STOPPED, also across backend restarts."""
        return await apps.stop_app((project, domain, name))

    @app.post(APP + "/deploy", response_model=AppModel, responses=ERRORS)
    async def redeploy_app(project: str, domain: str, name: str) -> dict[str, Any]:
        """Deploy the recorded spec again (a new revision; RunOutputs resolve afresh)."""
        return await apps.redeploy((project, domain, name))

    @app.get(APP + "/logs", response_model=AppLogs, responses=ERRORS)
    def app_logs(
        project: str,
        domain: str,
        name: str,
        after: After = 0,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        revision: Annotated[int | None, Query(ge=1)] = None,
    ) -> dict[str, Any]:
        """Captured output lines after the id ``after`` (of one revision, or all kept)."""
        return {"items": apps.logs((project, domain, name), after, limit, revision)}

    @app.post("/api/v1/run-outputs/resolve", response_model=ResolvedRunOutput, responses=ERRORS)
    def resolve_run_output(body: ResolveRunOutput) -> dict[str, Any]:
        """The run a RunOutput names (or the newest that matches) and its one output."""
        from ..app._resolve import find_run, single_output

        try:
            row = find_run(
                backend.engine,
                body.run_output,
                project=body.project,
                domain=body.domain,
                current_version=body.current_version,
            )
            output = single_output(row)
        except RunNotFoundError as exc:
            raise not_found(str(exc)) from None
        except FlyteValidationException as exc:
            raise BackendError(400, "bad_request", str(exc)) from None
        return {"run": row["name"], "task_name": row["task_name"], "output": output}
