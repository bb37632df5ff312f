"""Rows for the deck and report tests (``test_docs_store.py``, ``test_docs_http.py``):
finished runs and actions written straight through a recorder, as the engine and the
backend write them, and two documents to store."""

from __future__ import annotations

import hashlib

from flyte_nb.engine._state import SUCCEEDED, ActionState, RunState
from flyte_nb.store import BatchRecorder, process_identity

PLOT = "<h1>loss \N{GREEK SMALL LETTER ALPHA}</h1><script>draw()</script>"
TABLE = "<table><tr><td>1</td></tr></table>"


def sha(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()


def finished_run(name: str, mode: str = "local") -> RunState:
    run = RunState(name, "docs.main", "{}", process_identity(), {}, mode)
    run.finish(SUCCEEDED, "{}")
    return run


def action(
    run: str,
    name: str,
    seq: int,
    *,
    parent: str | None = "a0",
    cache_key: str | None = None,
    attempts: int = 1,
) -> ActionState:
    state = ActionState(run, name, parent, seq, "docs.step", "step", None, "{}")
    state.set_phase(SUCCEEDED)
    state.attempts = attempts
    if cache_key is not None:  # a cache hit: never ran, answered from the entry
        state.cache_hit, state.cache_key, state.attempts = True, cache_key, 0
    return state


def write(rec: BatchRecorder, run: RunState, *actions: ActionState) -> None:
    for a in actions:
        rec.touch(a)
    rec.write_run(run)
