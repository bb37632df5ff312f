"""Routes for gate signals: list a run's signals, answer one.

Thin: ``backend/_gates.py`` validates and finishes the gate actions; the reads are
``store/_signals.py``. A signal exists once its gate is reached, so answering one early is
a 404 that says so. Values travel encoded as ``flyte_nb.types`` encodes them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from ..backend import Backend, BackendError, Views
from ._common import ERRORS, run_or_404

SIGNALS = "/api/v1/runs/{name}/signals"


class AnswerSignal(BaseModel):
    """An answer: ``approved`` for an approve gate, ``value`` (encoded JSON) for an input."""

    model_config = ConfigDict(extra="forbid")
    approved: bool | None = None
    value: str | None = Field(default=None, max_length=65536)
    by: str | None = Field(default=None, max_length=256)


class SignalModel(BaseModel):
    run_name: str
    name: str
    action_name: str
    kind: str
    type: str
    state: str
    value: str | None
    created_at: float
    set_at: float | None
    set_by: str | None


class SignalList(BaseModel):
    items: list[SignalModel]


def add_signal_routes(app: FastAPI, backend: Backend, views: Views) -> None:
    from ..store import _signals

    @app.get(SIGNALS, response_model=SignalList, responses=ERRORS)
    def list_signals(
        name: str, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> dict[str, Any]:
        """The run's gate signals, oldest first (WAITING ones are waiting for an answer)."""
        run_or_404(views, name)
        return {"items": _signals.list_signals(backend.engine, name, limit)}

    @app.post(SIGNALS + "/{signal}", response_model=SignalModel, responses=ERRORS)
    async def answer_signal(name: str, signal: str, body: AnswerSignal) -> dict[str, Any]:
        """Approve, reject or set the value of a WAITING signal of a running run."""
        run_or_404(views, name)
        if name not in backend.runs:
            raise BackendError(
                409, "conflict", f"run {name!r} is not running; its gates cannot be answered"
            )
        return backend.gates.answer(
            name, signal, value=body.value, approved=body.approved, by=body.by
        )
