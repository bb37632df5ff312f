"""The engine's own event loop, and blocking on coroutines from any thread.

Async task bodies run on a loop the engine owns, in a daemon thread, never on Jupyter's:
the kernel's loop is busy running the cell, so a cell can block on a run (``fl.run(...)``,
``task(x)``) without ``await``, without nest_asyncio, and without deadlock.

``block_on`` is the one way synchronous code waits for a coroutine. From an ordinary
thread it hands the coroutine to the engine loop. From a thread that *is* an engine loop
(a sync task called without ``await`` inside an async task blocks that loop) it runs the
coroutine on a short-lived side loop in a fresh thread instead, so the nested work never
waits for the loop its caller is blocking.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()
_engine_threads = threading.local()
_pool: concurrent.futures.ThreadPoolExecutor | None = None


def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    _engine_threads.is_loop = True
    asyncio.set_event_loop(loop)
    ready.set()
    loop.run_forever()


def engine_loop() -> asyncio.AbstractEventLoop:
    global _loop
    if _loop is None:
        with _lock:
            if _loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                threading.Thread(
                    target=_serve, args=(loop, ready), name="flyte-nb-engine", daemon=True
                ).start()
                ready.wait()
                _loop = loop
    return _loop


def sync_pool() -> concurrent.futures.ThreadPoolExecutor:
    """Threads for sync task bodies awaited from async code (``await t.aio()``, gather)."""
    global _pool
    if _pool is None:
        with _lock:
            if _pool is None:
                _pool = concurrent.futures.ThreadPoolExecutor(
                    max_workers=max(32, 4 * (os.cpu_count() or 1)),
                    thread_name_prefix="flyte-nb-sync",
                )
    return _pool


def on_engine_loop_thread() -> bool:
    return getattr(_engine_threads, "is_loop", False)


def block_on(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from synchronous code and return its result.

    The coroutine runs in a copy of the caller's context, so the running action and its
    group travel with it.
    """
    ctx = contextvars.copy_context()
    if not on_engine_loop_thread():
        loop = engine_loop()
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        holder: list[asyncio.Task[T]] = []

        def start() -> None:
            task = loop.create_task(coro, context=ctx)
            holder.append(task)
            task.add_done_callback(lambda t: _settle(t, done))

        loop.call_soon_threadsafe(start)
        try:
            return done.result()
        except BaseException:
            if holder:
                loop.call_soon_threadsafe(holder[0].cancel)
            raise
    box: dict[str, Any] = {}

    def side() -> None:
        _engine_threads.is_loop = True
        try:
            box["value"] = ctx.run(asyncio.run, coro)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=side, name="flyte-nb-side-loop", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _settle(task: asyncio.Task[T], done: concurrent.futures.Future[T]) -> None:
    if task.cancelled():
        done.set_exception(asyncio.CancelledError())
    elif (exc := task.exception()) is not None:
        done.set_exception(exc)
    else:
        done.set_result(task.result())
