"""The Jupyter server side of the panel: an authenticated proxy to the backend's API.

Design (the thinnest that keeps the token out of the browser):
- ``GET /flyte-nb/api/v1/<path>`` forwards to the backend's ``/api/v1/<path>`` with the
  query string and the backend token this process holds (``_target.py``); the answer comes
  back as it is (status and body), so the panel reads the backend's own OpenAPI shapes and
  its ``{"error": {"code", "message"}}`` errors. One generic route instead of one handler
  per backend route: new backend routes (artifacts, apps) need no change here.
- ``POST`` is forwarded only for the few state-changing calls the panel makes (abort a run
  or an action, start or stop an app, answer a gate, re-run or recover a recorded run):
  the panel cannot upload code or pickles through Jupyter, whatever a script in the page
  tries; a re-run starts code the backend already holds, with inputs it checks as JSON.
- A ``text/event-stream`` answer (``/events``, ``/runs/<name>/logs/follow``) is streamed
  frame by frame. ``kinds=run,doc`` (read here, not forwarded) keeps only those event
  kinds, so the runs list does not receive every log line of every run. The stream ends
  when the browser goes away: the pump task is cancelled on connection close, and the
  backend's keep-alive comments make a dead connection show within 15 s.
- Every failure of ours uses the backend's error shape, with a message saying what to do:
  no backend (503, how to start one), a refused token (502), a bad setting (400).
- ``GET /flyte-nb/status`` says which backend the panel would use, or why none; ``POST
  /flyte-nb/backend/start`` starts the home folder's backend as ``fl.init()`` would.
- Handlers do not count as user activity (``_track_activity = False``): a panel left
  open, polling, must not keep an idle server from being culled.
- Every handler is ``@tornado.web.authenticated``: Jupyter's token or cookie (and XSRF
  for POST) guard them like any Jupyter API.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import quote

import httpx
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.iostream import StreamClosedError

from .._version import __version__
from ..client._http import api_url
from ..exceptions import BackendUnavailableError, FlyteNbException, FlyteValidationException
from ._target import BASE_PATH, HOW_TO_START, BackendTarget, Targets, version_note

ENDPOINT_HEADER = "X-Flyte-Nb-Endpoint"
"""The lab setting ``backendEndpoint``, sent by the panel with each request."""

POST_ALLOWED = tuple(
    re.compile(p)
    for p in (
        r"runs/[^/]+/abort",
        r"runs/[^/]+/actions/[^/]+/abort",
        r"apps/[^/]+/[^/]+/[^/]+/(deploy|stop)",  # start (deploy the recorded spec) / stop
        r"runs/[^/]+/signals/[^/]+",  # approve or reject a gate (issue 18)
        r"runs/[^/]+/(rerun|recover)",  # start a recorded run again: its own code, JSON inputs
    )
)
_LOCAL_HOSTS = ("http://127.0.0.1", "http://localhost", "http://[::1]")


class _Clients:
    """One pooled client for loopback backends (ignoring proxy settings, as the daemon's
    health check does) and one for remote ones (honouring them)."""

    def __init__(self) -> None:
        self._local: httpx.AsyncClient | None = None
        self._remote: httpx.AsyncClient | None = None

    def for_url(self, url: str) -> httpx.AsyncClient:
        timeout = httpx.Timeout(30.0, read=None)  # streams wait for events indefinitely
        if url.startswith(_LOCAL_HOSTS):
            if self._local is None:
                self._local = httpx.AsyncClient(trust_env=False, timeout=timeout)
            return self._local
        if self._remote is None:
            self._remote = httpx.AsyncClient(timeout=timeout)
        return self._remote

    async def aclose(self) -> None:
        for client in (self._local, self._remote):
            if client is not None:
                await client.aclose()
        self._local = self._remote = None


class _Base(APIHandler):
    _track_activity = False

    @property
    def targets(self) -> Targets:
        return self.settings["flyte_nb_targets"]

    @property
    def clients(self) -> _Clients:
        return self.settings["flyte_nb_clients"]

    def endpoint(self) -> str | None:
        value = self.request.headers.get(ENDPOINT_HEADER, "").strip()
        return value or None

    def fail(self, status: int, code: str, message: str) -> None:
        self.set_status(status)
        self.finish(json.dumps({"error": {"code": code, "message": message}}))

    async def target(self) -> BackendTarget | None:
        """The backend to use, or None after answering why there is none."""
        try:
            return await self.targets.get(self.endpoint())
        except BackendUnavailableError as exc:
            self.fail(503, "backend_unavailable", str(exc))
        except FlyteValidationException as exc:
            self.fail(400, "bad_setting", str(exc))
        return None


class StatusHandler(_Base):
    @web.authenticated
    async def get(self) -> None:
        """Which backend the panel uses, or why none: 200 either way, for the panel's
        empty state (``connected`` false and ``message`` saying what to do). Resolved
        afresh (one health request): the answer must not be a stale cache entry."""
        self.targets.forget(self.endpoint())
        try:
            target = await self.targets.get(self.endpoint())
        except (BackendUnavailableError, FlyteValidationException) as exc:
            body: dict[str, Any] = {"connected": False, "message": str(exc)}
        else:
            body = {
                "connected": True,
                "endpoint": target.url,
                "source": target.source,
                "backend_version": target.version,
                "message": version_note(target),
            }
        body["panel_version"] = __version__
        self.finish(json.dumps(body))


class StartHandler(_Base):
    @web.authenticated
    async def post(self) -> None:
        """Start this machine's backend (what ``fl.init()`` does), for the empty state's
        button. Refused when the panel is set to use another endpoint."""
        if self.endpoint() is not None:
            self.fail(
                400,
                "bad_setting",
                f"the panel is set to use {self.endpoint()}; start that server where it runs, "
                "or clear the backendEndpoint setting to use this machine's backend",
            )
            return
        try:
            target = await self.targets.start()
        except FlyteNbException as exc:
            self.fail(500, "start_failed", str(exc))
            return
        self.finish(json.dumps({"connected": True, "endpoint": target.url}))


class ProxyHandler(_Base):
    _pump: asyncio.Task[None] | None = None
    _gone = False

    @web.authenticated
    async def get(self, path: str) -> None:
        await self._forward("GET", path)

    @web.authenticated
    async def post(self, path: str) -> None:
        if not any(p.fullmatch(path) for p in POST_ALLOWED):
            self.fail(
                403,
                "forbidden",
                f"the panel may not POST to /api/v1/{path}; only abort, app start/stop, "
                "gate answers, re-runs and recoveries of recorded runs go through Jupyter "
                "(use the SDK for anything else)",
            )
            return
        await self._forward("POST", path)

    def on_connection_close(self) -> None:
        self._gone = True
        if self._pump is not None:
            self._pump.cancel()

    async def _forward(self, method: str, path: str) -> None:
        endpoint = self.endpoint()
        kinds = self.get_query_argument("kinds", None)
        params = httpx.QueryParams(
            [
                (k, v.decode("utf-8", "replace"))
                for k, values in self.request.query_arguments.items()
                if k != "kinds"
                for v in values
            ]
        )
        # Forward the path as the browser encoded it: tornado hands ``path`` over decoded,
        # and a deck named "a/b?" must reach the backend as one escaped segment.
        prefix = url_path_join(self.base_url, BASE_PATH, "api/v1/")
        raw = self.request.path
        path = raw[len(prefix) :] if raw.startswith(prefix) else quote(path)
        headers = {"Content-Type": self.request.headers.get("Content-Type", "application/json")}
        content = self.request.body if method == "POST" else None
        response: httpx.Response | None = None
        for attempt in (1, 2):
            target = await self.target()
            if target is None:
                return
            client = self.clients.for_url(target.url)
            request = client.build_request(
                method,
                api_url(target.url, "/" + path),
                params=params,
                headers={**headers, "Authorization": f"Bearer {target.token}"},
                content=content,
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.ConnectError:
                # Nothing was sent: the backend moved (a restart picks a new port) or
                # stopped. Resolve again once; the second failure is reported.
                self.targets.forget(endpoint)
                if attempt == 2:
                    self.fail(
                        503,
                        "backend_unavailable",
                        f"the flyte_nb backend at {target.url} does not answer: {HOW_TO_START}",
                    )
                    return
                continue
            except httpx.TransportError as exc:
                self.targets.forget(endpoint)
                self.fail(502, "backend_error", f"lost the backend at {target.url}: {exc}")
                return
            break
        assert response is not None
        try:
            await self._relay(response, kinds, endpoint)
        finally:
            await response.aclose()

    async def _relay(
        self, response: httpx.Response, kinds: str | None, endpoint: str | None
    ) -> None:
        if response.status_code == 401:
            self.targets.forget(endpoint)
            await response.aread()
            self.fail(
                502,
                "backend_auth",
                "the backend refused the token this Jupyter server holds; if the backend was "
                "restarted with a new token, reload the panel (set FLYTE_NB_TOKEN for a remote "
                "backend)",
            )
            return
        content_type = response.headers.get("content-type", "application/json")
        if content_type.startswith("text/event-stream"):
            wanted = set(kinds.split(",")) if kinds else None
            self.set_header("Cache-Control", "no-cache")
            self.set_header("Content-Type", "text/event-stream")
            self.set_header("X-Accel-Buffering", "no")
            self._pump = asyncio.ensure_future(self._stream(response, wanted))
            try:
                await self._pump
            except (asyncio.CancelledError, StreamClosedError):
                self._gone = True
            except httpx.TransportError:  # the backend went away: end the stream, the
                self.targets.forget(endpoint)  # panel reconnects (and re-resolves) itself
            if not self._gone:  # the backend ended the stream (a followed run ended)
                self.finish(set_content_type="text/event-stream")
            return
        body = await response.aread()
        self.set_status(response.status_code)
        self.set_header("X-Content-Type-Options", "nosniff")
        kind = "application/json" if "json" in content_type else "application/octet-stream"
        self.finish(body, set_content_type=kind)

    async def _stream(self, response: httpx.Response, wanted: set[str] | None) -> None:
        await self.flush()  # headers now: the browser sees the stream open before any event
        pending = ""
        async for chunk in response.aiter_text():
            pending += chunk
            *frames, pending = pending.split("\n\n")
            out = [f + "\n\n" for f in frames if _keep(f, wanted)]
            if out:
                self.write("".join(out))
                await self.flush()


def _keep(frame: str, wanted: set[str] | None) -> bool:
    """Whether an SSE frame passes the ``kinds`` filter (comments always do: keep-alives)."""
    if wanted is None or frame.startswith(":"):
        return True
    for line in frame.split("\n"):
        if line.startswith("event: "):
            return line[7:] in wanted
    return "message" in wanted
