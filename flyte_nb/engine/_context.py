"""Which action is running here: the frame context variable, ``current_context`` and ``group``.

A ``ContextVar`` (not a thread-local) carries the running action's frame, because async
children run interleaved on one thread and each asyncio Task sees its own value. The
``TaskContext`` model users see is built lazily from the frame: most actions never ask.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException, NotInTaskContextError
from ..models._action import ActionID
from ._state import ActionState

if TYPE_CHECKING:
    from ..models import TaskContext
    from ._controller import RunController

_frame: contextvars.ContextVar[ActionFrame | None] = contextvars.ContextVar(
    "flyte_nb_frame", default=None
)
_group: contextvars.ContextVar[str | None] = contextvars.ContextVar("flyte_nb_group", default=None)


class ActionFrame:
    """One running attempt of one action: what its body's task calls need to know."""

    __slots__ = (
        "_action_id",
        "attempt",
        "call_seq",
        "controller",
        "docs",
        "is_async",
        "pending",
        "slot",
        "state",
        "version",
    )

    def __init__(
        self, controller: RunController, state: ActionState, is_async: bool, version: str
    ) -> None:
        self.controller = controller
        self.state = state
        self.is_async = is_async
        self.version = version
        self.attempt = state.attempts
        self.call_seq: dict[tuple[str, str, str | None], int] = {}
        self.pending = 0
        self.slot: asyncio.Semaphore | None = None  # held while running, lent while waiting
        self.docs: Any = None  # ActionDocs, created on first use (engine/_docs.py)
        self._action_id: ActionID | None = None

    @property
    def action_id(self) -> ActionID:
        if self._action_id is None:
            self._action_id = ActionID(name=self.state.name, run_name=self.state.run_name)
        return self._action_id

    def next_seq(self, task_hash: str, input_hash: str, group: str | None) -> int:
        key = (task_hash, input_hash, group)
        seq = self.call_seq.get(key, 0)
        self.call_seq[key] = seq + 1
        return seq


def current_frame() -> ActionFrame | None:
    return _frame.get()


def enter(frame: ActionFrame) -> tuple[contextvars.Token[Any], contextvars.Token[Any]]:
    """Make ``frame`` current; a child's body starts outside its parent's groups."""
    return _frame.set(frame), _group.set(None)


def leave(tokens: tuple[contextvars.Token[Any], contextvars.Token[Any]]) -> None:
    _frame.reset(tokens[0])
    _group.reset(tokens[1])


def current_group() -> str | None:
    return _group.get()


def current_context() -> TaskContext:
    """The context of the running task: its action id, run, group, mode and raw data path."""
    from ..models._context import GroupData, RawDataPath, TaskContext

    frame = _frame.get()
    if frame is None:
        raise NotInTaskContextError(
            "current_context() is only available inside a running task; call it from the "
            "body of an @env.task function that was started with fl.run(...)"
        )
    state = frame.state
    group = _group.get()
    run = frame.controller.run
    return TaskContext(
        action=frame.action_id,
        version=frame.version,
        raw_data_path=RawDataPath(path=str(frame.controller.raw_data_dir)),
        output_path=str(frame.controller.raw_data_dir / state.name),
        run_base_dir=str(frame.controller.raw_data_dir),
        group_data=GroupData(name=group) if group else None,
        data={"attempt": frame.attempt, "task_name": state.task_name, "run_name": run.name},
        mode=getattr(frame.controller, "mode", "local"),
    )


@contextlib.contextmanager
def group(name: str) -> Iterator[None]:
    """Group the actions started inside this block under ``name`` in the run's tree.

    Groups nest (``outer/inner``) and work in sync and async task bodies alike.
    """
    if not isinstance(name, str) or not name.strip():
        raise FlyteValidationException(
            f"group name must be a non-empty string, got {name!r}; e.g. fl.group('training')"
        )
    if _frame.get() is None:
        raise NotInTaskContextError(
            f"fl.group({name!r}) is only meaningful inside a running task: it groups the "
            "actions that task starts"
        )
    outer = _group.get()
    token = _group.set(f"{outer}/{name}" if outer else name)
    try:
        yield
    finally:
        _group.reset(token)
