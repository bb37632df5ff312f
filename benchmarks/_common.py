"""Helpers shared by the benchmark scripts: arguments, timing, temporary homes, the table.

The machine these run on is small and noisy, so every figure is the best of several runs,
and every script measures its own baseline in the same process run, interleaved with the
measured runs, and prints ratios rather than trusting an absolute number alone.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
PYTHON = sys.executable

# Run from a checkout, flyte_nb need not be installed: put the checkout on the path. Scripts
# import ``_common`` (or ``_workloads``, which imports it) before ``flyte_nb``; ruff's import
# order (third-party ``_common`` before first-party ``flyte_nb``) keeps it that way.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

N_TASKS = 1000
"""The fan-out width every benchmark uses."""


# -- arguments ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Options:
    quick: bool
    peers: bool = False
    """Measure the peers (Flyte 2, flytekit) in their own venvs too; see ``peers.py``."""

    def reps(self, full: int, quick: int = 2) -> int:
        """Timed repetitions: ``full`` normally, ``quick`` under ``--quick``."""
        return quick if self.quick else full


def parse_args(description: str) -> Options:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions (CI smoke run, noisier)"
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also measure the pinned peers (Flyte 2, flytekit), installing them on first use "
        "into benchmarks/.peers/ (needs the package registry once)",
    )
    args = parser.parse_args()
    return Options(quick=args.quick, peers=args.peers)


# -- temporary homes -----------------------------------------------------------------------
def temp_home(prefix: str) -> Path:
    """A fresh, empty flyte_nb home, removed when this process exits."""
    path = Path(tempfile.mkdtemp(prefix=f"flyte-nb-bench-{prefix}-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def init_temp_home(prefix: str) -> Path:
    """``temp_home`` and point this process's flyte_nb at it."""
    import flyte_nb as fl  # here, not at the top: bench_startup's parent never loads flyte_nb

    path = temp_home(prefix)
    fl.init(home=path, local=True)
    return path


# -- timing ------------------------------------------------------------------------------
def timed(fn: Callable[[], object]) -> float:
    """Wall seconds of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def sample(
    candidates: Mapping[str, Callable[[], object]], reps: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Wall seconds of ``reps`` runs of each candidate, after ``warmup`` untimed runs.

    The candidates run interleaved (a, b, a, b, ...) so that a slow spell of the machine
    hits the measured code and its baseline alike.
    """
    for _ in range(warmup):
        for fn in candidates.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(reps):
        for name, fn in candidates.items():
            times[name].append(timed(fn))
    return times


def best_of(
    candidates: Mapping[str, Callable[[], object]], reps: int, warmup: int = 1
) -> dict[str, float]:
    """Best (least) wall seconds of each candidate; see ``sample``."""
    return {name: min(t) for name, t in sample(candidates, reps, warmup).items()}


def medians(times: Mapping[str, Sequence[float]]) -> dict[str, float]:
    return {name: statistics.median(t) for name, t in times.items()}


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for benchmark subprocesses: this checkout first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env.update(extra or {})
    return env


def run_python(args: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """Run ``python <args>`` to completion and return its stdout; fail loudly on error."""
    proc = subprocess.run(
        [PYTHON, *args],
        env=dict(env) if env is not None else child_env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"python {' '.join(args)} exited with {proc.returncode}:\n{proc.stderr[-4000:]}"
        )
    return proc.stdout


def python_runner(args: Sequence[str], env: Mapping[str, str] | None = None) -> Callable[[], str]:
    """A candidate for ``best_of`` that runs ``python <args>`` as a whole process."""
    return lambda: run_python(args, env)


# -- the table ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One figure: its value, an optional target, and an optional reference to compare with.

    ``ref`` is a baseline measured in the same run, a floor, or a published figure;
    ``ref_label`` says which. Ratios are ``value / target`` and ``value / ref``.
    """

    figure: str
    value: float
    unit: str
    target: float | None = None
    ref: float | None = None
    ref_label: str = ""


def _num(value: float) -> str:
    return f"{value:.4g}"


def _ratio(value: float, other: float | None) -> str:
    if other is None:
        return "-"
    if other <= 0:
        return "n/a"
    return f"{value / other:.3g}x"


def _verdict(row: Row) -> str:
    if row.target is None:
        return ""
    return "ok" if row.value <= row.target else "OVER"


def print_table(title: str, rows: Sequence[Row], notes: Sequence[str] = ()) -> None:
    """Print ``rows`` as an aligned table under ``title``, then any notes."""
    header = ("figure", "value", "target", "vs target", "", "reference", "vs ref")
    cells = [header]
    for r in rows:
        ref = f"{r.ref_label} {_num(r.ref)} {r.unit}" if r.ref is not None else r.ref_label
        cells.append(
            (
                r.figure,
                f"{_num(r.value)} {r.unit}",
                f"<= {_num(r.target)} {r.unit}" if r.target is not None else "-",
                _ratio(r.value, r.target),
                _verdict(r),
                ref.strip() or "-",
                _ratio(r.value, r.ref),
            )
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for i, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for note in notes:
        print(f"  note: {note}")
    sys.stdout.flush()
