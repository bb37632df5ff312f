"""The HTTP API: thin FastAPI handlers over ``flyte_nb.backend``.

Handlers that read or change live runs are ``async``: they run on the backend's event
loop, the only thread that touches its state. Handlers that only read the store or the
blob folder are plain functions, which FastAPI runs in its thread pool. Runs and actions
are routed in ``_run_routes.py``, decks and reports in ``_deck_routes.py``; this module
builds the app and holds the small routes (health, projects, blobs, tasks); launch plans
are routed in ``_plan_routes.py``.

Handlers validate (pydantic models in ``_schemas.py``), call the backend or its views,
and shape the answer; the logic lives in ``flyte_nb.backend`` with its own tests. Every
error, including unknown routes, bad JSON and bad query parameters, uses one shape,
``{"error": {"code", "message"}}``. Two pure-ASGI middlewares run before any handler:
the bearer-token check (constant-time compare) and the request body size limit.

Routes are matched in order, one regular expression each, so the few every run calls
(``HOT_ROUTES``) are moved first: matching used to cost a fifth of a small request.
``tests/test_server_routes.py`` checks that no route hides another, whatever the order.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from .._version import __version__
from ..backend import Backend, BackendError, Views
from ..backend._executor import ExecutorSettings
from . import _schemas as s
from ._apps_routes import add_app_routes
from ._artifact_routes import add_artifact_routes
from ._common import ERRORS, not_found, streamed
from ._deck_routes import add_doc_routes
from ._graph_routes import add_graph_routes
from ._plan_routes import add_plan_routes
from ._run_routes import add_run_routes
from ._signal_routes import add_signal_routes
from ._source_routes import add_source_routes
from ._watch import Activity

if TYPE_CHECKING:
    from ..client._settings import ServerConfig

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
PHASES = ("QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT")
DOMAINS = ["development", "staging", "production"]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "bad_request",
}


class _Guard:
    """Bearer token and body size, checked before routing so nothing else sees the request."""

    def __init__(
        self, app: ASGIApp, token: str, max_body: int, max_blob: int, activity: Activity
    ) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()
        self.max_body = max_body
        self.max_blob = max_blob  # blob uploads stream to disk: their own, larger limit
        self.activity = activity

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.activity.begin()  # a client using the server (the idle timeout waits for it)
        try:
            await self._guarded(scope, receive, send)
        finally:
            self.activity.end()

    async def _guarded(self, scope: Scope, receive: Any, send: Any) -> None:
        headers = dict(scope["headers"])
        if not secrets.compare_digest(headers.get(b"authorization", b""), self.expected):
            response = _error(
                401,
                "unauthorized",
                "missing or wrong bearer token; use the token in the server's token file "
                "(fl.init() reads it for you)",
            )
            await response(scope, receive, send)
            return
        blob = scope["method"] == "PUT" and scope["path"].startswith(BLOB_PATH)
        limit = self.max_blob if blob else self.max_body
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._too_large(scope, receive, send, blob)
            return
        if not blob and length is None and scope["method"] in ("POST", "PUT", "PATCH"):
            # A chunked body for a JSON route: read it here (the route would anyway) so an
            # oversized one is a 413, not the 400 FastAPI makes of any error while parsing.
            messages, total = [], 0
            while True:
                message = await receive()
                messages.append(message)
                total += len(message.get("body", b""))
                if total > limit:
                    await self._too_large(scope, receive, send, blob)
                    return
                if message["type"] != "http.request" or not message.get("more_body"):
                    break
            replay = iter(messages)

            async def replayed() -> Any:
                return next(replay, None) or await receive()

            await self.app(scope, replayed, send)
            return
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await self._too_large(scope, receive, send, blob)

    async def _too_large(self, scope: Scope, receive: Any, send: Any, blob: bool) -> None:
        if blob:
            message = (
                f"blob upload over the server's max_blob_bytes ({self.max_blob} bytes); "
                "raise it (--max-blob-bytes, FLYTE_NB_MAX_BLOB_BYTES) or pass a smaller value"
            )
        else:
            message = (
                f"request body over {self.max_body} bytes; upload large values as blobs or "
                "raise max_body_bytes"
            )
        await _error(413, "too_large", message)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def create_app(config: ServerConfig) -> FastAPI:
    from .. import _config
    from ..store import open_recorder
    from ._act_routes import add_act_routes
    from ._recover_routes import add_recover_routes

    _config.set_home(config.home)  # this process serves that home: its secrets store too

    # A SQLite file gets the stdlib Recorder, any other URL (PostgreSQL) a SqlRecorder.
    recorder = open_recorder(config.db_url, config.blob_url)
    backend = Backend(
        recorder,
        config.db_url,
        blob_url=str(config.blob_url),
        raw_root=config.home / "raw",
        workers=config.workers,
        executor=ExecutorSettings(config.executor, config.ray_address),
    )
    views = Views(backend)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await backend.start()
        try:
            yield
        finally:
            await backend.stop()
            recorder.close()

    app = FastAPI(
        title="flyte_nb backend", version=__version__, lifespan=lifespan, **_telemetry_off()
    )
    app.state.backend = backend
    app.state.activity = activity = Activity()
    app.add_middleware(
        _Guard,
        token=config.token,
        max_body=config.max_body_bytes,
        max_blob=config.max_blob_bytes,
        activity=activity,
    )
    _install_error_handlers(app)
    add_doc_routes(app, backend, views)  # first: .../actions/{a}/{which} would take /docs
    add_artifact_routes(app, backend, views)  # before runs: /runs/{n}/{which} takes /artifacts
    add_plan_routes(app, backend, views)
    add_recover_routes(app, backend, views)  # fl.recover (durable runs)
    add_act_routes(app, backend, views)  # re-run, its form, compare (before /runs/{n}/...)
    add_source_routes(app, views)  # before runs: /runs/{n}/{which} would take /source
    add_graph_routes(app, views)  # before runs: /runs/{n}/{which} would take /graph
    add_run_routes(app, backend, views)
    add_signal_routes(app, backend, views)
    add_app_routes(app, backend)
    _add_misc_routes(app, backend, views)
    _hot_routes_first(app)
    return app


# What every run's client calls: create, wait (with outputs), and the blob check of an input.
HOT_ROUTES = (
    ("POST", "/api/v1/runs"),
    ("GET", "/api/v1/runs/{name}/wait"),
    ("GET", "/api/v1/runs/{name}"),
    ("HEAD", "/api/v1/blobs/{digest}"),
    ("PUT", "/api/v1/blobs/{digest}"),
    ("GET", "/api/v1/health"),
)


def _hot_routes_first(app: FastAPI) -> None:
    rank = {key: i for i, key in enumerate(HOT_ROUTES)}

    def key(route: object) -> int:
        path = str(getattr(route, "path", ""))
        methods: set[str] = getattr(route, "methods", None) or set()
        return min((rank.get((m, path), len(rank)) for m in methods), default=len(rank))

    app.router.routes.sort(key=key)  # stable: the others keep their order


def _telemetry_off() -> dict[str, Any]:
    """FastAPI 0.16x traces every request through OpenTelemetry unless told not to; the
    embedded backend has no collector, and the no-op spans cost ~5% of a small request.
    Older FastAPI has neither the switch nor the cost. Asked when the app is built, not at
    import (reading FastAPI's signature is not free)."""
    import inspect

    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    off = ("tracing", "metrics", "logs", "operation_spans")
    return {"telemetry": dict.fromkeys(off, False)}


def busy(backend: Backend) -> bool:
    """Whether the server still has work: a live run, an app, an active scheduled plan."""
    if backend.runs or backend.apps.live:
        return True
    from ..store import _queries

    plans = _queries.list_launch_plans(backend.engine, active=True, limit=1000)
    return any(json.loads(plan["spec"]).get("schedule") for plan in plans)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def _http(_r: Request, exc: HTTPException) -> JSONResponse:
        code = _CODES.get(exc.status_code, "error")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_r: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg')}")
        return _error(400, "bad_request", "; ".join(parts) or "malformed request")

    @app.exception_handler(BackendError)
    async def _backend(_r: Request, exc: BackendError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)


def _add_misc_routes(app: FastAPI, backend: Backend, views: Views) -> None:
    blobs = backend.recorder.blobs

    @app.get("/api/v1/health", response_model=s.Health, responses=ERRORS)
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "pid": os.getpid(),
            "workers": backend.pool.size,
        }

    @app.get("/api/v1/projects", response_model=s.Projects, responses=ERRORS)
    def projects() -> dict[str, Any]:
        from ..store import _queries

        return {"projects": _queries.list_projects(backend.engine), "domains": DOMAINS}

    @app.head("/api/v1/blobs/{digest}", response_class=Octets, responses=BLOB)
    def blob_exists(digest: str) -> Response:
        if not blobs.exists(_digest(digest)):
            raise not_found(f"no blob {digest}")
        blobs.touch(digest)  # the client will reuse it instead of uploading: in use again
        return Response(status_code=200, media_type=OCTETS)

    @app.get("/api/v1/blobs/{digest}", response_class=Octets, responses=BLOB)
    def get_blob(digest: str) -> Response:
        """Streamed from the store: a big value is never read into the server's memory."""
        if not blobs.exists(_digest(digest)):
            raise not_found(f"no blob {digest}")
        local = blobs.local_path(digest)
        if local is not None:
            return FileResponse(local, media_type=OCTETS)
        handle = blobs.open(digest)

        def chunks() -> Iterator[bytes]:
            with handle:
                while chunk := handle.read(1 << 20):
                    yield chunk

        return StreamingResponse(chunks(), media_type=OCTETS)

    @app.put("/api/v1/blobs/{digest}", status_code=204, responses=ERRORS)
    async def put_blob(digest: str, request: Request) -> Response:
        """Streamed to a temporary file while hashed; stored only if the digest matches."""
        receiver = await run_in_threadpool(blobs.receive, _digest(digest))
        try:
            async for chunk in request.stream():
                receiver.write(chunk)  # a piece at a time (page cache): never the whole value
            await run_in_threadpool(receiver.commit)
        except ValueError as exc:
            raise BackendError(400, "bad_request", str(exc)) from None
        finally:
            receiver.abort()  # after commit: nothing left to remove
        return Response(status_code=204)

    @app.post("/api/v1/tasks", status_code=201, response_model=s.TaskModel, responses=ERRORS)
    def register_task(body: s.RegisterTask) -> dict[str, Any]:
        from ..store import _queries

        spec = body.spec.model_dump()
        try:
            row = _queries.register_task(
                backend.engine,
                {
                    "project": body.project,
                    "domain": body.domain,
                    "name": body.name,
                    "version": body.version,
                    "ref": json.dumps(spec["ref"]),
                    "spec": json.dumps(spec),
                    "interface": json.dumps(body.interface),
                    "created_at": time.time(),
                },
            )
        except ValueError as exc:
            raise BackendError(409, "conflict", str(exc)) from None
        return _task_view(row)

    @app.get("/api/v1/tasks", response_model=s.TaskList, responses=ERRORS)
    def list_tasks(
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        version: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        from ..store import _queries

        rows = _queries.list_tasks(
            backend.engine, project=project, domain=domain, name=name, version=version, limit=limit
        )
        return {"items": [_task_view(r) for r in rows]}


OCTETS = "application/octet-stream"
BLOB = streamed(OCTETS, "the blob's bytes")
BLOB_PATH = "/api/v1/blobs/"


class Octets(Response):
    """So the OpenAPI document declares what the blob routes send (not application/json)."""

    media_type = OCTETS


def _digest(text: str) -> str:
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise BackendError(400, "bad_request", f"{text!r} is not a blob digest (64 hex digits)")
    return text


def _task_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "ref": json.loads(row["ref"]),
        "spec": json.loads(row["spec"]) if row.get("spec") else None,
        "interface": json.loads(row["interface"]) if row.get("interface") else None,
    }
