"""``@flyte.trace`` in the kernel: recorded as child actions, replayed on the next attempt.

Ported from flyte-sdk where noted (repo flyteorg/flyte-sdk, ``tests/user_api/test_traces.py``
and ``tests/internal/test_trace_sync.py``); the replay tests are ours.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import flyte_nb as fl
from flyte_nb import errors
from flyte_nb.exceptions import FlyteValidationException

env = fl.TaskEnvironment(name="traces")
ran: list[object] = []  # what traced bodies really executed, in order


@pytest.fixture(autouse=True)
def _local(home: object) -> Iterator[None]:
    ran.clear()
    return


def local() -> Any:
    return fl.with_runcontext(mode="local")


# -- ported: flyte-sdk tests/user_api/test_traces.py --------------------------------------
@fl.trace
def sync_square(x: int) -> int:
    return x**2


@fl.trace
async def square(x: int) -> int:
    return x**2


@fl.trace
async def print_now(x: int, y: int) -> None:
    print(f"x: {x}, y: {y}", flush=True)


@fl.trace
async def no_inputs() -> int:
    return 42


@env.task
async def traces(n: int = 3) -> int:
    total = 0
    for i in range(n):
        sq = await square(i)
        await print_now(i, sq)
        total += sq
    assert await no_inputs() == 42
    return total


@env.task
def sync_traces_loop(n: int = 3) -> int:
    return sum(sync_square(i) for i in range(n))


def test_traces_give_their_values() -> None:
    assert local().run(traces, n=5).outputs() == 30
    assert local().run(sync_traces_loop, n=3).outputs() == 5


def test_trace_uses_own_action_id() -> None:
    seen: dict[str, str] = {}

    @fl.trace
    async def traced_func() -> int:
        seen["trace"] = fl.ctx().action.name
        return 42

    @env.task
    async def parent_task() -> int:
        seen["parent"] = fl.ctx().action.name
        return await traced_func()

    run = local().run(parent_task)
    assert run.outputs() == 42
    assert seen["trace"] != seen["parent"]
    trace_action = run.action(seen["trace"])
    assert trace_action.parent == seen["parent"] == "a0"
    assert trace_action.short_name == "traced_func"
    assert trace_action.phase == "SUCCEEDED"


@env.task
async def nested_child_task(x: int) -> int:
    return x * 2


@fl.trace
async def trace_that_calls_task(x: int) -> int:
    return await nested_child_task(x)


@env.task
async def parent_calling_trace_with_task(x: int = 5) -> int:
    return await trace_that_calls_task(x)


def test_task_nested_in_trace_raises() -> None:
    with pytest.raises(errors.RuntimeUserError) as excinfo:
        local().run(parent_calling_trace_with_task, x=5)
    assert excinfo.value.code == "TraceDoesNotAllowNestedTasksError"
    assert isinstance(excinfo.value, errors.TraceDoesNotAllowNestedTasksError)


# -- ported: flyte-sdk tests/internal/test_trace_sync.py (outside a task) -------------------
def test_outside_a_task_a_traced_function_just_runs() -> None:
    assert sync_square(4) == 16
    assert asyncio.run(square(3)) == 9

    @fl.trace
    def gen(n: int) -> Iterator[int]:
        yield from range(n)

    @fl.trace
    async def agen(n: int) -> AsyncIterator[int]:
        for i in range(n):
            yield i

    async def collect() -> list[int]:
        return [i async for i in agen(3)]

    assert list(gen(3)) == [0, 1, 2]
    assert asyncio.run(collect()) == [0, 1, 2]
    assert sync_square.__name__ == "sync_square"  # functools.wraps


# -- ours: replay ----------------------------------------------------------------------
@fl.trace
def counted(i: int) -> int:
    ran.append(("sync", i))
    return i * 10


@fl.trace
async def acounted(i: int) -> dict[str, int]:
    ran.append(("async", i))
    return {"i": i}


@fl.trace
async def astream(n: int) -> AsyncIterator[str]:
    for i in range(n):
        ran.append(("agen", i))
        yield f"chunk-{i}"


@fl.trace
def stream(n: int) -> Iterator[int]:
    for i in range(n):
        ran.append(("gen", i))
        yield i


attempts: list[int] = []


@env.task(retries=2)
def sync_fails_once(n: int) -> list[int]:
    out = [counted(i) for i in range(n)]
    out += list(stream(2))
    attempts.append(1)
    if len(attempts) == 1:
        raise RuntimeError("first attempt fails after its traces")
    out.append(counted(n))  # new work on the retry runs normally
    return out


@env.task(retries=2)
async def async_fails_once(n: int) -> list[object]:
    out: list[object] = [await acounted(i) for i in range(n)]
    out += [c async for c in astream(2)]
    attempts.append(1)
    if len(attempts) == 1:
        raise RuntimeError("first attempt fails after its traces")
    return out


def test_sync_traces_replay_on_retry_without_running_again() -> None:
    attempts.clear()
    run = local().run(sync_fails_once, 3)
    assert run.outputs() == [0, 10, 20, 0, 1, 30]
    assert ran == [("sync", 0), ("sync", 1), ("sync", 2), ("gen", 0), ("gen", 1), ("sync", 3)]
    traced = [a for a in run.actions() if a.parent == "a0"]
    assert len(traced) == 5
    replayed = [a for a in traced if any(e.get("replayed") for e in a.attempt_log)]
    assert sorted(a.short_name for a in replayed) == ["counted"] * 3 + ["stream"]
    assert all(a.attempts == 1 and a.phase == "SUCCEEDED" for a in traced)


def test_async_traces_and_async_generators_replay_on_retry() -> None:
    attempts.clear()
    run = local().run(async_fails_once, 2)
    assert run.outputs() == [{"i": 0}, {"i": 1}, "chunk-0", "chunk-1"]
    assert ran == [("async", 0), ("async", 1), ("agen", 0), ("agen", 1)]
    assert run.action("a0").attempts == 2


def test_a_replay_never_changes_the_result() -> None:
    attempts.clear()
    first = local().run(sync_fails_once, 3).outputs()
    attempts.clear()
    ran.clear()
    second = local().run(sync_fails_once, 3).outputs()  # a new run: nothing to replay
    assert first == second
    assert ("sync", 0) in ran


def test_other_inputs_or_order_run_again() -> None:
    seen: list[int] = []

    @env.task(retries=1)
    def changes_inputs() -> int:
        seen.append(1)
        value = counted(len(seen))  # attempt 2 calls with other inputs: no replay
        if len(seen) == 1:
            raise RuntimeError("retry")
        return value

    assert local().run(changes_inputs).outputs() == 20
    assert ran == [("sync", 1), ("sync", 2)]


def test_a_failed_trace_is_recorded_and_runs_again_on_retry() -> None:
    calls: list[int] = []

    @fl.trace
    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) == 1:
            raise ConnectionError("transient")
        return x + 1

    @env.task(retries=1)
    def uses_flaky() -> int:
        return flaky(1)

    run = local().run(uses_flaky)
    assert run.outputs() == 2
    assert calls == [1, 1]
    (trace_action,) = [a for a in run.actions() if a.short_name == "flaky"]
    assert trace_action.attempts == 2
    assert trace_action.attempt_log[0]["error"]["type"] == "ConnectionError"
    assert trace_action.phase == "SUCCEEDED"


def test_a_trace_error_reaches_the_task_as_its_own_type() -> None:
    @fl.trace
    def broken(x: int) -> int:
        raise KeyError(x)

    @env.task
    def calls_broken() -> int:
        try:
            return broken(3)
        except KeyError:
            return -1

    assert local().run(calls_broken).outputs() == -1


def test_unencodable_inputs_and_outputs_still_trace() -> None:
    lock = threading.Lock()

    @fl.trace
    def with_lock(guard: object, x: int) -> object:
        ran.append(x)
        return threading.Lock()  # cannot be recorded: never replayed

    @fl.trace
    def plain(guard: object, x: int) -> int:
        ran.append(("plain", x))
        return x

    tries: list[int] = []

    @env.task(retries=1)
    def uses_lock() -> int:
        with_lock(lock, 1)
        value = plain(lock, 2)
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("retry")
        return value

    assert local().run(uses_lock).outputs() == 2
    assert ran == [1, ("plain", 2), 1]  # the lock output ran again; plain was replayed


def test_trace_rejects_what_it_cannot_wrap() -> None:
    with pytest.raises(FlyteValidationException, match="decorates a function"):
        fl.trace(5)  # type: ignore[type-var]
    with pytest.raises(FlyteValidationException, match="cannot wrap the task"):
        fl.trace(nested_child_task)
    assert fl.trace(counted) is counted  # tracing twice is tracing once


# -- ported: flyte-sdk examples/basics/trace_sync.py -------------------------------------
@fl.trace
def double(x: int) -> int:
    return x * 2


@fl.trace
def range_iterator(x: int) -> Iterator[int]:
    yield from range(x)


@env.task
def sum_doubles(n: int) -> int:
    total = 0
    with fl.group("sum_doubles"):
        for i in range(n):
            total += double(i)
    for i in range_iterator(n):
        total += double(i)
    return total


@fl.trace
async def get_optional() -> str | None:  # flyte-sdk examples/advanced/side_effect_traces.py
    return None


def test_trace_sync_example_records_groups_and_generators() -> None:
    run = local().run(sum_doubles, n=25)
    assert run.outputs() == 1200
    traced = [a for a in run.actions() if a.parent == "a0"]
    assert len(traced) == 25 + 1 + 25
    assert {a.group for a in traced if a.short_name == "double"} == {"sum_doubles", None}
    (gen,) = [a for a in traced if a.short_name == "range_iterator"]
    assert gen.outputs()["o0"] == list(range(25))


def test_a_none_result_is_recorded_and_replayed() -> None:
    tries: list[int] = []

    @env.task(retries=1)
    async def optional_twice() -> str:
        value = await get_optional()
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("retry")
        return repr(value)

    run = local().run(optional_twice)
    assert run.outputs() == "None"
    (trace_action,) = [a for a in run.actions() if a.short_name == "get_optional"]
    assert any(e.get("replayed") for e in trace_action.attempt_log)
