"""Peak memory of a process that runs the 1000-task fan-out with flyte_nb.

Peak RSS (``ru_maxrss`` of the child itself) of a fresh process that imports flyte_nb and
runs ``fl.run(fanout, n=1000)`` once, recording on, against a baseline process that imports
only asyncio and gathers 1000 plain coroutines. The smallest of N processes each.
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

TARGET_MIB = 60.0
FLYTE2_MIB = 70.0


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
    print_table(
        f"peak RSS, fan-out of {N_TASKS} tasks in a fresh process (least of {reps})",
        [
            Row("flyte_nb process", flyte, "MiB", TARGET_MIB, plain, "plain asyncio"),
            Row("flyte_nb process", flyte, "MiB", TARGET_MIB, FLYTE2_MIB, "Flyte 2:"),
            Row("flyte_nb - plain asyncio", flyte - plain, "MiB"),
        ],
    )


if __name__ == "__main__":
    main()
