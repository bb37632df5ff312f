"""``RunWaiters``: long polls on runs' ends, and the final rows kept for the waits that
come after the end (``GET /runs/{name}/wait`` answers them without reading the store)."""

from __future__ import annotations

import asyncio
import time

import pytest

from flyte_nb.backend._events import RunWaiters

pytestmark = pytest.mark.unit


def test_waiters_get_the_final_row_and_a_timeout_gets_none() -> None:
    async def scenario() -> tuple[object, object, object]:
        waiters = RunWaiters()
        first = asyncio.ensure_future(waiters.wait("r1", 5))
        second = asyncio.ensure_future(waiters.wait("r1", 5))
        await asyncio.sleep(0)
        waiters.release("r1", {"name": "r1", "phase": "SUCCEEDED"})
        late = await waiters.wait("r2", 0.01)  # never released: the poll ends empty
        return await first, await second, late

    first, second, late = asyncio.run(scenario())
    assert first == second == {"name": "r1", "phase": "SUCCEEDED"}
    assert late is None


def test_recent_rows_expire_and_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    waiters = RunWaiters(keep=60.0, size=2)
    for name in ("a", "b", "c"):
        waiters.release(name, {"name": name})
    assert waiters.recent("a") is None  # the oldest went when the third came
    assert waiters.recent("c") == {"name": "c"}
    assert waiters.recent("unknown") is None
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 61)
    assert waiters.recent("c") is None  # older than ``keep``: the store answers
