"""Flyte 2's ``ReusePolicy``: keep an environment's containers warm between tasks.

On this machine the backend's workers are always reused between actions (a worker
process takes the next action when it is done, and extra ones retire after an idle
time), so a ``ReusePolicy`` changes nothing about *whether* a process is reused; it is
validated and kept on the environment (``env.reusable``) so that a Flyte 2 program runs
unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Literal

from ..exceptions import FlyteValidationException


def _seconds(what: str, value: object, minimum: float = 0) -> float:
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise FlyteValidationException(
            f"ReusePolicy: {what} takes seconds (int) or a timedelta, got {value!r}"
        )
    if seconds < minimum:
        raise FlyteValidationException(
            f"ReusePolicy: {what} must be at least {minimum:g} seconds, got {seconds:g}"
        )
    return seconds


@dataclasses.dataclass
class ReusePolicy:
    """``replicas`` (a count, or a (min, max) range), ``concurrency`` per replica,
    ``idle_ttl``/``scaledown_ttl`` (seconds or timedelta), ``scope`` "global" or "run"."""

    replicas: int | tuple[int, int] = 2
    idle_ttl: int | datetime.timedelta = 30
    concurrency: int = 1
    scaledown_ttl: int | datetime.timedelta = 30
    scope: Literal["global", "run"] = "global"

    def __post_init__(self) -> None:
        replicas = self.replicas
        if isinstance(replicas, int) and not isinstance(replicas, bool):
            replicas = (replicas, replicas)
        if (
            not isinstance(replicas, tuple)
            or len(replicas) != 2
            or not all(isinstance(r, int) and not isinstance(r, bool) for r in replicas)
            or not 1 <= replicas[0] <= replicas[1]
        ):
            raise FlyteValidationException(
                f"ReusePolicy: replicas must be a count >= 1 or a (min, max) pair with "
                f"1 <= min <= max, got {self.replicas!r}; e.g. replicas=(1, 3)"
            )
        self.replicas = replicas
        if (
            isinstance(self.concurrency, bool)
            or not isinstance(self.concurrency, int)
            or self.concurrency < 1
        ):
            raise FlyteValidationException(
                f"ReusePolicy: concurrency must be a whole number >= 1, got {self.concurrency!r}"
            )
        _seconds("idle_ttl", self.idle_ttl)
        _seconds("scaledown_ttl", self.scaledown_ttl)
        if self.scope not in ("global", "run"):
            raise FlyteValidationException(
                f'ReusePolicy: scope must be "global" or "run", got {self.scope!r}'
            )

    @property
    def min_replicas(self) -> int:
        return self.replicas[0] if isinstance(self.replicas, tuple) else self.replicas

    @property
    def max_replicas(self) -> int:
        return self.replicas[1] if isinstance(self.replicas, tuple) else self.replicas

    def to_dict(self) -> dict[str, object]:
        """The policy as plain values (seconds for the TTLs)."""
        return {
            "replicas": list(self.replicas) if isinstance(self.replicas, tuple) else self.replicas,
            "concurrency": self.concurrency,
            "idle_ttl": _seconds("idle_ttl", self.idle_ttl),
            "scaledown_ttl": _seconds("scaledown_ttl", self.scaledown_ttl),
            "scope": self.scope,
        }
