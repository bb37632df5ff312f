"""Flyte 2's triggers: ``env.task(triggers=fl.Trigger(name, fl.Cron(...), inputs=...))``.

A trigger is registered by ``fl.deploy(env)`` as a scheduled launch plan of its task
(``schedules/`` for the schedule, ``backend/_schedules.py`` for the firing), so it
fires exactly once per slot, never replays past slots on activation, and collapses the
slots missed during downtime into one, as launch-plan schedules do.

Decisions:

- The plan is named ``<task name>.<trigger name>`` and labelled ``flyte-nb-trigger`` (the
  trigger's name) and ``flyte-nb-task``; ``flyte-nb triggers`` and ``triggers()`` list the
  plans carrying that label, and activate or deactivate them.
- ``fl.TriggerTime`` as an input value binds the slot's time (a UTC ``datetime``) to that
  input, as Flyte 2 does; the other inputs are the plan's defaults.
- ``Cron`` runs in UTC: a ``timezone`` other than UTC is refused with a message, since the
  backend's scheduler counts slots in UTC. ``FixedRate`` counts from activation;
  ``start_time`` is kept, not used. ``env_vars``, ``queue``, ``interruptible``,
  ``notifications`` and ``custom_context`` are kept on the trigger, not applied.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from ..exceptions import FlyteValidationException

LABEL = "flyte-nb-trigger"
TASK_LABEL = "flyte-nb-task"


class _TriggerTime:
    """``fl.TriggerTime``: bind the fire time to this input."""

    def __repr__(self) -> str:
        return "TriggerTime"


TriggerTime = _TriggerTime()


class Cron:
    """A cron schedule: ``Cron("0 * * * *")`` fires at the top of every hour (UTC)."""

    def __init__(self, expression: str, timezone: str = "UTC") -> None:
        from ..schedules import CronSchedule

        CronSchedule(expression)  # validates the expression (five fields or an alias)
        if timezone not in ("UTC", "Etc/UTC", "utc"):
            raise FlyteValidationException(
                f"Cron({expression!r}, timezone={timezone!r}): this backend counts slots in "
                "UTC; write the expression for UTC and leave timezone='UTC'"
            )
        self.expression = expression.strip()
        self.timezone = "UTC"

    def schedule(self, kickoff: str | None) -> dict[str, Any]:
        return {"kind": "cron", "schedule": self.expression, "kickoff_time_input_arg": kickoff}

    def __repr__(self) -> str:
        return f"Cron({self.expression!r})"


class FixedRate:
    """Every ``interval_minutes`` minutes, counted from when the trigger is activated."""

    def __init__(
        self, interval_minutes: float, start_time: datetime.datetime | None = None
    ) -> None:
        if (
            isinstance(interval_minutes, bool)
            or not isinstance(interval_minutes, int | float)
            or interval_minutes <= 0
        ):
            raise FlyteValidationException(
                f"FixedRate(interval_minutes=...) takes a positive number of minutes, got "
                f"{interval_minutes!r}; e.g. FixedRate(60) for hourly"
            )
        if start_time is not None and not isinstance(start_time, datetime.datetime):
            raise FlyteValidationException(
                f"FixedRate(start_time=...) takes a datetime or None, got {start_time!r}"
            )
        self.interval_minutes = interval_minutes
        self.start_time = start_time

    def schedule(self, kickoff: str | None) -> dict[str, Any]:
        seconds = float(self.interval_minutes) * 60
        return {"kind": "fixed_rate", "seconds": seconds, "kickoff_time_input_arg": kickoff}

    def __repr__(self) -> str:
        return f"FixedRate({self.interval_minutes!r})"


_KEPT = (
    "env_vars",
    "interruptible",
    "queue",
    "labels",
    "annotations",
    "notifications",
    "custom_context",
)


class Trigger:
    """Run a task on a schedule once deployed (``fl.deploy(env)``)."""

    def __init__(
        self,
        name: str,
        automation: Cron | FixedRate,
        description: str = "",
        auto_activate: bool = True,
        inputs: Mapping[str, Any] | None = None,
        overwrite_cache: bool = False,
        max_action_concurrency: int | None = None,
        **kept: Any,
    ) -> None:
        from ..union._gates import _NAME

        if not isinstance(name, str) or not _NAME.match(name):
            raise FlyteValidationException(
                f"Trigger: name must be letters, digits, '_', '-' or '.', got {name!r}"
            )
        if not isinstance(automation, Cron | FixedRate):
            raise FlyteValidationException(
                f"Trigger {name!r}: automation must be fl.Cron(...) or fl.FixedRate(...), got "
                f"{automation!r}"
            )
        if inputs is not None and not isinstance(inputs, Mapping):
            raise FlyteValidationException(
                f"Trigger {name!r}: inputs must be a dict of input name to value, got {inputs!r}"
            )
        unknown = sorted(set(kept) - set(_KEPT))
        if unknown:
            raise FlyteValidationException(
                f"Trigger {name!r} got unknown argument(s) {unknown}; see help(fl.Trigger)"
            )
        if not isinstance(description, str):
            raise FlyteValidationException(
                f"Trigger {name!r}: description must be a str, got {description!r}"
            )
        if len(description) > 255:  # Flyte 2 keeps 255 characters, marking the cut
            description = description[:247] + "...(tr.)"
        self.name = name
        self.automation = automation
        self.description = description
        self.auto_activate = bool(auto_activate)
        self.inputs = dict(inputs or {})
        self.overwrite_cache = bool(overwrite_cache)
        self.max_action_concurrency = max_action_concurrency
        self.options = kept

    def __repr__(self) -> str:
        return f"Trigger({self.name!r}, {self.automation!r})"

    @classmethod
    def _every(cls, name: str, cron: str, key: str | None, kw: dict[str, Any]) -> Trigger:
        inputs = dict(kw.pop("inputs", None) or {})
        if key is not None:
            inputs[key] = TriggerTime
        return cls(kw.pop("name", name), Cron(cron), inputs=inputs, **kw)

    @classmethod
    def minutely(cls, trigger_time_input_key: str | None = None, **kw: Any) -> Trigger:
        return cls._every("minutely", "* * * * *", trigger_time_input_key, kw)

    @classmethod
    def hourly(cls, trigger_time_input_key: str | None = None, **kw: Any) -> Trigger:
        return cls._every("hourly", "0 * * * *", trigger_time_input_key, kw)

    @classmethod
    def daily(cls, trigger_time_input_key: str | None = None, **kw: Any) -> Trigger:
        return cls._every("daily", "0 0 * * *", trigger_time_input_key, kw)

    @classmethod
    def weekly(cls, trigger_time_input_key: str | None = None, **kw: Any) -> Trigger:
        return cls._every("weekly", "0 0 * * 0", trigger_time_input_key, kw)

    @classmethod
    def monthly(cls, trigger_time_input_key: str | None = None, **kw: Any) -> Trigger:
        return cls._every("monthly", "0 0 1 * *", trigger_time_input_key, kw)


def task_triggers(task: Any) -> list[Trigger]:
    found = (getattr(task, "flyte2_options", None) or {}).get("triggers")
    if found is None:
        return []
    items = list(found) if isinstance(found, list | tuple) else [found]
    for item in items:
        if not isinstance(item, Trigger):
            raise FlyteValidationException(
                f"task {task.name!r}: triggers= takes fl.Trigger(...) values, got {item!r}"
            )
    return items


def plan_body(task: Any, trigger: Trigger, put: Any) -> tuple[str, dict[str, Any]]:
    """(plan name, launch-plan spec) of ``trigger`` on ``task``; checks the inputs."""
    from ..types import encode_values

    kickoff = [k for k, v in trigger.inputs.items() if v is TriggerTime]
    if len(kickoff) > 1:
        raise FlyteValidationException(
            f"Trigger {trigger.name!r}: only one input can be fl.TriggerTime, got {kickoff}"
        )
    values = {k: v for k, v in trigger.inputs.items() if v is not TriggerTime}
    types = task.input_types
    unknown = sorted(set(trigger.inputs) - set(types))
    if unknown:
        raise FlyteValidationException(
            f"Trigger {trigger.name!r}: {unknown} are not inputs of task {task.name!r} "
            f"(its inputs: {list(types)})"
        )
    defaults = getattr(task.interface, "_defaults", None) or {}
    missing = [n for n in types if n not in trigger.inputs and n not in defaults]
    if missing:
        raise FlyteValidationException(
            f"Trigger {trigger.name!r}: task {task.name!r} needs {missing}, which the trigger "
            "does not give; set them in inputs={...} (fl.TriggerTime for the fire time)"
        )
    spec = {
        "default_inputs": json.loads(encode_values(values, put)),
        "fixed_inputs": {},
        "schedule": trigger.automation.schedule(kickoff[0] if kickoff else None),
        "labels": {LABEL: trigger.name, TASK_LABEL: task.name},
        "annotations": {"description": trigger.description} if trigger.description else {},
        "max_parallelism": trigger.max_action_concurrency,
        "overwrite_cache": trigger.overwrite_cache,
    }
    return f"{task.name}.{trigger.name}", spec
