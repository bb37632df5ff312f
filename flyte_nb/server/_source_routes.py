"""``GET /api/v1/runs/{name}/source``: where a run's task was written.

The kernel records it when the task is defined (``flyte_nb/tasks/_where.py``) and sends it
with the run in ``RunOptions.source``; the backend keeps the run's options in the run's
``spec`` column, and a run made in the kernel (local mode) writes the same shape there, so
one read answers for both. A separate route rather than a field of every run: the list of
10,000 runs never carries a cell's source, and only the run view asks.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from ..backend import Views
from . import _schemas as s
from ._common import ERRORS, run_or_404


def run_source(row: dict[str, Any]) -> dict[str, Any] | None:
    """The recorded ``source`` of a run row, or None (an old run, a scheduled one)."""
    try:
        stored = json.loads(row.get("spec") or "{}")
    except ValueError:
        return None
    options = stored.get("options") if isinstance(stored, dict) else None
    source = options.get("source") if isinstance(options, dict) else None
    return source if isinstance(source, dict) else None


def add_source_routes(app: FastAPI, views: Views) -> None:
    @app.get("/api/v1/runs/{name}/source", response_model=s.RunSource, responses=ERRORS)
    async def get_run_source(name: str) -> dict[str, Any]:
        """Where the run's task was defined: a notebook cell (path, cell id, execution count
        and the cell's source then) or a module and line; ``source`` is null when the run
        did not record it."""
        run_or_404(views, name)
        row = views.run_row(name) or {}
        return {"source": run_source(row)}
