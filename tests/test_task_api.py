"""Defining and calling tasks: every bad input gets one clear error at decoration or call."""

from __future__ import annotations

import asyncio
import datetime
import threading
from typing import Any, NamedTuple

import pytest

import flyte_nb as fl
from flyte_nb.exceptions import (
    FlyteTypeException,
    FlyteValidationException,
    TaskNameClashError,
)


def test_unannotated_parameter_is_rejected_at_decoration(env: fl.TaskEnvironment) -> None:
    with pytest.raises(FlyteValidationException, match=r"'x' has no type annotation"):

        @env.task
        def f(x) -> int:  # type: ignore[no-untyped-def]
            return 1


def test_default_of_wrong_type_is_rejected(env: fl.TaskEnvironment) -> None:
    with pytest.raises(FlyteTypeException, match=r"argument 'x' expects int, got str"):

        @env.task
        def f(x: int = "3") -> int:  # type: ignore[assignment]
            return x


def test_non_serialisable_default_is_rejected(env: fl.TaskEnvironment) -> None:
    lock = threading.Lock()
    with pytest.raises(
        FlyteValidationException, match=r"default of argument 'x'.*cannot be serialised"
    ):

        @env.task
        def f(x: Any = lock) -> int:
            return 1


def test_task_name_clash_between_different_functions(env: fl.TaskEnvironment) -> None:
    @env.task
    def work(x: int) -> int:
        return x

    other = {"__name__": "other_module", "env": env}
    with pytest.raises(TaskNameClashError, match=r"already used by"):
        exec("@env.task\ndef work(x: int) -> int:\n    return x + 2\n", other)


def test_redefining_the_same_function_replaces_it(env: fl.TaskEnvironment) -> None:
    """Re-running a notebook cell must not clash with the previous definition."""
    for result in (1, 2):

        @env.task
        def cell(x: int, factor: int = result) -> int:
            return x * factor

        assert env.tasks[cell.name] is cell
    assert cell(x=5) == 10


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cache": "sometimes"}, r"behavior"),
        ({"cache": 3}, r"cache"),
        ({"retries": -1}, r"retries must be a whole number >= 0"),
        ({"retries": "3"}, r"retries must be"),
        ({"timeout": -1}, r"timeout must be positive \(or 0 for no limit\)"),
        ({"timeout": "10s"}, r"timeout must be seconds, a datetime.timedelta or a Timeout"),
        ({"report": "yes"}, r"report must be True or False"),
        ({"short_name": ""}, r"short_name must be a non-empty string"),
    ],
)
def test_invalid_task_settings(env: fl.TaskEnvironment, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(FlyteValidationException, match=match):

        @env.task(**kwargs)
        def f(x: int) -> int:
            return x


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "has space"}, r"name must start with a letter"),
        ({"name": "x", "resources": {"cpu": 1}}, r"resources must be a Resources"),
        ({"name": "x", "cache": "maybe"}, r"behavior"),
        ({"name": "x", "env_vars": {"A": 1}}, r"env_vars must be a dict of str to str"),
        ({"name": "x", "depends_on": ["other"]}, r"depends_on must be a list of TaskEnvironment"),
    ],
)
def test_invalid_environment(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(FlyteValidationException, match=match):
        fl.TaskEnvironment(**kwargs)


def test_invalid_resources_spec() -> None:
    with pytest.raises(FlyteValidationException, match=r"mem"):
        fl.Resources(mem="lots")


def test_lambda_and_generator_are_rejected(env: fl.TaskEnvironment) -> None:
    with pytest.raises(FlyteValidationException, match="lambda"):
        env.task(lambda x: x)

    def gen(n: int) -> Any:
        yield n

    with pytest.raises(FlyteValidationException, match="generator"):
        env.task(gen)


def test_calls_outside_a_run_are_type_checked_plain_calls(env: fl.TaskEnvironment) -> None:
    @env.task
    def add(x: int, y: int = 1) -> int:
        return x + y

    assert add(1) == 2
    assert add(1, y=5) == 6
    with pytest.raises(
        FlyteTypeException, match=r"Task '.*add': argument 'x' expects int, got str"
    ):
        add("1")
    with pytest.raises(FlyteTypeException, match=r"(?i)missing"):
        add()
    with pytest.raises(FlyteTypeException, match=r"(?i)unexpected|unknown"):
        add(1, z=2)
    with pytest.raises(FlyteTypeException, match=r"(?i)too many|positional"):
        add(1, 2, 3)
    with pytest.raises(FlyteTypeException, match=r"expects int, got bool"):
        add(True)


def test_wrong_return_type_is_reported_with_the_task_name(env: fl.TaskEnvironment) -> None:
    @env.task
    def bad(x: int) -> int:
        return str(x)  # type: ignore[return-value]

    with pytest.raises(
        FlyteTypeException, match=r"Task '.*bad' returned str \('1'\).*annotation is int"
    ):
        bad(1)
    with pytest.raises(FlyteTypeException, match=r"returned str"):
        fl.run(bad, 1)


def test_container_types_are_checked_by_pydantic(env: fl.TaskEnvironment) -> None:
    @env.task
    def total(xs: list[int], weights: dict[str, float] | None = None) -> float:
        return float(sum(xs))

    assert total([1, 2]) == 3.0
    with pytest.raises(FlyteTypeException, match=r"argument 'xs' expects list\[int\]"):
        total([1, "2"])
    assert fl.run(total, [1, 2, 3], {"a": 1.0}).outputs() == 6.0


def test_override_returns_a_copy(env: fl.TaskEnvironment) -> None:
    @env.task(retries=1)
    def t(x: int) -> int:
        return x

    t2 = t.override(
        retries=fl.RetryStrategy(count=4),
        timeout=datetime.timedelta(seconds=3),
        cache="auto",
        short_name="tee",
        env_vars={"A": "1"},
    )
    assert (t.retries.count, t.timeout, t.cache.behavior) == (1, None, "disable")
    assert (t2.retries.count, t2.timeout, t2.cache.behavior, t2.short_name) == (
        4,
        3.0,
        "auto",
        "tee",
    )
    assert t2.env_vars == {"A": "1"}
    with pytest.raises(FlyteValidationException, match=r"unknown setting\(s\) \['colour'\]"):
        t.override(colour="red")


class Stats(NamedTuple):
    mean: float
    count: int


def test_named_and_tuple_outputs(env: fl.TaskEnvironment) -> None:
    @env.task
    def stats(xs: list[float]) -> Stats:
        return Stats(sum(xs) / len(xs), len(xs))

    @env.task
    def pair(x: int) -> tuple[int, str]:
        return x, str(x)

    run = fl.run(stats, [1.0, 3.0])
    assert run.outputs() == Stats(2.0, 2)
    assert fl.remote.Run.get(run.name).outputs() == (2.0, 2)
    assert fl.remote.Run.get(run.name).actions()[0].outputs() == {"mean": 2.0, "count": 2}
    assert fl.run(pair, 4).outputs() == (4, "4")


def test_async_task_outside_a_run_is_awaitable(env: fl.TaskEnvironment) -> None:
    @env.task
    async def double(x: int) -> int:
        return 2 * x

    assert asyncio.run(double(4)) == 8
    assert asyncio.run(double.aio(5)) == 10


def test_environment_settings_flow_to_tasks() -> None:
    base = fl.TaskEnvironment(name="base", env_vars={"BASE": "1"})
    env = fl.TaskEnvironment(
        name="child",
        resources=fl.Resources(cpu=1, mem="1Gi"),
        cache="auto",
        env_vars={"CHILD": "2"},
        secrets=["token"],
        description="demo",
        depends_on=[base],
    )

    @env.task
    def t(x: int) -> int:
        return x

    assert t.resources == fl.Resources(cpu=1, mem="1Gi")
    assert t.cache.behavior == "auto"
    assert t.environment_variables() == {"BASE": "1", "CHILD": "2"}
    assert [s.key for s in t.secrets] == ["token"]
    assert t.name == "child.t"
