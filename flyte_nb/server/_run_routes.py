"""Routes for runs and actions: create, list, read, wait, abort, logs and live events.

Handlers that read or change live runs are ``async``: they run on the backend's event
loop, the only thread that touches its state. The event stream starts with the run and
the docs published so far, so a watcher that subscribes late misses nothing it needs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import StreamingResponse

from ..backend import Backend, BackendError, Views
from ..store._shapes import SORT_KEYS, run_view
from . import _schemas as s
from ._common import (
    ERRORS,
    After,
    Epoch,
    Offset,
    action_or_404,
    not_found,
    run_or_404,
    streamed,
)
from ._wire_schemas import event_stream_model

if TYPE_CHECKING:
    from ..wire import DocEvent

PHASES = ("QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT")


def add_run_routes(app: FastAPI, backend: Backend, views: Views) -> None:
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
        return run_or_404(views, state.name)

    @app.get("/api/v1/runs", response_model=s.RunList, responses=ERRORS)
    async def list_runs(
        project: str | None = None,
        domain: str | None = None,
        phase: Annotated[list[str] | None, Query()] = None,
        task: str | None = None,
        q: str | None = None,
        since: Epoch = None,
        until: Epoch = None,
        sort: str = "-created_at",
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        from ..store import _queries

        bad = [p for p in phase or [] if p not in PHASES]
        if bad:
            raise BackendError(400, "bad_request", f"unknown phase {bad[0]!r}; use {PHASES}")
        if sort.lstrip("-") not in SORT_KEYS:
            raise BackendError(400, "bad_request", f"cannot sort by {sort!r}; use {SORT_KEYS}")
        rows, total = _queries.list_runs(
            views.engine,
            project=project,
            domain=domain,
            phases=phase,
            task_name=task,
            text=q,
            since=since,
            until=until,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        live = backend.runs  # a live run's newest state is in memory; the rest: the row read
        items = [run_view(live[r["name"]].state.row() if r["name"] in live else r) for r in rows]
        for item in items:
            if item["name"] in live:  # a gate waiting for an answer: "waiting for you"
                item["waiting"] = backend.gates.waiting_on(item["name"])
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    @app.get("/api/v1/runs/{name}", response_model=s.RunModel, responses=ERRORS)
    async def get_run(name: str) -> dict[str, Any]:
        return run_or_404(views, name)

    @app.get("/api/v1/runs/{name}/wait", response_model=s.RunWaitModel, responses=ERRORS)
    async def wait_run(
        name: str,
        seconds: Annotated[float, Query(alias="timeout", ge=0, le=300)] = 30,
        outputs: Annotated[bool, Query(description=s.WAIT_OUTPUTS)] = False,
    ) -> Any:
        """Long poll: the run once it finished, or as it is after ``timeout`` seconds."""
        row = await backend.wait_run(name, seconds) or views.run_row(name)
        if row is None:
            raise not_found(f"no run named {name!r}; list runs with GET /api/v1/runs")
        view = views.run(name, row)
        assert view is not None
        if outputs and view["phase"] == "SUCCEEDED":
            view["outputs"] = json.loads(row["outputs"] or "{}")
        return view

    @app.post("/api/v1/runs/{name}/abort", response_model=s.RunModel, responses=ERRORS)
    async def abort_run(
        name: str, reason: Annotated[str, Query(max_length=1000)] = "aborted by the user"
    ) -> dict[str, Any]:
        run_or_404(views, name)
        backend.abort_run(name, reason)
        return run_or_404(views, name)

    @app.get("/api/v1/runs/{name}/inputs", response_model=s.Values, responses=ERRORS)
    async def run_inputs(name: str) -> dict[str, Any]:
        row = views.run_row(name)
        if row is None:
            raise not_found(f"no run named {name!r}")
        return {"values": json.loads(row["inputs"] or "{}")}

    @app.get("/api/v1/runs/{name}/outputs", response_model=s.Values, responses=ERRORS)
    async def run_outputs(name: str) -> dict[str, Any]:
        row = views.run_row(name)
        if row is None:
            raise not_found(f"no run named {name!r}")
        if row["phase"] != "SUCCEEDED":
            raise BackendError(409, "conflict", f"run {name!r} is {row['phase']}: no outputs")
        return {"values": json.loads(row["outputs"] or "{}")}

    @app.get("/api/v1/runs/{name}/actions", response_model=s.ActionList, responses=ERRORS)
    async def list_actions(name: str, summary: bool = False) -> dict[str, Any]:
        """``summary=true`` leaves out each action's transitions and attempt log."""
        from ..backend import action_view
        from ..store._shapes import action_summary_view

        run_or_404(views, name)
        shape = action_summary_view if summary else action_view
        return {"items": [shape(r) for r in views.action_rows(name)]}

    @app.get("/api/v1/runs/{name}/tree", response_model=s.ActionTree, responses=ERRORS)
    async def action_tree(
        name: str, max_children: Annotated[int, Query(ge=1, le=10_000)] = 200
    ) -> dict[str, Any]:
        """The action tree cut for display: what a live view redraws from."""
        from ..store._shapes import tree_view

        run_or_404(views, name)
        return tree_view(views.action_rows(name), max_children)

    @app.get("/api/v1/runs/{name}/actions/{action}", response_model=s.ActionModel, responses=ERRORS)
    async def get_action(name: str, action: str) -> dict[str, Any]:
        from ..backend import action_view

        return action_view(action_or_404(views, name, action))

    @app.get(
        "/api/v1/runs/{name}/actions/{action}/{which}", response_model=s.Values, responses=ERRORS
    )
    async def action_values(name: str, action: str, which: str) -> dict[str, Any]:
        if which not in ("inputs", "outputs"):
            raise not_found(f"actions have inputs, outputs and logs, not {which!r}")
        row = action_or_404(views, name, action)
        return {"values": json.loads(row[which] or "{}")}

    @app.post(
        "/api/v1/runs/{name}/actions/{action}/abort", response_model=s.ActionModel, responses=ERRORS
    )
    async def abort_action(name: str, action: str) -> dict[str, Any]:
        from ..backend import action_view

        action_or_404(views, name, action)
        live = backend.runs.get(name)
        if live is not None and action in live.actions:
            backend.abort_action(live.actions[action], "aborted by the user")
        return action_view(action_or_404(views, name, action))

    @app.get("/api/v1/runs/{name}/logs", response_model=s.LogList, responses=ERRORS)
    async def run_logs(
        name: str,
        action: str | None = None,
        after: After = 0,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
    ) -> dict[str, Any]:
        run_or_404(views, name)
        items = views.logs(name, action, after, limit)
        return {"items": items, "next_after": items[-1]["id"] if items else after}

    @app.get(
        "/api/v1/runs/{name}/logs/follow",
        response_class=EventStream,
        responses=streamed(SSE, "server-sent events: log lines, then end", s.LogLine | s.RunModel),
    )
    async def follow_logs(name: str, action: str | None = None, after: After = 0) -> Any:
        """Server-sent events: ``log`` lines as they are written, ``end`` when the run ends."""
        run_or_404(views, name)
        return _sse(_follow(backend, views, name, action, after), app)

    @app.get(
        "/api/v1/events",
        response_class=EventStream,
        responses=streamed(
            SSE, "server-sent events: phase changes, docs and log lines", event_stream_model()
        ),
    )
    async def events(run: str | None = None) -> Any:
        """Server-sent events of phase changes (``run`` and ``action``) and log lines."""
        if run is not None:
            run_or_404(views, run)
        return _sse(_event_stream(backend, views, run), app)


def _check_values(text: str) -> str:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackendError(400, "bad_request", f"inputs is not a JSON document: {exc}") from None
    if not isinstance(doc, dict):
        raise BackendError(400, "bad_request", "inputs must encode a JSON object of values")
    return text


SSE = "text/event-stream"


class EventStream(StreamingResponse):
    """So the OpenAPI document declares what these routes send (not application/json)."""

    media_type = SSE


def _sse(stream: AsyncIterator[str], app: FastAPI) -> StreamingResponse:
    return EventStream(
        _until_closing(stream, closing_event(app)),
        media_type=SSE,
        headers={"Cache-Control": "no-cache"},
    )


def closing_event(app: FastAPI) -> asyncio.Event:
    """Set when the server begins to shut down (``__main__``): event streams then end.

    A stream waits for events indefinitely, so an open panel held uvicorn's graceful
    shutdown for its whole 5 s, after which uvicorn cancelled the stream and logged a
    traceback on every ``flyte-nb server stop``. Ended at once, clients reconnect (to the
    next server) as they do after any dropped stream.
    """
    event = getattr(app.state, "closing", None)
    if event is None:
        event = app.state.closing = asyncio.Event()
    return event


async def _until_closing(stream: AsyncIterator[str], closing: asyncio.Event) -> AsyncIterator[str]:
    """``stream``'s items until it ends or ``closing`` is set."""
    items = aiter(stream)
    closed = asyncio.ensure_future(closing.wait())
    try:
        while not closing.is_set():
            step = asyncio.ensure_future(anext(items))
            await asyncio.wait({step, closed}, return_when=asyncio.FIRST_COMPLETED)
            if not step.done():
                step.cancel()
                with suppress(asyncio.CancelledError, StopAsyncIteration):
                    await step
                return
            try:
                yield step.result()
            except StopAsyncIteration:
                return
    finally:
        closed.cancel()
        close = getattr(items, "aclose", None)
        if close is not None:
            with suppress(Exception):
                await close()


def _doc_event(row: dict[str, Any]) -> DocEvent:
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
