"""``CronSchedule`` and ``FixedRate``: when a registered launch plan should run.

``next_after`` computes fire times so notebooks and the (future) scheduler agree on them.
Cron expressions go through ``croniter`` (five fields, or ``@hourly``-style aliases), which
is imported only when a cron schedule is made. ``to_dict``/``schedule_from_dict`` are the
stored form; reading one back validates it again.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from ..exceptions import FlyteValidationException

_CRON_ALIASES = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly"})


def _check_kickoff(cls: str, arg: Any) -> str | None:
    if arg is not None and (not isinstance(arg, str) or not arg.isidentifier()):
        raise FlyteValidationException(
            f"{cls}: kickoff_time_input_arg must be the name of a datetime input of the "
            f"workflow (e.g. 'kickoff_time') or None, got {arg!r}"
        )
    return arg


class CronSchedule:
    """Run on a cron schedule: ``CronSchedule(schedule="0 * * * *")`` (every hour).

    ``kickoff_time_input_arg`` names the workflow input that receives the fire time.
    """

    def __init__(self, schedule: str, kickoff_time_input_arg: str | None = None) -> None:
        from croniter import croniter  # type: ignore[import-untyped]

        text = schedule.strip() if isinstance(schedule, str) else schedule
        fields = text.split() if isinstance(text, str) else []
        valid = isinstance(text, str) and (
            text in _CRON_ALIASES or (len(fields) == 5 and croniter.is_valid(text))
        )
        if not valid:
            raise FlyteValidationException(
                "CronSchedule: schedule must be a cron expression of 5 fields (minute hour "
                "day-of-month month day-of-week, e.g. '*/15 * * * *') or one of "
                f"{sorted(_CRON_ALIASES)}, got {schedule!r}"
            )
        self.schedule: str = text
        self.kickoff_time_input_arg = _check_kickoff("CronSchedule", kickoff_time_input_arg)

    @property
    def cron_expression(self) -> str:
        """flytekit's name for the expression."""
        return self.schedule

    def next_after(self, dt: datetime.datetime) -> datetime.datetime:
        """The first fire time strictly after ``dt`` (in ``dt``'s time zone, if any)."""
        from croniter import croniter

        if not isinstance(dt, datetime.datetime):
            raise FlyteValidationException(f"CronSchedule.next_after takes a datetime, got {dt!r}")
        result: datetime.datetime = croniter(self.schedule, dt).get_next(datetime.datetime)
        return result

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "cron",
            "schedule": self.schedule,
            "kickoff_time_input_arg": self.kickoff_time_input_arg,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CronSchedule) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.schedule, self.kickoff_time_input_arg))

    def __repr__(self) -> str:
        return (
            f"CronSchedule(schedule={self.schedule!r}, "
            f"kickoff_time_input_arg={self.kickoff_time_input_arg!r})"
        )


class FixedRate:
    """Run every ``duration`` (a positive ``timedelta``), e.g. ``FixedRate(timedelta(hours=1))``."""

    def __init__(
        self, duration: datetime.timedelta, kickoff_time_input_arg: str | None = None
    ) -> None:
        if not isinstance(duration, datetime.timedelta) or duration <= datetime.timedelta(0):
            raise FlyteValidationException(
                "FixedRate: duration must be a positive datetime.timedelta, e.g. "
                f"timedelta(minutes=10), got {duration!r}"
            )
        self.duration = duration
        self.kickoff_time_input_arg = _check_kickoff("FixedRate", kickoff_time_input_arg)

    def next_after(self, dt: datetime.datetime) -> datetime.datetime:
        """``dt + duration``: a fixed rate counts from the previous fire time."""
        if not isinstance(dt, datetime.datetime):
            raise FlyteValidationException(f"FixedRate.next_after takes a datetime, got {dt!r}")
        return dt + self.duration

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "fixed_rate",
            "seconds": self.duration.total_seconds(),
            "kickoff_time_input_arg": self.kickoff_time_input_arg,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FixedRate) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.duration, self.kickoff_time_input_arg))

    def __repr__(self) -> str:
        return (
            f"FixedRate(duration={self.duration!r}, "
            f"kickoff_time_input_arg={self.kickoff_time_input_arg!r})"
        )


Schedule = CronSchedule | FixedRate


def schedule_from_dict(data: Mapping[str, Any] | None) -> Schedule | None:
    """The schedule a ``to_dict()`` described (the stored form); validates it again."""
    if data is None:
        return None
    kickoff = data.get("kickoff_time_input_arg")
    if data.get("kind") == "cron":
        return CronSchedule(data.get("schedule"), kickoff)  # type: ignore[arg-type]
    if data.get("kind") == "fixed_rate":
        seconds = data.get("seconds")
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            return FixedRate(datetime.timedelta(seconds=seconds), kickoff)
    raise FlyteValidationException(
        "a schedule must be {'kind': 'cron', 'schedule': '<cron>'} or {'kind': 'fixed_rate', "
        f"'seconds': <number>}} (with optional 'kickoff_time_input_arg'), got {dict(data)!r}"
    )
