"""What every route module shares: the documented error responses and the 404 checks.

Kept apart so route modules import it directly instead of importing ``_app`` (which
imports them).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from fastapi import Query

from ..backend import BackendError, Views
from . import _schemas as s

# Bounds on numbers that reach SQL or datetime: past them SQLite overflows (a Python int
# wider than 64 bits) or ``datetime`` raises, which would be a 500; inside them a bad
# value is the client's 400. NaN and infinities are refused for the same reason.
SQL_INT_MAX = 2**63 - 1
EPOCH_MIN = -62_135_596_800.0  # 0001-01-01T00:00:00Z
EPOCH_MAX = 253_402_300_799.0  # 9999-12-31T23:59:59Z
Offset = Annotated[int, Query(ge=0, le=SQL_INT_MAX)]
After = Annotated[int, Query(ge=0, le=SQL_INT_MAX, description="a log line id")]
Epoch = Annotated[
    float | None,
    Query(ge=EPOCH_MIN, le=EPOCH_MAX, allow_inf_nan=False, description="epoch seconds"),
]


def not_found(what: str) -> BackendError:
    return BackendError(404, "not_found", what)


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": s.ErrorResponse} for code in (400, 401, 404, 409, 413)
}


def streamed(media_type: str, what: str, model: Any = None) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route whose 200 is not JSON: the media type it really sends,
    and with ``model`` the shape of each event's ``data`` (a wire type, schemas and all)."""
    if model is not None:
        ok = {"description": what, "model": model}
    else:
        schema = {"type": "string", "description": what}
        ok = {"description": what, "content": {media_type: {"schema": schema}}}
    # Spelled out: with a non-JSON response class FastAPI would file the error model under
    # that class's media type, while errors are always sent as JSON.
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    errors = {
        code: {
            "description": HTTPStatus(int(code)).phrase,
            "content": {"application/json": {"schema": error}},
        }
        for code in ERRORS
    }
    return {200: ok, **errors}


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
