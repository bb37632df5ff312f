"""A live ``RunView``'s cost to the kernel, against the run it watches, in the same run.

Two 1000-action backend runs: the trivial fan-out every benchmark uses (sub-second: the
worst case, where the view's fixed costs weigh most) and the same width with 10 ms of
work per action (seconds long, like a run one actually watches). For each:

- the CPU time of the view's threads (event reader and updater, ``time.thread_time``)
  over the run's wall time without a view (target <= 5 %). The baseline is the same run
  on the same server, measured interleaved (a, b, a, b, ...), so a view that slowed the
  run could not flatter its own ratio by stretching the denominator;
- the run's wall time with a live view (until the view has drawn the end), against it;
- updates drawn, and how many stream events were read before the view switched to
  polling (``flyte_nb/widgets/_follow.py`` explains why it does).

The first drawing, done by the constructor on the kernel's main thread, is reported on
its own: it is the cost of displaying the run at all, paid once. No kernel here:
ipywidgets' comms are no-ops, so this measures reading and drawing, not the websocket.
Tasks are defined here and shipped by value (``interactive_mode``), like a notebook's.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from _common import N_TASKS, Row, parse_args, print_table, temp_home

import flyte_nb as fl
from flyte_nb.client import _daemon
from flyte_nb.widgets import RunView

env = fl.TaskEnvironment("bench_widget")


@env.task
async def work(x: int, seconds: float) -> int:
    await asyncio.sleep(seconds)
    return x


@env.task
async def fan_out(n: int, seconds: float) -> int:
    return len(await asyncio.gather(*[work(i, seconds) for i in range(n)]))


def measure(label: str, start_run: Callable[[], Any], reps: int) -> tuple[list[Row], int]:
    base, walls, cpus, firsts, updates, events = [], [], [], [], [], []
    polled = 0
    for _ in range(reps):
        start = time.perf_counter()
        start_run().wait(timeout=300)
        base.append(time.perf_counter() - start)

        start = time.perf_counter()
        run = start_run()
        cpu = time.thread_time()
        view = RunView(run)
        firsts.append(time.thread_time() - cpu)
        assert view.join(300), "the view did not stop after the run"
        walls.append(time.perf_counter() - start)
        assert run.phase == "SUCCEEDED", run
        assert view.progress.value == view.progress.max == N_TASKS + 1
        follower = view._follower
        assert follower is not None
        cpus.append(view.cpu_seconds)
        updates.append(view.updates)
        events.append(follower.events)
        polled += follower.polling
    med = statistics.median
    worst = max(c / b for c, b in zip(cpus, base, strict=True)) * 100
    rows = [
        Row(f"{label}: view CPU / run wall", med(cpus) / med(base) * 100, "%", 5.0),
        Row("  view threads' CPU per run", med(cpus) * 1000, "ms"),
        Row("  worst run's ratio", worst, "%"),
        Row("  run wall with a live view", med(walls), "s", None, med(base), "without a view"),
        Row("  first drawing (main thread)", med(firsts) * 1000, "ms"),
        Row("  updates drawn per run", med(updates), ""),
        Row("  stream events read per run", med(events), ""),
    ]
    return rows, polled


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    home = temp_home("widget")
    _daemon.ensure_server(home)
    notes = [f"{os.cpu_count()} cores (kernel, server and its workers); medians"]
    try:
        fl.init(home=home, interactive_mode=True)
        RunView(fl.run(fan_out, 10, 0.0)).join(60)  # warm: workers up, task registered
        rows: list[Row] = []
        workloads = [
            (f"{N_TASKS} trivial actions", 0.0, opts.reps(7, 2)),
            (f"{N_TASKS} actions of 10 ms", 0.01, opts.reps(3, 1)),
        ]
        for label, seconds, reps in workloads:
            more, polled = measure(label, lambda s=seconds: fl.run(fan_out, N_TASKS, s), reps)
            rows += more
            notes.append(f"{label}: {reps} runs; {polled} views switched from stream to polling")
    finally:
        _daemon.stop(home)
    print_table("live RunView", rows, notes=notes)


if __name__ == "__main__":
    main()
