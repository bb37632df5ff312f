"""flytekit's ``create_node`` and ``with_overrides`` on flyte_nb.

Ported from flytekit's ``tests/flytekit/unit/core/test_node_creation.py`` (each test says
which); the run-time checks (retries, names, resources, cache really applied) are ours.
"""

# No `from __future__ import annotations`: flytekit code annotates with local NamedTuples.
import datetime
import typing

import pytest

import flyte_nb as fl
from flyte_nb import Cache, Resources, create_node, dynamic, task, workflow
from flyte_nb.exceptions import FlyteValidationException


@task
def add_one(x: int) -> int:
    return x + 1


@task
def to_str(a: int) -> str:
    return "fast-" + str(a + 2)


@dynamic
def ranged(a: int) -> list[str]:
    return [to_str(a=i) for i in range(a)]


_flaky_calls: dict[int, int] = {}


@task
def flaky(x: int) -> int:
    _flaky_calls[x] = _flaky_calls.get(x, 0) + 1
    if _flaky_calls[x] < 3:
        raise RuntimeError(f"attempt {_flaky_calls[x]} fails")
    return x


@workflow
def overridden_wf(x: int) -> int:
    return flaky(x=x).with_overrides(retries=2, name="flaky-node", requests=Resources(cpu="1"))


# -- create_node ------------------------------------------------------------------------


def test_create_node_normal_task() -> None:
    # flytekit tests/flytekit/unit/core/test_node_creation.py::test_normal_task
    @task
    def t1(a: str) -> str:
        return a + " world"

    @dynamic
    def my_subwf(a: int) -> list[str]:
        return [t1(a=str(i)) for i in range(a)]

    @workflow
    def my_wf(a: str) -> (str, list[str]):  # type: ignore[valid-type,syntax]
        t1_node = create_node(t1, a=a)
        dyn_node = create_node(my_subwf, a=3)
        return t1_node.o0, dyn_node.o0

    assert my_wf(a="hello") == ("hello world", ["0 world", "1 world", "2 world"])

    order: list[str] = []

    @task
    def t2() -> None:
        order.append("t2")

    @task
    def t3() -> None:
        order.append("t3")

    @workflow
    def empty_wf() -> None:
        t2_node = create_node(t2)
        t3_node = create_node(t3)
        t3_node.runs_before(t2_node)

    empty_wf()
    assert order == ["t3", "t2"]
    assert [n.id for n in empty_wf.nodes] == ["n0", "n1"]
    assert empty_wf.nodes[0].upstream == [empty_wf.nodes[1]]

    @workflow
    def bad_wf() -> None:
        create_node(t2, "foo")

    with pytest.raises(FlyteValidationException, match="by name"):
        bad_wf()


def test_create_node_named_outputs() -> None:
    # flytekit test_node_creation.py::test_more_normal_task
    class OneOutput(typing.NamedTuple):
        t1_str_output: str

    @task
    def t1(a: int) -> OneOutput:
        return OneOutput(f"{a + 2}")

    @task
    def t2(a: list[str]) -> str:
        return " ".join(a)

    @workflow
    def my_wf(a: int, b: str) -> (str, str):  # type: ignore[valid-type,syntax]
        t1_node = create_node(t1, a=a).with_overrides(aliases={"t1_str_output": "foo"})
        t2_node = create_node(t2, a=[t1_node.t1_str_output, t1_node.outputs["t1_str_output"], b])
        return t1_node.t1_str_output, t2_node.o0

    assert my_wf(a=5, b="hello") == ("7", "7 7 hello")


def test_create_node_outside_a_workflow_runs_the_task() -> None:
    out = create_node(add_one, x=1)
    assert out.o0 == 2
    with pytest.raises(FlyteValidationException, match="needs a task"):
        create_node(print, x=1)


# -- with_overrides --------------------------------------------------------------------


def test_with_overrides_retries_and_name_apply_at_run_time() -> None:
    _flaky_calls.clear()
    run = fl.run(overridden_wf, x=7)
    assert run.outputs() == 7
    node = next(a for a in run.actions() if a.parent == "a0")
    assert node.short_name == "flaky-node"
    assert node.attempts == 3
    assert node.resources is not None
    # the task itself is unchanged: no retries, so it fails at once outside the override
    _flaky_calls.clear()
    with pytest.raises(RuntimeError, match="attempt 1"):
        fl.run(flaky, x=8)


def test_with_overrides_timeout_and_cache() -> None:
    calls: list[int] = []

    @task
    def slow(x: int) -> int:
        calls.append(x)
        return x

    @workflow
    def wf(x: int) -> int:
        a = slow(x=x).with_overrides(cache=True, cache_version="3", timeout=30)
        return a  # type: ignore[no-any-return]

    node = wf.nodes[0]
    assert node.entity.cache.version == "3"
    assert node.entity.timeout == 30.0
    assert slow.cache.behavior == "disable"
    assert wf(x=1) == 1
    assert wf(x=1) == 1
    assert calls == [1]  # the second run was served from the override's cache

    @workflow
    def untimed(x: int) -> int:
        return slow(x=x).with_overrides(timeout=None, node_name="My Node")  # type: ignore[no-any-return]

    assert untimed.nodes[0].entity.timeout is None
    assert untimed.nodes[0].id == "my-node"


def test_with_overrides_bad_inputs() -> None:
    @workflow
    def wf1(x: int) -> int:
        return add_one(x=x).with_overrides(retry=1)  # type: ignore[no-any-return]

    with pytest.raises(FlyteValidationException, match="unknown setting"):
        wf1.compile()

    @workflow
    def wf2(x: int) -> int:
        return add_one(x=x).with_overrides(retries=-1)  # type: ignore[no-any-return]

    with pytest.raises(FlyteValidationException, match="retries"):
        wf2.compile()

    @workflow
    def wf3(x: int) -> int:
        return add_one(x=x).with_overrides(  # type: ignore[no-any-return]
            cache=Cache(version="1"), cache_version="2"
        )

    with pytest.raises(FlyteValidationException, match="Cache"):
        wf3.compile()

    @workflow
    def wf4(x: int) -> int:
        return x.with_overrides(retries=1)  # type: ignore[attr-defined,no-any-return]

    with pytest.raises(FlyteValidationException, match="workflow input"):
        wf4.compile()

    @workflow
    def wf5(x: int) -> int:
        return add_one(x=x).with_overrides(timeout="soon")  # type: ignore[no-any-return]

    with pytest.raises(FlyteValidationException, match="timeout"):
        wf5.compile()

    @workflow
    def wf6(x: int) -> int:
        return add_one(x=x).with_overrides(timeout=datetime.timedelta(seconds=5))  # type: ignore[no-any-return]

    assert wf6.nodes[0].entity.timeout == 5.0


def test_with_overrides_on_a_map_task_and_a_dynamic_node() -> None:
    _flaky_calls.clear()

    @workflow
    def wf(xs: list[int]) -> list[int]:
        return fl.map_task(flaky)(x=xs).with_overrides(retries=2)  # type: ignore[no-any-return]

    assert wf.nodes[0].entity.task.retries.count == 2
    assert flaky.retries.count == 0
    assert wf(xs=[11, 12]) == [11, 12]
    assert _flaky_calls == {11: 3, 12: 3}

    @workflow
    def dyn_wf(a: int) -> list[str]:
        return ranged(a=a).with_overrides(name="ranged-renamed")  # type: ignore[no-any-return]

    run = fl.run(dyn_wf, a=2)
    assert run.outputs() == ["fast-2", "fast-3"]
    node = next(a for a in run.actions() if a.parent == "a0")
    assert node.short_name == "ranged-renamed"
    assert [a.short_name for a in run.actions() if a.parent == node.name] == ["to_str"] * 2


def test_requests_and_limits_become_one_resources() -> None:
    @task(requests=Resources(cpu="1", mem="1Gi"), limits=Resources(cpu="2", mem="2Gi"))
    def t(x: int) -> int:
        return x

    assert t.resources == Resources(cpu=("1", "2"), mem=("1Gi", "2Gi"))

    @workflow
    def wf(x: int) -> int:
        return t(x=x).with_overrides(  # type: ignore[no-any-return]
            requests=Resources(cpu="3"), limits=Resources(cpu="4", mem="4Gi")
        )

    assert wf.nodes[0].entity.resources == Resources(cpu=("3", "4"), mem="4Gi")
    run = fl.run(wf, x=1)
    assert run.outputs() == 1
    node = next(a for a in run.actions() if a.parent == "a0")
    assert node.resources is not None
    assert node.resources["cpu"] in (["3", "4"], ("3", "4"))
