"""Start-up cost: ``import flyte_nb``, and a whole process that runs one task (N=1).

(a) import: wall of ``python -c "import flyte_nb"`` minus wall of ``python -c pass``.
(b) N=1: wall of a process that imports flyte_nb, defines one async task and runs it once
    with ``fl.run``; "warm" uses a home that already holds a database from an earlier run,
    "cold" a new empty home each time (the database is created). Baseline: ``python -c pass``.

Every figure is the best of N whole subprocess runs after one warm-up, interleaved. With
``--peers``, (b) also runs the same one-task process under Flyte 2's local mode in its own
venv (``peers.py``), in a folder it reuses (its "existing database").
"""

from __future__ import annotations

from _common import (
    BENCH_DIR,
    REPO,
    Options,
    Row,
    best_of,
    parse_args,
    print_table,
    python_runner,
    run_python,
    temp_home,
)
from peers import peer_process, peer_row

IMPORT_TARGET_S = 0.1
N1_TARGET_S = 0.2
CHILD = str(BENCH_DIR / "_child_one_task.py")


def bench_import(opts: Options) -> None:
    reps = opts.reps(7, quick=3)
    best = best_of(
        {
            "pass": python_runner(["-c", "pass"]),
            "import": python_runner(["-c", "import flyte_nb"]),
        },
        reps=reps,
    )
    print_table(
        f"(a) import flyte_nb (best of {reps} processes)",
        [
            Row(
                'python -c "import flyte_nb"',
                best["import"],
                "s",
                ref=best["pass"],
                ref_label="python -c pass",
            ),
            Row(
                "import flyte_nb (process - python -c pass)",
                best["import"] - best["pass"],
                "s",
                IMPORT_TARGET_S,
            ),
        ],
    )


def bench_one_task(opts: Options) -> None:
    reps = opts.reps(5)
    warm_home = temp_home("startup-warm")
    label, peer = peer_process(opts.peers, "flyte", ["one"], temp_home("startup-peer"))
    candidates = {
        "pass": python_runner(["-c", "pass"]),
        "warm": python_runner([CHILD, str(warm_home)]),
        "cold": lambda: run_python([CHILD, str(temp_home("startup-cold"))]),
    }
    if not isinstance(peer, str):
        candidates["peer"] = peer
    best = best_of(candidates, reps=reps)
    print_table(
        f"(b) one task, whole process including import (best of {reps} processes)",
        [
            Row(
                "N=1 process, existing database",
                best["warm"],
                "s",
                N1_TARGET_S,
                best["pass"],
                "python -c pass",
            ),
            peer_row(
                "N=1 process, existing database",
                best["warm"],
                "s",
                N1_TARGET_S,
                label,
                peer if isinstance(peer, str) else best["peer"],
            ),
            Row("N=1 process - python -c pass", best["warm"] - best["pass"], "s"),
            Row(
                "N=1 process, cold (new home)",
                best["cold"],
                "s",
                N1_TARGET_S,
                best["pass"],
                "python -c pass",
            ),
        ],
    )


def _compile_bytecode() -> None:
    """Byte-compile the checkout first, as ``pip install`` does for an installed package.

    An editable checkout run with ``PYTHONDONTWRITEBYTECODE`` (set on these machines) would
    otherwise compile every module from source in every process, ~60 ms that no installed
    copy of flyte_nb pays.
    """
    import compileall

    compileall.compile_dir(REPO / "flyte_nb", quiet=1)


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    _compile_bytecode()
    bench_import(opts)
    bench_one_task(opts)


if __name__ == "__main__":
    main()
