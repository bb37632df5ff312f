"""A throwaway Ray cluster for tests: ``ray start --head`` on a free port, always stopped.

Why it looks like this (settings from ../shared/RECIPES.md, which work on these machines):
- ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` and ``--node-ip-address=127.0.0.1`` keep every Ray
  port on loopback; ``RAY_AUTH_MODE=disabled`` stops a token an earlier local ``ray.init()``
  left in ``~/.ray`` from breaking explicit-address clients; usage stats are off.
- The cluster runs ``--block`` in a session of its own, so stopping it is exact: SIGTERM to
  that process (it takes its daemons down), then SIGKILL to whatever is still in its
  session (workers, agents). ``ray stop`` would stop every Ray cluster on the machine,
  including other test sessions'.
- A fake GPU (``--num-gpus=1``): Ray accounts for it like a real one (an actor asking for
  ``num_gpus=1`` is granted GPU 0 and sees ``CUDA_VISIBLE_DEVICES=0``), which is what the
  tests check: that ``Resources(gpu=1)`` reaches Ray as a GPU request.
- A short folder under /tmp: Ray's unix socket paths live under it (limit ~107 bytes).
- Missing Ray *fails* the tests that need it: CI installs the ``ray`` extra (.ci/run).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

RAY_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_AUTH_MODE": "disabled",
}
INSTALL_HINT = 'Ray is not installed: pip install -e ".[test,ray]" (.ci/run does this)'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _session_members(sid: int) -> list[int]:
    """Pids of the processes in session ``sid`` (field 6 of /proc/<pid>/stat)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] not in (b"Z", b"X"):
                found.append(int(entry))
    return found


def _ready(folder: Path) -> bool:
    """``ray start`` says so once the node has registered (its sockets appear earlier, and a
    driver connecting then waits out the rest of the start-up)."""
    return b"Ray runtime started" in (folder / "ray-start.log").read_bytes()


@contextlib.contextmanager
def ray_cluster(num_cpus: int = 2, num_gpus: int = 1) -> Iterator[str]:
    """Start a private local Ray cluster; yield its address (``127.0.0.1:<port>``)."""
    ray = shutil.which("ray", path=str(Path(sys.executable).parent))
    if ray is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    os.environ.update(RAY_ENV)  # this process and the servers it starts are Ray clients
    folder = Path(tempfile.mkdtemp(prefix="fnbray-", dir="/tmp"))
    port = _free_port()
    log = open(folder / "ray-start.log", "wb")  # noqa: SIM115 (closed in finally)
    proc = subprocess.Popen(
        [
            ray,
            "start",
            "--head",
            "--block",
            f"--num-cpus={num_cpus}",
            f"--num-gpus={num_gpus}",
            "--include-dashboard=false",
            "--disable-usage-stats",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            "--object-store-memory=200000000",
            f"--temp-dir={folder}",
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **RAY_ENV},
    )
    try:
        deadline = time.monotonic() + 120
        while not _ready(folder):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = (folder / "ray-start.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"ray start did not come up (exit {proc.poll()}):\n{tail}")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        _stop(proc)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)  # ray start --block stops its daemons
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    for pid in _session_members(proc.pid):  # what is left of *this* cluster only
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def ray_address() -> Iterator[str]:
    """A session-wide private Ray cluster: 2 CPUs and one fake GPU (see the module doc)."""
    with ray_cluster() as address:
        yield address
