"""``fl.map``: one task over many inputs, as a group of actions.

The result is usable the way the caller's code is written: ``for x in fl.map(...)`` in
sync code, ``async for x in fl.map.aio(...)`` or ``await fl.map(...)`` in async code.
Results come back in input order. With ``return_exceptions=True`` (Flyte 2's default) a
failed item yields its exception instead of failing the whole map.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from ..exceptions import FlyteTypeException, FlyteValidationException
from ._context import _group, current_frame
from ._loop import block_on

if TYPE_CHECKING:
    from ..tasks._template import TaskTemplate


class MapResult(Awaitable[list[Any]]):
    def __init__(
        self,
        task: TaskTemplate | functools.partial[Any],
        iterables: tuple[Iterable[Any], ...],
        concurrency: int,
        return_exceptions: bool,
        group_name: str | None,
    ) -> None:
        # ``functools.partial(task, k=v)`` (Flyte 2): the bound arguments go with every call,
        # the mapped values fill the remaining positional parameters.
        self._fixed_args: tuple[Any, ...] = ()
        self._fixed_kwargs: dict[str, Any] = {}
        if isinstance(task, functools.partial):
            self._fixed_args, self._fixed_kwargs = task.args, dict(task.keywords)
            self._task: TaskTemplate = cast("TaskTemplate", task.func)  # checked in _validate
        else:
            self._task = task
        self._args = list(zip(*iterables, strict=False))
        self._concurrency = concurrency
        self._return_exceptions = return_exceptions
        self._group = group_name if group_name is not None else f"map:{self._task.short_name}"

    async def _gather(self) -> list[Any]:
        frame = current_frame()
        task = self._task
        sem = asyncio.Semaphore(self._concurrency) if self._concurrency else None

        fixed, keywords = self._fixed_args, self._fixed_kwargs

        async def one(args: tuple[Any, ...]) -> Any:
            if sem is None:
                return await task.aio(*fixed, *args, **keywords)
            async with sem:
                return await task.aio(*fixed, *args, **keywords)

        token = _group.set(_join(_group.get(), self._group)) if frame is not None else None
        try:
            coros = [one(args) for args in self._args]
            # Tasks copy the context now, with the map's group set.
            futures = [asyncio.ensure_future(c) for c in coros]
        finally:
            if token is not None:
                _group.reset(token)
        return await asyncio.gather(*futures, return_exceptions=self._return_exceptions)

    def __await__(self) -> Generator[Any, None, list[Any]]:
        return self._gather().__await__()

    def __iter__(self) -> Iterator[Any]:
        return iter(block_on(self._gather()))

    async def __aiter__(self) -> AsyncIterator[Any]:
        for item in await self._gather():
            yield item


def _join(outer: str | None, name: str) -> str:
    return f"{outer}/{name}" if outer else name


def _validate(
    task: object, iterables: tuple[object, ...], concurrency: object, return_exceptions: object
) -> None:
    from ..tasks._template import TaskTemplate

    partial = task if isinstance(task, functools.partial) else None
    if partial is not None:
        task = partial.func
    if not isinstance(task, TaskTemplate):
        raise FlyteValidationException(
            "fl.map needs a task (decorated with @env.task) or functools.partial of one, "
            f"got {task!r}"
        )
    if partial is not None:
        _check_partial(task, partial, len(iterables))
    if not iterables:
        raise FlyteValidationException(
            f"fl.map({task.name}) needs at least one iterable of inputs, e.g. "
            f"fl.map({task.short_name}, range(10))"
        )
    for i, it in enumerate(iterables):
        if isinstance(it, (str, bytes)) or not isinstance(it, Iterable):
            raise FlyteValidationException(
                f"fl.map({task.name}): argument {i + 1} must be an iterable of inputs (a list, "
                f"range...), got {type(it).__qualname__}"
            )
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 0:
        raise FlyteValidationException(
            f"fl.map({task.name}): concurrency must be a whole number >= 0 (0 = unlimited), "
            f"got {concurrency!r}"
        )
    if not isinstance(return_exceptions, bool):
        raise FlyteValidationException(
            f"fl.map({task.name}): return_exceptions must be True or False"
        )


def _check_partial(task: TaskTemplate, partial: functools.partial[Any], mapped: int) -> None:
    """The mapped values fill the positional parameters the partial left open, in order;
    one the partial also binds by name would get two values (as in Python, a TypeError)."""
    params = [
        p
        for p in inspect.signature(task.func).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ][len(partial.args) :]
    filled = [p.name for p in params[:mapped]]
    clash = [n for n in filled if n in partial.keywords]
    if clash or len(filled) < mapped:
        open_params = [p.name for p in params if p.name not in partial.keywords]
        raise FlyteTypeException(
            f"fl.map({task.name}): the mapped values go to the first positional parameters "
            f"left open, {filled}, but the partial already binds {clash or 'all of them'}; "
            f"bind by name only parameters after the mapped one(s), or reorder the task's "
            f"parameters so that the mapped ones come first (open here: {open_params})"
        )


class _Map:
    """``fl.map(task, *iterables, concurrency=0, return_exceptions=True, group_name=None)``."""

    def __call__(
        self,
        task: TaskTemplate | functools.partial[Any],
        *iterables: Iterable[Any],
        concurrency: int = 0,
        return_exceptions: bool = True,
        group_name: str | None = None,
    ) -> MapResult:
        _validate(task, iterables, concurrency, return_exceptions)
        return MapResult(task, iterables, concurrency, return_exceptions, group_name)

    def aio(
        self,
        task: TaskTemplate | functools.partial[Any],
        *iterables: Iterable[Any],
        concurrency: int = 0,
        return_exceptions: bool = True,
        group_name: str | None = None,
    ) -> AsyncIterator[Any]:
        return self(
            task,
            *iterables,
            concurrency=concurrency,
            return_exceptions=return_exceptions,
            group_name=group_name,
        ).__aiter__()


map = _Map()
