"""Retry settings: ``retries=3`` or ``RetryStrategy(count=3, backoff=1.0)``.

Backoff is exponential from ``backoff`` seconds (times ``backoff_factor`` per attempt), capped
at ``MAX_BACKOFF`` so a long retry chain cannot stall a run for hours by accident.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ..exceptions import FlyteValidationException

MAX_BACKOFF = 300.0


@dataclass(frozen=True)
class RetryStrategy:
    count: int = 0
    backoff: float | datetime.timedelta | None = None
    backoff_factor: float = 2.0

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise FlyteValidationException(
                f"RetryStrategy count must be a whole number >= 0, got {self.count!r}; "
                "e.g. RetryStrategy(count=3)"
            )
        seconds = self.backoff_seconds
        if seconds < 0:
            raise FlyteValidationException(
                f"RetryStrategy backoff must be >= 0 seconds, got {self.backoff!r}"
            )
        if not isinstance(self.backoff_factor, (int, float)) or self.backoff_factor < 1:
            raise FlyteValidationException(
                f"RetryStrategy backoff_factor must be a number >= 1, got {self.backoff_factor!r}"
            )

    @property
    def backoff_seconds(self) -> float:
        b = self.backoff
        if b is None:
            return 0.0
        if isinstance(b, datetime.timedelta):
            return b.total_seconds()
        if isinstance(b, bool) or not isinstance(b, (int, float)):
            raise FlyteValidationException(
                f"RetryStrategy backoff must be seconds or a timedelta, got {b!r}"
            )
        return float(b)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        base = self.backoff_seconds
        if base == 0:
            return 0.0
        return float(min(MAX_BACKOFF, base * self.backoff_factor ** (attempt - 1)))

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


def coerce_timeout(value: float | datetime.timedelta | None, task: str) -> float | None:
    """Timeouts are seconds (int/float) or a timedelta; ``None`` means none."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise FlyteValidationException(
            f"Task '{task}': timeout must be seconds or a datetime.timedelta, got {value!r}; "
            "e.g. timeout=30 or timeout=timedelta(minutes=5)"
        )
    if seconds <= 0:
        raise FlyteValidationException(f"Task '{task}': timeout must be positive, got {value!r}")
    return seconds
