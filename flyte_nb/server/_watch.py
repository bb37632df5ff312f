"""The server's housekeeping thread: stop when the home is gone or nothing uses the server,
and keep ``server.log`` bounded.

Why it is built this way:

* **A thread, not a task on the event loop.** It must still act when the loop is busy or
  stuck, and what it checks (the filesystem, a few counters) needs no loop.
* **Stopping is a SIGTERM to ourselves**: the one shutdown path (``__main__``) the server
  already has, graceful and bounded, with ``server.json`` removed first.
* **Home deleted.** A server whose home folder was removed (``rm -rf`` of a temporary
  home, a test's ``tmp_path``) would run on with open file handles forever: nobody can find
  it any more (``server.json`` is gone), so it exits.
* **Idle timeout.** A server started on demand by ``fl.init()`` stops after
  ``idle_timeout`` seconds with no live run, no app, no active scheduled launch plan and no
  request (an open event stream counts as one). ``flyte-nb server start`` leaves it off by
  default: a server started on purpose runs until stopped.
* **Log rotation by size.** When ``server.log`` passes ``LOG_BYTES`` (env
  ``FLYTE_NB_SERVER_LOG_BYTES``) it becomes ``server.log.1`` (one old file kept) and the
  server's stdout/stderr move to a fresh ``server.log``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..client._settings import LOG_BYTES, log_limit

__all__ = ["LOG_BYTES", "Activity", "Watchdog", "rotate_log"]

INTERVAL = 5.0  # seconds between checks (env FLYTE_NB_SERVER_WATCH_INTERVAL)


def _env_number(name: str, default: float) -> float:
    with contextlib.suppress(ValueError):
        value = float(os.environ.get(name, "") or default)
        if value > 0:
            return value
    return default


class Activity:
    """Requests in flight and when the last one ended (kept by the request guard)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.last = time.monotonic()
        self._lock = threading.Lock()

    def begin(self) -> None:
        with self._lock:
            self.in_flight += 1

    def end(self) -> None:
        with self._lock:
            self.in_flight -= 1
            self.last = time.monotonic()

    def idle_for(self) -> float:
        with self._lock:
            return 0.0 if self.in_flight else time.monotonic() - self.last


def rotate_log(home: Path, limit: int) -> bool:
    """Move a ``server.log`` over ``limit`` bytes aside when it is this process's stderr."""
    path = home / "server.log"
    try:
        current, ours = os.stat(path), os.fstat(2)
    except OSError:
        return False
    if not os.path.samestat(current, ours) or ours.st_size <= limit:
        return False  # in the foreground (a terminal), or another server's log
    os.replace(path, path.with_name("server.log.1"))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    sys.stderr.flush()
    sys.stdout.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    return True


class Watchdog(threading.Thread):
    """Checks every ``INTERVAL`` seconds; ``busy()`` says whether runs, apps or schedules
    still need the server."""

    def __init__(
        self, home: Path, idle_timeout: float, busy: Callable[[], bool], activity: Activity
    ) -> None:
        super().__init__(name="flyte-nb-watchdog", daemon=True)
        self.home = home
        self.idle_timeout = idle_timeout
        self.busy = busy
        self.activity = activity
        self.interval = _env_number("FLYTE_NB_SERVER_WATCH_INTERVAL", INTERVAL)
        self.done = threading.Event()

    def run(self) -> None:
        limit = log_limit()
        while not self.done.wait(self.interval):
            why = self._reason_to_stop()
            if why:
                now = datetime.now(UTC).isoformat(timespec="seconds")
                print(f"{now} flyte_nb server stopping: {why}", file=sys.stderr, flush=True)
                os.kill(os.getpid(), signal.SIGTERM)
                return
            with contextlib.suppress(OSError):
                rotate_log(self.home, limit)

    def _reason_to_stop(self) -> str:
        if not self.home.is_dir():
            return f"its home folder {self.home} was deleted"
        if self.idle_timeout > 0 and self.activity.idle_for() >= self.idle_timeout:
            try:
                busy = self.busy()
            except Exception:
                busy = True
            if not busy:
                return (
                    f"idle for {self.idle_timeout:g} s (no run, app, schedule or client; "
                    "idle_timeout)"
                )
        return ""
