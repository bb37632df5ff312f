"""Run every benchmark, quickly by default (CI smoke): ``python benchmarks/run_all.py``.

``--full`` runs them with their full repetitions instead. ``--peers`` also measures the pinned
peers (Flyte 2, flytekit), installing them into ``benchmarks/.peers/`` on first use; without
it nothing is installed and nothing is fetched, so the CI smoke run stays offline-safe.
Exits non-zero if any fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SCRIPTS = (
    "bench_fanout.py",
    "bench_startup.py",
    "bench_cache.py",
    "bench_memory.py",
    "bench_backend.py",
    "bench_report.py",
    "bench_widget.py",
    "bench_workflow.py",
    "bench_actors.py",
    "bench_apps.py",
    "bench_data.py",
    "bench_panel.py",
    "bench_ray.py",
    "bench_trace.py",
    "bench_load.py",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="full repetitions, not --quick")
    parser.add_argument(
        "--peers", action="store_true", help="measure the pinned peers too (see peers.py)"
    )
    args = parser.parse_args()
    flags = ([] if args.full else ["--quick"]) + (["--peers"] if args.peers else [])
    failed = []
    for script in SCRIPTS:
        print(f"\n=== {script} {' '.join(flags)}", flush=True)
        start = time.perf_counter()
        code = subprocess.run([sys.executable, str(BENCH_DIR / script), *flags]).returncode
        print(f"=== {script}: exit {code} in {time.perf_counter() - start:.1f} s", flush=True)
        if code != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
