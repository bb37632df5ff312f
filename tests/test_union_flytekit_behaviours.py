"""The places where flyte_nb's Union layer used to differ from flytekit, each pinned down:
workflows with no task nodes, conditional outputs by name, void branches, unary operators
on promises, compile-time checks of what flows between nodes, map over launch plans."""

# No `from __future__ import annotations`: the workflows below annotate with local types.
import functools
import typing

import pytest

from flyte_nb import LaunchPlan, conditional, map_task, task, workflow
from flyte_nb.exceptions import (
    FlyteFailureNodeInputMismatchException,
    FlyteMissingTypeException,
    FlyteTypeException,
    FlyteValidationException,
)
from flyte_nb.union import ConditionFailedError


@task
def add(x: int, y: int) -> int:
    return x + y


@task
def pair(x: int) -> tuple[int, int]:
    return x, x * 10


@task
def named(x: int) -> typing.NamedTuple("Named", total=int, other=str):
    return x, str(x)


@task
def nothing() -> None:
    pass


def test_a_workflow_without_task_nodes_runs() -> None:
    @workflow
    def echo(a: int) -> int:
        return a

    @workflow
    def constant() -> list[int]:
        return [1, 2]

    assert echo(a=3) == 3
    assert constant() == [1, 2]


def test_a_failing_case_is_a_value_error_that_keeps_its_message() -> None:
    @workflow
    def positive(x: int) -> int:
        return conditional("sign").if_(x > 0).then(add(x=x, y=0)).else_().fail("not positive")

    with pytest.raises(ValueError, match="not positive") as info:
        positive(x=-1)
    assert isinstance(info.value, ConditionFailedError)
    assert positive(x=2) == 2


def test_cases_of_different_widths_give_the_outputs_they_share() -> None:
    @workflow
    def first(x: int) -> int:
        return conditional("w").if_(x == 1).then(add(x=x, y=1)).else_().then(pair(x=x))

    assert first(x=1) == 2
    assert first(x=5) == 5  # the shared output o0 of pair

    @workflow
    def by_name(x: int) -> int:
        out = conditional("n").if_(x == 1).then(named(x=x)).else_().then(named(x=add(x=x, y=1)))
        return out.total

    assert by_name(x=1) == 1
    assert by_name(x=4) == 5

    def nothing_in_common() -> None:
        @workflow
        def bad(x: int) -> int:
            return conditional("x").if_(x == 1).then(named(x=x)).else_().then(add(x=x, y=1))

        bad.compile()

    with pytest.raises(FlyteValidationException, match="no output name in common"):
        nothing_in_common()


def test_branches_whose_tasks_return_nothing() -> None:
    seen: list[int] = []

    @task
    def record(x: int) -> None:
        seen.append(x)

    @workflow
    def side_effect(x: int) -> None:
        conditional("s").if_(x > 0).then(record(x=x)).else_().then(nothing())

    assert side_effect(x=4) is None
    assert side_effect(x=-4) is None
    assert seen == [4]


def test_unannotated_parameters_need_pickle_untyped() -> None:
    @task(pickle_untyped=True)
    def loose(a, b: int):  # type: ignore[no-untyped-def]
        return [a, b]

    assert loose(a={"k"}, b=1) == [{"k"}, 1]
    with pytest.raises(FlyteMissingTypeException, match=r"'a'.*pickle_untyped=True"):

        @task
        def strict(a) -> int:  # type: ignore[no-untyped-def]
            return 1

    with pytest.raises(FlyteMissingTypeException):

        @workflow
        def wf(a) -> int:  # type: ignore[no-untyped-def]
            return add(x=a, y=1)


@pytest.mark.parametrize(
    "use",
    [
        lambda p: -p,
        lambda p: +p,
        lambda p: ~p,
        lambda p: abs(p),
        lambda p: round(p),
        lambda p: 2**p,
    ],
)
def test_unary_operators_on_a_promise_explain_why(
    use: typing.Callable[[typing.Any], object],
) -> None:
    @workflow
    def wf(a: int) -> int:
        return use(a)  # type: ignore[return-value]

    with pytest.raises(FlyteValidationException, match=r"plain value .*arithmetic"):
        wf.compile()


def test_a_no_output_result_passed_on_is_refused_at_compile_time() -> None:
    @workflow
    def wf() -> int:
        done = nothing()
        return add(x=done, y=1)

    with pytest.raises(AssertionError, match="no outputs"):  # flytekit's kind of error
        wf.compile()


def test_type_mismatches_between_nodes_are_refused_at_compile_time() -> None:
    @task
    def maybe() -> list[int | None]:
        return [1, None]

    @task
    def total(xs: list[int]) -> int:
        return sum(xs)

    @task
    def text() -> str:
        return "1"

    @workflow
    def optional_into_required() -> int:
        return total(xs=maybe())

    @workflow
    def str_into_int() -> int:
        return add(x=text(), y=1)

    @workflow
    def input_into_task(s: str) -> int:
        return add(x=s, y=1)

    for wf in (optional_into_required, str_into_int, input_into_task):
        with pytest.raises(FlyteTypeException, match="expects"):
            wf.compile()

    @task
    def as_float(f: float) -> float:
        return f

    @workflow
    def widening(a: int) -> float | None:  # int into float is fine, as at run time
        return as_float(f=add(x=a, y=1))

    assert widening(a=1) == 2


def test_on_failure_must_take_every_workflow_input() -> None:
    @task
    def handler(a: int) -> None:
        pass

    with pytest.raises(FlyteFailureNodeInputMismatchException, match=r"lacks \['b'\]"):

        @workflow(on_failure=handler)
        def wf(a: int, b: int) -> None:
            add(x=a, y=b)


def test_map_task_over_a_launch_plan() -> None:
    @workflow
    def inner(x: int, y: int = 1) -> int:
        return add(x=x, y=y)

    plan = LaunchPlan.get_or_create(inner, name="behaviours_add_ten", fixed_inputs={"y": 10})

    @workflow
    def outer(xs: list[int]) -> list[int]:
        return map_task(plan)(x=xs)

    assert outer(xs=[1, 2, 3]) == [11, 12, 13]
    assert map_task(plan)(x=[5]) == [15]
    with pytest.raises(FlyteValidationException, match="not a mapped input"):
        map_task(plan)(x=[1], y=[2])
    with pytest.raises(FlyteValidationException, match="launch plan of it"):
        map_task(inner)


def test_map_task_below_its_threshold_raises_the_items_own_error() -> None:
    @task
    def picky(x: int) -> int:
        if x == 2:
            raise KeyError("two")
        return x

    with pytest.raises(KeyError, match="two") as info:
        map_task(picky, min_success_ratio=0.9)(x=[1, 2, 3])
    assert any("1 of 3 items failed" in n for n in info.value.__notes__)
    assert map_task(picky, min_success_ratio=0.5)(x=[1, 2, 3]) == [1, None, 3]


def test_promise_attribute_paths() -> None:
    import dataclasses

    @dataclasses.dataclass
    class Point:
        x: int
        label: str

    @task
    def make() -> tuple[list[int], dict[str, str], Point]:
        return [1, 2], {"k": "v"}, Point(3, "p")

    @task
    def show(s: str) -> str:
        return s

    @workflow
    def wf() -> tuple[int, str, int, str]:
        numbers, texts, point = make()
        return add(x=numbers[1], y=point.x), show(s=texts["k"]), point.x, point.label

    assert wf() == (5, "v", 3, "p")

    @workflow
    def into_a_wrong_type() -> str:
        _, _, point = make()
        return show(s=point.x)

    with pytest.raises(FlyteTypeException, match=r"\.x is int"):
        into_a_wrong_type.compile()

    @workflow
    def no_such_field() -> int:
        _, _, point = make()
        return point.z

    @workflow
    def key_of_the_wrong_kind() -> int:
        numbers, _, _ = make()
        return numbers["a"]

    for bad in (no_such_field, key_of_the_wrong_kind):
        with pytest.raises(FlyteValidationException, match="build a graph"):
            bad.compile()

    @workflow
    def out_of_range() -> int:
        numbers, _, _ = make()
        return add(x=numbers[5], y=0)

    with pytest.raises(FlyteValidationException, match=r"could not read \[5\]"):
        out_of_range()


def test_map_task_refuses_what_flytekit_cannot_map() -> None:
    from flyte_nb import dynamic, eager

    @dynamic
    def fan(x: int) -> int:
        return add(x=x, y=1)

    @eager
    async def later(x: int) -> int:
        return x

    for target, kind in ((fan, "@dynamic"), (later, "@eager"), (pair, "2 outputs")):
        with pytest.raises(FlyteValidationException, match=kind):
            map_task(target)

    @workflow
    def maybe_into_required(xs: list[int]) -> int:
        sums = map_task(functools.partial(add, y=1), min_success_ratio=0.5)(x=xs)
        return total(xs=sums)

    with pytest.raises(FlyteTypeException, match=r"list\[Optional\[int\]\]"):
        maybe_into_required.compile()


def test_array_node_map_task_bound_inputs_by_name() -> None:
    from flyte_nb.union import ArrayNodeMapTask

    # names only: those inputs are given once, for every item
    by_name = ArrayNodeMapTask(add, bound_inputs={"y"})
    assert by_name(x=[1, 2], y=10) == [11, 12]
    with pytest.raises(FlyteValidationException, match="same keys"):
        ArrayNodeMapTask(add, bound_inputs={"y"}, bound_inputs_values={"x": 1})
    with pytest.raises(FlyteValidationException, match="run_all_sub_nodes"):
        map_task(add, run_all_sub_nodes="yes")
    with pytest.raises(FlyteValidationException, match=r"unknown setting\(s\) \['retries'\]"):
        map_task(add, retries=2)
    assert map_task(add, bound_inputs_values={"y": 1}, run_all_sub_nodes=True)(x=[1]) == [2]


@task
def total(xs: list[int]) -> int:
    return sum(xs)
