"""Resuming a backend's unfinished runs when it starts again after a crash or a kill.

A run is resumed from its root: the root action is queued again, with the attempts it made
before free (``flyte_nb.attempts.free_attempts``: a restart is not the task's failure, so it
costs no retry), and every other unfinished action ends ``ABORTED``. The resumed root calls
its children again under the same deterministic names: finished ones answer at once from
their records, aborted ones run again (``Backend._join``). Nothing a worker was doing is
trusted, because the worker died with the old server.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..attempts import free_attempts
from ..engine import _state as ph
from ._records import ActionRecord, load_live_runs

if TYPE_CHECKING:
    from ._service import Backend

__all__ = ["resume_unfinished"]

_RESTARTED = json.dumps(
    {
        "type": "BackendRestarted",
        "message": "the backend restarted while this action ran; it runs again if its "
        "parent resumes",
    }
)


def resume_unfinished(backend: Backend) -> list[str]:
    """Resume the backend runs a previous server left unfinished; return their names."""
    if not backend.recorder.has_live_runs("backend"):
        return []
    resumed = []
    for run in load_live_runs(backend.engine, backend.raw_root):
        run.state.owner = backend.identity
        backend.runs[run.name] = run
        for rec in run.actions.values():
            _resume_action(backend, rec)
        backend.recorder.write_run(run.state)
        resumed.append(run.name)
    return resumed


def _resume_action(backend: Backend, rec: ActionRecord) -> None:
    state = rec.state
    if state.phase in ph.TERMINAL:
        return
    if state.attempt_log and "ended_at" not in state.attempt_log[-1]:
        state.end_attempt(ph.ABORTED, _RESTARTED)
    if state.parent is None and rec.spec:
        rec.bonus = free_attempts(state.attempts)
        state.set_phase(ph.QUEUED)
        backend.recorder.touch(state)
        backend.scheduler.enqueue(rec)
    else:
        state.error = _RESTARTED
        state.set_phase(ph.ABORTED)
        backend.recorder.touch(state)
