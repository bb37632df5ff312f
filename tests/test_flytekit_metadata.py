"""flytekit's task metadata on flyte_nb: ``TaskMetadata``, the legacy cache arguments,
``HashMethod``, ``Echo``, ``ArrayNodeMapTask``, tuple returns and ``current_context()``.

Ported from flytekit's ``tests/flytekit/unit/core/``: ``test_array_node_map_task.py``,
``test_local_cache.py``, ``test_type_hints.py``, ``test_conditions.py``,
``test_checkpoint.py`` (each test says which); the rest are ours.
"""

# No `from __future__ import annotations`: flytekit code annotates with local NamedTuples.
import datetime
import logging
import typing
from typing import Annotated

import pytest

import flyte_nb as fl
from flyte_nb import (
    Echo,
    HashMethod,
    TaskMetadata,
    conditional,
    current_context,
    map_task,
    task,
    workflow,
)
from flyte_nb.exceptions import FlyteValidationException, NotInTaskContextError
from flyte_nb.union import ArrayNodeMapTask

# -- TaskMetadata and map_task(metadata=...) ------------------------------------------


def test_task_metadata_validates_like_flytekit() -> None:
    # flytekit base_task.TaskMetadata.__post_init__ rules
    with pytest.raises(FlyteValidationException, match="cache_version"):
        TaskMetadata(cache=True)
    with pytest.raises(FlyteValidationException, match="cache=True"):
        TaskMetadata(cache_serialize=True)
    with pytest.raises(FlyteValidationException, match="retries"):
        TaskMetadata(retries=-1)
    with pytest.raises(FlyteValidationException, match="timeout"):
        TaskMetadata(timeout="1m")  # type: ignore[arg-type]
    md = TaskMetadata(retries=2, timeout=10, cache=True, cache_version="1")
    assert md.timeout == datetime.timedelta(seconds=10)
    assert md.retry_strategy == 2


_item_calls: dict[int, int] = {}


@task
def fails_first(a: int) -> int:
    _item_calls[a] = _item_calls.get(a, 0) + 1
    if _item_calls[a] == 1:
        raise RuntimeError("first attempt fails")
    return a * 10


def test_map_task_metadata_retries_apply_to_each_item() -> None:
    # flytekit tests/flytekit/unit/core/test_array_node_map_task.py (map_task(t1, metadata=
    # TaskMetadata(retries=2))): here the retries really run
    _item_calls.clear()
    mapped = map_task(fails_first, metadata=TaskMetadata(retries=2))
    assert isinstance(mapped, ArrayNodeMapTask)

    @workflow
    def wf(xs: list[int]) -> list[int]:
        return mapped(a=xs)  # type: ignore[no-any-return]

    run = fl.run(wf, xs=[1, 2])
    assert run.outputs() == [10, 20]
    items = [a for a in run.actions() if a.short_name == "fails_first"]
    assert [a.attempts for a in items] == [2, 2]
    with pytest.raises(FlyteValidationException, match="TaskMetadata"):
        map_task(fails_first, metadata={"retries": 2})


def test_map_task_metadata_cache() -> None:
    calls: list[int] = []

    @task
    def square(a: int) -> int:
        calls.append(a)
        return a * a

    mapped = map_task(square, metadata=TaskMetadata(cache=True, cache_version="1"))
    assert mapped.task.cache.version == "1"
    assert square.cache.behavior == "disable"

    @workflow
    def wf(xs: list[int]) -> list[int]:
        return mapped(a=xs)  # type: ignore[no-any-return]

    assert wf(xs=[1, 2]) == [1, 4]
    assert wf(xs=[1, 2]) == [1, 4]
    assert sorted(calls) == [1, 2]


# -- the legacy @task(cache=True, cache_version=...) -----------------------------------


def test_legacy_cache_arguments() -> None:
    # flytekit tests/flytekit/unit/core/test_local_cache.py::test_to_cache_version and friends
    calls: list[int] = []

    @task(cache=True, cache_version="1", cache_serialize=True)
    def t1(a: int) -> int:
        calls.append(a)
        return a + 1

    assert t1.cache.version == "1"
    assert t1.cache.serialize is True

    @workflow
    def wf(a: int) -> int:
        return t1(a=a)  # type: ignore[no-any-return]

    assert wf(a=1) == 2
    assert wf(a=1) == 2
    assert calls == [1]
    with pytest.raises(FlyteValidationException, match="add cache=True"):
        task(cache_version="1")(lambda_free_function)
    with pytest.raises(FlyteValidationException, match="Cache"):
        task(cache=fl.Cache(version="1"), cache_version="2")(lambda_free_function)


def lambda_free_function(a: int) -> int:
    return a


# -- HashMethod ------------------------------------------------------------------------


def _by_length(value: list[int]) -> str:
    return str(len(value))


def test_hash_method_on_an_output_keys_the_consumer_cache() -> None:
    # flytekit tests/flytekit/unit/core/test_local_cache.py::test_pass_annotated_to_downstream_tasks
    produced: list[int] = []
    consumed: list[int] = []

    @task
    def produce(n: int) -> Annotated[list[int], HashMethod(_by_length)]:
        produced.append(n)
        return [n] * 3

    @task(cache=True, cache_version="1")
    def consume(values: list[int]) -> int:
        consumed.append(values[0])
        return sum(values)

    @workflow
    def wf(n: int) -> int:
        return consume(values=produce(n=n))  # type: ignore[no-any-return]

    assert wf(n=1) == 3
    # a different list of the same length hashes the same: the consumer is a cache hit
    assert wf(n=2) == 3
    assert produced == [1, 2]
    assert consumed == [1]


def test_hash_method_on_an_input() -> None:
    calls: list[list[int]] = []

    @task(cache=True, cache_version="1")
    def total(values: Annotated[list[int], HashMethod(_by_length)]) -> int:
        calls.append(values)
        return sum(values)

    assert fl.run(total, values=[1, 2]).outputs() == 3
    assert fl.run(total, values=[5, 5]).outputs() == 3  # same hash: served from the cache
    assert fl.run(total, values=[1, 2, 3]).outputs() == 6
    assert len(calls) == 2
    with pytest.raises(FlyteValidationException, match="function"):
        HashMethod("not a function")  # type: ignore[arg-type]


def test_hash_method_must_return_a_string() -> None:
    @task(cache=True, cache_version="1")
    def t(values: Annotated[list[int], HashMethod(len)]) -> int:  # type: ignore[arg-type]
        return 0

    with pytest.raises(FlyteValidationException, match="must return a str"):
        fl.run(t, values=[1])


# -- Echo ------------------------------------------------------------------------------


def test_echo_in_a_conditional() -> None:
    # flytekit tests/flytekit/unit/core/test_conditions.py::test_echo_in_condition
    echo1 = Echo(name="echo", inputs={"a": typing.Optional[float]})  # noqa: UP045

    @task
    def t1(radius: float) -> typing.Optional[float]:  # noqa: UP045
        return 2 * radius

    @workflow
    def wf(radius: float = 0.5, b: bool = True) -> typing.Optional[float]:  # noqa: UP045
        return (  # type: ignore[no-any-return]
            conditional("noop")
            .if_(b.is_true())  # type: ignore[attr-defined]
            .then(t1(radius=radius))
            .else_()
            .then(echo1(a=radius))
        )

    assert wf() == 1.0
    assert wf(b=False) == 0.5

    echo2 = Echo(name="echo2", inputs={"a": float, "b": float})
    assert echo2.interface.outputs == {"o0": float, "o1": float}
    assert echo2(a=1.0, b=2.0) == (1.0, 2.0)
    with pytest.raises(FlyteValidationException, match="identifier"):
        Echo(name="no such", inputs={"a": int})
    with pytest.raises(FlyteValidationException, match="dict of name"):
        Echo(name="e3", inputs=[int])  # type: ignore[arg-type]


# -- tuple returns and single-field NamedTuples ----------------------------------------


def test_tuple_return_annotation() -> None:
    # flytekit tests/flytekit/unit/core/test_type_hints.py::test_wf1 (`-> (int, str)`)
    @task
    def t1(a: int) -> (int, str):  # type: ignore[valid-type,syntax]
        return a + 2, "world"

    @task
    def t2(a: str, b: str) -> str:
        return b + a

    @workflow
    def my_wf(a: int, b: str) -> (int, str):  # type: ignore[valid-type,syntax]
        x, y = t1(a=a)
        d = t2(a=y, b=b)
        return x, d

    assert t1.interface.outputs == {"o0": int, "o1": str}
    assert my_wf(a=5, b="hello ") == (7, "hello world")


def test_single_field_named_tuple_accepts_a_bare_value() -> None:
    # flytekit tests/flytekit/unit/core/test_type_hints.py::test_wf1_with_sql... (the
    # `return nt(...)` vs bare-value spellings of test_node_creation.py::test_more_normal_task)
    class OneOutput(typing.NamedTuple):
        t1_str_output: str

    @task
    def bare(a: int) -> OneOutput:
        return f"{a + 2}"  # type: ignore[return-value]

    @task
    async def bare_async(a: int) -> OneOutput:
        return f"{a + 3}"  # type: ignore[return-value]

    @workflow
    def wf(a: int) -> (str, str):  # type: ignore[valid-type,syntax]
        return bare(a=a).t1_str_output, bare_async(a=a).t1_str_output

    assert bare(a=1) == OneOutput("3")
    assert wf(a=1) == ("3", "4")


# -- current_context() ------------------------------------------------------------------


def test_current_context_flytekit_names(monkeypatch: pytest.MonkeyPatch) -> None:
    # the seed's `current_context().logging.info(...)`; flytekit ExecutionParameters names
    monkeypatch.setenv("FLYTE_NB_SECRET_GROUP_KEY", "s3cr3t-value")
    seen: dict[str, typing.Any] = {}

    @task(secret_requests=[fl.Secret(group="group", key="key")])
    def t() -> str:
        ctx = current_context()
        ctx.logging.info("hello from the task")
        seen["id"] = ctx.execution_id
        seen["date"] = ctx.execution_date
        seen["workdir"] = ctx.working_directory
        seen["raw"] = ctx.raw_output_prefix
        seen["env"] = ctx.get_secrets_env_var("group", "key")
        seen["action"] = ctx.action.name  # the Flyte 2 names still work
        return str(ctx.secrets.get("group", "key"))

    run = fl.run(t)
    assert run.outputs() == "s3cr3t-value"
    assert seen["id"].name == run.name
    assert (seen["id"].project, seen["id"].domain) == ("default", "development")
    assert isinstance(seen["date"], datetime.datetime)
    assert seen["date"].tzinfo is not None
    assert seen["workdir"]
    assert seen["raw"]
    assert seen["env"] == "FLYTE_NB_SECRET_GROUP_KEY"
    assert seen["action"] == "a0"
    assert "hello from the task" in run.actions()[0].logs()


def test_current_context_secret_missing_and_outside_a_task() -> None:
    @task
    def t() -> str:
        return str(current_context().secrets.get("nope", "missing"))

    with pytest.raises(Exception, match="not set"):
        fl.run(t)
    with pytest.raises(NotInTaskContextError):
        current_context()


_checkpoint_attempts: list[bytes | None] = []


@task(retries=2)
def resumes(n: int) -> int:
    # flytekit tests/flytekit/unit/core/test_checkpoint.py (SyncCheckpoint read/write)
    cp = current_context().checkpoint
    previous = cp.read()
    _checkpoint_attempts.append(previous)
    done = int(previous or b"0") + 1
    cp.write(str(done).encode())
    if done < n:
        raise RuntimeError(f"stopped after step {done}")
    return done


def test_checkpoint_carries_over_retries() -> None:
    _checkpoint_attempts.clear()
    run = fl.run(resumes, n=3)
    assert run.outputs() == 3
    assert _checkpoint_attempts == [None, b"1", b"2"]
    assert run.actions()[0].attempts == 3


def test_logging_is_a_logger() -> None:
    @task
    def t() -> bool:
        return isinstance(current_context().logging, logging.Logger)

    assert fl.run(t).outputs() is True


def test_union_current_context_is_the_one_context() -> None:
    # the seed's `union.current_context()` (seeds/002: union.current_context)
    from flyte_nb import union

    assert union.current_context is fl.current_context
    assert "current_context" in union.__all__
