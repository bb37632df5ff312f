"""The attempt policy end to end: the same tasks get the same attempts and phases in the
kernel (``mode="local"``) and on a real backend server (``mode="remote"``).

The policy's table is tests/test_attempt_policy.py; here each decision is seen from the
records a user reads: a timeout a parent lets through, a ``NonRecoverableError``, retries
spent, and the one writer of a serialized cache entry.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb.errors import NonRecoverableError

MODES = ("local", "remote")
env = fl.TaskEnvironment("attempt_modes")


@env.task(timeout=0.5, retries=1)
async def too_slow() -> int:
    await asyncio.sleep(60)
    return 1


@env.task
async def lets_the_timeout_through() -> int:
    return await too_slow()


@env.task(retries=3)
async def refuses(why: str) -> int:
    raise NonRecoverableError(f"no point retrying: {why}")


def _mark(marker: str) -> None:
    with Path(marker).open("a") as f:
        f.write("x")


@env.task(retries=2)
def always_fails(marker: str) -> int:
    _mark(marker)
    raise ValueError("still broken")


@env.task(cache=fl.Cache(version="1", serialize=True))
async def written_once(marker: str) -> int:
    _mark(marker)
    await asyncio.sleep(0.2)
    return 7


@env.task
async def asks_four_times(marker: str) -> list[int]:
    return list(await asyncio.gather(*[written_once(marker) for _ in range(4)]))


@pytest.fixture(scope="module")
def server_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("attempt-modes-home")
    with running_server(home):
        yield home


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest, server_home: Path, home: Path) -> str:
    """Connect this test's kernel to the module's server; the test runs in ``mode``."""
    fl.init(home=server_home)
    return str(request.param)


_names = itertools.count()


def _run(mode: str, task: object, *args: object) -> fl.remote.Run:
    """The finished run of ``task`` in ``mode`` (a failed local run raises: read it back)."""
    name = f"attempt-modes-{mode}-{next(_names)}"
    try:
        run = fl.with_runcontext(mode=mode, name=name).run(task, *args)  # type: ignore[arg-type]
    except Exception:
        assert mode == "local"
        return fl.remote.Run.get(name)
    return run.wait(timeout=120)


def test_a_parent_that_lets_a_timeout_through_ends_timed_out(mode: str) -> None:
    run = _run(mode, lets_the_timeout_through)
    assert run.phase == "TIMED_OUT"
    (child,) = (a for a in run.actions() if a.parent is not None)
    assert child.phase == "TIMED_OUT"
    assert child.attempts == 2  # the timeout is retried: one retry
    assert [a["phase"] for a in child.attempt_log] == ["TIMED_OUT", "TIMED_OUT"]
    assert "timed out after 0.5 s on attempt 2" in child.error["message"]


def test_a_non_recoverable_error_skips_the_retries_left(mode: str) -> None:
    run = _run(mode, refuses, mode)
    assert run.phase == "FAILED"
    (action,) = run.actions()
    assert action.attempts == 1
    assert run.error is not None
    assert run.error["type"] == "NonRecoverableError"
    assert run.error["message"] == f"no point retrying: {mode}"


def test_retries_are_spent_then_the_error_is_final(mode: str, tmp_path: Path) -> None:
    marker = tmp_path / "tries"
    run = _run(mode, always_fails, str(marker))
    assert run.phase == "FAILED"
    (action,) = run.actions()
    assert action.attempts == 3
    assert [a["phase"] for a in action.attempt_log] == ["FAILED"] * 3
    assert marker.read_text() == "xxx"
    assert run.error is not None
    assert (run.error["type"], run.error["message"]) == ("ValueError", "still broken")


def test_a_serialized_cache_entry_has_one_writer(mode: str, tmp_path: Path) -> None:
    marker = tmp_path / "writes"
    run = _run(mode, asks_four_times, str(marker))
    assert run.outputs() == [7] * 4
    assert marker.read_text() == "x"
    children = [a for a in run.actions() if a.parent is not None]
    assert sorted(a.cache_hit for a in children) == [False, True, True, True]
