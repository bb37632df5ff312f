"""Flyte 2's ``@flyte.trace``: a function call inside a task, recorded and replayed.

Why it is built this way:

- A traced call runs in the calling task's process (no worker, no scheduling): it is a
  checkpoint of the task's own work, so it must cost about as much as the call itself.
  The record (inputs, outputs, error, timing) becomes a child action in the run's tree.
- The next attempt of the task, or a recovered run, makes the same calls in the same order;
  each gets the same deterministic name (see ``_log.py``) and the recorded value comes
  back without running the function. The replay is noted on the record.
- While the function runs, the current frame is the trace's own (so ``flyte.ctx()``
  names the trace's action, as in Flyte 2) whose controller refuses task calls with
  Flyte 2's ``TraceDoesNotAllowNestedTasksError``: a trace is a leaf.
- Outside a task, or inside another trace, a traced function is just the function.
- Inputs that cannot be encoded (a client object, a lock) are named by their type in the
  record, so such calls still trace; outputs that cannot be encoded are not replayed.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

from ..engine._context import (
    ActionFrame,
    current_frame,
    current_group,
    effective_custom_context,
    enter,
    leave,
)
from ..exceptions import FlyteValidationException
from ..types import digest, encode_values
from ._log import MISSING, TraceLog, encode_outputs, trace_log

F = TypeVar("F", bound=Callable[..., Any])
_PLAIN = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class _NoTasksController:
    """A trace's controller: the caller's, except that it refuses task calls."""

    def __init__(self, inner: Any, name: str) -> None:
        self._inner = inner
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)

    def call(self, *_args: Any, **_kwargs: Any) -> Any:
        from ..errors import TraceDoesNotAllowNestedTasksError

        raise TraceDoesNotAllowNestedTasksError(
            f"A task is invoked from inside the trace {self._name!r}; a trace cannot start "
            "tasks. Call the task from the task body instead, or run its function here as "
            "plain Python with `task.forward(...)`"
        )

    run_async = run_sync = call


class _Traced:
    """What a traced call needs about its function, computed once at decoration."""

    __slots__ = ("func", "name", "names", "short", "sig", "task_hash")

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.name = f"{func.__module__}.{func.__qualname__}"
        self.short = func.__name__
        self.task_hash = digest("flyte_nb.trace", self.name)
        try:
            self.sig: inspect.Signature | None = inspect.signature(func)
        except (TypeError, ValueError):
            self.sig = None
        params = list(self.sig.parameters.values()) if self.sig is not None else []
        plain = all(p.kind in _PLAIN for p in params)
        self.names = tuple(p.name for p in params) if plain else None

    def inputs(self, log: TraceLog, args: tuple, kwargs: dict[str, Any]) -> str:
        names = self.names
        if names is not None and not kwargs and len(args) == len(names):
            values = dict(zip(names, args, strict=True))
        elif self.sig is not None:
            try:
                bound = self.sig.bind(*args, **kwargs)
            except TypeError:
                values = {"args": args, "kwargs": kwargs}  # the call itself will raise
            else:
                bound.apply_defaults()
                values = dict(bound.arguments)
        else:
            values = {"args": args, "kwargs": kwargs}
        try:
            return encode_values(values, log.put)
        except Exception:
            return encode_values({k: _described(v, log) for k, v in values.items()}, log.put)

    def start(
        self, frame: ActionFrame, args: tuple, kwargs: dict[str, Any]
    ) -> tuple[TraceLog, Any, Any]:
        """(log, recorded value or MISSING, trace state or None when replayed)."""
        log = trace_log(frame)
        inputs = self.inputs(log, args, kwargs)
        group = current_group()
        seq = frame.next_seq(self.task_hash, inputs, group)
        name = frame.action_id.new_sub_action_from(seq, self.task_hash, inputs, group).name
        call = {"task": self.name, "short": self.short, "group": group, "inputs": inputs}
        recorded = log.lookup(frame, name, call)
        if recorded is not MISSING:
            return log, recorded, None
        state = log.begin(frame, name, (self.name, self.short), inputs, group)
        state.custom_context = effective_custom_context()
        return log, MISSING, state

    def frame(self, parent: ActionFrame, state: Any, is_async: bool) -> ActionFrame:
        controller = _NoTasksController(parent.controller, self.short)
        return ActionFrame(controller, state, is_async, parent.version)  # type: ignore[arg-type]


def _described(value: Any, log: TraceLog) -> Any:
    try:
        encode_values({"v": value}, log.put)
    except Exception:
        return f"<unrecorded {type(value).__qualname__}>"
    return value


def _outside(frame: ActionFrame | None) -> bool:
    return frame is None or isinstance(frame.controller, _NoTasksController)


def trace(func: F) -> F:
    """Record each call of ``func`` made inside a task as a child action, and replay it.

    Works on sync and async functions and on (sync or async) generators. On the task's
    next attempt (a retry, a worker that died, a restarted backend) or in a recovered run,
    a call with the same inputs in the same order returns the recorded value without
    running ``func``. Outside a task, ``func`` simply runs.
    """
    if isinstance(func, (staticmethod, classmethod)) or not callable(func):
        raise FlyteValidationException(
            f"@flyte.trace decorates a function, got {func!r}; put @flyte.trace directly "
            "above a `def` or `async def`"
        )
    if getattr(func, "__flyte_nb_trace__", None) is not None:
        return func
    from ..tasks._template import TaskTemplate

    if isinstance(func, TaskTemplate):
        raise FlyteValidationException(
            f"@flyte.trace cannot wrap the task {func.name!r}: a task is already recorded "
            "and replayed by name; trace plain helper functions that tasks call"
        )
    info = _Traced(func)
    if inspect.isasyncgenfunction(func):
        wrapper: Any = _async_gen_wrapper(info)
    elif inspect.iscoroutinefunction(func):
        wrapper = _async_wrapper(info)
    elif inspect.isgeneratorfunction(func):
        wrapper = _gen_wrapper(info)
    else:
        wrapper = _sync_wrapper(info)
    functools.update_wrapper(wrapper, func)
    wrapper.__flyte_nb_trace__ = info
    return wrapper


def _sync_wrapper(info: _Traced) -> Callable[..., Any]:
    func = info.func

    def traced(*args: Any, **kwargs: Any) -> Any:
        frame = current_frame()
        if _outside(frame):
            return func(*args, **kwargs)
        assert frame is not None
        log, recorded, state = info.start(frame, args, kwargs)
        if state is None:
            return recorded
        tokens = enter(info.frame(frame, state, False))
        try:
            result = func(*args, **kwargs)
        except BaseException as exc:
            leave(tokens)
            log.finish(state, None, exc)
            raise
        leave(tokens)
        log.finish(state, encode_outputs(result, log.put), None)
        return result

    return traced


def _async_wrapper(info: _Traced) -> Callable[..., Any]:
    func = info.func

    async def traced(*args: Any, **kwargs: Any) -> Any:
        frame = current_frame()
        if _outside(frame):
            return await func(*args, **kwargs)
        assert frame is not None
        log, recorded, state = info.start(frame, args, kwargs)
        if state is None:
            return recorded
        tokens = enter(info.frame(frame, state, True))
        try:
            result = await func(*args, **kwargs)
        except BaseException as exc:
            leave(tokens)
            log.finish(state, None, exc)
            raise
        leave(tokens)
        log.finish(state, encode_outputs(result, log.put), None)
        return result

    return traced


def _gen_wrapper(info: _Traced) -> Callable[..., Any]:
    func = info.func

    def traced(*args: Any, **kwargs: Any) -> Iterator[Any]:
        frame = current_frame()
        if _outside(frame):
            yield from func(*args, **kwargs)
            return
        assert frame is not None
        log, recorded, state = info.start(frame, args, kwargs)
        if state is None:
            yield from recorded
            return
        inner = info.frame(frame, state, False)
        items: list[Any] = []
        gen = func(*args, **kwargs)
        try:
            while True:
                tokens = enter(inner)
                try:
                    item = next(gen)
                except StopIteration:
                    break
                finally:
                    leave(tokens)
                items.append(item)
                yield item
        except BaseException as exc:
            gen.close()
            log.finish(state, None, exc)
            raise
        log.finish(state, encode_outputs(items, log.put), None)

    return traced


def _async_gen_wrapper(info: _Traced) -> Callable[..., Any]:
    func = info.func

    async def traced(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        frame = current_frame()
        if _outside(frame):
            async for item in func(*args, **kwargs):
                yield item
            return
        assert frame is not None
        log, recorded, state = info.start(frame, args, kwargs)
        if state is None:
            for item in recorded:
                yield item
            return
        inner = info.frame(frame, state, True)
        items: list[Any] = []
        agen = func(*args, **kwargs)
        try:
            while True:
                tokens = enter(inner)
                try:
                    item = await agen.__anext__()
                except StopAsyncIteration:
                    break
                finally:
                    leave(tokens)
                items.append(item)
                yield item
        except BaseException as exc:
            await agen.aclose()
            log.finish(state, None, exc)
            raise
        log.finish(state, encode_outputs(items, log.put), None)

    return traced
