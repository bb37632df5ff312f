"""What every route module shares: the documented error responses and the 404 checks.

Kept apart so route modules import it directly instead of importing ``_app`` (which
imports them).
"""

from __future__ import annotations

from typing import Any

from ..backend import BackendError, Views
from . import _schemas as s


def not_found(what: str) -> BackendError:
    return BackendError(404, "not_found", what)


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": s.ErrorResponse} for code in (400, 401, 404, 409, 413)
}


def run_or_404(views: Views, name: str) -> dict[str, Any]:
    run = views.run(name)
    if run is None:
        raise not_found(f"no run named {name!r}; list runs with GET /api/v1/runs")
    return run


def action_or_404(views: Views, run: str, action: str) -> dict[str, Any]:
    run_or_404(views, run)
    row = views.action_row(run, action)
    if row is None:
        raise not_found(f"run {run!r} has no action named {action!r}")
    return row
