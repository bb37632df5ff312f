"""Gate actions on the backend: finished by a signal or a timer, never by a worker.

A workflow running in a worker submits a gate node (its spec has ``gate``, see
``union/_gates.py``) like any child; ``Backend._submit`` hands it here instead of to the
pool. So a gate waiting for hours holds no process, and its parent lends its worker place
as it does for any child.

- ``sleep``: a timer finishes the action with no outputs. After a restart the resumed
  parent re-submits it and it sleeps its whole duration again (the slept part is not
  recorded).
- ``approve`` / ``input``: a WAITING signal row (``store/_signals.py``); ``answer``
  validates the value against the gate's type, moves the row to SET or REJECTED once, and
  finishes every gate action waiting on it. A re-submitted gate whose signal was answered
  meanwhile (a restart, a retried parent) finishes at once with that answer.
- Timeouts fail the gate as TIMED_OUT, through the same path as a task timeout.

Values arrive encoded as ``flyte_nb.types`` encodes them (JSON scalars for the four gate
types), so the backend checks them without unpickling anything.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ..engine import _state as ph
from ..store import _signals
from . import _service  # the error record and BackendError (it imports this module first)

if TYPE_CHECKING:
    from ._records import ActionRecord
    from ._service import Backend

__all__ = ["Gates"]

_CHECKS: dict[str, Any] = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
}


class Gates:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.waiting: dict[tuple[str, str], list[ActionRecord]] = {}

    def start(self, rec: ActionRecord) -> None:
        """Begin a gate action's attempt: a timer, or a wait on its signal."""
        gate: dict[str, Any] = rec.spec["gate"]
        state = rec.state
        state.start_attempt()
        self.backend.recorder.touch(state)
        self.backend._publish(rec)
        loop = self.backend._loop
        assert loop is not None
        attempt = state.attempts
        if gate["kind"] == "sleep":
            rec.timer = loop.call_later(gate["duration"], self._slept, rec, attempt)
            return
        row = _signals.ensure_signal(
            self.backend.engine,
            {
                "run_name": state.run_name,
                "name": gate["name"],
                "action_name": state.name,
                "kind": gate["kind"],
                "type": gate["type"],
                "created_at": time.time(),
            },
        )
        if row["state"] != _signals.WAITING:
            self._finish(rec, row)
            return
        self.waiting.setdefault((state.run_name, gate["name"]), []).append(rec)
        rec.timer = loop.call_later(gate["timeout"], self._timed_out, rec, attempt)
        self.backend._publish_run(rec.run.state)  # the run now waits for someone: say so

    def answer(
        self,
        run_name: str,
        name: str,
        *,
        value: str | None,
        approved: bool | None,
        by: str | None,
    ) -> dict[str, Any]:
        """Answer signal ``name`` of a live run; return the stored row.

        ``value`` is the encoded JSON of an input; ``approved`` answers an approve gate.
        Raises ``BackendError`` (404, 409, 400) for an unknown, answered or ill-typed one.
        """
        engine = self.backend.engine
        row = _signals.get_signal(engine, run_name, name)
        if row is None:
            raise _service.BackendError(
                404,
                "not_found",
                f"run {run_name!r} has no signal {name!r} (yet): a gate creates its signal "
                "when the workflow reaches it; list them with GET .../signals",
            )
        if row["state"] != _signals.WAITING:
            raise _service.BackendError(
                409,
                "conflict",
                f"signal {name!r} of run {run_name!r} was already answered "
                f"({row['state']} by {row['set_by'] or 'someone'})",
            )
        if row["kind"] == "approve":
            if approved is None and value is not None:
                approved = json.loads(value) if value in ("true", "false") else None
            if approved is None:
                raise _service.BackendError(
                    400,
                    "bad_request",
                    f"signal {name!r} is an approval: answer it with approve "
                    "or reject (approved=true/false)",
                )
            state, stored = (_signals.SET if approved else _signals.REJECTED), json.dumps(approved)
        else:
            stored = self._checked(name, row["type"], value)
            state = _signals.SET
        if not _signals.answer_signal(engine, run_name, name, state, stored, time.time(), by):
            raise _service.BackendError(409, "conflict", f"signal {name!r} was answered meanwhile")
        row = _signals.get_signal(engine, run_name, name)
        assert row is not None
        for rec in self.waiting.pop((run_name, name), []):
            self._finish(rec, row)
        live = self.backend.runs.get(run_name)
        if live is not None:
            self.backend._publish_run(live.state)  # no longer waiting for this answer
        return row

    def waiting_on(self, run_name: str) -> list[str]:
        """The signals the live run ``run_name`` waits on now ("waiting for you")."""
        return sorted({n for (run, n), recs in self.waiting.items() if run == run_name and recs})

    @staticmethod
    def _checked(name: str, type_name: str, value: str | None) -> str:
        try:
            decoded = json.loads(value) if value is not None else None
        except ValueError:
            decoded = None
        if value is None or not _CHECKS[type_name](decoded):
            raise _service.BackendError(
                400,
                "bad_request",
                f"signal {name!r} expects {'an' if type_name == 'int' else 'a'} {type_name}, "
                f"got {value!r}",
            )
        return value

    # -- finishing -----------------------------------------------------------------------
    def _live(self, rec: ActionRecord, attempt: int) -> bool:
        return rec.state.phase not in ph.TERMINAL and rec.state.attempts == attempt

    def _slept(self, rec: ActionRecord, attempt: int) -> None:
        rec.timer = None
        if self._live(rec, attempt):
            self.backend._succeed(rec, "{}")

    def _timed_out(self, rec: ActionRecord, attempt: int) -> None:
        rec.timer = None
        if not self._live(rec, attempt):
            return
        gate = rec.spec["gate"]
        self._forget(rec)
        message = (
            f"gate {gate['name']!r} was not answered within {gate['timeout']:g} s; "
            "answer sooner or give the gate a longer timeout"
        )
        self.backend._attempt_failed(
            rec, ph.TIMED_OUT, _service._error("ActionTimeoutError", message)
        )

    def _finish(self, rec: ActionRecord, row: dict[str, Any]) -> None:
        if rec.state.phase in ph.TERMINAL:
            return
        if rec.timer is not None:
            rec.timer.cancel()
            rec.timer = None
        if row["state"] == _signals.REJECTED:
            message = f"gate {row['name']!r} was rejected by {row['set_by'] or 'someone'}"
            self.backend._attempt_failed(
                rec, ph.FAILED, _service._error("FlyteDisapprovedException", message)
            )
        elif row["kind"] == "approve":
            upstream = json.loads(rec.state.inputs or "{}").get("upstream")
            self.backend._succeed(rec, json.dumps({"o0": upstream}))
        else:
            self.backend._succeed(rec, json.dumps({"o0": json.loads(row["value"])}))

    def _forget(self, rec: ActionRecord) -> None:
        gate = rec.spec["gate"]
        waiting = self.waiting.get((rec.state.run_name, gate.get("name", "")))
        if waiting and rec in waiting:
            waiting.remove(rec)

    def release(self, rec: ActionRecord) -> None:
        """An aborted or finished gate action: stop its timer and its wait."""
        if rec.timer is not None:
            rec.timer.cancel()
            rec.timer = None
        if "gate" in rec.spec:
            self._forget(rec)
