"""The local engine, end to end: fan-out, trees, groups, map, retries, timeouts, errors, logs."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

import flyte_nb as fl
from flyte_nb.exceptions import ActionTimeoutError, FlyteValidationException, NotInTaskContextError


def test_async_fan_out_records_the_action_tree(env: fl.TaskEnvironment) -> None:
    @env.task
    async def square(x: int) -> int:
        return x * x

    @env.task
    async def main(n: int) -> int:
        return sum(await asyncio.gather(*[square(i) for i in range(n)]))

    run = fl.run(main, n=20)
    assert run.phase == "SUCCEEDED"
    assert run.outputs() == sum(i * i for i in range(20))
    actions = run.actions()
    assert len(actions) == 21
    root = actions[0]
    assert (root.name, root.parent, root.short_name) == ("a0", None, "main")
    assert {a.parent for a in actions[1:]} == {"a0"}
    assert len(root.children) == 20
    assert sorted(a.inputs()["x"] for a in actions[1:]) == list(range(20))
    assert all(a.phase == "SUCCEEDED" and a.attempts == 1 for a in actions)
    # Phase transitions are timestamped, in order.
    phases = [p for p, _ in root.transitions]
    assert phases == ["QUEUED", "RUNNING", "SUCCEEDED"]
    times = [t for _, t in root.transitions]
    assert times == sorted(times)


def test_nested_trees_keep_real_parents(env: fl.TaskEnvironment) -> None:
    @env.task
    def leaf(x: int) -> int:
        return x + 1

    @env.task
    async def middle(x: int) -> int:
        return leaf(x) + leaf(x + 10)  # sync task called from async body, no await

    @env.task
    def top(x: int) -> int:
        return middle(x) * 2  # async task called from sync body, no await

    run = fl.run(top, 1)
    assert run.outputs() == ((1 + 1) + (11 + 1)) * 2
    tree = run.action_tree().splitlines()
    assert tree == [
        "top SUCCEEDED",
        "  middle SUCCEEDED",
        "    leaf SUCCEEDED",
        "    leaf SUCCEEDED",
    ]
    by_name = {a.name: a for a in run.actions()}
    leaves = [a for a in by_name.values() if a.short_name == "leaf"]
    assert {by_name[a.parent].short_name for a in leaves if a.parent} == {"middle"}


def test_sync_tasks_awaited_from_async_run_concurrently(env: fl.TaskEnvironment) -> None:
    # All four bodies must be inside at once to pass the barrier; run one after another,
    # the first would wait alone and the barrier would break (no wall-clock assertion).
    barrier = threading.Barrier(4, timeout=30)

    @env.task
    def slow(x: int) -> int:
        barrier.wait()
        return x

    @env.task
    async def main() -> list[int]:
        return list(await asyncio.gather(*[slow.aio(i) for i in range(4)]))

    assert fl.run(main).outputs() == [0, 1, 2, 3]


def test_action_names_are_deterministic_across_runs(env: fl.TaskEnvironment) -> None:
    @env.task
    async def child(x: int) -> int:
        return x

    @env.task
    async def main() -> int:
        await asyncio.gather(child(1), child(2), child(1))
        return 0

    names = [sorted(a.name for a in fl.run(main).actions()) for _ in range(2)]
    assert names[0] == names[1]
    assert len(set(names[0])) == 4  # the repeated call gets its own name


def test_groups_are_recorded(env: fl.TaskEnvironment) -> None:
    @env.task
    async def step(x: int) -> int:
        return x

    @env.task
    async def main() -> int:
        with fl.group("prep"):
            await step(1)
            with fl.group("inner"):
                await step(2)
        await step(3)
        return 0

    groups = sorted((a.inputs().get("x"), a.group) for a in fl.run(main).actions()[1:])
    assert groups == [(1, "prep"), (2, "prep/inner"), (3, None)]


def test_group_outside_a_task_and_bad_name() -> None:
    with pytest.raises(NotInTaskContextError, match="inside a running task"), fl.group("x"):
        pass
    with pytest.raises(FlyteValidationException, match="non-empty string"), fl.group(""):
        pass


def test_map_in_sync_and_async_bodies(env: fl.TaskEnvironment) -> None:
    @env.task
    def inc(x: int) -> int:
        if x == 3:
            raise ValueError("three")
        return x + 1

    @env.task
    def sync_main(n: int) -> list[str]:
        return [repr(r) for r in fl.map(inc, range(n))]

    @env.task
    async def async_main(n: int) -> list[int]:
        return list(await fl.map(inc, range(n), return_exceptions=False, concurrency=2))

    run = fl.run(sync_main, 5)
    assert run.outputs() == ["1", "2", "3", "ValueError('three')", "5"]
    assert {a.group for a in run.actions()[1:]} == {"map:inc"}
    assert fl.run(async_main, 3).outputs() == [1, 2, 3]
    with pytest.raises(ValueError, match="three"):
        fl.run(async_main, 5)


def test_map_bad_inputs(env: fl.TaskEnvironment) -> None:
    @env.task
    def inc(x: int) -> int:
        return x + 1

    with pytest.raises(FlyteValidationException, match="needs a task"):
        fl.map(print, [1])
    with pytest.raises(FlyteValidationException, match="at least one iterable"):
        fl.map(inc)
    with pytest.raises(FlyteValidationException, match="must be an iterable"):
        fl.map(inc, 5)
    with pytest.raises(FlyteValidationException, match="concurrency"):
        fl.map(inc, [1], concurrency=-1)


def test_max_action_concurrency_bounds_the_fan_out(env: fl.TaskEnvironment) -> None:
    running = {"now": 0, "peak": 0}

    @env.task
    async def work(x: int) -> int:
        running["now"] += 1
        running["peak"] = max(running["peak"], running["now"])
        await asyncio.sleep(0.01)
        running["now"] -= 1
        return x

    @env.task
    async def main(n: int) -> int:
        return sum(await asyncio.gather(*[work(i) for i in range(n)]))

    assert fl.with_runcontext(max_action_concurrency=3).run(main, 30).outputs() == 435
    assert running["peak"] == 3
    running["peak"] = 0
    fl.run(main, 30)
    assert running["peak"] == 30


def test_retries_record_each_attempt(env: fl.TaskEnvironment) -> None:
    calls = {"n": 0}

    @env.task(retries=fl.RetryStrategy(count=3, backoff=0.05))
    def flaky(x: int) -> int:
        calls["n"] += 1
        if calls["n"] < 3:
            raise RuntimeError(f"boom {calls['n']}")
        return x

    start = time.perf_counter()
    run = fl.run(flaky, 7)
    elapsed = time.perf_counter() - start
    assert run.outputs() == 7
    action = run.actions()[0]
    assert action.attempts == 3
    assert [a["phase"] for a in action.attempt_log] == ["FAILED", "FAILED", "SUCCEEDED"]
    assert action.attempt_log[0]["error"]["message"] == "boom 1"
    assert elapsed >= 0.05 + 0.1  # exponential backoff: 0.05 s then 0.1 s


def test_retries_exhausted_fail_with_the_last_error(env: fl.TaskEnvironment) -> None:
    @env.task(retries=1)
    async def always(x: int) -> int:
        raise KeyError(x)

    with pytest.raises(KeyError):
        fl.run(always, 1)
    failed = fl.remote.Run.listall(phase="FAILED")[0]
    assert failed.error is not None
    assert failed.error["type"] == "KeyError"
    assert failed.actions()[0].attempts == 2


def test_async_timeout_cancels_the_action(env: fl.TaskEnvironment) -> None:
    finished = []

    @env.task(timeout=0.2)
    async def sleepy() -> int:
        await asyncio.sleep(5)
        finished.append(True)
        return 1

    with pytest.raises(ActionTimeoutError, match=r"timed out after 0.2 s"):
        fl.run(sleepy)
    assert not finished  # cancelled, not waited out
    run = fl.remote.Run.listall()[0]
    assert run.phase == "TIMED_OUT"
    assert run.actions()[0].phase == "TIMED_OUT"


def test_sync_timeout_interrupts_the_body(env: fl.TaskEnvironment) -> None:
    progress = []

    @env.task(timeout=0.3)
    def busy() -> int:
        for i in range(100):
            time.sleep(0.05)
            progress.append(i)
        return 1

    with pytest.raises(ActionTimeoutError):
        fl.run(busy)
    time.sleep(0.2)
    assert len(progress) < 15  # stopped after ~0.3 s, not after 5 s


def test_user_exception_keeps_its_type_and_user_frames(env: fl.TaskEnvironment) -> None:
    @env.task
    async def inner(x: int) -> int:
        raise ValueError(f"bad value {x}")

    @env.task
    async def outer(x: int) -> int:
        return await inner(x)

    with pytest.raises(ValueError, match="bad value 3") as info:
        fl.run(outer, 3)
    # Frames that remain are the user's, or ours marked hidden for IPython and pytest.
    shown = [
        frame.f_code
        for frame, _ in traceback.walk_tb(info.value.__traceback__)
        if not frame.f_locals.get("__tracebackhide__")
    ]
    # Compare against the installed package's folder, not a path fragment: a clone that lives
    # in a folder named ``flyte_nb`` has user (test) files under ``.../flyte_nb/tests``.
    package_dir = str(Path(fl.__file__).resolve().parent) + os.sep
    leaked = [c for c in shown if str(Path(c.co_filename).resolve()).startswith(package_dir)]
    assert not leaked, "internal frames leak"
    assert {"inner", "outer"} <= {c.co_name for c in shown}
    assert any("fl.remote.Run.get" in note for note in info.value.__notes__)
    record = fl.remote.Run.listall(phase="FAILED")[0]
    assert record.error is not None
    assert "bad value 3" in record.error["traceback"]
    with pytest.raises(fl.exceptions.RunFailedError, match="ValueError: bad value 3"):
        fl.remote.Run.get(record.name).outputs()


def test_calling_from_inside_a_running_event_loop(env: fl.TaskEnvironment) -> None:
    """Jupyter runs cells inside an event loop: a plain fl.run there must not deadlock."""

    @env.task
    async def square(x: int) -> int:
        return x * x

    @env.task
    def sync_square(x: int) -> int:
        return square(x)

    async def cell() -> tuple[int, int]:
        return fl.run(square, 4).outputs(), fl.run(sync_square, 5).outputs()

    assert asyncio.run(cell()) == (16, 25)


def test_logs_are_captured_per_action(
    env: fl.TaskEnvironment, capsys: pytest.CaptureFixture[str]
) -> None:
    @env.task
    async def child(x: int) -> int:
        print(f"child says {x}")
        return x

    @env.task
    async def main() -> int:
        print("main starts")
        await asyncio.gather(child(1), child(2))
        return 0

    run = fl.run(main)
    assert "child says 1" in capsys.readouterr().out  # still shown to the user
    assert run.logs("a0") == "main starts\n"
    kids = [a for a in run.actions() if a.parent == "a0"]
    assert sorted(a.logs() for a in kids) == ["child says 1\n", "child says 2\n"]
    assert "main starts" in run.logs()


def test_current_context_and_env_vars(env: fl.TaskEnvironment) -> None:
    import os

    seen: dict[str, Any] = {}

    @env.task
    def probe() -> str:
        ctx = fl.current_context()
        seen["action"] = ctx.action.name
        seen["run"] = ctx.action.run_name
        seen["mode"] = ctx.mode
        return os.environ.get("GREETING", "")

    run = fl.with_runcontext(env_vars={"GREETING": "hi"}).run(probe)
    assert run.outputs() == "hi"
    assert seen == {"action": "a0", "run": run.name, "mode": "local"}
    assert "GREETING" not in os.environ
    with pytest.raises(NotInTaskContextError, match="only available inside a running task"):
        fl.current_context()


def test_run_names_and_runcontext_validation(env: fl.TaskEnvironment) -> None:
    @env.task
    def one() -> int:
        return 1

    run = fl.with_runcontext(mode="local", name="my-run").run(one)
    assert run.name == "my-run"
    assert fl.remote.Run.get("my-run").outputs() == 1
    with pytest.raises(FlyteValidationException, match="already exists"):
        fl.with_runcontext(name="my-run").run(one)
    with pytest.raises(FlyteValidationException, match="mode must be one of"):
        fl.with_runcontext(mode="cloud")
    with pytest.raises(FlyteValidationException, match="run name must be"):
        fl.with_runcontext(name="Bad Name")
    with pytest.raises(FlyteValidationException, match="max_action_concurrency"):
        fl.with_runcontext(max_action_concurrency=0)
    with pytest.raises(FlyteValidationException, match="needs a task"):
        fl.run(print)
    with pytest.raises(fl.exceptions.RunNotFoundError, match="listall"):
        fl.remote.Run.get("nope")


def test_listall_filters(env: fl.TaskEnvironment) -> None:
    @env.task
    def ok(x: int) -> int:
        return x

    @env.task
    def bad(x: int) -> int:
        raise RuntimeError("no")

    names = [fl.run(ok, i).name for i in range(3)]
    with pytest.raises(RuntimeError):
        fl.run(bad, 1)
    listed = fl.remote.Run.listall()
    assert [r.name for r in listed[1:]] == names[::-1]  # newest first
    assert [r.task_name for r in fl.remote.Run.listall(phase="FAILED")] == [bad.name]
    assert len(fl.remote.Run.listall(task_name=ok.name, limit=2)) == 2
    with pytest.raises(FlyteValidationException, match="unknown phase"):
        fl.remote.Run.listall(phase="DONE")


def test_concurrency_limit_does_not_deadlock_nested_parents(env: fl.TaskEnvironment) -> None:
    running = {"now": 0, "peak": 0}

    @env.task
    async def leaf(x: int) -> int:
        running["now"] += 1
        running["peak"] = max(running["peak"], running["now"])
        await asyncio.sleep(0.005)
        running["now"] -= 1
        return x

    @env.task
    async def branch(x: int) -> int:
        return sum(await asyncio.gather(*[leaf(x * 10 + i) for i in range(3)]))

    @env.task
    async def root() -> int:
        return sum(await asyncio.gather(*[branch(i) for i in range(4)]))

    run = fl.with_runcontext(max_action_concurrency=1).run(root)
    assert run.outputs() == sum(x * 10 + i for x in range(4) for i in range(3))
    assert running["peak"] == 1
    assert len(run.actions()) == 1 + 4 + 12
