"""An app's output: captured line by line, written to ``app_logs`` in batches, pruned.

Kept apart from the supervisor (``_apps.py``), which owns the app's process and records:
this module only turns the process's two pipes into log rows. Design decisions:

- Lines are buffered and written every ``FLUSH_EVERY`` seconds through the supervisor's
  single writer thread, so a chatty app costs one insert per batch, not one per line, and
  its rows land in order with the app's state changes.
- A line without an end is kept in 64 KiB pieces, never whole in memory: an app that
  writes a megabyte without a newline must not grow the backend.
- Every ``PRUNE_EVERY`` lines of one app the old revisions' rows are pruned; the last
  lines (``tail``) stay on the supervisor's side so a failed app's reason can quote one.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app_records import Key

FLUSH_EVERY = 0.25
PRUNE_EVERY = 5_000
_PIECE = 65536


class AppOutput:
    """The apps' captured output waiting to be written, and how many lines each app wrote
    since its last prune. ``call`` runs a database function on the supervisor's writer."""

    def __init__(self, call: Callable[..., Awaitable[Any]]) -> None:
        self._call = call
        self._rows: list[dict[str, Any]] = []
        self._since_prune: dict[Key, int] = {}

    async def pump(
        self,
        key: Key,
        revision: int,
        stream: asyncio.StreamReader | None,
        name: str,
        tail: deque[str],
    ) -> None:
        """Read ``stream`` (``name``: stdout or stderr) to its end, one row per line."""
        if stream is None:
            return
        project, domain, app = key
        rest = b""
        while True:
            chunk = await stream.read(_PIECE)
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop() if chunk else b""
            if len(rest) >= _PIECE:  # a line without an end: keep it in pieces, not in memory
                lines.append(rest)
                rest = b""
            for line in lines:
                if not chunk and not line:
                    continue
                text = line.decode("utf-8", errors="replace") + "\n"
                tail.append(text.rstrip())
                self._rows.append(
                    {
                        "project": project,
                        "domain": domain,
                        "name": app,
                        "revision": revision,
                        "stream": name,
                        "ts": time.time(),
                        "text": text,
                    }
                )
                self._since_prune[key] = self._since_prune.get(key, 0) + 1
            if not chunk:
                return

    async def flush(self, engine: Any, revisions: dict[Key, int]) -> None:
        """Write the buffered rows; prune the apps in ``revisions`` (key to current
        revision) that wrote ``PRUNE_EVERY`` lines since their last prune."""
        from . import _app_records as records

        rows, self._rows = self._rows, []
        if rows:
            await self._call(records.insert_logs, engine, rows)
        for key, revision in revisions.items():
            if self._since_prune.get(key, 0) >= PRUNE_EVERY:
                self._since_prune[key] = 0
                await self._call(records.prune_logs, engine, key, revision)
