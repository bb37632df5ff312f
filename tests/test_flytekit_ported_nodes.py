"""flytekit's own local-execution unit tests, ported: node creation and promises.

Each test names its source: ``flytekit tests/flytekit/unit/core/<file>.py::<test>`` in
github.com/flyteorg/flytekit. Only the imports change (``from flyte_nb import task,
workflow, ...``); where a line had to change anyway it says why in a comment.

Skipped, and why (flytekit file::test):

* test_node_creation.py: test_normal_task (ported by the @dynamic/create_node work in
  tests/test_flytekit_dynamic.py); the override tests that only read the serialized node
  (test_resource_request_override, test_resource_limits_override, test_resources_override,
  test_map_task_resources_override_directly, test_timeout_override, test_retries_override,
  test_interruptible_override, test_void_promise_override*, test_name_override,
  test_config_override, test_override_image, test_pod_template_override,
  test_override_accelerator, test_override_shared_memory, test_cache_override_values): the
  run-time effect of with_overrides is tested in tests/test_flytekit_dynamic.py.
* test_promise.py: the tests of flytekit's literal translation and imperative ``Workflow``
  (test_create_and_link_node*, test_translate_inputs_to_literals*, test_optional_task_kwargs,
  test_resolve_attr_path_in_promise, test_prom_with_union_literals): flytekit internals.
"""

# No `from __future__ import annotations`: flytekit code annotates with local NamedTuples.
# flytekit's code is kept as written, so the style rules that would rewrite it are off here:
# ruff: noqa: E741, PT012, RUF043, UP006, UP014, UP035
import typing

import pytest

from flyte_nb import create_node, dynamic, task, workflow
from flyte_nb.exceptions import FlyteValidationException as FlyteAssertion

# -- test_node_creation.py --------------------------------------------------------------


def test_more_normal_task():
    # flytekit tests/flytekit/unit/core/test_node_creation.py::test_more_normal_task
    nt = typing.NamedTuple("OneOutput", t1_str_output=str)

    @task
    def t1(a: int) -> nt:
        # This one returns a regular tuple
        return nt(f"{a + 2}")  # type: ignore

    @task
    def t1_nt(a: int) -> nt:
        # This one returns an instance of the named tuple.
        return nt(f"{a + 2}")  # type: ignore

    @task
    def t2(a: typing.List[str]) -> str:
        return " ".join(a)

    @workflow
    def my_wf(a: int, b: str) -> (str, str):
        t1_node = create_node(t1, a=a).with_overrides(aliases={"t1_str_output": "foo"})
        t1_nt_node = create_node(t1_nt, a=a)
        t2_node = create_node(t2, a=[t1_node.t1_str_output, t1_nt_node.t1_str_output, b])
        return t1_node.t1_str_output, t2_node.o0

    x = my_wf(a=5, b="hello")
    assert x == ("7", "7 7 hello")


def test_reserved_keyword():
    # flytekit tests/flytekit/unit/core/test_node_creation.py::test_reserved_keyword
    nt = typing.NamedTuple("OneOutput", outputs=str)

    @task
    def t1(a: int) -> nt:
        # This one returns a regular tuple
        return nt(f"{a + 2}")  # type: ignore

    # Test that you can't name an output "outputs"
    with pytest.raises(FlyteAssertion):

        @workflow
        def my_wf(a: int) -> str:
            t1_node = create_node(t1, a=a)
            return t1_node.outputs

        my_wf()


def test_runs_before():
    # flytekit tests/flytekit/unit/core/test_node_creation.py::test_runs_before
    @task
    def t2(a: str, b: str) -> str:
        return b + a

    @task()
    def sleep_task(a: int) -> str:
        a = a + 2
        return "world-" + str(a)

    @dynamic
    def my_subwf(a: int) -> (typing.List[str], int):
        s = []
        for i in range(a):
            s.append(sleep_task(a=i))
        return s, 5

    @workflow
    def my_wf(a: int, b: str) -> (str, typing.List[str], int):
        subwf_node = create_node(my_subwf, a=a)
        t2_node = create_node(t2, a=b, b=b)
        subwf_node.runs_before(t2_node)
        subwf_node >> t2_node
        return t2_node.o0, subwf_node.o0, subwf_node.o1

    my_wf(a=5, b="hello")


def test_promise_chaining():
    # flytekit tests/flytekit/unit/core/test_node_creation.py::test_promise_chaining
    @task
    def task_a(x: int):
        print(x)

    @task
    def task_b(x: int) -> str:
        return "x+1"

    @task
    def task_c(x: int) -> str:
        return "hello"

    @workflow
    def wf(x: int) -> str:
        a = task_a(x=x)
        b = task_b(x=x)
        c = task_c(x=x)
        a >> b
        c >> a
        return b

    @workflow
    def wf1(x: int):
        task_a(x=x) >> task_b(x=x) >> task_c(x=x)

    wf(x=3)
    wf1(x=3)


def test_timeout_override_invalid_value():
    # flytekit tests/flytekit/unit/core/test_node_creation.py::test_timeout_override_invalid_value
    @task
    def t1(a: str) -> str:
        return f"*~*~*~{a}*~*~*~"

    # flyte_nb words it "seconds (int) or a timedelta"
    with pytest.raises(ValueError, match="seconds .int. or a timedelta"):

        @workflow
        def my_wf(a: str) -> str:
            return t1(a=a).with_overrides(timeout="foo")

        my_wf()


# -- test_promise.py --------------------------------------------------------------------


def test_promise_with_attr_path():
    # flytekit tests/flytekit/unit/core/test_promise.py::test_promise_with_attr_path
    from dataclasses import dataclass
    from typing import Dict, List

    # flyte_nb: dataclasses_json is not a dependency; a plain dataclass is stored as is
    @dataclass
    class Foo:
        a: str

    @task
    def t1() -> (List[str], Dict[str, str], Foo):
        return ["a", "b"], {"a": "b"}, Foo(a="b")

    @task
    def t2(a: str) -> str:
        return a

    @workflow
    def my_workflow() -> (str, str, str):
        l, d, f = t1()
        o1 = t2(a=l[0])
        o2 = t2(a=d["a"])
        o3 = t2(a=f.a)
        return o1, o2, o3

    # Run a local execution with promises having attribute path
    o1, o2, o3 = my_workflow()
    assert o1 == "a"
    assert o2 == "b"
    assert o3 == "b"
