"""The backend runs a flood of runs on a fixed number of processes (issue 17).

Each waiting parent lends its execution place, so before the budget every root of 400
concurrent runs started at once, each pinning one more worker (403 processes, 11.6 GiB).
Now at most ``workers`` runs are in progress (``backend/_scheduler.py``): with one worker, a
flood of fan-out runs never has more than the server and two workers (one waiting root, one
executing child). The count is sampled from /proc while the runs go: a bound, not a timing.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from _backend_util import running_server

import flyte_nb as fl

env = fl.TaskEnvironment(name="budget")


@env.task
async def leaf(x: int) -> int:
    return x + 1


@env.task
async def fan(n: int) -> int:
    import asyncio

    return sum(await asyncio.gather(*[leaf(i) for i in range(n)]))


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


def test_a_flood_of_runs_stays_within_the_budget(home: Path) -> None:
    with running_server(home, workers=1) as info:
        fl.init(home=home)
        peak, done = [0], threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], _tree_size(info.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            runs = [fl.run(fan, 4) for _ in range(12)]
            results = [r.wait(timeout=180) for r in runs]
        finally:
            done.set()
            sampler.join()
    assert [r.phase for r in results] == ["SUCCEEDED"] * 12
    assert [r.outputs() for r in results] == [10] * 12
    assert 2 <= peak[0] <= 3, f"the server's process tree peaked at {peak[0]} processes"
