"""Which action is running here: the frame context variable, ``current_context`` and ``group``.

A ``ContextVar`` (not a thread-local) carries the running action's frame, because async
children run interleaved on one thread and each asyncio Task sees its own value. The
``TaskContext`` model users see is built lazily from the frame: most actions never ask.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime
import json
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from ..action import _frame as action_frame
from ..exceptions import FlyteValidationException, NotInTaskContextError
from ..models._action import ActionID
from ._state import ActionState

if TYPE_CHECKING:
    from ..models import TaskContext
    from ._controller import RunController

# The variable itself is ``flyte_nb.action``'s, so that code below the engine (tasks, io,
# decks) reads it without importing the engine; here it holds an ``ActionFrame``.
_frame = action_frame._frame
_group: contextvars.ContextVar[str | None] = contextvars.ContextVar("flyte_nb_group", default=None)
# ``with flyte.custom_context(...)`` inside a body: the custom context its calls hand on.
# None means "the running action's own" (``ActionFrame.custom_context``).
_custom: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "flyte_nb_custom_context", default=None
)
# How a custom context reaches an action that runs in a backend worker: the submitting
# side puts it in the action's environment, and the worker's frame reads it back. The
# environment, because it already travels with every action spec, needs no new field in
# the backend's protocol, and a child's spec env is applied per action.
CUSTOM_CONTEXT_ENV = "_FLYTE_NB_CUSTOM_CONTEXT"
# The workflow node (``n0``...) whose calls are being made here: recorded in each call's
# action spec (``"node"``), so the run's graph can place the action on its compiled node.
_node: contextvars.ContextVar[str | None] = contextvars.ContextVar("flyte_nb_node", default=None)


class ActionFrame:
    """One running attempt of one action: what its body's task calls need to know."""

    __slots__ = (
        "_action_id",
        "attempt",
        "call_seq",
        "controller",
        "custom_context",
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
        self.docs: Any = None  # ActionDocs, created on first use (action/_decks.py)
        self._action_id: ActionID | None = None
        # What this action inherited; the engine sets it from the caller at submission.
        self.custom_context: dict[str, str] = state.custom_context or {}

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
    return cast("ActionFrame | None", _frame.get())


_Tokens = tuple[
    contextvars.Token[Any], contextvars.Token[Any], contextvars.Token[Any], contextvars.Token[Any]
]


def enter(frame: ActionFrame) -> _Tokens:
    """Make ``frame`` current; a child's body starts outside its parent's groups and
    ``custom_context`` blocks (it sees what it inherited, in ``frame.custom_context``)
    and outside its parent's workflow node."""
    return _frame.set(frame), _group.set(None), _custom.set(None), _node.set(None)


def leave(tokens: _Tokens) -> None:
    _frame.reset(tokens[0])
    _group.reset(tokens[1])
    _custom.reset(tokens[2])
    _node.reset(tokens[3])


def effective_custom_context() -> dict[str, str]:
    """The custom context a task call made here hands to its action."""
    override = _custom.get()
    if override is not None:
        return override
    frame = current_frame()
    return frame.custom_context if frame is not None else {}


def encode_custom_context(values: Mapping[str, str]) -> dict[str, str]:
    """The env entry that carries ``values`` to a worker (none when empty)."""
    return {CUSTOM_CONTEXT_ENV: json.dumps(dict(values), sort_keys=True)} if values else {}


def custom_context_from_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a backend worker's action inherited, from its environment."""
    text = (os.environ if env is None else env).get(CUSTOM_CONTEXT_ENV)
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def check_custom_context(values: object, where: str) -> dict[str, str]:
    if values is None:
        return {}
    if not isinstance(values, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in values.items()
    ):
        raise FlyteValidationException(
            f"{where}: custom_context takes string keys and string values, got {values!r}; "
            "convert numbers with str(...), e.g. custom_context={'trace_id': 'abc', 'n': '3'}"
        )
    return dict(values)


@contextlib.contextmanager
def custom_context(**values: str) -> Iterator[None]:
    """Tasks called inside this block inherit these key/values (on top of the current
    ones) in ``flyte.ctx().custom_context``; they pass them on to their own children.

    Outside a running task it changes nothing, as in Flyte 2: set a run's base context
    with ``fl.with_runcontext(custom_context={...})``.
    """
    values = check_custom_context(values, "flyte.custom_context(...)")
    if current_frame() is None:
        yield
        return
    token = _custom.set({**effective_custom_context(), **values})
    try:
        yield
    finally:
        _custom.reset(token)


def ctx() -> TaskContext | None:
    """Flyte 2's ``flyte.ctx()``: the running task's context, or None outside a task.

    None rather than an error (unlike ``current_context()``), because Flyte 2 code tests
    ``if flyte.ctx():`` to tell "inside a task" from "at the top level".
    """
    if current_frame() is None:
        return None
    return current_context()


def current_group() -> str | None:
    return _group.get()


def current_node() -> str | None:
    """The workflow node whose calls are made here (``union/_execute.py`` sets it)."""
    return _node.get()


def node_scope(node_id: str) -> contextvars.Token[str | None]:
    """Calls made from now on (in this context) belong to workflow node ``node_id``."""
    return _node.set(node_id)


def reset_node(token: contextvars.Token[str | None]) -> None:
    _node.reset(token)


def current_context() -> TaskContext:
    """The context of the running task: its action id, run, group, mode and raw data path."""
    from ..models._context import GroupData, RawDataPath, TaskContext

    frame = current_frame()
    if frame is None:
        raise NotInTaskContextError(
            "current_context() is only available inside a running task; call it from the "
            "body of an @env.task function that was started with fl.run(...)"
        )
    from ..models._checkpoint import checkpoint_paths

    state = frame.state
    group = _group.get()
    run = frame.controller.run
    output_path = str(frame.controller.raw_data_dir / state.name)
    return TaskContext(
        action=frame.action_id,
        version=frame.version,
        raw_data_path=RawDataPath(path=str(frame.controller.raw_data_dir)),
        output_path=output_path,
        run_base_dir=str(frame.controller.raw_data_dir),
        group_data=GroupData(name=group) if group else None,
        checkpoints=checkpoint_paths(output_path, frame.attempt),
        data={"attempt": frame.attempt, "task_name": state.task_name, "run_name": run.name},
        mode=getattr(frame.controller, "mode", "local"),
        custom_context=dict(effective_custom_context()),
        run_start_time=_start_time(run),
    )


def _start_time(run: Any) -> datetime.datetime | None:
    created = getattr(run, "created_at", None)
    if created is None:
        return None
    return datetime.datetime.fromtimestamp(created, tz=datetime.UTC)


@contextlib.contextmanager
def group(name: str) -> Iterator[None]:
    """Group the actions started inside this block under ``name`` in the run's tree.

    Groups nest (``outer/inner``) and work in sync and async task bodies alike.
    """
    if not isinstance(name, str) or not name.strip():
        raise FlyteValidationException(
            f"group name must be a non-empty string, got {name!r}; e.g. fl.group('training')"
        )
    if current_frame() is None:
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
