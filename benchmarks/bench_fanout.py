"""Per-task overhead of a local fan-out of 1000 trivial async tasks, recording on.

overhead per task = (wall of ``fl.run(fanout, n=1000)``
                     - wall of ``asyncio.run(gather(1000 plain coroutines))``) / 1000

Both are best of N after one warm-up, interleaved. For scale, the same run also measures a
cloudpickle round trip of ``(function, input)`` per task, the floor of any design that
ships each task to a worker: by value (how cloudpickle sends a function defined in a
script or notebook) and by reference (a function in an importable module).

With ``--peers``, the same fan-out under Flyte 2's local mode in its own venv (``peers.py``),
its overhead computed the same way against its own plain-asyncio baseline.
"""

from __future__ import annotations

import _workloads as w
import cloudpickle
from _common import N_TASKS, Row, init_temp_home, medians, parse_args, print_table, sample
from peers import peer_row, pick, run_peer

import flyte_nb as fl

TARGET_MS = 0.1


def cloudpickle_round_trips(n: int) -> None:
    for i in range(n):
        cloudpickle.loads(cloudpickle.dumps((w.square_plain, i)))


def pickle_by_value(n: int) -> None:
    cloudpickle.register_pickle_by_value(w)
    try:
        cloudpickle_round_trips(n)
    finally:
        cloudpickle.unregister_pickle_by_value(w)


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    reps = opts.reps(5)
    init_temp_home("fanout")
    run = fl.run(w.fanout, n=N_TASKS)
    assert run.outputs() == w.expected_sum(N_TASKS), run.outputs()
    assert len(run.actions()) == N_TASKS + 1, "every task call should be a recorded action"

    times = sample(
        {
            "flyte": lambda: fl.run(w.fanout, n=N_TASKS),
            "plain": lambda: w.run_plain(N_TASKS),
            "by_value": lambda: pickle_by_value(N_TASKS),
            "by_ref": lambda: cloudpickle_round_trips(N_TASKS),
        },
        reps=reps,
    )
    label, peer = run_peer(opts.peers, "flyte", ["fanout", str(N_TASKS), str(reps)])
    peer_best = pick(peer, lambda f: (f["run_best"] - f["plain_best"]) * 1000 / N_TASKS)
    peer_mid = pick(peer, lambda f: (f["run_median"] - f["plain_median"]) * 1000 / N_TASKS)
    ms = {k: min(v) * 1000 for k, v in times.items()}
    mid = {k: v * 1000 for k, v in medians(times).items()}
    overhead = (ms["flyte"] - ms["plain"]) / N_TASKS
    floor_value = ms["by_value"] / N_TASKS
    floor_ref = ms["by_ref"] / N_TASKS
    print_table(
        f"fan-out of {N_TASKS} async tasks, recording on (best of {reps}, one warm-up)",
        [
            Row(
                f"fl.run(fanout, n={N_TASKS}) wall",
                ms["flyte"],
                "ms",
                ref=ms["plain"],
                ref_label="plain asyncio",
            ),
            peer_row("per-task overhead", overhead, "ms", TARGET_MS, label, peer_best),
            peer_row(
                "per-task overhead, median",
                (mid["flyte"] - mid["plain"]) / N_TASKS,
                "ms",
                TARGET_MS,
                label,
                peer_mid,
            ),
            Row(
                "per-task overhead vs pickle floor",
                overhead,
                "ms",
                TARGET_MS,
                floor_value,
                "cloudpickle by value",
            ),
            Row(
                "cloudpickle round trip, by value",
                floor_value,
                "ms",
                ref=floor_ref,
                ref_label="by reference",
            ),
        ],
        notes=[
            "overhead = (fl.run wall - plain asyncio wall) / tasks; it includes the run's "
            "start and end, whose database writes also flush the action rows the background "
            "recorder has not written yet",
        ],
    )


if __name__ == "__main__":
    main()
