"""``map_task`` / ``map``: one action per item, success thresholds, bound inputs."""

from __future__ import annotations

import functools

import pytest

import flyte_nb as fl
from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.union import map, map_task, task, workflow


@task
def square(x: int) -> int:
    return x * x


@task
def picky(x: int) -> int:
    if x % 4 == 0:
        raise ValueError(f"no multiples of 4: {x}")
    return x


@task
def scale(x: int, factor: int) -> int:
    return x * factor


@workflow
def squares(n: int) -> list[int]:
    return map_task(square)(x=list(range(4)))


def test_each_item_is_an_action_in_the_map_group() -> None:
    run = fl.run(squares, n=4)
    assert run.outputs() == [0, 1, 4, 9]
    actions = run.actions()
    items = [a for a in actions if a.parent == "a0"]
    assert len(items) == 4
    assert len(actions) == 5
    assert {a.group for a in items} == {"map:square"}
    assert sorted(a.inputs()["x"] for a in items) == [0, 1, 2, 3]


def test_map_over_a_promise() -> None:
    @task
    def numbers(n: int) -> list[int]:
        return list(range(n))

    @workflow
    def wf(n: int) -> int:
        return total(xs=map_task(square, concurrency=2)(x=numbers(n=n)))

    @task
    def total(xs: list[int]) -> int:
        return sum(xs)

    assert wf(n=5) == 30


def test_min_success_ratio_turns_failures_into_none() -> None:
    @workflow
    def wf(xs: list[int]) -> list[int | None]:
        return map_task(picky, min_success_ratio=0.5)(x=xs)

    assert wf(xs=[1, 2, 3, 4]) == [1, 2, 3, None]


def test_min_successes_wins_over_the_ratio() -> None:
    @workflow
    def wf(xs: list[int]) -> list[int | None]:
        return map_task(picky, min_successes=2, min_success_ratio=1.0)(x=xs)

    assert wf(xs=[4, 1, 2]) == [None, 1, 2]


def test_too_many_failures_fail_with_a_listing() -> None:
    @workflow
    def strict(xs: list[int]) -> list[int]:
        return map_task(picky)(x=xs)

    @workflow
    def lenient(xs: list[int]) -> list[int | None]:
        return map_task(picky, min_success_ratio=0.75)(x=xs)

    # flytekit raises the failing item's own error; a note lists every failure.
    with pytest.raises(ValueError, match="no multiples of 4: 4") as info:
        strict(xs=[1, 4, 2])
    assert isinstance(info.value, ValueError)
    assert info.value.map_failures.keys() == {1}  # type: ignore[attr-defined]
    assert any("1 of 3 items failed" in n for n in info.value.__notes__)
    with pytest.raises(ValueError, match="no multiples of 4: 4") as info:
        lenient(xs=[4, 8, 1, 2])
    assert any("item 0: ValueError: no multiples of 4: 4" in n for n in info.value.__notes__)


def test_bound_inputs_by_partial_and_by_name() -> None:
    @workflow
    def by_partial(xs: list[int]) -> list[int]:
        return map_task(functools.partial(scale, factor=10))(x=xs)

    @workflow
    def by_name(xs: list[int], f: int) -> list[int]:
        return map(scale, bound_inputs={"factor": f})(x=xs)

    assert by_partial(xs=[1, 2]) == [10, 20]
    assert by_name(xs=[1, 2], f=3) == [3, 6]


def test_map_task_outside_workflows() -> None:
    assert map_task(square)(x=[1, 2, 3]) == [1, 4, 9]
    env = fl.TaskEnvironment("mapparent")

    @env.task
    async def parent(n: int) -> list[int]:
        return await map_task(square)(x=list(range(n)))

    run = fl.run(parent, n=3)
    assert run.outputs() == [0, 1, 4]
    assert len(run.actions()) == 4


def test_bad_map_tasks() -> None:
    with pytest.raises(FlyteValidationException, match="needs a @task"):
        map_task(len)
    with pytest.raises(FlyteValidationException, match="not inputs of the task"):
        map_task(scale, bound_inputs={"nope": 1})
    with pytest.raises(FlyteValidationException, match="min_success_ratio"):
        map_task(square, min_success_ratio=1.5)
    with pytest.raises(FlyteValidationException, match="concurrency"):
        map_task(square, concurrency=-1)
    with pytest.raises(FlyteValidationException, match="same length"):
        map_task(scale)(x=[1, 2], factor=[1])
    with pytest.raises(FlyteValidationException, match="by name"):
        map_task(square)([1, 2])
