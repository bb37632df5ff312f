"""flytekit's ``@dynamic``, ``@eager``, ``create_node`` and ``with_overrides`` on flyte_nb.

Ported from flytekit's ``tests/flytekit/unit/core/``: ``test_dynamic.py``,
``test_async_more_semantics.py``, ``test_async_with_dynamic.py``, ``test_node_creation.py``
(each test says which); the action-tree and backend tests are ours.
"""

# No `from __future__ import annotations`: flytekit code annotates with local NamedTuples.
import asyncio
import datetime
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb import Cache, Resources, conditional, create_node, dynamic, eager, task, workflow
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
