"""``Run`` and ``Action``: handles on recorded runs, found again by name at any later time.

A handle is a snapshot of the records plus a way to refresh it; it never holds a database
connection. A ``Run`` returned by ``fl.run`` in local mode also keeps the live outcome, so
``outputs()`` returns the very object the task returned (NamedTuples and all) and a failed
run re-raises the user's original exception; a ``Run`` found with ``Run.get`` rebuilds
values from the records.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from .. import _config
from ..exceptions import FlyteValidationException, RunFailedError, RunNotFoundError
from ..store import flush_all
from ..store._blobs import BlobStore
from ..types import decode_values

if TYPE_CHECKING:
    from types import ModuleType

    from ..engine import RunOutcome

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"})


def _reader() -> ModuleType:
    """The SQLAlchemy reader, imported on first read: SQLAlchemy costs ~0.36 s to import."""
    from ..store import _reader as reader

    return reader


def _blobs() -> BlobStore:
    return BlobStore(_config.blob_dir())


def _outputs_value(outputs: dict[str, Any]) -> Any:
    if not outputs:
        return None
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    return tuple(outputs.values())


class Action:
    """One action of a run: a task call, with its phase, attempts, values and logs."""

    def __init__(self, row: dict[str, Any]) -> None:
        self._row = row
        self.run_name: str = row["run_name"]
        self.name: str = row["name"]
        self.parent: str | None = row["parent"]
        self.task_name: str = row["task_name"]
        self.short_name: str = row["short_name"]
        self.group: str | None = row["group_name"]
        self.phase: str = row["phase"]
        self.attempts: int = row["attempts"]
        self.cache_hit: bool = bool(row["cache_hit"])
        self.started_at: float | None = row["started_at"]
        self.ended_at: float | None = row["ended_at"]
        self.transitions: list[list[Any]] = json.loads(row["transitions"])
        self.attempt_log: list[dict[str, Any]] = json.loads(row["attempt_log"]) or (
            # One clean attempt is stored as the row itself (see store/_schema.py).
            [
                {
                    "attempt": 1,
                    "started_at": self.started_at,
                    "ended_at": self.ended_at,
                    "phase": self.phase,
                }
            ]
            if self.attempts == 1
            else []
        )
        self.error: dict[str, Any] | None = json.loads(row["error"]) if row["error"] else None
        self.children: list[Action] = []

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.ended_at or time.time()) - self.started_at

    def inputs(self) -> dict[str, Any]:
        return decode_values(self._row["inputs"], _blobs().get)

    def outputs(self) -> dict[str, Any]:
        """Named outputs (``o0``, ...) of a succeeded action."""
        return decode_values(self._row["outputs"], _blobs().get)

    def logs(self) -> str:
        flush_all()
        rows = _reader().list_logs(_config.database_path(), self.run_name, self.name)
        return "".join(r["text"] for r in rows)

    def __repr__(self) -> str:
        extra = " (cache hit)" if self.cache_hit else ""
        group = f" [{self.group}]" if self.group else ""
        return f"<Action {self.name} {self.short_name}{group} {self.phase}{extra}>"


class Run:
    """A recorded run. ``Run.get(name)`` finds one; ``Run.listall()`` lists them."""

    def __init__(self, row: dict[str, Any], outcome: RunOutcome | None = None) -> None:
        self._outcome = outcome
        self._load(row)

    def _load(self, row: dict[str, Any]) -> None:
        self._row = row
        self.name: str = row["name"]
        self.task_name: str = row["task_name"]
        self.phase: str = row["phase"]
        self.created_at: float = row["created_at"]
        self.started_at: float | None = row["started_at"]
        self.ended_at: float | None = row["ended_at"]
        self.action_count: int = row["action_count"]
        self.error: dict[str, Any] | None = json.loads(row["error"]) if row["error"] else None

    # -- finding runs --------------------------------------------------------------------
    @classmethod
    def get(cls, name: str) -> Run:
        if not isinstance(name, str) or not name:
            raise FlyteValidationException(f"Run.get needs a run name (str), got {name!r}")
        flush_all()
        row = _reader().get_run(_config.database_path(), name)
        if row is None:
            raise RunNotFoundError(
                f"No run named {name!r} in {_config.database_path()}; list recorded runs with "
                "fl.remote.Run.listall() or `flyte-nb runs`"
            )
        return cls(row)

    @classmethod
    def listall(
        cls, phase: str | None = None, task_name: str | None = None, limit: int = 100
    ) -> list[Run]:
        """Recorded runs, newest first."""
        if phase is not None and phase not in TERMINAL | {"QUEUED", "RUNNING"}:
            raise FlyteValidationException(
                f"Run.listall: unknown phase {phase!r}; use one of "
                f"{sorted(TERMINAL | {'QUEUED', 'RUNNING'})}"
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise FlyteValidationException(f"Run.listall: limit must be an int >= 1, got {limit!r}")
        flush_all()
        rows = _reader().list_runs(
            _config.database_path(), phase=phase, task_name=task_name, limit=limit
        )
        return [cls(r) for r in rows]

    # -- state ---------------------------------------------------------------------------
    def refresh(self) -> Run:
        flush_all()
        row = _reader().get_run(_config.database_path(), self.name)
        if row is not None:
            self._load(row)
        return self

    @property
    def done(self) -> bool:
        return self.phase in TERMINAL

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.ended_at or time.time()) - self.started_at

    def wait(self, timeout: float | None = None, poll_interval: float = 0.2) -> Run:
        """Block until the run is finished (or ``timeout`` seconds pass: TimeoutError)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.refresh().done:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"Run {self.name!r} is still {self.phase} after {timeout} s")
            time.sleep(poll_interval)
        return self

    def inputs(self) -> dict[str, Any]:
        return decode_values(self._row["inputs"], _blobs().get)

    def outputs(self) -> Any:
        """The root task's return value; a failed run raises its error."""
        if self._outcome is not None:
            if self._outcome.error is not None:
                raise self._outcome.error
            return self._outcome.value
        if self.phase != "SUCCEEDED":
            if self.error is not None:
                raise RunFailedError(
                    self.name,
                    self.error.get("type", "Error"),
                    self.error.get("message", ""),
                    self.error.get("traceback", ""),
                )
            raise FlyteValidationException(
                f"Run {self.name!r} is {self.phase}; it has no outputs yet (call run.wait())"
            )
        return _outputs_value(decode_values(self._row["outputs"], _blobs().get))

    def actions(self) -> list[Action]:
        """Every action, in the order they were started, with ``children`` linked."""
        flush_all()
        actions = [Action(r) for r in _reader().list_actions(_config.database_path(), self.name)]
        by_name = {a.name: a for a in actions}
        for action in actions:
            if action.parent is not None and action.parent in by_name:
                by_name[action.parent].children.append(action)
        return actions

    def action(self, name: str) -> Action:
        for action in self.actions():
            if action.name == name:
                return action
        raise RunNotFoundError(f"Run {self.name!r} has no action named {name!r}")

    def action_tree(self) -> str:
        """The action tree as indented text: name, group, phase, attempts."""
        actions = self.actions()
        lines: list[str] = []

        def walk(action: Action, depth: int) -> None:
            group = f" [{action.group}]" if action.group else ""
            hit = " cache-hit" if action.cache_hit else ""
            tries = f" attempts={action.attempts}" if action.attempts > 1 else ""
            lines.append(f"{'  ' * depth}{action.short_name}{group} {action.phase}{hit}{tries}")
            for child in action.children:
                walk(child, depth + 1)

        for root in (a for a in actions if a.parent is None):
            walk(root, 0)
        return "\n".join(lines)

    def logs(self, action: str | None = None) -> str:
        """Captured stdout/stderr of the whole run, or of one action."""
        flush_all()
        rows = _reader().list_logs(_config.database_path(), self.name, action)
        return "".join(r["text"] for r in rows)

    def __repr__(self) -> str:
        return f"Run(name={self.name!r}, task={self.task_name!r}, phase={self.phase})"
