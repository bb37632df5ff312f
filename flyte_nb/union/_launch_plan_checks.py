"""What a ``LaunchPlan``'s arguments must be, checked before the plan exists.

Kept apart from ``_launch_plan.py`` so that module reads as what a launch plan is and does.
Every check raises ``FlyteValidationException`` naming the plan, the argument, what it must
be and what it got. Decisions:

* Settings only a Union cloud gives meaning to are accepted when empty and refused
  otherwise: silently ignoring them would be worse than saying they do not apply here.
* Default and fixed inputs must name inputs of the workflow; a scheduled plan must give
  every required input a value (a scheduled run has no caller to supply one), and the
  schedule's kickoff time input can be neither missing nor fixed (the schedule sets it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException
from ..schedules import CronSchedule, FixedRate, Schedule
from ._workflow import WorkflowTemplate

if TYPE_CHECKING:
    from ._launch_plan import LaunchPlanParameter

__all__ = ["check_inputs", "check_schedule", "check_settings", "str_map"]


def check_settings(
    name: Any,
    workflow: Any,
    *,
    cloud_only: Mapping[str, Any],
    schedule: Any,
    max_parallelism: Any,
    flags: Mapping[str, Any],
) -> None:
    """The plan's name, workflow and settings (``flags``: the ones that are True/False)."""
    if not isinstance(name, str) or not name.strip():
        raise FlyteValidationException(f"LaunchPlan: name must be a non-empty str, got {name!r}")
    if not isinstance(workflow, WorkflowTemplate):
        raise FlyteValidationException(
            f"LaunchPlan: workflow must be a @workflow, got {workflow!r}"
        )
    for param, value in cloud_only.items():
        if value:
            raise FlyteValidationException(
                f"LaunchPlan: {param} is a Union cloud setting with no meaning on flyte_nb; "
                "leave it out"
            )
    if schedule is not None and not isinstance(schedule, CronSchedule | FixedRate):
        raise FlyteValidationException(
            f"LaunchPlan: schedule must be a CronSchedule, a FixedRate or None, got {schedule!r}"
        )
    if max_parallelism is not None and (type(max_parallelism) is not int or max_parallelism < 1):
        raise FlyteValidationException(
            f"LaunchPlan: max_parallelism must be a whole number >= 1 or None, got "
            f"{max_parallelism!r}"
        )
    for flag, value in flags.items():
        if value is not None and not isinstance(value, bool):
            raise FlyteValidationException(f"LaunchPlan: {flag} must be True or False")


def str_map(what: str, value: Any) -> dict[str, str]:
    """Labels or annotations: a dict of str to str (None: empty)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        raise FlyteValidationException(
            f"LaunchPlan: {what} must be a dict of str to str, got {value!r}"
        )
    return dict(value)


def check_inputs(
    name: str, workflow: WorkflowTemplate, what: str, values: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Default or fixed inputs (``what``): a dict of ``workflow``'s input names to values."""
    if values is None:
        return {}
    if not isinstance(values, Mapping) or not all(isinstance(k, str) for k in values):
        raise FlyteValidationException(
            f"LaunchPlan {name!r}: {what} must be a dict of input name to value, got {values!r}"
        )
    unknown = sorted(set(values) - set(workflow.input_types))
    if unknown:
        raise FlyteValidationException(
            f"LaunchPlan {name!r}: {what} {unknown} are not inputs of workflow "
            f"'{workflow.name}', whose inputs are {list(workflow.input_types)}"
        )
    return dict(values)


def check_schedule(
    name: str,
    workflow: WorkflowTemplate,
    schedule: Schedule,
    fixed: Mapping[str, Any],
    parameters: Mapping[str, LaunchPlanParameter],
) -> None:
    """A scheduled plan: its kickoff input exists and is not fixed; nothing is left unset."""
    kickoff = schedule.kickoff_time_input_arg
    types = workflow.input_types
    if kickoff is not None:
        if kickoff not in types:
            raise FlyteValidationException(
                f"LaunchPlan {name!r}: kickoff_time_input_arg {kickoff!r} is not an "
                f"input of workflow '{workflow.name}' ({list(types)})"
            )
        if kickoff in fixed:
            raise FlyteValidationException(
                f"LaunchPlan {name!r}: the kickoff time input {kickoff!r} cannot be a "
                "fixed input; the schedule sets it"
            )
    # a scheduled run has no caller to supply these
    missing = [k for k, p in parameters.items() if p.required and k != kickoff]
    if missing:
        raise FlyteValidationException(
            f"LaunchPlan {name!r} is scheduled, so every input needs a value: give "
            f"{missing} default or fixed values"
        )
