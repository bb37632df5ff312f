"""The attempt policy: what happens to an action's attempt, in the kernel and on a backend.

An action is tried, maybe served from the cache instead, maybe tried again. The kernel's
engine (``engine/_controller.py``) and the backend (``backend/_service.py``) each run the
attempts of their own mode, with their own machinery (an asyncio loop or a thread in the
kernel; worker processes and timers on a backend), but every *decision* is taken here, so a
task behaves the same wherever it runs and a rule changes in one place:

- **Cache reads.** A call with a cache identity (``engine/_submit.cache_identity``: None
  when the task is not cached) looks the cache up first, unless the run was started with
  ``overwrite_cache=True``; then it recomputes and overwrites the entry. A result is written
  whenever the call has an identity, overwrite or not. A backend trusts the identity a
  client sent only when the task's spec says it is cached (``cache_identity``).
- **One writer per serialized entry.** With ``Cache(serialize=True)`` concurrent calls with
  the same key are computed by one writer at a time (``writer_key``): the kernel takes a
  lock per key, the backend queues followers behind the action computing it. A follower
  whose turn comes reads the cache again first (``reads_cache``), so it is a hit when the
  writer succeeded and computes itself when the writer failed.
- **A failure's phase.** An abort (``asyncio.CancelledError``, ``KeyboardInterrupt``) ends
  the attempt ``ABORTED``; a timeout the platform enforced (``ActionTimeoutError``, which is
  also Flyte 2's ``TaskTimeoutError``) ``TIMED_OUT``, and so does a parent that lets a
  child's timeout propagate; anything else ``FAILED``, a ``TaskTimeoutError`` a body raises
  itself included. Error *records* (the JSON a backend stores; it never unpickles user
  objects) are read by the same rule as exceptions (``failure_phase``), so a backend parent
  that lets a child's timeout through ends ``TIMED_OUT`` as it does in the kernel.
- **Retry or not.** A failed or timed-out attempt is retried while its counted attempts do
  not exceed the task's retries, unless the error is non-recoverable: Flyte 2's
  ``NonRecoverableError`` (and its kinds, e.g. ``NestingTooDeepError``: retrying a parent
  would only nest as deep again), which travels in a record as ``"recoverable": false``
  (``unrecoverable``, ``recoverable``). An aborted attempt is never retried.
- **Free attempts.** Attempts ended by a backend restart, and those of an earlier run of
  the same action (a failed child re-submitted by a retried or resumed parent runs with its
  retries afresh) do not count against the retries (``free_attempts``).
- **Backoff.** The n-th retry waits ``min(base * factor**(n-1), cap)`` seconds, from the
  strategy's wire form ``[count, base, factor, cap]`` (``RetryStrategy.wire()``): the only
  backoff formula in the package (``backoff_delay``); a three-item list, from records
  written before the cap travelled with the strategy, keeps the old ``MAX_BACKOFF`` cap.
- **Timeouts.** A task's timeout bounds each attempt; what enforces it differs (an asyncio
  timeout or an interrupt in the kernel, killing the worker on a backend), the message
  does not (``timeout_message``).

Why a module of its own, below ``engine`` and ``backend``: both call it on the hot path
(every task call asks ``reads_cache``), and a backend worker imports what the engine
imports, so it is plain functions over plain values: no I/O, no asyncio, no SQLAlchemy, and
nothing from the packages above it. It imports only ``flyte_nb.errors`` and
``flyte_nb.exceptions`` (the error types it classifies).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias, TypeGuard, TypeVar

from ..errors import NonRecoverableError
from ..exceptions import ActionTimeoutError

__all__ = [
    "MAX_BACKOFF",
    "ErrorLike",
    "FailurePhase",
    "backoff_delay",
    "cache_identity",
    "failure_phase",
    "free_attempts",
    "reads_cache",
    "recoverable",
    "retry_after",
    "timeout_message",
    "unrecoverable",
    "writer_key",
]

MAX_BACKOFF = 300.0
"""The cap of flyte_nb's shorthand backoff (``RetryStrategy(count=3, backoff=1.0)``)."""

FailurePhase: TypeAlias = Literal["FAILED", "TIMED_OUT", "ABORTED"]
"""The phases an attempt can fail in (the names are ``engine/_state.py``'s)."""

ErrorLike: TypeAlias = BaseException | str | Mapping[str, Any] | None
"""An attempt's error: the exception (kernel), or its JSON record (backend)."""

_TIMEOUT_TYPE = ActionTimeoutError.__qualname__  # its record's "type"
_Identity = TypeVar("_Identity", bound=Sequence[str])  # a cache identity: (version, key)


# -- the cache ---------------------------------------------------------------------------
def cache_identity(
    identity: _Identity | None, settings: Mapping[str, Any] | None
) -> _Identity | None:
    """The (version, key) a backend uses for a submitted call: the client's identity, kept
    only when the task's spec says it is cached (``{"behavior": ..., "serialize": ...}``)."""
    if identity is None or settings is None or settings.get("behavior") == "disable":
        return None
    return identity


def reads_cache(identity: _Identity | None, overwrite: bool) -> TypeGuard[_Identity]:
    """Whether a call looks the cache up before running: it is cached and the run does not
    overwrite the cache. (A cached call writes its result either way.)"""
    return identity is not None and not overwrite


def writer_key(identity: Sequence[str] | None, serialize: bool) -> str | None:
    """The key whose calls have one writer at a time, or None when calls may run at once."""
    if identity is None or not serialize:
        return None
    return identity[1]


# -- failures and retries ----------------------------------------------------------------
def _record(error: str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(error, str):
        try:
            data = json.loads(error)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return error


def failure_phase(error: ErrorLike) -> FailurePhase:
    """The phase an attempt that ended with ``error`` fails in."""
    if isinstance(error, BaseException):
        if _aborts(error):
            return "ABORTED"
        return "TIMED_OUT" if isinstance(error, ActionTimeoutError) else "FAILED"
    if error is None:
        return "FAILED"
    return "TIMED_OUT" if _record(error).get("type") == _TIMEOUT_TYPE else "FAILED"


def _aborts(exc: BaseException) -> bool:
    """A cancelled task or an interrupted kernel. asyncio is looked up, not imported: this
    module stays free of it, and without asyncio loaded no ``CancelledError`` exists."""
    if isinstance(exc, KeyboardInterrupt):
        return True
    aio = sys.modules.get("asyncio")
    return aio is not None and isinstance(exc, aio.CancelledError)


def recoverable(error: ErrorLike) -> bool:
    """False when retrying cannot help: the error is (or records) a ``NonRecoverableError``."""
    if isinstance(error, BaseException):
        return not isinstance(error, NonRecoverableError)
    if error is None:
        return True
    return _record(error).get("recoverable") is not False


def unrecoverable(record: dict[str, Any], exc: BaseException) -> dict[str, Any]:
    """``record`` (an error record being built) marked non-recoverable when ``exc`` is, so a
    backend that reads only the record stops the retries too."""
    if isinstance(exc, NonRecoverableError):
        record["recoverable"] = False
    return record


def free_attempts(attempts: int) -> int:
    """Attempts that stop counting when an action runs again after it ended (a failed child
    re-submitted, a root resumed after a backend restart): all of them, so a new run of the
    action has its retries afresh."""
    return attempts


def retry_after(
    retries: Sequence[Any], attempts: int, phase: str, error: ErrorLike, free: int = 0
) -> float | None:
    """Seconds to wait before the next attempt, or None when this failure is final.

    ``retries`` is ``RetryStrategy.wire()``; ``attempts`` the attempts made so far (this
    one included), ``free`` how many of them do not count; ``phase`` the failed attempt's
    (``failure_phase``).
    """
    counted = attempts - free
    if phase == "ABORTED" or counted > retries[0] or not recoverable(error):
        return None
    return backoff_delay(retries, counted)


def backoff_delay(retries: Sequence[Any], attempt: int) -> float:
    """Seconds before retrying after failed (counted) attempt ``attempt``, 1-based."""
    base, factor = float(retries[1]), float(retries[2])
    cap = retries[3] if len(retries) > 3 else MAX_BACKOFF
    if base == 0:
        return 0.0
    try:
        delay = base * factor ** (attempt - 1)
    except OverflowError:
        delay = math.inf
    return float(delay if cap is None else min(float(cap), delay))


def timeout_message(task: str, action: str, seconds: float, attempt: int) -> str:
    """What a timed-out attempt says, in both modes."""
    return (
        f"Task '{task}' (action {action}) timed out after {seconds:g} s on attempt "
        f"{attempt}; raise its timeout or make it faster"
    )
