"""Retries and timeouts: ``retries=3``, ``RetryStrategy(count=3, backoff=...)``, ``Timeout``.

Two spellings of backoff are accepted because both are in use:

* Flyte 2: ``RetryStrategy(count=5, backoff=Backoff(base=timedelta(seconds=10), factor=2.0,
  cap=timedelta(minutes=5)))``; the n-th retry (0-based) waits ``min(base * factor**n, cap)``.
  A growing backoff must name its cap, as in Flyte 2, so the bound is always explicit.
* flyte_nb's shorthand: ``RetryStrategy(count=3, backoff=1.0, backoff_factor=2.0)`` (seconds
  or a timedelta), capped at ``MAX_BACKOFF`` so a long chain cannot stall a run for hours.

The backend never unpickles task objects, so a strategy travels to it as the plain list
``wire()`` returns; the delays are computed from that list by the attempt policy
(``flyte_nb.attempts.backoff_delay``), in the kernel and on a backend alike.

A ``timeout`` is seconds, a timedelta, or Flyte 2's ``Timeout``; ``0`` means no limit, as in
Flyte 2. ``max_runtime`` is enforced per attempt; ``max_queued_time`` and ``deadline`` are
validated but not enforced (see docs/compatibility.md).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any, TypeAlias

from ..attempts import MAX_BACKOFF, backoff_delay
from ..exceptions import FlyteValidationException

__all__ = ["Backoff", "RetryStrategy", "Timeout", "TimeoutType", "coerce_timeout"]

Seconds: TypeAlias = float | int | datetime.timedelta


def _seconds(value: object, what: str, example: str) -> float:
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FlyteValidationException(
            f"{what} must be seconds (a number) or a datetime.timedelta, got {value!r}; "
            f"e.g. {example}"
        )
    return float(value)


@dataclass(frozen=True)
class Backoff:
    """Flyte 2's exponential backoff between user retries: ``min(base * factor**n, cap)``."""

    base: datetime.timedelta
    factor: float = 1.0
    cap: datetime.timedelta | None = None

    def __post_init__(self) -> None:
        example = "Backoff(base=timedelta(seconds=10), factor=2.0, cap=timedelta(minutes=5))"
        base = _seconds(self.base, "Backoff.base", example)
        if not math.isfinite(base) or base < 0:
            raise FlyteValidationException(f"Backoff.base must be >= 0, got {self.base!r}")
        factor = self.factor
        if (
            isinstance(factor, bool)
            or not isinstance(factor, (int, float))
            or not math.isfinite(factor)
        ):
            raise FlyteValidationException(
                f"Backoff.factor must be a finite number, got {factor!r}; e.g. factor=2.0"
            )
        if factor < 1.0:
            raise FlyteValidationException(
                f"Backoff.factor must be >= 1.0 (1.0 is a constant delay), got {factor!r}"
            )
        if self.cap is not None and _seconds(self.cap, "Backoff.cap", example) < 0:
            raise FlyteValidationException(f"Backoff.cap must be >= 0, got {self.cap!r}")
        if factor > 1.0 and self.cap is None:
            raise FlyteValidationException(
                f"Backoff.cap is required when factor > 1.0 to bound the growth; e.g. {example}"
            )

    def compute_delay(self, n: int) -> datetime.timedelta:
        """The delay before the n-th retry (0-based)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise FlyteValidationException(f"Retry index n must be >= 0, got {n!r}")
        return datetime.timedelta(seconds=backoff_delay(self._wire(), n + 1))

    def _wire(self) -> list[Any]:
        cap = None if self.cap is None else _seconds(self.cap, "Backoff.cap", "")
        return [0, _seconds(self.base, "Backoff.base", ""), float(self.factor), cap]


@dataclass(frozen=True)
class RetryStrategy:
    """How often a failed task is tried again, and how long to wait in between."""

    count: int = 0
    backoff: Backoff | float | datetime.timedelta | None = None
    backoff_factor: float = 2.0

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise FlyteValidationException(
                f"RetryStrategy count must be a whole number >= 0, got {self.count!r}; "
                "e.g. RetryStrategy(count=3)"
            )
        if isinstance(self.backoff, Backoff):
            return
        seconds = self.backoff_seconds
        if not math.isfinite(seconds) or seconds < 0:
            raise FlyteValidationException(
                f"RetryStrategy backoff must be >= 0 seconds, got {self.backoff!r}"
            )
        factor = self.backoff_factor
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor < 1:
            raise FlyteValidationException(
                f"RetryStrategy backoff_factor must be a number >= 1, got {factor!r}"
            )

    @property
    def backoff_seconds(self) -> float:
        """The first retry's delay in seconds."""
        b = self.backoff
        if b is None:
            return 0.0
        if isinstance(b, Backoff):
            return b.base.total_seconds()
        return _seconds(b, "RetryStrategy backoff", "RetryStrategy(count=3, backoff=1.0)")

    def wire(self) -> list[Any]:
        """``[count, base seconds, factor, cap seconds or None]``: what a backend needs."""
        if isinstance(self.backoff, Backoff):
            return [self.count, *self.backoff._wire()[1:]]
        return [self.count, self.backoff_seconds, float(self.backoff_factor), MAX_BACKOFF]

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return backoff_delay(self.wire(), attempt)

    @classmethod
    def coerce(cls, value: int | RetryStrategy | None, task: str) -> RetryStrategy:
        if value is None:
            return cls(0)
        if isinstance(value, RetryStrategy):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return cls(value)
        raise FlyteValidationException(
            f"Task '{task}': retries must be a whole number >= 0 or a RetryStrategy, got "
            f"{value!r}; e.g. retries=3 or retries=RetryStrategy(count=3, backoff=1.0)"
        )


@dataclass(frozen=True)
class Timeout:
    """Flyte 2's time bounds for a task; ``None`` or ``0`` leaves a bound unlimited.

    ``max_runtime`` bounds each attempt's running time (enforced). ``max_queued_time`` (the
    wait for a worker) and ``deadline`` (all attempts together) are kept but not enforced.
    """

    max_runtime: Seconds | None = None
    max_queued_time: Seconds | None = None
    deadline: Seconds | None = None

    def __post_init__(self) -> None:
        for name in ("max_runtime", "max_queued_time", "deadline"):
            value = getattr(self, name)
            if value is None:
                continue
            seconds = _seconds(value, f"Timeout({name}=...)", f"Timeout({name}=timedelta(hours=1))")
            if not math.isfinite(seconds) or seconds < 0:
                raise FlyteValidationException(
                    f"Timeout({name}={value!r}): must be >= 0 (0 or None means no limit)"
                )

    def seconds(self, name: str = "max_runtime") -> float | None:
        """A bound in seconds, or None when it is unlimited."""
        value = getattr(self, name)
        if value is None:
            return None
        seconds = _seconds(value, name, "")
        return seconds or None


TimeoutType: TypeAlias = Timeout | int | float | datetime.timedelta


def coerce_timeout(value: TimeoutType | None, task: str) -> float | None:
    """A task's per-attempt time limit in seconds (``max_runtime``), or ``None`` for none."""
    if value is None:
        return None
    if isinstance(value, Timeout):
        return value.seconds("max_runtime")
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise FlyteValidationException(
            f"Task '{task}': timeout must be seconds, a datetime.timedelta or a Timeout, got "
            f"{value!r}; e.g. timeout=30, timeout=timedelta(minutes=5) or "
            "timeout=Timeout(max_runtime=timedelta(minutes=5))"
        )
    if not math.isfinite(seconds) or seconds < 0:
        raise FlyteValidationException(
            f"Task '{task}': timeout must be positive (or 0 for no limit), got {value!r}"
        )
    return seconds or None
