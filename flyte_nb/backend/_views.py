"""What the HTTP API reads: live runs from the backend's memory, the rest from the store.

A live run's newest state is in memory (the recorder writes it in batches), so reads of a
live run come from there and reads of anything else from the store; both are shaped by
``store/_shapes.py``. Logs and docs exist only in the store, so reading them flushes the
recorder first: the rows of the last 0.2 s are still in its batch.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..engine._state import ActionState
from ..store._shapes import action_view, run_view

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ._service import Backend

__all__ = ["Views", "action_view", "run_view"]


def _action_row(state: ActionState) -> dict[str, Any]:
    return dict(zip(ActionState.COLUMNS, state.row(), strict=True))


def _q() -> ModuleType:
    """The SQLAlchemy queries, imported on the first read (see ``Backend.engine``)."""
    from ..store import _queries

    return _queries


class Views:
    """Reads that combine the live runs of ``backend`` with the records in ``engine``."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @property
    def engine(self) -> Engine:
        return self.backend.engine

    def run_row(self, name: str) -> dict[str, Any] | None:
        live = self.backend.runs.get(name)
        if live is not None:
            return live.state.row()
        return _q().get_run(self.engine, name)

    def run(self, name: str, row: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The run's view, from ``row`` when the caller has it (a waiter is handed the
        final row: no read), else from memory or the store."""
        row = row or self.run_row(name)
        if row is None:
            return None
        view = run_view(row)
        if name in self.backend.runs:  # only a live run can wait at a gate
            view["waiting"] = self.backend.gates.waiting_on(name)
        return view

    def action_rows(self, run: str) -> list[dict[str, Any]]:
        live = self.backend.runs.get(run)
        if live is not None:
            return [_action_row(a.state) for a in live.actions.values()]
        return _q().list_actions(self.engine, run)

    def action_row(self, run: str, name: str) -> dict[str, Any] | None:
        live = self.backend.runs.get(run)
        if live is not None:
            rec = live.actions.get(name)
            return _action_row(rec.state) if rec is not None else None
        return _q().get_action(self.engine, run, name)

    def logs(self, run: str, action: str | None, after_id: int, limit: int) -> list[dict[str, Any]]:
        self.backend.recorder.flush()  # lines from the last 0.2 s are still in the batch
        return _q().list_logs(self.engine, run, action, after_id=after_id, limit=limit)

    def docs(
        self, run: str, action: str | None = None, attempt: int | None = None
    ) -> list[dict[str, Any]]:
        """The docs index rows (``_queries.list_docs``) of a run or one of its actions."""
        self.backend.recorder.flush()  # docs published in the last 0.2 s: still in the batch
        return _q().list_docs(self.engine, run, action, attempt)

    def doc(
        self, run: str, action: str, kind: str, name: str, attempt: int | None = None
    ) -> dict[str, Any] | None:
        """One doc's index row (``_queries.get_doc``), or None."""
        self.backend.recorder.flush()
        return _q().get_doc(self.engine, run, action, kind, name, attempt)
