"""An app process as the supervisor sees it: its environment, port, end and leftovers.

Small async functions kept apart from the supervisor's bookkeeping (``_apps.py``):

- the environment is the backend's minus every ``FLYTE_NB_*`` variable (its token, a
  database URL with a password), plus the ones set here for the app, its own env vars and
  its parameters';
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
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from ..store import process_identity

STOP_GRACE = 5.0
POLL = 0.02


def app_env(
    home: Path,
    name: str,
    spec: dict[str, Any],
    resolved: list[dict[str, Any]],
    app_dir: Path,
    version: str | None,
) -> dict[str, str]:
    """The environment app ``name`` starts with (``resolved``: its parameters' values)."""
    from ..app._run_output import VERSION_ENV

    # The backend's own settings (its token, a database URL with a password) never
    # reach an app: every FLYTE_NB_ variable an app sees is set here.
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLYTE_NB_")}
    env.setdefault("PYTHONUNBUFFERED", "1")  # a Python app's prints reach its logs live
    env.update(
        FLYTE_NB_HOME=str(home),
        FLYTE_NB_APP_NAME=name,
        FLYTE_NB_APP_PORT=str(spec["port"]),
        FLYTE_NB_APP_DIR=str(app_dir),
        FLYTE_NB_APP_PARAMETERS=json.dumps({p["name"]: p["value"] for p in resolved}),
    )
    if version:
        env[VERSION_ENV] = version
    env.update(spec["env"])
    env.update({p["env_var"]: p["value"] for p in resolved if p["env_var"]})
    return env


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
