"""A runaway recursion stops at a fixed depth, naming the chain of tasks (issue 17).

``async def t(n): return await t(n + 1)`` used to nest without end; on a backend every
waiting level holds a worker process (~3 new workers a second). ``FLYTE_NB_MAX_DEPTH``
(``engine/_depth.py``) bounds it in the kernel and on the backend with one rule: the child
past the limit fails with ``NestingTooDeepError``, non-recoverable, so no level retries.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb.engine._depth import NestingTooDeepError, max_depth
from flyte_nb.errors import NonRecoverableError
from flyte_nb.exceptions import FlyteValidationException

env = fl.TaskEnvironment(name="depth")


@env.task(retries=3)
async def dive(n: int) -> int:
    return await dive(n + 1)


@env.task
async def start(n: int) -> int:
    return await dive(n)


def test_the_kernel_stops_a_runaway_recursion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_NB_MAX_DEPTH", "5")
    with pytest.raises(NestingTooDeepError, match="deeper than 5 levels") as info:
        fl.with_runcontext(mode="local", name="too-deep").run(start, 0)
    assert "start -> dive -> dive" in str(info.value)
    assert "FLYTE_NB_MAX_DEPTH" in str(info.value)
    assert isinstance(info.value, NonRecoverableError)
    actions = fl.remote.Run.get("too-deep").actions()
    assert len(actions) == 6  # the root and five levels; the sixth was refused
    assert all(a.attempts == 1 for a in actions)  # non-recoverable: no level retried


def test_a_bad_limit_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_NB_MAX_DEPTH", "zero")
    with pytest.raises(FlyteValidationException, match="FLYTE_NB_MAX_DEPTH='zero'"):
        max_depth()
    monkeypatch.delenv("FLYTE_NB_MAX_DEPTH")
    assert max_depth() == 64


def test_the_backend_stops_a_runaway_recursion(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_NB_MAX_DEPTH", "4")  # the server reads it at start
    with running_server(home):
        fl.init(home=home)
        run = fl.run(start, 0).wait(timeout=120)
        assert run.phase == "FAILED"
        with pytest.raises(NonRecoverableError, match="deeper than 4 levels") as info:
            run.outputs()
        assert "start -> dive -> dive -> dive -> dive -> dive" in str(info.value)
        actions = run.actions()
        assert len(actions) == 6  # the root, four levels, and the refused fifth
        assert all(a.attempts <= 1 for a in actions)
