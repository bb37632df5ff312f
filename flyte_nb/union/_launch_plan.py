"""``LaunchPlan``, ``CronSchedule`` and ``FixedRate``: a workflow with inputs bound.

Decisions:

* A launch plan is a workflow plus a binding of its inputs: ``default_inputs`` (the caller
  may override them) and ``fixed_inputs`` (the caller may not). Calling one, ``fl.run(lp)``
  and ``UnionRemote.execute(lp)`` all merge the caller's inputs the same way
  (``LaunchPlan.merge_inputs``) and then run the workflow itself, so a launch plan run is
  an ordinary workflow run in the records, the panel and the action tree.
* ``fl.run`` accepts anything with ``__flyte_nb_target__(args, kwargs)`` returning the
  task to run and its merged inputs; a launch plan is the one such object today.
* ``get_or_create`` caches by name, as flytekit does: the same name with the same
  settings returns the cached object, with other settings it raises
  ``LaunchPlanConflictError`` (an ``AssertionError`` too, flytekit's type for it).
  Workflows compare by name, not identity: re-running a notebook cell redefines the
  workflow, and the launch plan then follows the newest definition instead of refusing.
* Schedules (``flyte_nb/schedules``) are validated and stored with a registered launch plan;
  the backend fires the active version's schedule (``backend/_schedules.py``).
* Settings that only a Union cloud gives meaning to (notifications, security contexts,
  auth roles, triggers, raw output locations) are accepted when empty and refused
  otherwise: silently ignoring them would be worse than saying they do not apply here.
  The argument checks live in ``_launch_plan_checks.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..exceptions import FlyteValidationException
from ..schedules import Schedule
from ._launch_plan_checks import check_inputs, check_schedule, check_settings, str_map
from ._launch_plan_seed import LaunchPlanSeedMethods, defaults_from_parameters
from ._workflow import WorkflowTemplate

__all__ = ["LaunchPlan", "LaunchPlanConflictError", "LaunchPlanParameter"]


class LaunchPlanConflictError(FlyteValidationException, AssertionError):
    """``get_or_create``/``create`` met a launch plan of that name with other settings."""


@dataclass(frozen=True)
class LaunchPlanParameter:
    """One input a launch plan still takes: its type, default and whether it is required."""

    type: Any
    default: Any
    required: bool


def _same(a: Any, b: Any) -> bool:
    """Equality that survives values whose ``==`` is odd (arrays, frames)."""
    try:
        return bool(a == b)
    except Exception:
        return a is b


class LaunchPlan(LaunchPlanSeedMethods):
    """A workflow with default and fixed inputs, an optional schedule and run settings.

    Make one with ``LaunchPlan.get_or_create(wf, name=..., ...)`` or ``LaunchPlan.create``;
    run it with ``lp(x=1)``, ``fl.run(lp, x=1)`` or ``UnionRemote.execute(lp, {...})``.
    """

    CACHE: ClassVar[dict[str, LaunchPlan]] = {}

    def __init__(
        self,
        name: str,
        workflow: WorkflowTemplate,
        parameters: Mapping[str, Any] | None = None,
        fixed_inputs: Mapping[str, Any] | None = None,
        schedule: Schedule | None = None,
        notifications: Any = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
        raw_output_data_config: Any = None,
        max_parallelism: int | None = None,
        security_context: Any = None,
        trigger: Any = None,
        overwrite_cache: bool | None = None,
        auto_activate: bool = False,
        *,
        default_inputs: Mapping[str, Any] | None = None,
        auth_role: Any = None,
    ) -> None:
        """``parameters`` (the seed's) and ``default_inputs`` both give default inputs
        (``_launch_plan_seed.py``); cloud-only settings must stay empty."""
        check_settings(
            name,
            workflow,
            cloud_only={
                "notifications": notifications,
                "raw_output_data_config": raw_output_data_config,
                "security_context": security_context,
                "auth_role": auth_role,
                "trigger": trigger,
            },
            schedule=schedule,
            max_parallelism=max_parallelism,
            flags={"overwrite_cache": overwrite_cache, "auto_activate": auto_activate},
        )
        default_inputs = defaults_from_parameters("LaunchPlan", parameters, default_inputs)
        self._name = name
        self._workflow = workflow
        self._defaults = check_inputs(name, workflow, "default_inputs", default_inputs)
        self._fixed = check_inputs(name, workflow, "fixed_inputs", fixed_inputs)
        both = sorted(set(self._defaults) & set(self._fixed))
        if both:
            raise FlyteValidationException(
                f"LaunchPlan {name!r}: {both} given both as default and as fixed inputs; "
                "an input is either overridable (default) or not (fixed)"
            )
        self._schedule = schedule
        self._labels = str_map("labels", labels)
        self._annotations = str_map("annotations", annotations)
        self._max_parallelism = max_parallelism
        self._overwrite_cache = overwrite_cache
        self._auto_activate = auto_activate
        if schedule is not None:
            check_schedule(name, workflow, schedule, self._fixed, self.parameters)

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def get_or_create(
        cls,
        workflow: WorkflowTemplate,
        name: str | None = None,
        default_inputs: Mapping[str, Any] | None = None,
        fixed_inputs: Mapping[str, Any] | None = None,
        schedule: Schedule | None = None,
        notifications: Any = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
        raw_output_data_config: Any = None,
        max_parallelism: int | None = None,
        security_context: Any = None,
        auth_role: Any = None,
        trigger: Any = None,
        overwrite_cache: bool | None = None,
        auto_activate: bool = False,
    ) -> LaunchPlan:
        """The launch plan called ``name`` with these settings, made once and then cached.

        Without ``name``: the workflow's default launch plan, which takes no other settings.
        """
        settings: dict[str, Any] = {
            "default_inputs": default_inputs,
            "fixed_inputs": fixed_inputs,
            "schedule": schedule,
            "labels": labels,
            "annotations": annotations,
            "max_parallelism": max_parallelism,
            "overwrite_cache": overwrite_cache,
            "notifications": notifications,
            "raw_output_data_config": raw_output_data_config,
            "security_context": security_context,
            "auth_role": auth_role,
            "trigger": trigger,
        }
        if name is None:
            given = sorted(k for k, v in settings.items() if v is not None)
            if given or auto_activate:
                raise FlyteValidationException(
                    f"LaunchPlan.get_or_create: {given or ['auto_activate']} need a name: only "
                    "a named launch plan has settings; without a name you get the workflow's "
                    "default launch plan"
                )
            if not isinstance(workflow, WorkflowTemplate):
                raise FlyteValidationException(
                    f"LaunchPlan: workflow must be a @workflow, got {workflow!r}"
                )
            return cls.get_default_launch_plan(None, workflow)
        fresh = cls(name, workflow, auto_activate=auto_activate, **settings)
        cached = cls.CACHE.get(name)
        if cached is None:
            cls.CACHE[name] = fresh
            return fresh
        if not cached._same_as(fresh):
            raise LaunchPlanConflictError(
                f"LaunchPlan.get_or_create: a launch plan named {name!r} exists with other "
                "settings (the cached values aren't the same as the current call arguments); "
                "pick another name"
            )
        cached._workflow = workflow  # a re-run cell: follow the newest definition
        return cached

    @classmethod
    def create(
        cls,
        name: str,
        workflow: WorkflowTemplate,
        default_inputs: Mapping[str, Any] | None = None,
        fixed_inputs: Mapping[str, Any] | None = None,
        schedule: Schedule | None = None,
        notifications: Any = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
        raw_output_data_config: Any = None,
        max_parallelism: int | None = None,
        security_context: Any = None,
        auth_role: Any = None,
        trigger: Any = None,
        overwrite_cache: bool | None = None,
        auto_activate: bool = False,
    ) -> LaunchPlan:
        """A new launch plan called ``name``; an existing name is an error (see
        ``get_or_create`` for the idempotent form a re-run cell wants)."""
        lp = cls(
            name,
            workflow,
            default_inputs=default_inputs,
            fixed_inputs=fixed_inputs,
            schedule=schedule,
            notifications=notifications,
            labels=labels,
            annotations=annotations,
            raw_output_data_config=raw_output_data_config,
            max_parallelism=max_parallelism,
            security_context=security_context,
            auth_role=auth_role,
            trigger=trigger,
            overwrite_cache=overwrite_cache,
            auto_activate=auto_activate,
        )
        if name in cls.CACHE:
            raise LaunchPlanConflictError(
                f"LaunchPlan.create: a launch plan named {name!r} exists already; pick "
                "another name, or use LaunchPlan.get_or_create to reuse it"
            )
        cls.CACHE[name] = lp
        return lp

    @classmethod
    def get_default_launch_plan(cls, ctx: Any, workflow: WorkflowTemplate) -> LaunchPlan:
        """The workflow's plain launch plan (named like it; ``ctx`` is unused and may be
        None): its inputs are the workflow's, with the workflow's own defaults."""
        cached = cls.CACHE.get(workflow.name)
        if cached is not None and cached._same_as(cls(workflow.name, workflow)):
            cached._workflow = workflow
            return cached
        lp = cls(workflow.name, workflow)
        cls.CACHE[workflow.name] = lp
        return lp

    def clone_with(
        self,
        name: str,
        parameters: Mapping[str, Any] | None = None,
        fixed_inputs: Mapping[str, Any] | None = None,
        schedule: Schedule | None = None,
        notifications: Any = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
        raw_output_data_config: Any = None,
        max_parallelism: int | None = None,
        security_context: Any = None,
        trigger: Any = None,
        overwrite_cache: bool | None = None,
        auto_activate: bool = False,
        *,
        default_inputs: Mapping[str, Any] | None = None,
    ) -> LaunchPlan:
        """A copy named ``name``; each setting given replaces this plan's (not cached).
        ``parameters`` gives the defaults as in the constructor."""
        default_inputs = defaults_from_parameters(
            "LaunchPlan.clone_with", parameters, default_inputs
        )

        def pick(value: Any, mine: Any) -> Any:
            return mine if value is None else value

        return LaunchPlan(
            name,
            self._workflow,
            default_inputs=pick(default_inputs, self._defaults),
            fixed_inputs=pick(fixed_inputs, self._fixed),
            schedule=pick(schedule, self._schedule),
            labels=pick(labels, self._labels),
            annotations=pick(annotations, self._annotations),
            max_parallelism=pick(max_parallelism, self._max_parallelism),
            overwrite_cache=pick(overwrite_cache, self._overwrite_cache),
            auto_activate=auto_activate,
            notifications=notifications,
            raw_output_data_config=raw_output_data_config,
            security_context=security_context,
            trigger=trigger,
        )

    def _key(self) -> tuple[Any, ...]:
        return (
            self._workflow.name,
            self._defaults,
            self._fixed,
            self._schedule,
            self._labels,
            self._annotations,
            self._max_parallelism,
            self._overwrite_cache,
            self._auto_activate,
        )

    def _same_as(self, other: LaunchPlan) -> bool:
        return all(_same(a, b) for a, b in zip(self._key(), other._key(), strict=True))

    # -- properties ------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def workflow(self) -> WorkflowTemplate:
        return self._workflow

    @property
    def default_inputs(self) -> dict[str, Any]:
        return dict(self._defaults)

    @property
    def fixed_inputs(self) -> dict[str, Any]:
        return dict(self._fixed)

    @property
    def parameters(self) -> dict[str, LaunchPlanParameter]:
        """The inputs a caller may pass: the workflow's, less the fixed ones, with this
        plan's defaults over the workflow's own."""
        out: dict[str, LaunchPlanParameter] = {}
        for key, (tp, default) in self._workflow.interface.inputs.items():
            if key in self._fixed:
                continue
            if key in self._defaults:
                out[key] = LaunchPlanParameter(tp, self._defaults[key], False)
            elif default is not inspect.Parameter.empty:
                out[key] = LaunchPlanParameter(tp, default, False)
            else:
                out[key] = LaunchPlanParameter(tp, None, True)
        return out

    @property
    def schedule(self) -> Schedule | None:
        return self._schedule

    @property
    def is_scheduled(self) -> bool:
        return self._schedule is not None

    @property
    def labels(self) -> dict[str, str]:
        return dict(self._labels)

    @property
    def annotations(self) -> dict[str, str]:
        return dict(self._annotations)

    @property
    def max_parallelism(self) -> int | None:
        return self._max_parallelism

    @property
    def overwrite_cache(self) -> bool | None:
        return self._overwrite_cache

    @property
    def should_auto_activate(self) -> bool:
        return self._auto_activate

    @property
    def notifications(self) -> list[Any]:
        return []

    # -- running ---------------------------------------------------------------------------
    def merge_inputs(self, inputs: Mapping[str, Any], where: str = "") -> dict[str, Any]:
        """The workflow's inputs for a run given ``inputs``: defaults, then the caller's,
        then the fixed ones. Passing a fixed input, an unknown one, or leaving out a
        required one is an error naming the launch plan."""
        who = f"{where}: launch plan {self._name!r}" if where else f"launch plan {self._name!r}"
        fixed = sorted(set(inputs) & set(self._fixed))
        if fixed:
            values = {k: self._fixed[k] for k in fixed}
            raise FlyteValidationException(
                f"{who} fixes {fixed}; they cannot be passed (fixed values: {values!r})"
            )
        params = self.parameters
        unknown = sorted(set(inputs) - set(params))
        if unknown:
            raise FlyteValidationException(
                f"{who} takes inputs {list(params)}; {unknown} are not among them"
            )
        missing = [k for k, p in params.items() if p.required and k not in inputs]
        if missing:
            raise FlyteValidationException(
                f"{who} needs input(s) {missing}: they have no default; pass them, e.g. "
                f"{missing[0]}=..."
            )
        return {**self._defaults, **inputs, **self._fixed}

    def __flyte_nb_target__(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[WorkflowTemplate, dict[str, Any]]:
        """What ``fl.run(lp, ...)`` runs: the workflow with the merged inputs."""
        if args:
            raise FlyteValidationException(
                f"launch plan {self._name!r} takes inputs by name only, e.g. fl.run(lp, x=1)"
            )
        return self._workflow, self.merge_inputs(kwargs, "fl.run")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the workflow with this plan's inputs, as calling the workflow would (a local
        run outside any run; a node inside a workflow; a child action inside a task)."""
        __tracebackhide__ = True
        if args:
            raise FlyteValidationException(
                f"launch plan {self._name!r} takes inputs by name only, e.g. lp(x=1)"
            )
        return self._workflow(**self.merge_inputs(kwargs))

    def __repr__(self) -> str:
        return f"<LaunchPlan {self._name} of workflow {self._workflow.name}>"
