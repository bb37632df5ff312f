"""flytekit's ``@dynamic`` and ``@eager`` on flyte_nb (``create_node`` and
``with_overrides``: ``test_flytekit_nodes.py``).

Ported from flytekit's ``tests/flytekit/unit/core/``: ``test_dynamic.py``,
``test_dynamic_conditional.py``, ``test_async_more_semantics.py``,
``test_async_with_dynamic.py``, ``test_async_with_wflp.py`` (each test says which); the
action-tree and backend tests are ours.
"""

# No `from __future__ import annotations`: flytekit code annotates with local NamedTuples.
import asyncio
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb import Resources, conditional, create_node, dynamic, eager, task, workflow
from flyte_nb.exceptions import FlyteValidationException

# -- module-level entities (the backend worker imports them by name) -------------------


@task
def add_one(x: int) -> int:
    return x + 1


@task
async def a_double(x: int) -> int:
    return x * 2


@task
def double(x: int) -> int:
    return x * 2


@task
def to_str(a: int) -> str:
    return "fast-" + str(a + 2)


@dynamic
def ranged(a: int) -> list[str]:
    return [to_str(a=i) for i in range(a)]


@workflow
def ranged_wf(a: int) -> list[str]:
    return ranged(a=a)


@eager
async def base_wf(x: int) -> int:
    out = add_one(x=x)
    doubled = a_double(x=x)
    if out - await doubled < 0:
        return -1
    return double(x=out)


@eager
async def parent_wf(a: int, b: int) -> typing.Tuple[int, int]:  # noqa: UP006 (flytekit's spelling)
    t1 = asyncio.create_task(base_wf(x=a))
    t2 = asyncio.create_task(base_wf(x=b))
    i1, i2 = await asyncio.gather(t1, t2)
    return i1, i2


# -- @dynamic -----------------------------------------------------------------------------


def test_dynamic_local() -> None:
    # flytekit tests/flytekit/unit/core/test_dynamic.py::test_dynamic_local
    assert ranged(a=5) == ["fast-2", "fast-3", "fast-4", "fast-5", "fast-6"]


@pytest.mark.parametrize(("input_val", "output_val"), [(4, 0), (5, 5)])
def test_dynamic_local_default_args_task(input_val: int, output_val: int) -> None:
    # flytekit test_dynamic.py::test_dynamic_local_default_args_task
    @task
    def t1(a: int = 0) -> int:
        return a

    @dynamic
    def dt(a: int) -> int:
        if a % 2 == 0:
            return t1()  # type: ignore[no-any-return]
        return t1(a=a)  # type: ignore[no-any-return]

    assert dt(a=input_val) == output_val


def test_nested_dynamic_local() -> None:
    # flytekit test_dynamic.py::test_nested_dynamic_local
    @dynamic
    def add_and_range(a: int, b: int) -> list[str]:
        return ranged(a=a + b)  # type: ignore[no-any-return]

    assert add_and_range(a=2, b=3) == ["fast-2", "fast-3", "fast-4", "fast-5", "fast-6"]

    @workflow
    def wf(a: int, b: int) -> list[str]:
        return add_and_range(a=a, b=b)  # type: ignore[no-any-return]

    assert wf(a=2, b=3) == ["fast-2", "fast-3", "fast-4", "fast-5", "fast-6"]


def test_dynamic_using_a_promise_as_a_value_explains_why() -> None:
    # flytekit test_dynamic.py::test_dynamic_local_use (flytekit raises TypeError; we say why)
    @dynamic
    def use_result(a: int) -> int:
        x = to_str(a=a)
        return 5 if len(x) > 6 else 0

    with pytest.raises(FlyteValidationException, match="promise"):
        use_result(a=6)


def test_create_node_dynamic_local() -> None:
    # flytekit test_dynamic.py::test_create_node_dynamic_local
    @task
    def task1(s: str) -> str:
        return s

    @task
    def task2(s: str) -> str:
        return s

    @dynamic
    def dynamic_wf() -> str:
        node_1 = create_node(task1, s="hello")
        node_2 = create_node(task2, s="world")
        node_1 >> node_2
        return node_1.o0  # type: ignore[no-any-return]

    @workflow
    def wf() -> str:
        return dynamic_wf()  # type: ignore[no-any-return]

    assert wf() == "hello"


def test_dynamic_local_rshift_with_overrides() -> None:
    # flytekit test_dynamic.py::test_dynamic_local_rshift
    @task
    def task1(s: str) -> str:
        return s

    @task
    def task2(s: str) -> str:
        return s

    @dynamic
    def dynamic_wf() -> str:
        to1 = task1(s="hello").with_overrides(requests=Resources(cpu="3", mem="5Gi"))
        to2 = task2(s="world")
        to1 >> to2
        return to1  # type: ignore[no-any-return]

    run = fl.run(dynamic_wf)
    assert run.outputs() == "hello"
    actions = {a.short_name: a for a in run.actions()}
    assert actions["task1"].resources is not None
    assert actions["task1"].resources["cpu"] in ("3", 3)
    assert actions["task2"].resources is None
    assert actions["task1"].ended_at <= actions["task2"].started_at  # type: ignore[operator]


def test_dynamic_return_dict() -> None:
    # flytekit test_dynamic.py::test_dynamic_return_dict (plain values returned, no nodes)
    @dynamic
    def t1(v: str) -> dict[str, str]:
        return {"a": v}

    @dynamic
    def t3(v: str) -> (str, dict[str, dict[str, str]]):  # type: ignore[valid-type,syntax]
        return v, {"a": {"b": v}}

    @workflow
    def wf() -> (dict[str, str], str):  # type: ignore[valid-type,syntax]
        first, _ = t3(v="c")
        return t1(v="a"), first

    assert wf() == ({"a": "a"}, "c")


def test_nested_dynamic_locals() -> None:
    # flytekit test_dynamic.py::test_nested_dynamic_locals (a dynamic branches on its input)
    @task
    def t2(b: str) -> str:
        return f"In t2 string is {b}"

    @task
    def t3(b: str) -> str:
        return f"In t3 string is {b}"

    @dynamic
    def dt(ss: str) -> list[str]:
        if ss == "hello":
            bb = t2(b=ss)
            bbb = t3(b=bb)
        else:
            bb = t2(b=ss + "hi again")
            bbb = "static"
        return [bb, bbb]

    @workflow
    def wf(wf_in: str) -> list[str]:
        return dt(ss=wf_in)  # type: ignore[no-any-return]

    expected = ["In t2 string is hello", "In t3 string is In t2 string is hello"]
    assert wf(wf_in="hello") == expected
    assert dt(ss="hello") == expected
    assert dt(ss="x") == ["In t2 string is xhi again", "static"]


def test_dynamic_conditional_recursion() -> None:
    # flytekit tests/flytekit/unit/core/test_dynamic_conditional.py::test_dynamic_conditional
    # (run for real here: a workflow and a dynamic that call each other until lists are small)
    @task
    def split(in1: list[int]) -> (list[int], list[int], int):  # type: ignore[valid-type,syntax]
        half = len(in1) // 2
        return in1[:half], in1[half:], half

    @task
    def merge(x: list[int], y: list[int]) -> list[int]:
        return sorted(x + y)

    @task
    def merge_sort_locally(in1: list[int]) -> list[int]:
        return sorted(in1)

    @dynamic
    def merge_sort_remotely(in1: list[int]) -> list[int]:
        x, y, new_count = split(in1=in1)
        sorted_x = merge_sort(in1=x, count=new_count)
        sorted_y = merge_sort(in1=y, count=new_count)
        return merge(x=sorted_x, y=sorted_y)  # type: ignore[no-any-return]

    @workflow
    def merge_sort(in1: list[int], count: int) -> list[int]:
        return (  # type: ignore[no-any-return]
            conditional("terminal_case")
            .if_(count < 3)
            .then(merge_sort_locally(in1=in1))
            .else_()
            .then(merge_sort_remotely(in1=in1))
        )

    data = [9, 3, 7, 1, 8, 2, 6, 4, 5, 0, 11, 10]
    run = fl.run(merge_sort, in1=data, count=len(data))
    assert run.outputs() == sorted(data)
    assert any(a.short_name == "merge_sort_locally" for a in run.actions())


def test_dynamic_nodes_are_child_actions_of_the_dynamic_action() -> None:
    run = fl.run(ranged_wf, a=3)
    assert run.outputs() == ["fast-2", "fast-3", "fast-4"]
    actions = run.actions()
    dyn = next(a for a in actions if a.short_name == "ranged")
    assert dyn.parent == "a0"
    assert sorted(a.short_name for a in actions if a.parent == dyn.name) == ["to_str"] * 3
    assert len(actions) == 5


def test_dynamic_rejects_async_and_unknown_settings() -> None:
    with pytest.raises(FlyteValidationException, match="@eager"):

        @dynamic
        async def nope(a: int) -> int:
            return a

    with pytest.raises(FlyteValidationException, match="unknown setting"):
        dynamic(cache_versio="1")


def test_dynamic_takes_task_settings() -> None:
    @dynamic(retries=2, cache=True, cache_version="7")
    def dt(a: int) -> int:
        return add_one(x=a)  # type: ignore[no-any-return]

    assert dt.retries.count == 2
    assert dt.cache.version == "7"
    assert dt(a=1) == 2


# -- @eager -------------------------------------------------------------------------------


def test_eager_nested_all_local() -> None:
    # flytekit tests/flytekit/unit/core/test_async_more_semantics.py::test_nested_all_local
    assert asyncio.run(parent_wf(a=1, b=2)) == (4, -1)


def test_eager_calls_a_dynamic() -> None:
    # flytekit tests/flytekit/unit/core/test_async_with_dynamic.py::test_nested_level_1_local
    @dynamic
    def level_3_dt(x: int) -> int:
        return add_one(x=x)  # type: ignore[no-any-return]

    @eager
    async def level_2(x: int) -> int:
        out = add_one(x=x)
        return double(x=level_3_dt(x=out))  # type: ignore[no-any-return]

    @eager
    async def level_1() -> typing.Tuple[int, int]:  # noqa: UP006
        i1 = add_one(x=10)
        (i2,) = await asyncio.gather(asyncio.create_task(level_2(x=1)))
        return i1, i2

    assert asyncio.run(level_1()) == (11, 6)


def test_eager_awaited_tasks_are_child_actions() -> None:
    run = fl.run(parent_wf, a=1, b=2)
    assert run.outputs() == (4, -1)
    actions = run.actions()
    root = actions[0]
    assert root.short_name == "parent_wf"
    bases = [a for a in actions if a.parent == root.name]
    assert sorted(a.short_name for a in bases) == ["base_wf", "base_wf"]
    for base in bases:
        kids = sorted(a.short_name for a in actions if a.parent == base.name)
        assert kids in (["a_double", "add_one", "double"], ["a_double", "add_one"])


def test_eager_must_be_async() -> None:
    with pytest.raises(FlyteValidationException, match="async def"):

        @eager
        def not_async(a: int) -> int:
            return a


# -- on a real backend ------------------------------------------------------------------


@task(retries=2)
def resumes_on_worker(n: int) -> str:
    ctx = fl.current_context()
    ctx.logging.info("step log line")
    cp = ctx.checkpoint
    done = int(cp.read() or b"0") + 1
    cp.write(str(done).encode())
    if done < n:
        raise RuntimeError(f"stopped after step {done}")
    return f"{ctx.execution_id.name}:{done}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("flytekit-dynamic-home")
    with running_server(home):
        yield home


def test_dynamic_and_eager_on_the_backend_have_the_local_action_tree(
    server: Path, home: Path
) -> None:
    fl.init(home=server)
    dyn = fl.run(ranged_wf, a=3)
    eag = fl.run(parent_wf, a=1, b=2)
    assert dyn.mode == "backend"
    assert dyn.wait(timeout=90).outputs() == ["fast-2", "fast-3", "fast-4"]
    assert eag.wait(timeout=90).outputs() == (4, -1)
    local_dyn = fl.with_runcontext(mode="local").run(ranged_wf, a=3)
    local_eag = fl.with_runcontext(mode="local").run(parent_wf, a=1, b=2)
    for remote, local in ((dyn, local_dyn), (eag, local_eag)):
        tree = sorted((a.name, a.parent, a.short_name) for a in remote.actions())
        assert tree == sorted((a.name, a.parent, a.short_name) for a in local.actions())
    assert len(dyn.actions()) == 5
    assert len(eag.actions()) == 8
    # flytekit's current_context() names on a worker: the checkpoint survives the retries
    cp = fl.run(resumes_on_worker, n=3)
    assert cp.wait(timeout=90).outputs() == f"{cp.name}:3"
    assert cp.actions()[0].attempts == 3
    assert "step log line" in cp.actions()[0].logs()


def test_an_eager_task_is_a_workflow_node() -> None:
    @workflow
    def wf(a: int) -> int:
        return base_wf(x=add_one(x=a))  # type: ignore[no-any-return]

    run = fl.run(wf, a=0)
    assert run.outputs() == 4
    eager_action = next(a for a in run.actions() if a.short_name == "base_wf")
    kids = sorted(a.short_name for a in run.actions() if a.parent == eager_action.name)
    assert kids == ["a_double", "add_one", "double"]


@workflow
def level_3_subwf(x: int) -> int:
    return add_one(x=x)  # type: ignore[no-any-return]


def test_eager_calls_a_workflow_and_a_launch_plan() -> None:
    # flytekit tests/flytekit/unit/core/test_async_with_wflp.py::test_nested_level_1_local
    level_3_lp = fl.LaunchPlan.get_or_create(level_3_subwf, "level_3_lp")

    @eager
    async def level_2(x: int) -> int:
        out = add_one(x=x)
        level_3_res = level_3_subwf(x=out)
        level_3_lp_res = level_3_lp(x=level_3_res)
        return double(x=level_3_lp_res)  # type: ignore[no-any-return]

    @eager
    async def level_1() -> typing.Tuple[int, int]:  # noqa: UP006
        i1 = add_one(x=5)
        (i2,) = await asyncio.gather(asyncio.create_task(level_2(x=1)))
        return i1, i2

    assert asyncio.run(level_1()) == (6, 8)
    run = fl.run(level_1)
    assert run.outputs() == (6, 8)
    level_2_action = next(a for a in run.actions() if a.short_name == "level_2")
    kids = [a.short_name for a in run.actions() if a.parent == level_2_action.name]
    assert sorted(kids) == ["add_one", "double", "level_3_subwf", "level_3_subwf"]


@task
def positive_only(x: int) -> int:
    if x < 0:
        raise ValueError("x must be positive")
    return x + 1


@eager
async def catches(x: int) -> int:
    # flytekit's EagerException docstring example, with the task's own error (local mode)
    try:
        return positive_only(x=x)  # type: ignore[no-any-return]
    except ValueError:
        return -100


def test_eager_body_catches_a_failed_task() -> None:
    run = fl.run(catches, x=-1)
    assert run.outputs() == -100
    failed = next(a for a in run.actions() if a.short_name == "positive_only")
    assert failed.phase == "FAILED"
    assert asyncio.run(catches(x=1)) == 2
