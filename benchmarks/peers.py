"""Peers measured in the same run: Flyte 2's SDK and flytekit, each in a virtual env of its own.

A constant copied from a peer's docs or an old measurement goes stale (the Flyte 2 figures
this table used to print were up to 2x off when measured side by side), so each benchmark
that compares with a peer runs the same workload under the pinned peer, on the same machine,
in the same run. The peers are never imported here: each lives in its own virtual
environment under ``benchmarks/.peers/`` (gitignored), built on first use with that
environment's pip, and a small script (``_peer_flyte.py``, ``_peer_flytekit.py``) runs there
with that environment's python and prints its figures as one JSON line.

Peers are only measured when asked (``--peers`` on a benchmark, or ``run_all.py --peers``),
so the CI smoke run stays fast and never reaches a package registry. When a peer cannot be
built or run, its rows say ``peer: not measured (why)`` instead of showing a number.

``python benchmarks/peers.py`` builds (or checks) both environments and prints their paths.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import venv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from _common import Row

BENCH_DIR = Path(__file__).resolve().parent
PEERS_DIR = BENCH_DIR / ".peers"

PINS = {"flyte": "2.12.1", "flytekit": "1.16.31"}
"""The exact peer versions measured; bump deliberately (and say so in the README)."""

SCRIPTS = {"flyte": "_peer_flyte.py", "flytekit": "_peer_flytekit.py"}
INSTALL_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Peer:
    """A peer's interpreter, or why there is none."""

    name: str
    python: Path | None
    why_not: str = ""

    @property
    def label(self) -> str:
        """How the reference column names it, e.g. ``Flyte 2.12.1``."""
        return {"flyte": "Flyte", "flytekit": "flytekit"}[self.name] + f" {PINS[self.name]}"


def not_measured(why: str) -> str:
    return f"peer: not measured ({why})"


def _venv_python(path: Path) -> Path:
    return path / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


@functools.cache  # one try per process: a failed install is not retried for every row
def ensure(name: str) -> Peer:
    """The peer's virtual environment, built on first use; never raises.

    The environment is complete only once its ``.ok`` marker exists, so an install that was
    interrupted is redone rather than half used.
    """
    if name not in PINS:
        raise ValueError(f"unknown peer {name!r}: choose one of {sorted(PINS)}")
    path = PEERS_DIR / f"{name}-{PINS[name]}"
    python = _venv_python(path)
    if (path / ".ok").exists() and python.exists():
        return Peer(name, python)
    shutil.rmtree(path, ignore_errors=True)
    print(f"peers: installing {name}=={PINS[name]} into {path} ...", flush=True)
    try:
        venv.create(path, with_pip=True, clear=True)
        proc = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                f"{name}=={PINS[name]}",
            ],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return Peer(name, None, f"could not build its venv: {exc}")
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
        return Peer(name, None, f"pip install {name}=={PINS[name]} failed: {last[:160]}")
    (path / ".ok").write_text(f"{name}=={PINS[name]}\n")
    return Peer(name, python)


def measure(
    peer: Peer, command: Sequence[str], timeout: float = 300.0, cwd: Path | None = None
) -> dict[str, float] | str:
    """Run the peer's script with ``command``; its figures, or why there are none.

    The script runs in a folder of its own (the peers write caches and metadata next to
    where they run) with a clean environment: only ``PATH`` and ``HOME``, so no
    ``PYTHONPATH`` pointing at this checkout leaks flyte_nb into the peer.
    """
    if peer.python is None:
        return peer.why_not
    import os
    import tempfile

    script = BENCH_DIR / SCRIPTS[peer.name]
    with tempfile.TemporaryDirectory(prefix=f"flyte-nb-peer-{peer.name}-") as tmp:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": tmp}
        try:
            proc = subprocess.run(
                [str(peer.python), str(script), *command],
                cwd=cwd or tmp,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"{peer.label} took over {timeout:g} s"
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        errors = [ln for ln in proc.stderr.splitlines() if ln[:1].isalpha()]  # not the trace
        tail = (errors or ["no output"])[-1]
        return f"{peer.label} failed: {tail[:160]}"
    try:
        figures = json.loads(lines[-1])
    except ValueError:
        return f"{peer.label} printed no figures: {lines[-1][:160]}"
    return {str(k): float(v) for k, v in figures.items()}


PeerResult = dict[str, float] | str
"""A peer's figures, or why it was not measured."""


def run_peer(
    requested: bool, name: str, command: Sequence[str], timeout: float = 300.0
) -> tuple[str, PeerResult]:
    """The peer's label and its figures for ``command``, or why there are none."""
    label = Peer(name, None).label
    if not requested:
        return label, "not requested: add --peers"
    peer = ensure(name)
    return label, measure(peer, command, timeout)


def peer_process(
    requested: bool, name: str, command: Sequence[str], cwd: Path
) -> tuple[str, Callable[[], object] | str]:
    """A candidate for ``best_of`` that runs the peer's ``command`` as a whole process.

    It is tried once first, so a peer that cannot run is reported rather than raised.
    """
    label, first = run_peer(requested, name, command)
    if isinstance(first, str):
        return label, first
    peer = ensure(name)

    def once() -> object:
        result = measure(peer, command, cwd=cwd)
        if isinstance(result, str):
            raise RuntimeError(result)
        return result

    return label, once


def peer_row(
    figure: str,
    value: float,
    unit: str,
    target: float | None,
    label: str,
    peer: float | str,
) -> Row:
    """A table row whose reference is the peer's figure, or says why it has none."""
    if isinstance(peer, str):
        return Row(figure, value, unit, target, None, not_measured(peer))
    return Row(figure, value, unit, target, peer, f"{label}:")


def pick(result: PeerResult, fn: Callable[[dict[str, float]], float]) -> float | str:
    """``fn(figures)``, or the reason the peer has no figures."""
    return result if isinstance(result, str) else fn(result)


def main() -> int:
    code = 0
    for name in PINS:
        peer = ensure(name)
        if peer.python is None:
            print(not_measured(peer.why_not))
            code = 1
        else:
            check = measure(peer, ["version"], timeout=120)
            print(f"{peer.label}: {peer.python} {check}")
    return code


if __name__ == "__main__":
    sys.exit(main())
