"""Where a traced call's record lives, and how a later attempt finds it.

A traced call is a child action of the task that made it, named the way the engine
names task calls (``ActionID.new_sub_action_from``: parent, inputs, function, call order,
group), so the same call made in the same order by the next attempt gets the same name.
That name is the whole replay key: the inputs are part of it.

Two places keep the records, chosen by the controller of the running attempt:

- In the kernel (``RunController``) the run's trace states stay in memory next to the
  controller, so a retry in this process finds them without reading the store; they are
  recorded through the run's batched recorder like any action.
- On a backend worker (``WorkerController``) the backend owns the records: the first
  traced call of an attempt asks it once for every finished trace under this action (one
  round trip, not one per call), and each new trace is sent to it as a message. The
  backend keeps them as actions of the run, so a retry after a worker's SIGKILL, a
  restarted server, or a recovered run finds them.

Only succeeded traces replay; a failed one runs again on the next attempt (as a failed
task call does), so a retry can get past a transient error inside a trace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..engine import _state as ph
from ..engine._state import TRACE_SPEC_JSON, ActionState, error_record, replay_entry
from ..engine._traceback import user_traceback_text
from ..types import decode_values, encode_values

if TYPE_CHECKING:
    from ..engine._context import ActionFrame

MISSING: Any = object()
# The ``spec`` column of a trace action: how the store, the panel and a restarted backend
# tell a trace from a task (it has no code to run).
_ATTR = "_flyte_nb_trace_log"


def encode_outputs(result: Any, put: Any) -> str | None:
    """The recorded outputs, or None when they cannot be kept (then no replay)."""
    try:
        return encode_values({"o0": result}, put)
    except Exception:
        return None


class TraceLog:
    """The records of one run's traces as seen from one controller (see module doc)."""

    def lookup(self, frame: ActionFrame, name: str, call: dict[str, Any]) -> Any:
        """The recorded value of trace ``name`` or MISSING; ``call`` describes the call
        (task, short, group, inputs) for a record made from a recovered run's."""
        raise NotImplementedError

    def begin(
        self, frame: ActionFrame, name: str, task: tuple[str, str], inputs: str, group: str | None
    ) -> ActionState:
        raise NotImplementedError

    def finish(self, state: ActionState, outputs: str | None, exc: BaseException | None) -> None:
        raise NotImplementedError

    def put(self, data: bytes) -> str:
        raise NotImplementedError


def trace_log(frame: ActionFrame) -> TraceLog:
    controller = frame.controller
    log = controller.__dict__.get(_ATTR)
    if log is None:
        log = RemoteLog(controller) if hasattr(controller, "worker") else LocalLog(controller)
        controller.__dict__[_ATTR] = log
    return log


def _new_state(
    frame: ActionFrame, name: str, task: tuple[str, str], inputs: str, group: str | None, seq: int
) -> ActionState:
    state = ActionState(
        frame.state.run_name, name, frame.state.name, seq, task[0], task[1], group, inputs
    )
    state.spec = TRACE_SPEC_JSON
    return state


def _end(state: ActionState, outputs: str | None, exc: BaseException | None) -> None:
    if exc is None:
        state.outputs = outputs
        state.error = None
        state.end_attempt(ph.SUCCEEDED)
        state.set_phase(ph.SUCCEEDED)
        return
    phase = ph.ABORTED if isinstance(exc, GeneratorExit) else ph.FAILED
    error = error_record(exc, user_traceback_text(exc))
    state.end_attempt(phase, error)
    state.error = error
    state.set_phase(phase)


class LocalLog(TraceLog):
    """The kernel's: trace states of this run, by name, in memory (recorded as actions)."""

    def __init__(self, controller: Any) -> None:
        self.controller = controller
        self.recorder = controller.recorder
        self.blobs = controller.recorder.blobs
        self.states: dict[str, ActionState] = {}

    def put(self, data: bytes) -> str:
        return self.blobs.put(data)

    def lookup(self, frame: ActionFrame, name: str, call: dict[str, Any]) -> Any:
        state = self.states.get(name)
        if state is not None and state.phase == ph.SUCCEEDED and state.outputs is not None:
            state.attempt_log.append(replay_entry(frame.attempt))
            self.recorder.touch(state)
            return decode_values(state.outputs, self.blobs.get)["o0"]
        return MISSING

    def begin(
        self, frame: ActionFrame, name: str, task: tuple[str, str], inputs: str, group: str | None
    ) -> ActionState:
        state = self.states.get(name)
        if state is None:
            seq = next(self.controller._seq)
            self.controller.run.action_count += 1
            state = self.states[name] = _new_state(frame, name, task, inputs, group, seq)
        state.start_attempt()
        self.recorder.touch(state)
        return state

    def finish(self, state: ActionState, outputs: str | None, exc: BaseException | None) -> None:
        _end(state, outputs, exc)
        self.recorder.touch(state)


class RemoteLog(TraceLog):
    """A backend worker's: the backend keeps the records; see the module doc."""

    def __init__(self, controller: Any) -> None:
        self.controller = controller
        self.worker = controller.worker
        self.blobs = controller.blobs
        self.known: dict[str, str] | None = None  # finished traces under this attempt's action

    def put(self, data: bytes) -> str:
        return self.blobs.put(data)

    def lookup(self, frame: ActionFrame, name: str, call: dict[str, Any]) -> Any:
        if self.known is None:
            reply = self.worker.request(
                {"op": "trace_get", "run": frame.state.run_name, "parent": frame.state.name}
            ).result()
            self.known = dict(reply.get("traces") or {})
        outputs = self.known.get(name)
        if outputs is None:
            return MISSING
        self.worker.send(
            {
                "op": "trace_replay",
                "run": frame.state.run_name,
                "parent": frame.state.name,
                "name": name,
                "attempt": frame.attempt,
                **call,
            }
        )
        return decode_values(outputs, self.blobs.get)["o0"]

    def begin(
        self, frame: ActionFrame, name: str, task: tuple[str, str], inputs: str, group: str | None
    ) -> ActionState:
        state = _new_state(frame, name, task, inputs, group, 0)
        state.start_attempt()
        return state

    def finish(self, state: ActionState, outputs: str | None, exc: BaseException | None) -> None:
        _end(state, outputs, exc)
        self.worker.send(
            {
                "op": "trace",
                "run": state.run_name,
                "parent": state.parent,
                "name": state.name,
                "task": state.task_name,
                "short": state.short_name,
                "group": state.group_name,
                "inputs": state.inputs,
                "outputs": state.outputs,
                "error": state.error,
                "phase": state.phase,
                "started_at": state.started_at,
                "ended_at": state.ended_at,
            }
        )
