"""An app process as the supervisor sees it: its port, its end, and its leftovers.

Small async functions kept apart from the supervisor's bookkeeping (``_apps.py``):

- the health check is a TCP connect to ``127.0.0.1:port`` (1 s timeout): any program
  that accepts connections there answers it, which is why the supervisor checks the port
  is free *before* starting the app;
- stopping is SIGTERM to the app's process group (an app's children go with it), then
  SIGKILL after ``STOP_GRACE`` seconds;
- an orphan (an app process a killed backend left behind) is killed only if its recorded
  identity (host, pid, start time) still matches, so a reused pid is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from typing import Any

from ..store import process_identity

STOP_GRACE = 5.0
POLL = 0.02


async def port_open(port: int) -> bool:
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1.0)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def terminate(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the app's process group, SIGKILL it after ``STOP_GRACE`` seconds."""
    for sig, grace in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        if grace is None:
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), grace)
            return
    await proc.wait()


async def kill_orphan(row: dict[str, Any]) -> None:
    """Kill the app process a killed backend left behind, if it is still that process, and
    wait (up to ``STOP_GRACE`` s) until it is gone and its port free."""
    pid = row.get("owner_pid")
    if not pid:
        return
    recorded = (row.get("owner_host"), pid, row.get("owner_started"))
    if process_identity(pid) != recorded:
        return  # gone, or the pid now belongs to another process
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + STOP_GRACE
    # A process that is not our child gives no event when it ends: poll /proc.
    while process_identity(pid) == recorded and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(POLL)


def exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"
