"""Routes for decks and reports: the docs index of a run or action, and one doc's HTML.

Decisions:
- The HTML comes back inside JSON (``{"html": ..., <index fields>}``), never as a
  ``text/html`` response. A deck is arbitrary HTML written by user code (and by every
  library it renders); served as a page from the backend's origin, its scripts would run
  with that origin and could call this API with the user's cookies or read other runs: a
  stored XSS hole. As JSON it is inert data; the panel puts it in a sandboxed iframe's
  ``srcdoc`` (no ``allow-same-origin``), where it runs in an opaque origin.
- Docs exist only in the store, never in the backend's memory, so the handlers flush the
  recorder before reading (``Views.docs``): a deck published a moment ago is in its batch.
  They are ``async`` like every handler that checks a live run; the blob read, which may be
  megabytes, runs in the thread pool.
- ``attempt`` is optional everywhere: without it each action shows its latest attempt
  with docs (see ``store/_queries.py``); ``attempt < 1`` is a 400 from the validator.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import FastAPI, Path, Query
from starlette.concurrency import run_in_threadpool

from ..backend import Backend, Views
from ..store._shapes import doc_view
from . import _schemas as s
from ._common import ERRORS, action_or_404, not_found, run_or_404

Attempt = Annotated[
    int | None, Query(ge=1, description="which attempt; default: the latest with docs")
]


def add_doc_routes(app: FastAPI, backend: Backend, views: Views) -> None:
    blobs = backend.recorder.blobs

    @app.get("/api/v1/runs/{name}/docs", response_model=s.DocList, responses=ERRORS)
    async def run_docs(name: str, attempt: Attempt = None) -> dict[str, Any]:
        """The decks and reports of every action of the run."""
        run_or_404(views, name)
        return {"items": [doc_view(r) for r in views.docs(name, None, attempt)]}

    @app.get(
        "/api/v1/runs/{name}/actions/{action}/docs", response_model=s.DocList, responses=ERRORS
    )
    async def action_docs(name: str, action: str, attempt: Attempt = None) -> dict[str, Any]:
        """The decks and reports of one action."""
        action_or_404(views, name, action)
        return {"items": [doc_view(r) for r in views.docs(name, action, attempt)]}

    # ``:path``: a deck name may hold a slash (sent as %2F, decoded before routing).
    @app.get(
        "/api/v1/runs/{name}/actions/{action}/docs/{kind}/{doc_name:path}",
        response_model=s.DocContent,
        responses=ERRORS,
    )
    async def get_doc(
        name: str,
        action: str,
        kind: Literal["deck", "report"],
        doc_name: Annotated[str, Path(min_length=1)],
        attempt: Attempt = None,
    ) -> dict[str, Any]:
        """One deck or report with its HTML, as JSON: show it in a sandboxed iframe."""
        action_or_404(views, name, action)
        row = views.doc(name, action, kind, doc_name, attempt)
        if row is None:
            which = f"attempt {attempt}" if attempt is not None else "its latest attempt"
            raise not_found(
                f"action {action!r} of run {name!r} has no {kind} named {doc_name!r} in "
                f"{which}; list its docs with GET /api/v1/runs/{name}/actions/{action}/docs"
            )
        try:
            data = await run_in_threadpool(blobs.get, row["digest"])
        except FileNotFoundError:
            raise not_found(
                f"the HTML of {kind} {doc_name!r} (blob {row['digest']}) is missing from the "
                "blob store; it may have been pruned"
            ) from None
        return {**doc_view(row), "html": data.decode("utf-8", errors="replace")}
