"""The backend's in-memory view of live runs and actions.

A live run keeps its ``RunState`` and ``ActionState`` objects (the same classes the local
engine records, so one recorder serves both) plus what only the scheduler needs: the
action's spec, its worker, who waits for it, how many children it is waiting on. Finished
runs leave memory shortly after; the store answers for them.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine._state import ActionState, RunState

if TYPE_CHECKING:
    from sqlalchemy import Engine

Reply = Callable[["ActionRecord"], None]


class ActionRecord:
    __slots__ = (
        "bonus",
        "cache",
        "children",
        "dispatch_id",
        "pending",
        "run",
        "spec",
        "state",
        "timer",
        "waiters",
        "worker",
    )

    def __init__(
        self, run: RunRecord, state: ActionState, spec: dict[str, Any], cache: list[str] | None
    ) -> None:
        self.run = run
        self.state = state
        self.spec = spec
        self.cache = cache  # [version, key] when the task is cached
        self.worker: Any = None
        self.waiters: list[Reply] = []
        self.children: list[str] = []
        self.pending = 0  # child requests of the current attempt not yet answered
        self.timer: asyncio.TimerHandle | None = None
        self.dispatch_id = -1  # names the job message, so a take-back names the right one
        self.bonus = 0  # attempts that do not count against retries (backend restarts)

    @property
    def name(self) -> str:
        return self.state.name

    def summary(self) -> dict[str, Any]:
        s = self.state
        return {
            "run": s.run_name,
            "name": s.name,
            "parent": s.parent,
            "phase": s.phase,
            "attempts": s.attempts,
            "cache_hit": s.cache_hit,
        }


class RunRecord:
    __slots__ = (
        "actions",
        "env",
        "executing",
        "limit",
        "overwrite_cache",
        "raw_dir",
        "ready",
        "state",
        "sys_path",
    )

    def __init__(self, state: RunState, options: dict[str, Any], raw_dir: str) -> None:
        self.state = state
        self.limit: int | None = options.get("max_action_concurrency")
        self.overwrite_cache: bool = bool(options.get("overwrite_cache"))
        self.env: dict[str, str] = dict(options.get("env_vars") or {})
        self.raw_dir = raw_dir
        self.sys_path: list[str] = list(options.get("sys_path") or [])
        self.actions: dict[str, ActionRecord] = {}
        self.ready: deque[ActionRecord] = deque()
        self.executing = 0  # dispatched non-root actions not waiting on children

    @property
    def name(self) -> str:
        return self.state.name

    def has_room(self, action: ActionRecord) -> bool:
        return self.limit is None or action.state.parent is None or self.executing < self.limit


def action_state_from_row(row: dict[str, Any]) -> ActionState:
    """Rebuild a live state from its record (a restarted backend resuming a run)."""
    state = ActionState(
        row["run_name"],
        row["name"],
        row["parent"],
        row["seq"],
        row["task_name"],
        row["short_name"],
        row["group_name"],
        row["inputs"],
    )
    state.phase = row["phase"]
    state.created_at = row["created_at"]
    state.started_at = row["started_at"]
    state.ended_at = row["ended_at"]
    state.attempts = row["attempts"]
    state.cache_hit = bool(row["cache_hit"])
    state.cache_key = row["cache_key"]
    state.outputs = row["outputs"]
    state.error = row["error"]
    state.transitions = json.loads(row["transitions"] or "[]")
    log = json.loads(row["attempt_log"] or "[]")
    if not log and state.attempts:
        log = [{"attempt": a, "started_at": state.started_at} for a in range(1, state.attempts + 1)]
    state.attempt_log = log
    state.spec = row.get("spec")
    return state


def run_state_from_row(row: dict[str, Any]) -> RunState:
    state = RunState(
        row["name"],
        row["task_name"],
        row["inputs"],
        (row["owner_host"], row["owner_pid"], row["owner_started"]),
        json.loads(row["env_vars"] or "{}"),
        mode=row["mode"],
        project=row["project"],
        domain=row["domain"],
        spec=row["spec"],
    )
    state.phase = row["phase"]
    state.created_at = row["created_at"]
    state.started_at = row["started_at"]
    state.action_count = row["action_count"]
    return state


def load_live_runs(engine: Engine, raw_root: Path) -> list[RunRecord]:
    """The unfinished backend runs in the records, with their actions, as live records."""
    from ..store import _queries

    runs = []
    rows, _total = _queries.list_runs(engine, mode="backend", live=True, limit=100_000)
    for row in rows:
        options = json.loads(row["spec"] or "{}").get("options", {})
        run = RunRecord(run_state_from_row(row), options, str(raw_root / row["name"]))
        for arow in _queries.list_actions(engine, run.name):
            astate = action_state_from_row(arow)
            stored = json.loads(astate.spec or "{}")
            rec = ActionRecord(run, astate, stored.get("spec", {}), stored.get("cache_id"))
            run.actions[astate.name] = rec
            if astate.parent in run.actions:
                run.actions[astate.parent].children.append(astate.name)
        runs.append(run)
    return runs
