"""The HTTP API: thin FastAPI handlers over ``flyte_nb.backend``.

Handlers that read or change live runs are ``async``: they run on the backend's event
loop, the only thread that touches its state. Handlers that only read the store or the
blob folder are plain functions, which FastAPI runs in its thread pool.

Handlers validate (pydantic models in ``_schemas.py``), call the backend or its views,
and shape the answer; the logic lives in ``flyte_nb.backend`` with its own tests. Every
error, including unknown routes, bad JSON and bad query parameters, uses one shape,
``{"error": {"code", "message"}}``. Two pure-ASGI middlewares run before any handler:
the bearer-token check (constant-time compare) and the request body size limit.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from .._version import __version__
from ..backend import Backend, BackendError, Views
from ..store._views import SORT_KEYS
from . import _schemas as s

if TYPE_CHECKING:
    from ._config import ServerConfig

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
PHASES = ("QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT")
DOMAINS = ["development", "staging", "production"]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


_CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 413: "too_large", 422: "bad_request"}  # fmt: skip


class _Guard:
    """Bearer token and body size, checked before routing so nothing else sees the request."""

    def __init__(self, app: ASGIApp, token: str, max_body: int) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await self._too_large(scope, receive, send)
            return
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Any, send: Any) -> None:
        response = _error(413, "too_large", f"request body over {self.max_body} bytes; "
                          "upload large values as blobs or raise max_body_bytes")  # fmt: skip
        await response(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def create_app(config: ServerConfig) -> FastAPI:
    from ..store import open_recorder
    from ._docs_routes import add_doc_routes  # it imports this module's helpers

    # A SQLite file gets the stdlib Recorder, any other URL (PostgreSQL) a SqlRecorder.
    recorder = open_recorder(config.db_url, config.blob_url)
    backend = Backend(
        recorder,
        config.db_url,
        blob_url=str(config.blob_url),
        raw_root=config.home / "raw",
        workers=config.workers,
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

    app = FastAPI(title="flyte_nb backend", version=__version__, lifespan=lifespan)
    app.state.backend = backend
    app.add_middleware(_Guard, token=config.token, max_body=config.max_body_bytes)
    _install_error_handlers(app)
    add_doc_routes(app, backend, views)  # first: .../actions/{a}/{which} would take /docs
    _add_run_routes(app, backend, views)
    _add_misc_routes(app, backend, views)
    return app


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


def _not_found(what: str) -> BackendError:
    return BackendError(404, "not_found", what)


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": s.ErrorResponse} for code in (400, 401, 404, 409, 413)
}


def _add_run_routes(app: FastAPI, backend: Backend, views: Views) -> None:
    @app.post("/api/v1/runs", status_code=201, response_model=s.RunModel, responses=ERRORS)
    async def create_run(body: s.CreateRun) -> dict[str, Any]:
        from ..models._action import generate_random_name

        state = backend.create_run(
            name=body.name or generate_random_name(),
            project=body.project,
            domain=body.domain,
            spec=body.spec.model_dump(),
            inputs=_check_values(body.inputs),
            cache=list(body.cache) if body.cache else None,
            options=body.options.model_dump(),
        )
        return _run_or_404(views, state.name)

    @app.get("/api/v1/runs", response_model=s.RunList, responses=ERRORS)
    async def list_runs(
        project: str | None = None,
        domain: str | None = None,
        phase: Annotated[list[str] | None, Query()] = None,
        task: str | None = None,
        q: str | None = None,
        since: float | None = None,
        until: float | None = None,
        sort: str = "-created_at",
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        from ..store import _queries

        bad = [p for p in phase or [] if p not in PHASES]
        if bad:
            raise BackendError(400, "bad_request", f"unknown phase {bad[0]!r}; use {PHASES}")
        if sort.lstrip("-") not in SORT_KEYS:
            raise BackendError(400, "bad_request", f"cannot sort by {sort!r}; use {SORT_KEYS}")
        rows, total = _queries.list_runs(
            views.engine, project=project, domain=domain, phases=phase, task_name=task,
            text=q, since=since, until=until, sort=sort, limit=limit, offset=offset,
        )  # fmt: skip
        items = [views.run(r["name"]) or r for r in rows]  # live runs: newest state
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    @app.get("/api/v1/runs/{name}", response_model=s.RunModel, responses=ERRORS)
    async def get_run(name: str) -> dict[str, Any]:
        return _run_or_404(views, name)

    @app.get("/api/v1/runs/{name}/wait", response_model=s.RunModel, responses=ERRORS)
    async def wait_run(
        name: str, seconds: Annotated[float, Query(alias="timeout", ge=0, le=300)] = 30
    ) -> Any:
        _run_or_404(views, name)
        await backend.wait_run(name, seconds)
        return _run_or_404(views, name)

    @app.post("/api/v1/runs/{name}/abort", response_model=s.RunModel, responses=ERRORS)
    async def abort_run(
        name: str, reason: Annotated[str, Query(max_length=1000)] = "aborted by the user"
    ) -> dict[str, Any]:
        _run_or_404(views, name)
        backend.abort_run(name, reason)
        return _run_or_404(views, name)

    @app.get("/api/v1/runs/{name}/inputs", response_model=s.Values, responses=ERRORS)
    async def run_inputs(name: str) -> dict[str, Any]:
        row = views.run_row(name)
        if row is None:
            raise _not_found(f"no run named {name!r}")
        return {"values": json.loads(row["inputs"] or "{}")}

    @app.get("/api/v1/runs/{name}/outputs", response_model=s.Values, responses=ERRORS)
    async def run_outputs(name: str) -> dict[str, Any]:
        row = views.run_row(name)
        if row is None:
            raise _not_found(f"no run named {name!r}")
        if row["phase"] != "SUCCEEDED":
            raise BackendError(409, "conflict", f"run {name!r} is {row['phase']}: no outputs")
        return {"values": json.loads(row["outputs"] or "{}")}

    @app.get("/api/v1/runs/{name}/actions", response_model=s.ActionList, responses=ERRORS)
    async def list_actions(name: str, summary: bool = False) -> dict[str, Any]:
        """``summary=true`` leaves out each action's transitions and attempt log."""
        from ..backend import action_view
        from ..store._views import action_summary_view

        _run_or_404(views, name)
        shape = action_summary_view if summary else action_view
        return {"items": [shape(r) for r in views.action_rows(name)]}

    @app.get("/api/v1/runs/{name}/tree", response_model=s.ActionTree, responses=ERRORS)
    async def action_tree(
        name: str, max_children: Annotated[int, Query(ge=1, le=10_000)] = 200
    ) -> dict[str, Any]:
        """The action tree cut for display: what a live view redraws from."""
        from ..store._views import tree_view

        _run_or_404(views, name)
        return tree_view(views.action_rows(name), max_children)

    @app.get("/api/v1/runs/{name}/actions/{action}", response_model=s.ActionModel,
             responses=ERRORS)  # fmt: skip
    async def get_action(name: str, action: str) -> dict[str, Any]:
        from ..backend import action_view

        return action_view(_action_or_404(views, name, action))

    @app.get("/api/v1/runs/{name}/actions/{action}/{which}", response_model=s.Values,
             responses=ERRORS)  # fmt: skip
    async def action_values(name: str, action: str, which: str) -> dict[str, Any]:
        if which not in ("inputs", "outputs"):
            raise _not_found(f"actions have inputs, outputs and logs, not {which!r}")
        row = _action_or_404(views, name, action)
        return {"values": json.loads(row[which] or "{}")}

    @app.post("/api/v1/runs/{name}/actions/{action}/abort", response_model=s.ActionModel,
              responses=ERRORS)  # fmt: skip
    async def abort_action(name: str, action: str) -> dict[str, Any]:
        from ..backend import action_view

        _action_or_404(views, name, action)
        live = backend.runs.get(name)
        if live is not None and action in live.actions:
            backend.abort_action(live.actions[action], "aborted by the user")
        return action_view(_action_or_404(views, name, action))

    @app.get("/api/v1/runs/{name}/logs", response_model=s.LogList, responses=ERRORS)
    async def run_logs(
        name: str,
        action: str | None = None,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
    ) -> dict[str, Any]:
        _run_or_404(views, name)
        items = views.logs(name, action, after, limit)
        return {"items": items, "next_after": items[-1]["id"] if items else after}

    @app.get("/api/v1/runs/{name}/logs/follow", responses=ERRORS)
    async def follow_logs(name: str, action: str | None = None, after: int = 0) -> Any:
        """Server-sent events: ``log`` lines as they are written, ``end`` when the run ends."""
        _run_or_404(views, name)
        return _sse(_follow(backend, views, name, action, after))

    @app.get("/api/v1/events", responses=ERRORS)
    async def events(run: str | None = None) -> Any:
        """Server-sent events of phase changes (``run`` and ``action``) and log lines."""
        if run is not None:
            _run_or_404(views, run)
        return _sse(_event_stream(backend, views, run))


def _check_values(text: str) -> str:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackendError(400, "bad_request", f"inputs is not a JSON document: {exc}") from None
    if not isinstance(doc, dict):
        raise BackendError(400, "bad_request", "inputs must encode a JSON object of values")
    return text


def _run_or_404(views: Views, name: str) -> dict[str, Any]:
    run = views.run(name)
    if run is None:
        raise _not_found(f"no run named {name!r}; list runs with GET /api/v1/runs")
    return run


def _action_or_404(views: Views, run: str, action: str) -> dict[str, Any]:
    _run_or_404(views, run)
    row = views.action_row(run, action)
    if row is None:
        raise _not_found(f"run {run!r} has no action named {action!r}")
    return row


def _sse(stream: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(
        stream, media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


def _doc_event(row: dict[str, Any]) -> dict[str, Any]:
    """A docs index row as the ``doc`` event a worker's publish produces."""
    return {
        "kind": "doc",
        "run": row["run_name"],
        "action": row["action_name"],
        "attempt": row["attempt"],
        "doc_kind": row["kind"],
        "name": row["name"],
    }


def _frame(kind: str, data: Any) -> str:
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n"


async def _event_stream(backend: Backend, views: Views, run: str | None) -> AsyncIterator[str]:
    async with backend.events.subscribe(run) as queue:
        if run is not None:
            # A watcher that subscribes late still learns the state so far: the run, then
            # each deck or report already published (events before now are not replayed).
            yield _frame("run", views.run(run))
            for row in views.docs(run):
                yield _frame("doc", _doc_event(row))
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), 15)
            except TimeoutError:
                event = {"kind": "keep-alive"}
            # Events may have been dropped (a slow reader): if the run ended meanwhile, say
            # so now, or a watcher would wait for a terminal event that never comes.
            quiet = event["kind"] in ("keep-alive", "overflow")
            if quiet and run is not None and run not in backend.runs:
                yield _frame("run", views.run(run))
                return
            if event["kind"] == "keep-alive":
                yield ": keep-alive\n\n"
                continue
            yield _frame(event["kind"], event)


async def _follow(
    backend: Backend, views: Views, run: str, action: str | None, after: int
) -> AsyncIterator[str]:
    async with backend.events.subscribe(run) as queue:
        while True:
            for line in views.logs(run, action, after, 10_000):
                after = line["id"]
                yield _frame("log", line)
            if run not in backend.runs:
                yield _frame("end", views.run(run))
                return
            with suppress(TimeoutError):
                await asyncio.wait_for(queue.get(), 0.5)


def _add_misc_routes(app: FastAPI, backend: Backend, views: Views) -> None:
    blobs = backend.recorder.blobs

    @app.get("/api/v1/health", response_model=s.Health, responses=ERRORS)
    async def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "pid": os.getpid(),
                "workers": backend.pool.size}  # fmt: skip

    @app.get("/api/v1/projects", response_model=s.Projects, responses=ERRORS)
    def projects() -> dict[str, Any]:
        from ..store import _queries

        return {"projects": _queries.list_projects(backend.engine), "domains": DOMAINS}

    @app.head("/api/v1/blobs/{digest}", responses=ERRORS)
    def blob_exists(digest: str) -> Response:
        return Response(status_code=200 if blobs.exists(_digest(digest)) else 404)

    @app.get("/api/v1/blobs/{digest}", responses=ERRORS)
    def get_blob(digest: str) -> Response:
        try:
            data = blobs.get(_digest(digest))
        except FileNotFoundError:
            raise _not_found(f"no blob {digest}") from None
        return Response(data, media_type="application/octet-stream")

    @app.put("/api/v1/blobs/{digest}", status_code=204, responses=ERRORS)
    async def put_blob(digest: str, request: Request) -> Response:
        data = await request.body()
        try:
            await run_in_threadpool(blobs.put_with_digest, _digest(digest), data)
        except ValueError as exc:
            raise BackendError(400, "bad_request", str(exc)) from None
        return Response(status_code=204)

    @app.post("/api/v1/tasks", status_code=201, response_model=s.TaskModel, responses=ERRORS)
    def register_task(body: s.RegisterTask) -> dict[str, Any]:
        from ..store import _queries

        spec = body.spec.model_dump()
        try:
            row = _queries.register_task(
                backend.engine,
                {
                    "project": body.project, "domain": body.domain, "name": body.name,
                    "version": body.version, "ref": json.dumps(spec["ref"]),
                    "spec": json.dumps(spec), "interface": json.dumps(body.interface),
                    "created_at": time.time(),
                },
            )  # fmt: skip
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
