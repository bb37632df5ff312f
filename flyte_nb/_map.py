"""``flyte_nb.map``: one top-level name for the two peers' ``map``.

Flyte 2's ``flyte.map(task, *iterables, ...)`` runs a task over inputs now and yields the
results; the Union seed's ``union.map(target, bound_inputs=None, ...)`` builds a map task
that a workflow calls later (``map(t)(a=xs)``). Both are imported as ``map`` from the top
level, so this object tells them apart by what Flyte 2 cannot do without: iterables. With
at least one iterable it is Flyte 2's map (``flyte_nb.engine.map``); with none it is the
Union map (``flyte_nb.union.map``), whose settings are then accepted by name. Living at
the top level keeps the engine free of the Union layer.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any

from .exceptions import FlyteValidationException

if TYPE_CHECKING:
    from .engine._map import MapResult
    from .union._map import MapTask

__all__ = ["map"]

_UNION_SETTINGS = ("bound_inputs", "min_successes", "min_success_ratio")


class _Map:
    """``map(task, *iterables, concurrency=0, return_exceptions=True, group_name=None)``
    (Flyte 2), or ``map(target, bound_inputs=None, concurrency=None, min_successes=None,
    min_success_ratio=1.0, **kwargs)`` (Union: a map task for a workflow)."""

    def __call__(
        self,
        task: Any,
        *iterables: Iterable[Any],
        concurrency: int | None = None,
        return_exceptions: bool = True,
        group_name: str | None = None,
        **union_settings: Any,
    ) -> MapResult | MapTask:
        if not iterables and (union_settings or _is_union_target(task)):
            from .union._map import map as union_map

            return union_map(task, concurrency=concurrency, **union_settings)
        if union_settings:
            raise FlyteValidationException(
                f"map got {sorted(union_settings)} together with inputs to map over: those are "
                "settings of the Union map task (map(task, bound_inputs=...)(a=xs)); Flyte 2's "
                "map(task, xs, ...) takes concurrency, return_exceptions and group_name"
            )
        from .engine import map as flyte2_map

        return flyte2_map(
            task,
            *iterables,
            concurrency=0 if concurrency is None else concurrency,
            return_exceptions=return_exceptions,
            group_name=group_name,
        )

    def aio(
        self,
        task: Any,
        *iterables: Iterable[Any],
        concurrency: int = 0,
        return_exceptions: bool = True,
        group_name: str | None = None,
    ) -> AsyncIterator[Any]:
        """Flyte 2's ``flyte.map.aio``: results as an async iterator, in input order."""
        from .engine import map as flyte2_map

        return flyte2_map.aio(
            task,
            *iterables,
            concurrency=concurrency,
            return_exceptions=return_exceptions,
            group_name=group_name,
        )


def _is_union_target(task: Any) -> bool:
    """Whether ``task`` is something the Union map task maps: a ``@task``, a launch plan, or
    ``functools.partial`` of one (a Flyte 2 ``@env.task`` with no iterables is left to Flyte
    2's map, which says it needs inputs)."""
    from .union._launch_plan import LaunchPlan
    from .union._task import UnionTask

    target = task.func if isinstance(task, functools.partial) else task
    return isinstance(target, (UnionTask, LaunchPlan))


map = _Map()
