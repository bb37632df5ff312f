"""A run's log is whole lines, even when its actions write half a line at a time.

Workers capture fds 1 and 2 through pipes (``backend/_output.py``), so a row is whatever
one read returned; a run's log merges its actions' rows by time. ``print`` writes its text
and its newline in two writes, so rows used to end mid-line and another action's line
joined them (``'squaring 1squaring 2'``). Rows are cut at newlines now.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from _backend_util import running_server

import flyte_nb as fl

env = fl.TaskEnvironment(name="loglines")


def _wait_for(path: Path) -> None:
    for _ in range(1200):
        if path.exists():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{path} never appeared")


# A timeout keeps the scheduler from sending a job ahead to a busy worker (it could not be
# killed alone there), so the two children surely run side by side on two workers.
@env.task(timeout=120)
def halves(folder: str) -> None:
    os.write(1, b"first ha")
    Path(folder, "half").touch()
    _wait_for(Path(folder, "chatted"))  # the sibling wrote whole lines meanwhile
    os.write(1, b"lf\n")


@env.task(timeout=120)
def chatty(folder: str) -> None:
    _wait_for(Path(folder, "half"))
    for i in range(3):
        print(f"chatty {i}")
    time.sleep(0.3)  # past the worker's read of them
    Path(folder, "chatted").touch()


@env.task
async def both(folder: str) -> None:
    await asyncio.gather(halves.aio(folder), chatty.aio(folder))


def test_a_runs_log_is_whole_lines(home: Path, tmp_path: Path) -> None:
    with running_server(home, workers=3):  # the two children run side by side
        fl.init(home=home)
        run = fl.run(both, str(tmp_path)).wait(timeout=180)
        assert run.phase == "SUCCEEDED"
        lines = run.logs().splitlines()
    assert sorted(lines) == ["chatty 0", "chatty 1", "chatty 2", "first half"]
