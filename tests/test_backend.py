"""The backend against a real server process: runs, fan-out, retries, timeouts, cache,
abort, concurrency limits and logs behave as in local mode, on both backend stacks
({SQLite, local workers} and {PostgreSQL, Ray}: ``_stacks.py``)."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import alive, running_server, wait_for, wait_for_file
from _stacks import STACKS, stack_settings

import flyte_nb as fl
from flyte_nb.client import _daemon
from flyte_nb.exceptions import ActionTimeoutError, FlyteValidationException

be = fl.TaskEnvironment("be")


@be.task
async def square(x: int) -> int:
    print(f"square {x}")
    return x * x


@be.task
async def fan_out(n: int) -> int:
    values = await asyncio.gather(*[square(i) for i in range(n)])
    return sum(values)


@be.task
def sync_parent(n: int) -> list[int]:
    with fl.group("squares"):
        return list(fl.map(square, range(n)))


@be.task
def boom(x: int) -> int:
    raise ValueError(f"bad input {x}")


@be.task(retries=2)
def flaky(marker: str) -> str:
    path = Path(marker)
    count = int(path.read_text()) if path.exists() else 0
    path.write_text(str(count + 1))
    if count == 0:
        raise RuntimeError("first attempt fails")
    return f"attempt {count + 1}"


@be.task(timeout=1)
def slow(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


@be.task
async def catches_timeout(seconds: float) -> str:
    try:
        return await slow.aio(seconds)
    except ActionTimeoutError as exc:
        return f"caught: {type(exc).__name__}"


@be.task
def pid_then_sleep(pid_file: str, seconds: float) -> int:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(seconds)
    return os.getpid()


@be.task(cache="auto")
def cached_double(x: int, log: str) -> int:
    with open(log, "a") as f:
        f.write("x")
    return 2 * x


@be.task
def timed(folder: str, i: int) -> int:
    start = time.time()
    time.sleep(0.3)
    Path(folder, f"{i}.txt").write_text(f"{start} {time.time()}")
    return i


@be.task
async def limited(folder: str, n: int) -> int:
    values = await asyncio.gather(*[timed.aio(folder, i) for i in range(n)])
    return len(values)


@be.task
def sync_leaf(x: int) -> int:
    return x + 1


@be.task
async def async_calls_sync(x: int) -> int:
    return sync_leaf(x) * 10  # a plain call from async code: blocks this body only


@be.task
def sync_calls_async(x: int) -> int:
    return square(x) + 1  # an async task called from sync code returns its value


@be.task
async def middle(n: int) -> int:
    return sum(await asyncio.gather(*[square(i) for i in range(n)]))


@be.task
async def nested(n: int) -> int:
    return sum(await asyncio.gather(*[middle(n) for _ in range(3)]))


@pytest.fixture(scope="module", params=STACKS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("backend-home")
    with running_server(home, **stack_settings(request)) as info:
        yield home, info


@pytest.fixture
def remote(server: tuple[Path, _daemon.ServerInfo], home: Path) -> _daemon.ServerInfo:
    """Connect this test's kernel to the module's server (the autouse home is local)."""
    fl.init(home=server[0])
    return server[1]


def test_async_fan_out_runs_on_workers_with_local_names(remote: object) -> None:
    run = fl.run(square, 3)
    assert run.mode == "backend"
    assert run.wait(timeout=30).outputs() == 9
    run = fl.run(fan_out, 20).wait(timeout=60)
    assert run.phase == "SUCCEEDED"
    assert run.outputs() == sum(i * i for i in range(20))
    actions = run.actions()
    assert len(actions) == 21
    assert {a.phase for a in actions} == {"SUCCEEDED"}
    assert "square 7\n" in run.logs()
    # The same call in local mode names its actions identically.
    local = fl.with_runcontext(mode="local").run(fan_out, 20)
    assert sorted(a.name for a in local.actions()) == sorted(a.name for a in actions)


def test_sync_parent_map_and_group(remote: object) -> None:
    run = fl.run(sync_parent, 4).wait(timeout=60)
    assert run.outputs() == [0, 1, 4, 9]
    groups = {a.group for a in run.actions() if a.parent is not None}
    assert groups == {"squares/map:square"}


def test_failure_raises_the_users_exception(remote: object) -> None:
    run = fl.run(boom, 3).wait(timeout=30)
    assert run.phase == "FAILED"
    with pytest.raises(ValueError, match="bad input 3") as info:
        run.outputs()
    assert any(run.name in note for note in info.value.__notes__)
    assert run.error is not None
    assert run.error["type"] == "ValueError"


def test_retries_rerun_a_failed_attempt(remote: object, tmp_path: Path) -> None:
    run = fl.run(flaky, str(tmp_path / "count")).wait(timeout=30)
    assert run.outputs() == "attempt 2"
    (action,) = run.actions()
    assert action.attempts == 2
    assert [a["phase"] for a in action.attempt_log] == ["FAILED", "SUCCEEDED"]


def test_timeout_kills_the_worker_and_the_parent_sees_it(remote: object) -> None:
    run = fl.run(catches_timeout, 30.0).wait(timeout=30)
    assert run.outputs() == "caught: ActionTimeoutError"
    child = next(a for a in run.actions() if a.parent is not None)
    assert child.phase == "TIMED_OUT"
    assert "timed out after 1 s" in child.error["message"]


def test_cache_hits_across_runs_and_redefinition(remote: object, tmp_path: Path) -> None:
    log = tmp_path / "calls"
    first = fl.run(cached_double, 21, str(log)).wait(timeout=30)
    second = fl.run(cached_double, 21, str(log)).wait(timeout=30)
    assert first.outputs() == second.outputs() == 42
    assert log.read_text() == "x"
    assert second.actions()[0].cache_hit
    # A root answered from the cache ends the run inside the POST, before the row the POST
    # writes: that row is the run's final state, not its start.
    stored = fl.remote.Run.get(second.name)
    assert (stored.phase, stored.ended_at is not None) == ("SUCCEEDED", True)
    forced = fl.with_runcontext(overwrite_cache=True).run(cached_double, 21, str(log))
    assert forced.wait(timeout=30).outputs() == 42
    assert log.read_text() == "xx"


def test_abort_kills_the_action_process(remote: object, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    run = fl.run(pid_then_sleep, str(pid_file), 60.0)
    pid = int(wait_for_file(pid_file))
    assert alive(pid)
    run.abort(reason="changed my mind")
    run.wait(timeout=30)
    assert run.phase == "ABORTED"
    assert "changed my mind" in run.error["message"]
    wait_for(lambda: not alive(pid), 10, "the aborted action's process to die")
    assert run.actions()[0].phase == "ABORTED"


def test_max_action_concurrency_is_enforced(remote: object, tmp_path: Path) -> None:
    run = fl.with_runcontext(max_action_concurrency=1).run(limited, str(tmp_path), 3)
    assert run.wait(timeout=60).outputs() == 3
    spans = sorted(tuple(map(float, p.read_text().split())) for p in tmp_path.glob("*.txt"))
    assert len(spans) == 3
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end - 0.01, spans


def test_reading_a_run_while_it_grows(remote: object) -> None:
    """Reads of a live run come from the backend's memory while its loop adds actions."""
    run = fl.run(fan_out, 300)
    counts = []
    while not run.refresh().done:
        counts.append(len(run.actions()))
    assert run.outputs() == sum(i * i for i in range(300))
    assert counts == sorted(counts)
    assert len(run.actions()) == 301


def test_the_display_tree_is_cut_but_counts_everything(remote: object) -> None:
    run = fl.run(fan_out, 300).wait(timeout=60)
    local = fl.with_runcontext(mode="local").run(fan_out, 300)
    for handle in (run, local):
        tree = handle.tree(max_children=50)
        assert (tree.total, tree.counts) == (301, {"SUCCEEDED": 301})
        assert len(tree.actions) == 51
        (root,) = [a for a in tree.actions if a.parent is None]
        assert len(root.children) == 50
        assert tree.hidden == {"a0": {"SUCCEEDED": 250}}
    with pytest.raises(FlyteValidationException, match="max_children"):
        run.tree(max_children=0)


def test_sync_and_async_calls_mix_as_in_local_mode(remote: object) -> None:
    assert fl.run(async_calls_sync, 4).wait(timeout=30).outputs() == 50
    assert fl.run(sync_calls_async, 4).wait(timeout=30).outputs() == 17


def test_nested_fan_out_at_concurrency_one_cannot_deadlock(remote: object) -> None:
    """Parents waiting on children lend their place, on a pool of two workers too."""
    run = fl.with_runcontext(max_action_concurrency=1).run(nested, 3).wait(timeout=60)
    assert run.outputs() == 3 * (0 + 1 + 4)
    assert len(run.actions()) == 1 + 3 + 9


def test_run_names_and_lookup(remote: object) -> None:
    run = fl.with_runcontext(name="named-backend-run").run(square, 5).wait(timeout=30)
    found = fl.remote.Run.get("named-backend-run")
    assert (found.phase, found.outputs()) == ("SUCCEEDED", 25)
    (root,) = fl.remote.Action.listall("named-backend-run")
    assert fl.remote.Action.get("named-backend-run", "a0").outputs() == {"o0": 25}
    assert root.inputs() == {"x": 5}
    with pytest.raises(LookupError, match="no action named 'a9'"):
        fl.remote.Action.get("named-backend-run", "a9")
    assert any(r.name == run.name for r in fl.remote.Run.listall(limit=1000))
    with pytest.raises(FlyteValidationException, match="already exists"):
        fl.with_runcontext(name="named-backend-run").run(square, 5)
    with pytest.raises(LookupError, match="no-such-run"):
        fl.remote.Run.get("no-such-run")


def test_watch_streams_until_the_run_ends(remote: object) -> None:
    run = fl.run(fan_out, 5)
    kinds = [event["kind"] for event in run.watch()]
    assert kinds[-1] == "run"
    assert run.phase == "SUCCEEDED"


def test_handles_survive_a_second_init(remote: object, server: tuple[Path, object]) -> None:
    run = fl.run(square, 6)
    fl.init(home=server[0])
    assert run.wait(timeout=30).outputs() == 36


def test_local_mode_still_works_after_init(remote: object) -> None:
    run = fl.with_runcontext(mode="local").run(square, 4)
    assert run.mode == "local"
    assert run.outputs() == 16
