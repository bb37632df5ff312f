"""``flyte_nb.map`` is Flyte 2's ``flyte.map`` and the Union seed's ``union.map`` at once.

Flyte 2 code maps a task over iterables now (``flyte.map(t, xs)``); Union code builds a map
task for a workflow (``map(t, bound_inputs=...)(a=xs)``). The top-level name tells them
apart by the iterables (``flyte_nb/_map.py``). Both run here in the kernel, unchanged.
"""

from __future__ import annotations

import pytest

import flyte_nb as fl
from flyte_nb import map, task, workflow
from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.union import MapTask

env = fl.TaskEnvironment(name="map_both")


@env.task
async def square(x: int) -> int:
    return x * x


@env.task
async def squares(n: int) -> list[int]:
    return list(fl.map(square, range(n)))


@task
def scale(a: int, factor: int) -> int:
    return a * factor


@workflow
def scaled(xs: list[int]) -> list[int]:
    return map(scale, bound_inputs={"factor": 10})(a=xs)


def test_flyte2_map_over_iterables() -> None:
    assert fl.with_runcontext(mode="local").run(squares, n=4).outputs() == [0, 1, 4, 9]


def test_union_map_without_iterables_builds_a_map_task() -> None:
    mapped = map(scale, bound_inputs={"factor": 10}, min_success_ratio=1.0)
    assert isinstance(mapped, MapTask)
    assert scaled(xs=[1, 2, 3]) == [10, 20, 30]


def test_mixing_the_two_says_which_is_which() -> None:
    with pytest.raises(FlyteValidationException, match="settings of the Union map task"):
        map(scale, [1, 2], bound_inputs={"factor": 1})
    with pytest.raises(FlyteValidationException, match="needs at least one iterable"):
        fl.map(square)
