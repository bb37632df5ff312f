"""Peak memory of a process that runs the 1000-task fan-out with flyte_nb.

Peak RSS (``ru_maxrss`` of the child itself) of a fresh process that imports flyte_nb and
runs ``fl.run(fanout, n=1000)`` once, recording on, against a baseline process that imports
only asyncio and gathers 1000 plain coroutines. The smallest of N processes each. With
``--peers``, the same fan-out in a process of Flyte 2's local mode (``peers.py``).
"""

from __future__ import annotations

from _common import (
    BENCH_DIR,
    N_TASKS,
    Row,
    parse_args,
    print_table,
    run_python,
    temp_home,
)
from peers import peer_row, pick, run_peer

TARGET_MIB = 60.0


def peak_rss_mib(script: str, *args: str) -> float:
    """Peak RSS of one run of ``python benchmarks/<script> <args>``, in MiB."""
    out = run_python([str(BENCH_DIR / script), *args])
    return int(out.split()[-1]) / 1024  # Linux reports ru_maxrss in KiB


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    reps = opts.reps(3, quick=1)
    home = str(temp_home("memory"))
    flyte = plain = float("inf")
    for _ in range(reps):
        flyte = min(flyte, peak_rss_mib("_child_fanout.py", home))
        plain = min(plain, peak_rss_mib("_child_plain_fanout.py"))
    peer_figures: list[float | str] = []
    for _ in range(reps if opts.peers else 1):
        label, result = run_peer(opts.peers, "flyte", ["memory", str(N_TASKS)])
        peer_figures.append(pick(result, lambda f: f["rss_kib"] / 1024))
    numbers = [f for f in peer_figures if not isinstance(f, str)]
    peer_mib: float | str = min(numbers) if numbers else str(peer_figures[-1])
    print_table(
        f"peak RSS, fan-out of {N_TASKS} tasks in a fresh process (least of {reps})",
        [
            Row("flyte_nb process", flyte, "MiB", TARGET_MIB, plain, "plain asyncio"),
            peer_row("flyte_nb process", flyte, "MiB", TARGET_MIB, label, peer_mib),
            Row("flyte_nb - plain asyncio", flyte - plain, "MiB"),
        ],
    )


if __name__ == "__main__":
    main()
