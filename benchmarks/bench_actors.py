"""Actor environments: 1000 tiny tasks on a warm actor environment, per task, against the
same tasks on the backend's plain workers in the same run.

The fan-outs run under one parent task on the embedded backend (as many plain workers as
cores; actor environments with 2 replicas and with 1), interleaved, after a warm-up run that
starts the actors' replicas. Per task = wall of ``fl.run(parent, 1000).wait()`` / 1000, so it
includes the parent naming and submitting each child, recording, dispatch, the call and the
result back. Target: <= 0.3 ms per task on the warm actor environment.
"""

from __future__ import annotations

import os
import statistics

from _common import N_TASKS, Row, parse_args, print_table, sample, temp_home

import flyte_nb as fl
from flyte_nb.client import _daemon


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    from _actor_tasks import actor_fan_out, plain_fan_out, single_fan_out

    home = temp_home("actors")
    _daemon.ensure_server(home)
    try:
        fl.init(home=home)

        def run(parent: object) -> None:
            assert fl.run(parent, N_TASKS).wait(timeout=300).outputs() == N_TASKS

        times = sample(
            {
                "actor": lambda: run(actor_fan_out),
                "single": lambda: run(single_fan_out),
                "plain": lambda: run(plain_fan_out),
            },
            opts.reps(7, 1),
            warmup=1,
        )
    finally:
        _daemon.stop(home)
    per = {name: min(t) / N_TASKS * 1000 for name, t in times.items()}
    med = {name: statistics.median(t) / N_TASKS * 1000 for name, t in times.items()}
    rows = [
        Row(
            f"{N_TASKS} tiny tasks on a warm actor env, per task",
            per["actor"],
            "ms",
            0.3,
            per["plain"],
            "plain workers",
        ),
        Row("  median of runs", med["actor"], "ms", 0.3, med["plain"], "plain workers"),
        Row("  with 1 replica, per task", per["single"], "ms", 0.3, per["plain"], "plain workers"),
        Row("  with 1 replica, median", med["single"], "ms", 0.3, med["plain"], "plain workers"),
    ]
    print_table(
        "actor environments",
        rows,
        notes=[
            f"{os.cpu_count()} cores, plain workers = cores; per task = best of runs / {N_TASKS}"
        ],
    )


if __name__ == "__main__":
    main()
