"""The live state of a run and its actions, as the engine mutates it and the recorder reads it.

Plain ``__slots__`` classes rather than dataclasses or pydantic models: one is created per
action on the fan-out hot path. ``row()`` turns the current state into a store row; the
recorder calls it at flush time, so a state that changed five times between flushes is
serialised once.
"""

from __future__ import annotations

import json
import time
from typing import Any

QUEUED = "QUEUED"
RUNNING = "RUNNING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
ABORTED = "ABORTED"
TIMED_OUT = "TIMED_OUT"
TERMINAL = frozenset({SUCCEEDED, FAILED, ABORTED, TIMED_OUT})

_dumps = json.JSONEncoder(separators=(",", ":")).encode

# A ``@flyte.trace`` call is recorded as an action with this spec; a replay of a recorded
# trace adds ``replay_entry`` to its attempt log. Here, with the state they describe, because
# the kernel's trace log (``durable/_log.py``) and the backend (``backend/_traces.py``) both
# write them.
TRACE_SPEC: dict[str, Any] = {"trace": True}
TRACE_SPEC_JSON = json.dumps({"cache_id": None, "spec": TRACE_SPEC})


def replay_entry(attempt: int) -> dict[str, Any]:
    """What a replay adds to a trace's attempt log: visible in the tree, no new attempt."""
    now = time.time()
    return {"attempt": attempt, "replayed": True, "started_at": now, "ended_at": now}


def error_record(exc: BaseException, traceback_text: str | None = None) -> str:
    record: dict[str, Any] = {"type": type(exc).__qualname__, "message": str(exc)}
    if traceback_text:
        record["traceback"] = traceback_text
    return _dumps(record)


class ActionState:
    # ``artifacts``: (attempt, notes) set by ``Artifact.create_from`` in the body, else unset.
    artifacts: Any
    __slots__ = (
        "artifacts",
        "attempt_log",
        "attempts",
        "cache_hit",
        "cache_key",
        "created_at",
        "custom_context",
        "ended_at",
        "error",
        "group_name",
        "inputs",
        "name",
        "outputs",
        "parent",
        "phase",
        "run_name",
        "seq",
        "short_name",
        "spec",
        "started_at",
        "task_name",
        "transitions",
    )

    def __init__(
        self,
        run_name: str,
        name: str,
        parent: str | None,
        seq: int,
        task_name: str,
        short_name: str,
        group_name: str | None,
        inputs: str,
        spec: str | None = None,
    ) -> None:
        now = time.time()
        self.run_name = run_name
        self.name = name
        self.parent = parent
        self.seq = seq
        self.task_name = task_name
        self.short_name = short_name
        self.group_name = group_name
        self.inputs = inputs
        self.spec = spec  # JSON: the backend's task spec; in-kernel the settings or None
        self.phase = QUEUED
        self.created_at = now
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self.attempts = 0
        self.cache_hit = False
        self.cache_key: str | None = None
        self.outputs: str | None = None
        self.error: str | None = None
        self.transitions: list[list[Any]] = [[QUEUED, now]]
        self.attempt_log: list[dict[str, Any]] = []
        # Flyte 2's custom context this action inherited (not recorded: run metadata
        # that travels with the call, like the caller's group).
        self.custom_context: dict[str, str] | None = None

    def set_phase(self, phase: str) -> None:
        now = time.time()
        self.phase = phase
        self.transitions.append([phase, now])
        if phase == RUNNING:
            if self.started_at is None:
                self.started_at = now
        elif phase in TERMINAL:
            self.ended_at = now

    def start_attempt(self) -> None:
        self.attempts += 1
        self.attempt_log.append({"attempt": self.attempts, "started_at": time.time()})
        if self.phase != RUNNING:
            self.set_phase(RUNNING)

    def end_attempt(self, phase: str, error: str | None = None) -> None:
        entry = self.attempt_log[-1]
        entry["ended_at"] = time.time()
        entry["phase"] = phase
        if error is not None:
            entry["error"] = json.loads(error)

    # The order of ``row()``; tests/test_store_schema.py checks it is the table's.
    COLUMNS = (
        "run_name",
        "name",
        "parent",
        "seq",
        "task_name",
        "short_name",
        "group_name",
        "phase",
        "created_at",
        "started_at",
        "ended_at",
        "attempts",
        "cache_hit",
        "cache_key",
        "inputs",
        "outputs",
        "error",
        "transitions",
        "attempt_log",
        "spec",
    )

    def row(self) -> tuple[Any, ...]:
        return (
            self.run_name,
            self.name,
            self.parent,
            self.seq,
            self.task_name,
            self.short_name,
            self.group_name,
            self.phase,
            self.created_at,
            self.started_at,
            self.ended_at,
            self.attempts,
            self.cache_hit,
            self.cache_key,
            self.inputs,
            self.outputs,
            self.error,
            # Formatted by hand: float repr through json costs 3x as much, per flush row.
            "[" + ",".join(f'["{p}",{t:.6f}]' for p, t in self.transitions) + "]",
            _attempt_log_json(self.attempt_log),
            self.spec,
        )


_CLEAN_ATTEMPT = frozenset({"attempt", "started_at", "ended_at", "phase"})


def _attempt_log_json(log: list[dict[str, Any]]) -> str:
    """Empty when one clean attempt says nothing the row's own columns don't (an entry
    with more to say, such as an error or the run it was recovered from, is kept)."""
    if (
        len(log) == 1
        and log[0].get("phase") in (None, SUCCEEDED)
        and log[0].keys() <= _CLEAN_ATTEMPT
    ):
        return "[]"
    return _dumps(log)


class RunState:
    __slots__ = (
        "action_count",
        "created_at",
        "domain",
        "ended_at",
        "env_vars",
        "error",
        "inputs",
        "mode",
        "name",
        "outputs",
        "owner",
        "phase",
        "project",
        "spec",
        "started_at",
        "task_name",
    )

    def __init__(
        self,
        name: str,
        task_name: str,
        inputs: str,
        owner: tuple[str, int, str],
        env_vars: dict[str, str],
        mode: str = "local",
        *,
        project: str = "default",
        domain: str = "development",
        spec: str | None = None,
    ) -> None:
        self.name = name
        self.task_name = task_name
        self.inputs = inputs
        self.owner = owner
        self.env_vars = env_vars
        self.mode = mode
        self.project = project
        self.domain = domain
        self.spec = spec  # JSON the backend writes (run options, root task ref); None locally
        self.phase = RUNNING
        self.created_at = self.started_at = time.time()
        self.ended_at: float | None = None
        self.outputs: str | None = None
        self.error: str | None = None
        self.action_count = 0

    def finish(self, phase: str, outputs: str | None = None, error: str | None = None) -> None:
        self.phase = phase
        self.outputs = outputs
        self.error = error
        self.ended_at = time.time()

    def row(self) -> dict[str, Any]:
        host, pid, started = self.owner
        return {
            "name": self.name,
            "task_name": self.task_name,
            "phase": self.phase,
            "mode": self.mode,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "error": self.error,
            "action_count": self.action_count,
            "owner_host": host,
            "owner_pid": pid,
            "owner_started": started,
            "env_vars": _dumps(self.env_vars),
            "project": self.project,
            "domain": self.domain,
            "spec": self.spec,
        }
