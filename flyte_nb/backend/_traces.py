"""The backend's side of ``@flyte.trace``: it keeps traces as actions of the run.

A worker sends three messages (``durable/_log.py``'s ``RemoteLog``): ``trace_get`` (the
finished traces under the sending action, answered once per attempt), ``trace`` (a trace
that just ended, recorded as a child action of the sender) and ``trace_replay`` (a recorded
trace served again, noted on its record). The records are ordinary actions with a
``{"trace": true}`` spec, so they are written by the batched recorder, survive a server
restart with the run (a restarted backend never schedules them: they are already terminal),
and appear in the tree. A recovered run's finished traces come from the run it recovers
(``_recovery.py``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..engine import _state as ph
from ..engine._state import TRACE_SPEC, TRACE_SPEC_JSON, ActionState, replay_entry
from ._recovery import recovered_traces, source_of

if TYPE_CHECKING:
    from ._records import ActionRecord
    from ._service import Backend


def on_message(backend: Backend, worker: Any, rec: ActionRecord, m: dict[str, Any]) -> None:
    op = m["op"]
    if op == "trace_get":
        worker.send({"op": "result", "id": m["id"], "traces": finished_traces(backend, rec)})
    elif op == "trace":
        _record(backend, rec, m)
    elif op == "trace_replay":
        child = rec.run.actions.get(m["name"])
        if child is None:  # a recovered run's trace: it gets a record in this run too
            _recovered_record(backend, rec, m)
        else:
            child.state.attempt_log.append(replay_entry(int(m.get("attempt") or 0)))
            backend.recorder.touch(child.state)
            backend._publish(child)


def finished_traces(backend: Backend, rec: ActionRecord) -> dict[str, str]:
    """name -> outputs of the succeeded traces under ``rec`` (its own, or recovered)."""
    out = recovered_traces(backend, rec)
    actions = rec.run.actions
    for name in rec.children:
        child = actions.get(name)
        if (
            child is not None
            and child.spec.get("trace")
            and child.state.phase == ph.SUCCEEDED
            and child.state.outputs is not None
        ):
            out[name] = child.state.outputs
    return out


def _new_child(parent: ActionRecord, m: dict[str, Any]) -> ActionRecord:
    from ._records import ActionRecord

    run = parent.run
    state = ActionState(
        run.name,
        m["name"],
        parent.name,
        run.state.action_count,
        m["task"],
        m["short"],
        m["group"],
        m["inputs"],
    )
    state.spec = TRACE_SPEC_JSON
    run.state.action_count += 1
    child = ActionRecord(run, state, dict(TRACE_SPEC), None)
    run.actions[m["name"]] = child
    parent.children.append(m["name"])
    return child


def _recovered_record(backend: Backend, parent: ActionRecord, m: dict[str, Any]) -> None:
    source = source_of(backend, parent.run)
    entry = source.actions.get(m["name"]) if source is not None else None
    if source is None or entry is None or "task" not in m:
        return
    state = _new_child(parent, m).state
    now = time.time()
    state.attempt_log.append(
        {"attempt": 0, "recovered_from": source.run_name, "started_at": now, "ended_at": now}
    )
    state.attempt_log.append(replay_entry(int(m.get("attempt") or 0)))
    state.outputs = entry[2]
    state.set_phase(ph.SUCCEEDED)
    backend.recorder.touch(state)
    backend._publish(parent.run.actions[m["name"]])


def _record(backend: Backend, parent: ActionRecord, m: dict[str, Any]) -> None:
    child = parent.run.actions.get(m["name"])
    if child is None:
        child = _new_child(parent, m)
    elif not child.spec.get("trace"):
        return  # a task's action by that name: never overwrite it with a trace
    state = child.state
    state.start_attempt()
    if m.get("started_at"):
        state.attempt_log[-1]["started_at"] = m["started_at"]
    state.outputs = m.get("outputs")
    state.end_attempt(m["phase"], m.get("error"))
    state.error = m.get("error")
    state.set_phase(m["phase"])
    backend.recorder.touch(state)
    backend._publish(child)
