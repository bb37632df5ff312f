"""The backend runs any load on a fixed number of processes (issue 17).

Each waiting parent lent its execution place, so before the budget every root of 400
concurrent runs started at once, each pinning one more worker (403 processes, 11.6 GiB).
Now at most ``workers`` runs are in progress (``backend/_scheduler.py``), and a parent that
waits on its children costs no process: children it may share a process with run in its
own worker (``backend/_hosting.py``, ``backend/_guests.py``). With one worker, fan-outs of
waiting parents wider than the pool, sync or async, and a task that calls itself run in the
server and one worker. Hosted children still stop alone (abort, timeout) and keep their own
logs. Process counts are sampled from /proc while the runs go: a bound, not a timing.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from _backend_util import http, running_server, wait_for

import flyte_nb as fl

env = fl.TaskEnvironment(name="budget")


@env.task
async def leaf(x: int) -> int:
    return x + 1


@env.task
async def fan(n: int) -> int:
    return sum(await asyncio.gather(*[leaf(i) for i in range(n)]))


@env.task
async def wide(width: int, n: int) -> int:
    """A fan-out of parents that each wait on a fan-out: ``width`` waiting parents at once."""
    return sum(await asyncio.gather(*[fan(n) for _ in range(width)]))


@env.task
def sync_leaf(x: int) -> int:
    return x * 2


@env.task
def sync_mid(n: int) -> int:
    return sum(sync_leaf(i) for i in range(n))


@env.task
def sync_wide(width: int, n: int) -> int:
    return sum(sync_mid(n) for _ in range(width))


@env.task
async def dive(n: int) -> int:
    return await dive(n + 1)


@env.task(timeout=1)
async def stall(x: int) -> int:
    await asyncio.sleep(3600)
    return x


@env.task
async def forever(x: int) -> int:
    await asyncio.sleep(3600)
    return x


@env.task
def spin(x: int) -> int:
    while True:
        time.sleep(0.01)


@env.task
def stuck(x: int) -> int:
    time.sleep(3600)  # in C: a thread cannot be interrupted here
    return x


@env.task
def calls_stuck() -> str:
    try:
        stuck(1)
    except Exception as exc:
        return type(exc).__name__
    return "no error"


@env.task
async def guard(which: str) -> str:
    """Calls a child that never ends by itself; returns the error it ended with."""
    try:
        await (stall(1) if which == "stall" else forever(1))
    except Exception as exc:
        return type(exc).__name__
    return "no error"


@env.task
def sync_guard() -> str:
    try:
        spin(1)
    except Exception as exc:
        return type(exc).__name__
    return "no error"


@env.task
async def talk(i: int) -> int:
    for k in range(3):
        print(f"talk {i} line {k}")
        print(f"talk {i} err {k}", file=sys.stderr)
        await asyncio.sleep(0.01)
    return i


@env.task
async def chorus(n: int) -> int:
    print("chorus starts")
    return sum(await asyncio.gather(*[talk(i) for i in range(n)]))


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree_size(root: int) -> int:
    children, seen, stack = _children(), set(), [root]
    while stack:
        pid = stack.pop()
        if pid not in seen:
            seen.add(pid)
            stack.extend(children.get(pid, []))
    return len(seen)


@contextmanager
def _peak(pid: int) -> Iterator[list[int]]:
    """The most processes in ``pid``'s tree while the block runs (sampled every 20 ms, and
    at its end: a worker started for it lives on for a minute)."""
    peak, done = [_tree_size(pid)], threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _tree_size(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()
        peak[0] = max(peak[0], _tree_size(pid))


def test_a_flood_of_runs_stays_within_the_budget(home: Path) -> None:
    with running_server(home, workers=1) as info:
        fl.init(home=home)
        with _peak(info.pid) as peak:
            runs = [fl.run(fan, 4) for _ in range(12)]
            results = [r.wait(timeout=180) for r in runs]
    assert [r.phase for r in results] == ["SUCCEEDED"] * 12
    assert [r.outputs() for r in results] == [10] * 12
    assert peak[0] == 2, f"the server's process tree peaked at {peak[0]} processes"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    home = tmp_path_factory.mktemp("budget-home")
    with running_server(home, workers=1) as info:
        yield home, info


@pytest.fixture
def one_worker(server: tuple[Path, Any]) -> Any:
    """The module's one-worker server, the current backend (another test may have moved it)."""
    fl.init(home=server[0])
    return server[1]


def _run(info: Any, task: Callable[..., Any], *args: Any) -> tuple[Any, int]:
    with _peak(info.pid) as peak:
        run = fl.run(task, *args).wait(timeout=180)
    return run, peak[0]


def test_waiting_parents_wider_than_the_pool_cost_no_process(one_worker: Any) -> None:
    run, peak = _run(one_worker, wide, 6, 3)  # six parents wait at once on a 1-worker pool
    assert run.phase == "SUCCEEDED"
    assert run.outputs() == 6 * (1 + 2 + 3)
    assert len(run.actions()) == 1 + 6 + 18
    assert peak == 2, f"the server's process tree peaked at {peak} processes"
    run, peak = _run(one_worker, sync_wide, 5, 3)  # sync parents wait in a thread
    assert run.phase == "SUCCEEDED"
    assert run.outputs() == 5 * (0 + 2 + 4)
    assert len(run.actions()) == 1 + 5 + 15
    assert peak == 2, f"the server's process tree peaked at {peak} processes"


def test_a_task_that_calls_itself_stays_in_one_process(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYTE_NB_MAX_DEPTH", "40")  # the server reads it at start
    with running_server(home, workers=1) as info:
        fl.init(home=home)
        run, peak = _run(info, dive, 0)
        assert run.phase == "FAILED"
        with pytest.raises(Exception, match="deeper than 40 levels") as caught:
            run.outputs()
        assert "NestingTooDeepError" in str(caught.value)
        assert "dive -> dive" in str(caught.value)
        assert len(run.actions()) == 42  # the root, forty levels, and the refused one
    assert peak == 2, f"the server's process tree peaked at {peak} processes"


def test_a_hosted_child_times_out_alone(one_worker: Any) -> None:
    run = fl.run(guard, "stall").wait(timeout=120)
    assert run.phase == "SUCCEEDED"
    assert "Timeout" in run.outputs()
    by_task = {a.short_name: a for a in run.actions()}
    assert by_task["stall"].phase == "TIMED_OUT"
    assert by_task["guard"].attempts == 1  # its process was not killed with the child


def _abort_child(info: Any, task: Callable[..., Any], child: str, *args: Any) -> Any:
    run = fl.run(task, *args)

    def running() -> Any:
        return next(
            (a for a in run.actions() if a.short_name == child and a.phase == "RUNNING"), None
        )

    wait_for(running, 60, f"{child} running")
    with http(info) as client:
        client.post(f"/api/v1/runs/{run.name}/actions/{running().name}/abort").raise_for_status()
    return run.wait(timeout=120)


def test_a_hosted_child_is_aborted_alone(one_worker: Any) -> None:
    run = _abort_child(one_worker, guard, "forever", "forever")  # a task on its parent's loop
    assert run.phase == "SUCCEEDED"
    assert "Abort" in run.outputs()
    by_task = {a.short_name: a for a in run.actions()}
    assert by_task["forever"].phase == "ABORTED"
    assert by_task["guard"].attempts == 1
    run = _abort_child(one_worker, sync_guard, "spin")  # a thread of its parent's process
    assert run.phase == "SUCCEEDED"
    assert "Abort" in run.outputs()
    by_task = {a.short_name: a for a in run.actions()}
    assert by_task["spin"].phase == "ABORTED"
    assert by_task["sync_guard"].attempts == 1


def test_hosted_children_keep_their_own_logs(one_worker: Any) -> None:
    run = fl.run(chorus, 3).wait(timeout=120)
    assert run.phase == "SUCCEEDED"
    talks = [a for a in run.actions() if a.short_name == "talk"]
    assert len(talks) == 3
    for action in talks:
        i = action.inputs()["i"]
        lines = [line for line in run.logs(action.name).splitlines() if line.strip()]
        expected = [f"talk {i} {kind} {k}" for k in range(3) for kind in ("line", "err")]
        assert sorted(lines) == sorted(expected), lines
    root = run.logs("a0")
    assert "chorus starts" in root
    assert "talk" not in root


def test_a_hosted_child_that_cannot_stop_takes_no_other_run_with_it(one_worker: Any) -> None:
    """Aborted in C code, it cannot be cancelled: its worker takes no new job and is killed
    after the grace period; the next run runs on a replacement, not in the doomed process."""
    run = _abort_child(one_worker, calls_stuck, "stuck")
    assert run.phase == "SUCCEEDED"
    assert run.outputs() == "ActionAbortedError"
    after = fl.run(sync_wide, 2, 2).wait(timeout=120)
    assert after.phase == "SUCCEEDED"
    assert all(a.attempts == 1 for a in after.actions())  # none died with the stuck worker
