"""The backend's HTTP client: one place that knows URLs, auth and the error shape.

Every answer outside 2xx carries ``{"error": {"code", "message"}}``; it becomes the
flyte_nb exception a user would expect (``RunNotFoundError`` for a 404,
``FlyteValidationException`` for a 400, ...), with the server's message, which already
says what to fix. A server that does not answer at all gets ``BackendUnavailableError``
saying how to start one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import httpx

from ..exceptions import (
    BackendAuthError,
    BackendUnavailableError,
    FlyteNbException,
    FlyteValidationException,
    RunNotFoundError,
    SecretNotFoundError,
)

if TYPE_CHECKING:
    from ..wire import (
        AnswerSignalBody,
        AppLogLine,
        AppView,
        CreateRunBody,
        DeployAppBody,
        HealthView,
        LaunchPlanView,
        ProjectsView,
        RecoverBody,
        RegisterLaunchPlanBody,
        RegisterTaskBody,
        ResolvedRunOutputView,
        ResolveRunOutputBody,
        SignalView,
        TaskView,
    )

_CHUNK = 1 << 20  # bytes per piece of a streamed blob
API_PREFIX = "/api/v1"  # every backend route lives below it


class BackendClient:
    """``home``: the home folder whose server this is (``fl.init()`` without an endpoint).
    When that server cannot be reached, the client follows the home: it asks the home for
    its server now (restarted on another port, or started anew on demand) and retries
    once, so ``Run`` handles made before a restart keep working."""

    def __init__(
        self, endpoint: str, token: str, timeout: float = 30.0, home: Path | None = None
    ) -> None:
        self._timeout = timeout
        self._home = home
        self._open(endpoint, token)
        self._uploaded: set[str] = set()

    def _open(self, endpoint: str, token: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._http = httpx.Client(
            base_url=self.endpoint + API_PREFIX,
            headers={"Authorization": f"Bearer {token}"},
            timeout=self._timeout,
        )

    def close(self) -> None:
        self._http.close()

    # -- plumbing ------------------------------------------------------------------------
    def _follow_home(self) -> bool:
        """Point at the home's server as it is now; False when there is no home to ask."""
        if self._home is None:
            return False
        from ._daemon import ensure_server

        try:
            info = ensure_server(self._home)
        except FlyteNbException:
            return False
        old = self._http
        self._open(info.url, info.token)
        old.close()
        return True

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.ConnectError:  # nothing was sent: safe to retry any method
                if not self._follow_home():
                    raise
                response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise BackendUnavailableError(
                f"the flyte_nb backend at {self.endpoint} did not answer ({exc}); start it "
                "with `flyte-nb server start` or call fl.init() again"
            ) from None
        if response.status_code >= 400 and method != "HEAD":
            raise _error(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()

    # -- runs ----------------------------------------------------------------------------
    def create_run(self, body: CreateRunBody) -> dict[str, Any]:
        return self.json("POST", "/runs", json=body)

    def get_run(self, name: str) -> dict[str, Any]:
        return self.json("GET", f"/runs/{name}")

    def wait_run(self, name: str, timeout: float, outputs: bool = False) -> dict[str, Any]:
        """The run once finished (or after ``timeout`` s); ``outputs``: with a succeeded
        run's encoded outputs under "outputs"."""
        params: dict[str, Any] = {"timeout": timeout}
        if outputs:
            params["outputs"] = "true"
        return self.json("GET", f"/runs/{name}/wait", params=params, timeout=timeout + 30)

    def list_runs(self, **params: Any) -> dict[str, Any]:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.json("GET", "/runs", params=clean)

    def abort_run(self, name: str, reason: str | None = None) -> dict[str, Any]:
        params = {"reason": reason} if reason else None
        return self.json("POST", f"/runs/{name}/abort", params=params)

    def run_values(self, name: str, which: str) -> dict[str, Any]:
        return self.json("GET", f"/runs/{name}/{which}")["values"]

    def actions(self, run: str, summary: bool = False) -> list[dict[str, Any]]:
        params = {"summary": "true"} if summary else None
        return self.json("GET", f"/runs/{run}/actions", params=params)["items"]

    def tree(self, run: str, max_children: int) -> dict[str, Any]:
        return self.json("GET", f"/runs/{run}/tree", params={"max_children": max_children})

    def action(self, run: str, name: str) -> dict[str, Any]:
        return self.json("GET", f"/runs/{run}/actions/{name}")

    def action_values(self, run: str, name: str, which: str) -> dict[str, Any]:
        data = self.json("GET", f"/runs/{run}/actions/{name}/{which}")
        return data["values"]

    def abort_action(self, run: str, name: str) -> dict[str, Any]:
        return self.json("POST", f"/runs/{run}/actions/{name}/abort")

    def logs(self, run: str, action: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"after": after}
        if action is not None:
            params["action"] = action
        return self.json("GET", f"/runs/{run}/logs", params=params)["items"]

    def docs(
        self, run: str, action: str | None = None, attempt: int | None = None
    ) -> list[dict[str, Any]]:
        """Index entries of decks and reports: of the whole run, or of one action."""
        path = f"/runs/{run}/docs" if action is None else f"/runs/{run}/actions/{action}/docs"
        params = {"attempt": attempt} if attempt is not None else None
        return self.json("GET", path, params=params)["items"]

    def doc(
        self, run: str, action: str, kind: str, name: str, attempt: int | None = None
    ) -> dict[str, Any]:
        """One deck or report: its index entry and ``html``."""
        params = {"attempt": attempt} if attempt is not None else None
        # Names are user text: quote everything, "/" included (the route decodes it).
        path = f"/runs/{run}/actions/{action}/docs/{kind}/{quote(name, safe='')}"
        return self.json("GET", path, params=params)

    def events(self, path: str, **params: Any) -> Iterator[tuple[str, Any]]:
        """Server-sent events as (kind, data) pairs, until the server ends the stream."""
        clean = {k: v for k, v in params.items() if v is not None}
        try:
            with self._http.stream("GET", path, params=clean, timeout=None) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error(response)
                kind = "message"
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        yield kind, json.loads(line[6:])
                        kind = "message"
        except httpx.TransportError as exc:
            raise BackendUnavailableError(
                f"lost the event stream from {self.endpoint}: {exc}"
            ) from None

    # -- blobs and tasks -----------------------------------------------------------------
    def get_blob(self, digest: str) -> bytes:
        """Streamed into one buffer of the announced size: a big value is held once (a
        ``bytearray``, which every reader of blobs takes like ``bytes``), not once per
        chunk plus once joined."""
        try:
            with self._http.stream("GET", blob_path(digest)) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error(response)
                size = int(response.headers.get("content-length") or 0)
                buffer = bytearray(size)
                at = 0
                for chunk in response.iter_raw(_CHUNK):
                    end = at + len(chunk)
                    if end > len(buffer):  # no length given, or a longer body: grow
                        buffer.extend(bytes(end - len(buffer)))
                    buffer[at:end] = chunk
                    at = end
                del buffer[at:]
        except httpx.TransportError as exc:
            raise BackendUnavailableError(
                f"the flyte_nb backend at {self.endpoint} did not answer ({exc})"
            ) from None
        return buffer  # type: ignore[return-value]  # bytes-like; see the docstring

    def put_blob(self, digest: str, data: bytes) -> None:
        """Upload once: a digest already sent, or already on the server, costs nothing.
        The body goes in chunks (views of ``data``, no copy), streamed to disk there."""
        if digest in self._uploaded:
            return
        if self.request("HEAD", blob_path(digest)).status_code != 200:
            view = memoryview(data)
            pieces = (view[i : i + _CHUNK] for i in range(0, len(view), _CHUNK))
            self.request("PUT", blob_path(digest), content=pieces)
        self._uploaded.add(digest)

    def register_task(self, body: RegisterTaskBody) -> TaskView:
        return self.json("POST", "/tasks", json=body)

    def list_tasks(self, **params: Any) -> list[TaskView]:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.json("GET", "/tasks", params=clean)["items"]

    def projects(self) -> ProjectsView:
        return self.json("GET", "/projects")

    def health(self) -> HealthView:
        return self.json("GET", "/health")

    def run_url(self, name: str) -> str:
        """Where run ``name``'s record is served: the URL a user may open or share."""
        return api_url(self.endpoint, _path("runs", name))

    def tasks_url(self, **params: str) -> str:
        """The task list filtered by ``params`` (a registered task's URL)."""
        return api_url(self.endpoint, f"/tasks?{urlencode(params)}")

    def run_events(self, run: str) -> Iterator[tuple[str, Any]]:
        """The live events of run ``run`` (phase changes, log lines) until it ends."""
        return self.events("/events", run=run)

    def recover_run(self, name: str, body: RecoverBody) -> dict[str, Any]:
        """Start a new run from failed run ``name``, reusing what succeeded."""
        return self.json("POST", _path("runs", name) + "/recover", json=body)

    def rerun_run(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Start run ``name`` again, with its inputs or some of them edited."""
        return self.json("POST", _path("runs", name) + "/rerun", json=body)

    # -- launch plans --------------------------------------------------------------------
    def register_launch_plan(self, body: RegisterLaunchPlanBody) -> LaunchPlanView:
        return self.json("POST", "/launch-plans", json=body)

    def list_launch_plans(self, **params: Any) -> list[LaunchPlanView]:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.json("GET", "/launch-plans", params=clean)["items"]

    def launch_plan(self, project: str, domain: str, name: str, version: str) -> LaunchPlanView:
        return self.json("GET", _path("launch-plans", project, domain, name, version))

    def set_launch_plan_active(
        self, project: str, domain: str, name: str, version: str, active: bool
    ) -> LaunchPlanView:
        """Activate this version (the others of its name are deactivated) or deactivate it."""
        path = _path("launch-plans", project, domain, name, version)
        return self.json("POST", f"{path}/{'activate' if active else 'deactivate'}")

    # -- apps ----------------------------------------------------------------------------
    def deploy_app(self, body: DeployAppBody) -> AppView:
        return self.json("POST", "/apps", json=body)

    def get_app(self, project: str, domain: str, name: str) -> AppView:
        return self.json("GET", _path("apps", project, domain, name))

    def list_apps(self, **params: Any) -> list[AppView]:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.json("GET", "/apps", params=clean)["items"]

    def redeploy_app(self, project: str, domain: str, name: str) -> AppView:
        return self.json("POST", _path("apps", project, domain, name) + "/deploy")

    def stop_app(self, project: str, domain: str, name: str) -> AppView:
        return self.json("POST", _path("apps", project, domain, name) + "/stop")

    def app_logs(self, project: str, domain: str, name: str, **params: Any) -> list[AppLogLine]:
        clean = {k: v for k, v in params.items() if v is not None}
        path = _path("apps", project, domain, name) + "/logs"
        return self.json("GET", path, params=clean)["items"]

    def resolve_run_output(self, body: ResolveRunOutputBody) -> ResolvedRunOutputView:
        """A ``RunOutput`` app parameter resolved by the backend: run, task and output."""
        return self.json("POST", "/run-outputs/resolve", json=body)

    # -- signals -------------------------------------------------------------------------
    def list_signals(self, run: str, limit: int) -> list[SignalView]:
        return self.json("GET", _path("runs", run, "signals"), params={"limit": limit})["items"]

    def answer_signal(self, run: str, signal_id: str, body: AnswerSignalBody) -> SignalView:
        """Approve, reject or give a value to gate ``signal_id`` of run ``run``."""
        return self.json("POST", _path("runs", run, "signals", signal_id), json=body)

    # -- artifacts -----------------------------------------------------------------------
    def search_artifacts(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.json("GET", "/artifacts/search", params=params)["items"]

    def artifact_version(
        self, project: str, domain: str, name: str, version: str
    ) -> dict[str, Any]:
        return self.json("GET", _path("artifacts", project, domain, name, "versions", version))

    def create_artifact(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.json("POST", "/artifacts", json=body)


def api_url(endpoint: str, path: str) -> str:
    """The full URL of API ``path`` (``/runs/...``) on the backend at ``endpoint``."""
    return endpoint.rstrip("/") + API_PREFIX + path


def blob_path(digest: str) -> str:
    """The API path of blob ``digest`` (below ``/api/v1``): the Jupyter proxy's too."""
    return _path("blobs", digest)


def _path(*parts: str) -> str:
    """A path from segments, each quoted whole (user text may hold "/", "?" or "%")."""
    return "/" + "/".join(quote(part, safe="") for part in parts)


def _error(response: httpx.Response) -> FlyteNbException:
    try:
        body = response.json()["error"]
        code, message = body["code"], body["message"]
    except (ValueError, KeyError, TypeError):
        code, message = "error", response.text[:500]
    status = response.status_code
    if status == 401:
        return BackendAuthError(f"the backend refused our token: {message}")
    if status == 404:
        return RunNotFoundError(message)
    if code == "secret_not_found":
        return SecretNotFoundError(message)
    if status in (400, 409, 413, 422):
        return FlyteValidationException(message)
    return FlyteNbException(f"backend error {status} ({code}): {message}")
