"""Timeouts for sync task bodies.

A thread cannot be killed, so a sync body that overruns its timeout gets an exception
raised *inside* it (``PyThreadState_SetAsyncExc``), delivered at its next Python bytecode:
loops, pure-Python work and short sleeps are interrupted; a single long C call (one
``time.sleep(60)``) is interrupted when it returns. The injected class derives from
``BaseException`` so a user's ``except Exception`` cannot swallow it; the context manager
turns it into the user-facing ``ActionTimeoutError``.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from collections.abc import Callable, Iterator


class _Deadline(BaseException):
    """Injected into a sync body whose timeout expired; never seen by users."""


@contextlib.contextmanager
def sync_deadline(seconds: float, make_error: Callable[[], BaseException]) -> Iterator[None]:
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def fire() -> None:
        with lock:
            if state["done"]:
                return
            state["fired"] = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(target), ctypes.py_object(_Deadline)
            )

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        try:
            yield
        finally:
            with lock:
                state["done"] = True
            timer.cancel()
    except _Deadline:
        raise make_error() from None
    if state["fired"]:
        # Fired between the body's return and ``done``: the exception is pending in this
        # thread; let it arrive here rather than in the caller's code.
        try:
            for _ in range(1000):
                pass
        except _Deadline:
            raise make_error() from None
