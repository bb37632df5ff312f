"""``fl.map``: one task over many inputs, as a group of actions.

The result is usable the way the caller's code is written: ``for x in fl.map(...)`` in
sync code, ``async for x in fl.map.aio(...)`` or ``await fl.map(...)`` in async code.
Results come back in input order. With ``return_exceptions=True`` (Flyte 2's default) a
failed item yields its exception instead of failing the whole map.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException
from ._context import _group, current_frame
from ._loop import block_on

if TYPE_CHECKING:
    from ..tasks._template import TaskTemplate


class MapResult(Awaitable[list[Any]]):
    def __init__(
        self,
        task: TaskTemplate,
        iterables: tuple[Iterable[Any], ...],
        concurrency: int,
        return_exceptions: bool,
        group_name: str | None,
    ) -> None:
        self._task = task
        self._args = list(zip(*iterables, strict=False))
        self._concurrency = concurrency
        self._return_exceptions = return_exceptions
        self._group = group_name if group_name is not None else f"map:{task.short_name}"

    async def _gather(self) -> list[Any]:
        frame = current_frame()
        task = self._task
        sem = asyncio.Semaphore(self._concurrency) if self._concurrency else None

        async def one(args: tuple[Any, ...]) -> Any:
            if sem is None:
                return await task.aio(*args)
            async with sem:
                return await task.aio(*args)

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

    if not isinstance(task, TaskTemplate):
        raise FlyteValidationException(
            f"fl.map needs a task (decorated with @env.task), got {task!r}"
        )
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


class _Map:
    """``fl.map(task, *iterables, concurrency=0, return_exceptions=True, group_name=None)``."""

    def __call__(
        self,
        task: TaskTemplate,
        *iterables: Iterable[Any],
        concurrency: int = 0,
        return_exceptions: bool = True,
        group_name: str | None = None,
    ) -> MapResult:
        _validate(task, iterables, concurrency, return_exceptions)
        return MapResult(task, iterables, concurrency, return_exceptions, group_name)

    def aio(
        self,
        task: TaskTemplate,
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
