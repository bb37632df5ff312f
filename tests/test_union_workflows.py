"""The Union/flytekit ``@task``/``@workflow`` layer: the seed's workflow tests (local
execution) ported to flyte_nb, plus the run tree, conditionals, ordering, failure policies,
``on_failure``, promise misuse and one workflow on a real backend."""

# No `from __future__ import annotations`: the seed's tests annotate with local NamedTuples.
import asyncio
import threading
import time
import typing
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import MagicMock, patch

import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb.exceptions import (
    FlyteError,
    FlyteMissingReturnValueException,
    FlyteValidationException,
    FlyteValueException,
)
from flyte_nb.union import (
    ConditionFailedError,
    WorkflowFailurePolicy,
    WorkflowTemplate,
    conditional,
    kwtypes,
    task,
    workflow,
)

# -- the seed's tests ---------------------------------------------------------------------


def test_default_values() -> None:
    @task
    def t() -> bool:
        return True

    @task
    def f() -> bool:
        return False

    @workflow
    def wf(a: bool = True) -> bool:
        return conditional("bool").if_(a.is_true()).then(t()).else_().then(f())  # type: ignore

    assert wf() is True
    assert wf(a=False) is False


def test_list_output_wf() -> None:
    @task
    def t1(a: int) -> int:
        a = a + 5
        return a

    @workflow
    def list_output_wf() -> typing.List[int]:  # noqa: UP006 - the seed's spelling
        v = []
        for i in range(2):
            v.append(t1(a=i))
        return v

    x = list_output_wf()
    assert x == [5, 6]


def test_sub_wf_single_named_tuple() -> None:
    nt = typing.NamedTuple("SingleNamedOutput", [("named1", int)])  # noqa: UP014 - the seed

    @task
    def t1(a: int) -> nt:
        a = a + 2
        return nt(a)

    @workflow
    def subwf(a: int) -> nt:
        return t1(a=a)

    @workflow
    def wf(b: int) -> nt:
        out = subwf(a=b)
        return t1(a=out.named1)

    x = wf(b=3)
    assert x == (7,)
    assert type(x) is nt


def test_sub_wf_multi_named_tuple() -> None:
    nt = typing.NamedTuple("Multi", [("named1", int), ("named2", int)])  # noqa: UP014

    @task
    def t1(a: int) -> nt:
        a = a + 2
        return nt(a, a)

    @workflow
    def subwf(a: int) -> nt:
        return t1(a=a)

    @workflow
    def wf(b: int) -> nt:
        out = subwf(a=b)
        return t1(a=out.named1)

    x = wf(b=3)
    assert x == (7, 7)


def test_sub_wf_varying_types() -> None:
    @task
    def t1l(
        a: typing.List[typing.Dict[str, typing.List[int]]],  # noqa: UP006
        b: typing.Dict[str, typing.List[int]],  # noqa: UP006
        c: typing.Union[  # noqa: UP007
            typing.List[typing.Dict[str, typing.List[int]]],  # noqa: UP006
            typing.Dict[str, typing.List[int]],  # noqa: UP006
            int,
        ],
        d: int,
    ) -> str:
        xx = ",".join([f"{k}:{v}" for d in a for k, v in d.items()])
        yy = ",".join([f"{k}: {i}" for k, v in b.items() for i in v])
        if isinstance(c, list):
            zz = ",".join([f"{k}:{v}" for d in c for k, v in d.items()])
        elif isinstance(c, dict):
            zz = ",".join([f"{k}: {i}" for k, v in c.items() for i in v])
        else:
            zz = str(c)
        return f"First: {xx} Second: {yy} Third: {zz} Int: {d}"

    @task
    def get_int() -> int:
        return 1

    @workflow
    def subwf(
        a: typing.List[typing.Dict[str, typing.List[int]]],  # noqa: UP006
        b: typing.Dict[str, typing.List[int]],  # noqa: UP006
        c: typing.Union[  # noqa: UP007
            typing.List[typing.Dict[str, typing.List[int]]],  # noqa: UP006
            typing.Dict[str, typing.List[int]],  # noqa: UP006
        ],
        d: int,
    ) -> str:
        return t1l(a=a, b=b, c=c, d=d)

    @workflow
    def wf() -> str:
        ds = [
            {"first_map_a": [42], "first_map_b": [get_int(), 2]},
            {"second_map_c": [33], "second_map_d": [9, 99]},
        ]
        ll = {"ll_1": [get_int(), get_int(), get_int()], "ll_2": [4, 5, 6]}
        out = subwf(a=ds, b=ll, c=ds, d=get_int())
        return out

    wf.compile()
    x = wf()
    expected = (
        "First: first_map_a:[42],first_map_b:[1, 2],second_map_c:[33],second_map_d:[9, 99] "
        "Second: ll_1: 1,ll_1: 1,ll_1: 1,ll_2: 4,ll_2: 5,ll_2: 6 "
        "Third: first_map_a:[42],first_map_b:[1, 2],second_map_c:[33],second_map_d:[9, 99] "
        "Int: 1"
    )
    assert x == expected
    assert [n.id for n in wf.nodes] == ["n0", "n1", "n2", "n3", "n4", "n5"]

    @workflow
    def wf2() -> str:
        ds = [
            {"first_map_a": [42], "first_map_b": [get_int(), 2]},
            {"second_map_c": [33], "second_map_d": [9, 99]},
        ]
        ll = {"ll_1": [get_int(), get_int(), get_int()], "ll_2": [4, 5, 6]}
        out = subwf(a=ds, b=ll, c=ll, d=get_int())
        return out

    x = wf2()
    expected = (
        "First: first_map_a:[42],first_map_b:[1, 2],second_map_c:[33],second_map_d:[9, 99] "
        "Second: ll_1: 1,ll_1: 1,ll_1: 1,ll_2: 4,ll_2: 5,ll_2: 6 "
        "Third: ll_1: 1,ll_1: 1,ll_1: 1,ll_2: 4,ll_2: 5,ll_2: 6 "
        "Int: 1"
    )
    assert x == expected


def test_unexpected_outputs() -> None:
    @task
    def t1(a: int) -> int:
        a = a + 5
        return a

    @workflow
    def no_outputs_wf():  # type: ignore[no-untyped-def]
        return t1(a=3)

    # Should raise an exception because the workflow returns something when it shouldn't
    with pytest.raises(FlyteValueException):
        no_outputs_wf()


def test_missing_return_value() -> None:
    @task
    def t1(a: int) -> int:
        a = a + 5
        return a

    # Should raise an exception because it doesn't return something when it should
    with pytest.raises(FlyteMissingReturnValueException):  # noqa: PT012 - the seed's test

        @workflow
        def one_output_wf() -> int:  # type: ignore[empty-body]
            t1(a=3)

        one_output_wf()


def test_wf_no_output() -> None:
    @task
    def t1(a: int) -> int:
        a = a + 5
        return a

    @workflow
    def no_outputs_wf():  # type: ignore[no-untyped-def]
        t1(a=3)

    assert no_outputs_wf() is None


def test_wf_nested_comp() -> None:
    @task
    def t1(a: int) -> int:
        a = a + 5
        return a

    @workflow
    def outer() -> typing.Tuple[int, int]:  # noqa: UP006
        # You should not do this. This is just here for testing.
        @workflow
        def wf2() -> int:
            return t1(a=5)

        return t1(a=3), wf2()

    assert outer() == (8, 10)
    assert len(outer.nodes) == 2
    sub = outer.nodes[1].entity
    assert isinstance(sub, WorkflowTemplate)
    assert [n.id for n in sub.nodes] == ["n0"]
    assert sub.nodes[0].entity is t1


@task
def add_5(a: int) -> int:
    a = a + 5
    return a


@workflow
def simple_wf() -> int:
    return add_5(a=1)


@workflow
def my_wf_example(a: int) -> typing.Tuple[int, int]:  # noqa: UP006
    """example

    Workflows can have inputs and return outputs of simple or complex types.

    """

    x = add_5(a=a)

    # You can use outputs of a previous task as inputs to other nodes.
    z = add_5(a=x)

    # You can call other workflows from within this workflow
    d = simple_wf()

    # You can add conditions that can run on primitive types and execute different branches
    e = conditional("bool").if_(a == 5).then(add_5(a=d)).else_().then(add_5(a=z))

    # Outputs of the workflow have to be outputs returned by prior nodes.
    # No outputs and single or multiple outputs are supported
    return x, e


def test_all_node_types() -> None:
    assert my_wf_example(a=1) == (6, 16)
    assert my_wf_example(a=5) == (10, 11)
    nodes = my_wf_example.nodes
    # x, z, the sub-workflow, the two gated branch calls and the branch itself
    assert [n.kind for n in nodes] == ["call", "call", "call", "call", "call", "branch"]
    assert isinstance(nodes[2].entity, WorkflowTemplate)
    assert my_wf_example._output_names == ("o0", "o1")
    assert list(my_wf_example.input_types) == ["a"]


@pytest.mark.parametrize("error_message", ["Fail!", None, "", ("big", "boom!")])
@patch("builtins.print")
def test_failure_node_local_execution(mock_print: MagicMock, error_message: object) -> None:
    @task
    def clean_up(name: str, err: typing.Optional[FlyteError] = None):  # type: ignore[no-untyped-def]  # noqa: UP045
        print(f"Deleting cluster {name} due to {err}")
        print("This is err:", str(err))

    @task
    def create_cluster(name: str):  # type: ignore[no-untyped-def]
        print(f"Creating cluster: {name}")

    @task
    def delete_cluster(name: str, err: typing.Optional[FlyteError] = None):  # type: ignore[no-untyped-def]  # noqa: UP045
        print(f"Deleting cluster {name}")
        print(err)

    @task
    def t1(a: int, b: str):  # type: ignore[no-untyped-def]
        print(f"{a} {b}")
        raise ValueError(error_message)

    @workflow(on_failure=clean_up)
    def wf(name: str = "flyteorg"):  # type: ignore[no-untyped-def]
        c = create_cluster(name=name)
        t = t1(a=1, b="2")
        d = delete_cluster(name=name)
        c >> t >> d

    with pytest.raises(ValueError):  # noqa: PT011 - the seed's test
        wf()

    expected_error_message = str(
        FlyteError(
            message=f"Error encountered while executing '{t1.name}':\n  {error_message}",
            failed_node_id="fn0",
        )
    )

    assert mock_print.call_count > 0

    mock_print.assert_any_call("Creating cluster: flyteorg")
    mock_print.assert_any_call("1 2")
    mock_print.assert_any_call(f"Deleting cluster flyteorg due to {expected_error_message}")
    mock_print.assert_any_call("This is err:", expected_error_message)
    printed = [c.args for c in mock_print.call_args_list]
    assert ("Deleting cluster flyteorg",) not in printed  # t1 failed, so d never ran


def test_kwtypes() -> None:
    cols = kwtypes(Name=str, Age=int)
    assert list(cols.items()) == [("Name", str), ("Age", int)]


# -- the run tree, conditionals, ordering, policies -----------------------------------------


def test_fl_run_records_one_action_per_node_under_the_workflow() -> None:
    run = fl.run(my_wf_example, a=1)
    assert run.outputs() == (6, 16)
    actions = run.actions()
    root = actions[0]
    assert (root.name, root.parent, root.short_name) == ("a0", None, "my_wf_example")
    children = [a for a in actions if a.parent == "a0"]
    # x, z, the sub-workflow and the chosen branch's add_5 (the other branch never runs)
    assert sorted(a.short_name for a in children) == ["add_5", "add_5", "add_5", "simple_wf"]
    sub = next(a for a in children if a.short_name == "simple_wf")
    assert [a.short_name for a in actions if a.parent == sub.name] == ["add_5"]
    assert len(actions) == 6
    assert {a.phase for a in actions} == {"SUCCEEDED"}


def test_conditional_elif_fail_and_is_none() -> None:
    @task
    def square(n: int) -> int:
        return n * n

    @task
    def double(n: int) -> int:
        return 2 * n

    @task
    def maybe(n: int) -> typing.Optional[int]:  # noqa: UP045
        return None if n < 0 else n

    @workflow
    def wf(n: int) -> int:
        return (
            conditional("pick")
            .if_((n > 0) & (n < 10))
            .then(square(n=n))
            .elif_((n >= 10) | (n == 0))
            .then(double(n=n))
            .else_()
            .fail("n must not be negative")
        )

    assert wf(n=3) == 9
    assert wf(n=10) == 20
    assert wf(n=0) == 0
    with pytest.raises(ConditionFailedError, match="n must not be negative"):
        wf(n=-1)

    @workflow
    def wf_none(n: int) -> str:
        m = maybe(n=n)
        return conditional("none").if_(m.is_none()).then("nothing").else_().then("something")

    assert wf_none(n=-1) == "nothing"
    assert wf_none(n=1) == "something"


def test_conditional_without_else_is_rejected() -> None:
    @task
    def t() -> int:
        return 1

    @workflow
    def wf(a: int) -> None:
        conditional("c").if_(a == 1).then(t())

    with pytest.raises(FlyteValidationException, match="no else_"):
        wf(a=1)


def test_ordering_with_rshift(tmp_path: Path) -> None:
    log = tmp_path / "log"

    @task
    def write(s: str, path: str) -> None:
        time.sleep(0.05 if s == "first" else 0)
        with open(path, "a") as f:
            f.write(s + "\n")

    @workflow
    def wf(path: str) -> None:
        a = write(s="first", path=path)
        b = write(s="second", path=path)
        a >> b

    wf(path=str(log))
    assert log.read_text().split() == ["first", "second"]


def test_independent_nodes_run_concurrently() -> None:
    barrier = threading.Barrier(2, timeout=5)

    @task
    def meet(i: int) -> int:
        barrier.wait()  # both must be running at once, or this times out
        return i

    @workflow
    def wf() -> typing.Tuple[int, int]:  # noqa: UP006
        return meet(i=1), meet(i=2)

    assert wf() == (1, 2)


def _policy_workflow(policy: WorkflowFailurePolicy, marker: Path) -> WorkflowTemplate:
    @task
    def boom() -> int:
        raise RuntimeError("boom")

    @task
    def slow(path: str) -> int:
        time.sleep(0.3)
        Path(path).write_text("done")
        return 1

    @task
    def after(x: int) -> int:
        return x

    @workflow(failure_policy=policy)
    def wf(path: str) -> int:
        b = boom()
        slow(path=path)
        return after(x=b)

    return wf


def test_fail_immediately_cancels_the_rest(tmp_path: Path) -> None:
    wf = _policy_workflow(WorkflowFailurePolicy.FAIL_IMMEDIATELY, tmp_path / "m")
    with pytest.raises(RuntimeError, match="boom"):
        wf(path=str(tmp_path / "m"))
    assert wf.failure_policy is WorkflowFailurePolicy.FAIL_IMMEDIATELY


def test_fail_after_executable_nodes_complete(tmp_path: Path) -> None:
    policy = WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
    wf = _policy_workflow(policy, tmp_path / "m")
    with pytest.raises(RuntimeError, match="boom"):
        fl.run(wf, path=str(tmp_path / "m"))
    assert (tmp_path / "m").read_text() == "done"  # the independent node finished
    run = fl.remote.Run.listall()[0]
    phases = {a.short_name: a.phase for a in run.actions()}
    assert phases == {"wf": "FAILED", "boom": "FAILED", "slow": "SUCCEEDED"}  # after never ran


def test_on_failure_gets_a_flyte_error(tmp_path: Path) -> None:
    seen = tmp_path / "err"

    @task
    def handler(path: str, err: typing.Optional[FlyteError] = None) -> None:  # noqa: UP045
        assert err is not None
        Path(path).write_text(f"{err.failed_node_id}|{err.message}")

    @task
    def fails(path: str) -> int:
        raise KeyError("missing")

    @workflow(on_failure=handler)
    def wf(path: str) -> int:
        return fails(path=path)

    with pytest.raises(KeyError) as info:
        wf(path=str(seen))
    assert seen.read_text() == (
        f"fn0|Error encountered while executing '{fails.name}':\n  'missing'"
    )
    assert any("node n0" in note for note in info.value.__notes__)


def test_on_failure_must_fit_the_workflow_inputs() -> None:
    @task
    def handler(other: int) -> None:
        pass

    def body(a: int) -> None:
        pass

    with pytest.raises(FlyteValidationException, match="needs input 'other'"):
        workflow(on_failure=handler)(body)


def test_workflow_inside_a_running_task_is_a_child_action() -> None:
    env = fl.TaskEnvironment("wfparent")

    @env.task
    async def parent(a: int) -> int:
        x, e = await my_wf_example.aio(a=a)
        return x + e

    run = fl.run(parent, a=1)
    assert run.outputs() == 22
    actions = run.actions()
    wf_action = next(a for a in actions if a.short_name == "my_wf_example")
    assert wf_action.parent == "a0"
    assert len([a for a in actions if a.parent == wf_action.name]) == 4


# -- promises are not values ----------------------------------------------------------------


@pytest.mark.parametrize(
    "use",
    [
        lambda p: range(p),
        lambda p: bool(p),
        lambda p: int(p),
        lambda p: len(p),
        lambda p: list(p),
        lambda p: p + 1,
        lambda p: p.attribute,
    ],
)
def test_a_promise_used_as_a_value_explains_why(use: typing.Callable[[typing.Any], object]) -> None:
    @task
    def t1() -> int:
        return 3

    @workflow
    def wf() -> int:
        use(t1())
        return t1()

    with pytest.raises(FlyteValidationException, match="build a graph"):
        wf()


def test_conditions_cannot_use_and_or() -> None:
    @task
    def t1() -> int:
        return 3

    @workflow
    def wf(a: int) -> int:
        return conditional("c").if_(a > 1 and a < 5).then(t1()).else_().then(t1())

    with pytest.raises(FlyteValidationException, match="& and \\|"):
        wf(a=1)


def test_bad_calls_in_a_body_are_caught_at_compile_time() -> None:
    @task
    def t1(a: int) -> int:
        return a

    @workflow
    def missing() -> int:
        return t1()

    @workflow
    def wrong_type() -> int:
        return t1(a="x")

    @workflow
    def unknown() -> int:
        return t1(a=1, b=2)

    with pytest.raises(FlyteValidationException, match="missing input 'a'"):
        missing()
    with pytest.raises(FlyteValidationException, match="argument 'a' expects int"):
        wrong_type()
    with pytest.raises(FlyteValidationException, match="no input 'b'"):
        unknown()


def test_multi_output_count_must_match() -> None:
    @task
    def t1(a: int) -> int:
        return a

    @workflow
    def wf() -> typing.Tuple[int, int]:  # noqa: UP006
        return t1(a=1)

    with pytest.raises(FlyteValueException, match="declares 2 outputs"):
        wf()


# -- @task settings -------------------------------------------------------------------------


def test_task_settings_are_validated_and_recorded() -> None:
    from flyte_nb import Cache, Resources

    @task(
        cache=Cache(version="1"),
        retries=2,
        interruptible=True,
        timeout=30,
        container_image="ghcr.io/org/img:1",
        environment={"A": "1"},
        requests=Resources(cpu=1, mem="1Gi"),
        limits=Resources(cpu=2, mem="2Gi"),
        enable_deck=True,
        labels={"team": "ml"},
        annotations={"note": "x"},
        pickle_untyped=True,
        docs="Adds one.",
    )
    def t1(a: int) -> int:
        return a + 1

    assert t1(a=1) == 2
    assert t1.retries.count == 2
    assert t1.cache.behavior == "auto"
    assert t1.timeout == 30
    assert t1.enable_deck is True
    assert t1.env_vars == {"A": "1"}
    assert t1.resources is not None
    assert t1.docs == "Adds one."
    settings = t1.union_settings
    assert settings["interruptible"] is True
    assert settings["container_image"] == "ghcr.io/org/img:1"
    assert settings["labels"] == {"team": "ml"}
    assert isinstance(settings["limits"], Resources)
    assert t1.name.endswith("test_task_settings_are_validated_and_recorded.t1")

    with pytest.raises(FlyteValidationException, match="interruptible"):
        task(interruptible="yes")(lambda_free)
    with pytest.raises(FlyteValidationException, match="labels"):
        task(labels={"a": 1})(lambda_free)
    with pytest.raises(FlyteValidationException, match="unknown setting"):
        task(colour="red")(lambda_free)  # type: ignore[call-overload]
    with pytest.raises(FlyteValidationException, match="retries"):
        task(retries=-1)(lambda_free)


def lambda_free(a: int) -> int:
    return a


def test_task_names_are_stable_and_do_not_clash() -> None:
    def make() -> typing.Any:
        @task
        def same(a: int) -> int:
            return a

        return same

    first, again = make(), make()
    assert first.name == again.name  # a rerun of the same definition replaces it

    def other() -> typing.Any:
        @task
        def same(a: int) -> int:
            return -a

        return same

    assert other().name != first.name
    assert first.env.name == "test_union_workflows"


# -- on a real backend ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("union-backend-home")
    with running_server(home):
        yield home


def test_a_workflow_on_the_backend_has_the_same_action_tree(server: Path, home: Path) -> None:
    fl.init(home=server)
    run = fl.run(my_wf_example, a=1)
    assert run.mode == "backend"
    assert run.wait(timeout=60).outputs() == (6, 16)
    remote_tree = sorted((a.short_name, a.parent is None) for a in run.actions())
    local = fl.with_runcontext(mode="local").run(my_wf_example, a=1)
    assert sorted((a.short_name, a.parent is None) for a in local.actions()) == remote_tree
    assert sorted(a.name for a in local.actions()) == sorted(a.name for a in run.actions())
    assert len(remote_tree) == 6


class _Tally(typing.NamedTuple):
    total: int
    count: int


def test_output_fields_named_like_tuple_methods() -> None:
    """``count`` and ``index`` are tuple methods; as output names they must mean the outputs."""

    @task
    def tally(xs: list[int]) -> _Tally:
        return _Tally(total=sum(xs), count=len(xs))

    @task
    def mean(total: int, count: int) -> float:
        return total / count

    @workflow
    def average(xs: list[int]) -> float:
        t = tally(xs=xs)
        return mean(total=t.total, count=t.count)

    assert average(xs=[1, 2, 3, 6]) == 3.0


# -- Flyte 2 tasks as nodes, and fl.run of a launch plan ----------------------------------------
_f2 = fl.TaskEnvironment("wf-flyte2")


@_f2.task
async def f2_square(x: int) -> int:
    return x * x


def test_a_flyte2_env_task_is_a_workflow_node() -> None:
    @workflow
    def mixed(x: int) -> int:
        return f2_square(x=f2_square(x=x))

    assert mixed(x=3) == 81
    run = fl.with_runcontext(mode="local").run(mixed, x=2)
    assert run.outputs() == 16
    names = [a.task_name for a in run.actions()]
    assert names.count(f2_square.name) == 2  # each node its own recorded action


_running = {"now": 0, "peak": 0}


@_f2.task
async def f2_slow(x: int) -> int:
    _running["now"] += 1
    _running["peak"] = max(_running["peak"], _running["now"])
    await asyncio.sleep(0.05)
    _running["now"] -= 1
    return x


def test_fl_run_of_a_launch_plan_applies_its_run_settings() -> None:
    from flyte_nb.union import LaunchPlan

    @workflow
    def fan(a: int, b: int, c: int) -> list[int]:
        return [f2_slow(x=a), f2_slow(x=b), f2_slow(x=c)]

    local = fl.with_runcontext(mode="local")
    _running["peak"] = 0
    assert local.run(fan, a=1, b=2, c=3).outputs() == [1, 2, 3]
    assert _running["peak"] == 3  # the three nodes are independent: they run together
    lp = LaunchPlan.get_or_create(
        fan, name="fan-lp", default_inputs={"a": 5, "b": 6}, max_parallelism=1
    )
    _running["peak"] = 0
    run = local.run(lp, c=7)
    assert run.outputs() == [5, 6, 7]
    assert run.inputs() == {"a": 5, "b": 6, "c": 7}
    assert _running["peak"] == 1  # the plan's max_parallelism became the run's limit
