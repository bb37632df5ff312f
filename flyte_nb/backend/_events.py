"""Phase changes and log lines, fanned out to whoever watches (SSE clients, waiters).

Publishing costs one dict lookup when nobody watches, so a 1000-action fan-out pays
nothing for live views it does not have. Each subscriber has a bounded queue; one that
falls behind gets a ``{"kind": "overflow"}`` marker and should re-read the state instead
of the backend buffering without limit.

The events' shapes are ``flyte_nb.wire.Event`` (one ``TypedDict`` per ``kind``), which the
OpenAPI document lists under ``GET /api/v1/events``; tests/test_wire_messages.py checks
the event dicts the backend builds against them.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

Event = dict[str, Any]
ALL = "*"


class EventBus:
    def __init__(self, queue_size: int = 10_000) -> None:
        self._subs: dict[str, set[asyncio.Queue[Event]]] = {}
        self._queue_size = queue_size

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subs)

    def publish(self, run: str, event: Event) -> None:
        subs = self._subs
        if not subs:
            return
        for key in (run, ALL):
            for q in subs.get(key, ()):
                if q.full():
                    continue
                if q.qsize() == self._queue_size - 1:
                    q.put_nowait({"kind": "overflow"})
                else:
                    q.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self, run: str | None = None) -> AsyncIterator[asyncio.Queue[Event]]:
        key = run or ALL
        q: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        self._subs.setdefault(key, set()).add(q)
        try:
            yield q
        finally:
            subs = self._subs.get(key)
            if subs is not None:
                subs.discard(q)
                if not subs:
                    del self._subs[key]


class RunWaiters:
    """Long polls on runs' ends (``GET /runs/{name}/wait``).

    A finished run hands each waiter its final row, the one just written, and the row stays
    here for ``keep`` seconds (at most ``size`` runs): a client that submitted a hundred
    runs and waits for them in turn mostly asks after runs that already ended, and a read
    of the store costs as much as the rest of the request. A row kept here is the one in
    the store, which nothing changes once a run ended; ``flyte-nb gc --older-than`` under
    a minute can delete it meanwhile, and a wait then still answers the run for the rest
    of that minute, as it would have a moment before.
    """

    def __init__(self, keep: float = 60.0, size: int = 1000) -> None:
        self._futures: dict[str, list[asyncio.Future[dict[str, Any]]]] = {}
        self._recent: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._keep, self._size = keep, size

    async def wait(self, name: str, seconds: float) -> dict[str, Any] | None:
        """The run's final row once ``release``d, or None after ``seconds``."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._futures.setdefault(name, []).append(future)
        try:
            return await asyncio.wait_for(future, seconds)
        except TimeoutError:
            return None
        finally:
            futures = self._futures.get(name)
            if futures and future in futures:
                futures.remove(future)

    def recent(self, name: str) -> dict[str, Any] | None:
        """The final row of run ``name`` if it ended in the last ``keep`` seconds."""
        kept = self._recent.get(name)
        if kept is None or time.monotonic() - kept[0] > self._keep:
            return None
        return kept[1]

    def release(self, name: str, row: dict[str, Any]) -> None:
        """Run ``name`` ended with ``row``: answer its waiters, keep the row a while."""
        recent = self._recent
        recent[name] = (time.monotonic(), row)
        while len(recent) > self._size:
            recent.popitem(last=False)
        for future in self._futures.pop(name, []):
            if not future.done():
                future.set_result(row)
