"""``UnionRemote.launch_backfill`` and the ``execute_local_*`` methods.

Decisions:

* A backfill is a workflow, as in the seed: one node per schedule slot in
  ``(from_date, to_date]`` (from exclusive, to inclusive), each node the launch plan's
  workflow called with the plan's default and fixed inputs and, when the schedule has
  ``kickoff_time_input_arg``, the slot's time. The nodes are sub-workflow calls rather than
  separate executions, so the whole backfill is one run whose tree shows every slot, and
  aborting it aborts them all. ``parallel=False`` (the default) chains the slots with
  ``>>`` so they run oldest first, one at a time; ``parallel=True`` runs them together.
* ``dry_run`` returns the workflow unregistered; ``execute=False`` registers it and returns
  the registered workflow; otherwise it is registered and executed.
* ``execute_local_task``/``execute_local_workflow``/``execute_local_launch_plan`` are
  ``execute`` with the entity kind checked: the seed registers a local entity before
  running it, which ``execute`` does when given a ``name`` or ``version``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._args import arg, invalid, required
from ._base import RemoteBase, as_remote

if TYPE_CHECKING:
    from .. import WorkflowTemplate
    from ._models import RegisteredWorkflow, UnionExecution

__all__ = ["BackfillMethods", "backfill_slots"]

_MAX_SLOTS = 10_000


def backfill_slots(schedule: Any, start: datetime.datetime, end: datetime.datetime) -> list[Any]:
    """The fire times of ``schedule`` after ``start`` and up to ``end`` (inclusive)."""
    slots = []
    slot = schedule.next_after(start)
    while slot <= end:
        slots.append(slot)
        if len(slots) > _MAX_SLOTS:
            raise invalid(
                "launch_backfill",
                f"the range has more than {_MAX_SLOTS} slots; backfill a shorter range at a time",
            )
        slot = schedule.next_after(slot)
    return slots


class BackfillMethods(RemoteBase):
    """Part of ``UnionRemote`` (``_remote.py``)."""

    # -- backfill ----------------------------------------------------------------------------
    def launch_backfill(
        self,
        project: str,
        domain: str,
        from_date: datetime.datetime,
        to_date: datetime.datetime,
        launchplan: str,
        launchplan_version: str | None = None,
        execution_name: str | None = None,
        version: str | None = None,
        dry_run: bool = False,
        execute: bool = True,
        parallel: bool = False,
        failure_policy: Any = None,
        overwrite_cache: bool | None = False,
    ) -> UnionExecution | RegisteredWorkflow | WorkflowTemplate:
        """Run launch plan ``launchplan`` once per schedule slot in ``(from_date, to_date]``.

        Returns the workflow (``dry_run``), the registered workflow (``execute=False``), or
        the execution.
        """
        from .. import WorkflowFailurePolicy, workflow

        m = "launch_backfill"
        for param, date in (("from_date", from_date), ("to_date", to_date)):
            if not isinstance(date, datetime.datetime):
                raise invalid(m, f"{param} must be a datetime, got {date!r}")
        if to_date <= from_date:
            raise invalid(m, f"to_date ({to_date}) must be after from_date ({from_date})")
        for param, value in (("dry_run", dry_run), ("execute", execute), ("parallel", parallel)):
            arg(m, param, value, "bool")
        if failure_policy is not None and not isinstance(failure_policy, WorkflowFailurePolicy):
            raise invalid(
                m, f"failure_policy must be a WorkflowFailurePolicy, got {failure_policy!r}"
            )
        required(m, "launchplan", launchplan, "str", "launch_backfill(..., launchplan='nightly')")
        plan = as_remote(self).fetch_launch_plan(project, domain, launchplan, launchplan_version)
        if plan.schedule is None:
            raise invalid(
                m,
                f"launch plan {launchplan!r} has no schedule, so it has no slots to backfill; "
                "give it schedule=CronSchedule(...) or FixedRate(...)",
            )
        slots = backfill_slots(plan.schedule, from_date, to_date)
        if not slots:
            raise invalid(
                m,
                f"the schedule of {launchplan!r} has no slot after {from_date} up to "
                f"{to_date}; widen the range",
            )
        wf_id = plan.workflow_id
        target, _ = as_remote(self)._task_of(
            as_remote(self).fetch_task(wf_id.project, wf_id.domain, wf_id.name, wf_id.version)
        )
        kickoff = plan.schedule.kickoff_time_input_arg
        fixed = plan.merge_inputs({}, m) if kickoff is None else None
        chained = not parallel

        def body() -> None:
            previous = None
            for slot in slots:
                inputs = fixed if fixed is not None else plan.merge_inputs({kickoff: slot}, m)
                node = target(**inputs)
                if chained and previous is not None:
                    previous >> node
                previous = node

        slug = re.sub(r"[^A-Za-z0-9_]+", "_", launchplan).strip("_") or "lp"
        body.__name__ = body.__qualname__ = f"backfill_{slug}"
        policy = failure_policy or WorkflowFailurePolicy.FAIL_IMMEDIATELY
        wf = workflow(failure_policy=policy)(body)
        wf.compile()  # a mistake shows now, not in a worker
        if dry_run:
            return wf
        registered = as_remote(self).register_workflow(
            wf, version=version, project=project, domain=domain
        )
        if not execute:
            return registered
        return as_remote(self).execute(
            registered,
            {},
            project,
            domain,
            execution_name=execution_name,
            overwrite_cache=overwrite_cache,
        )

    # -- execute_local_* ---------------------------------------------------------------------
    def execute_local_task(
        self,
        entity: Any,
        inputs: Mapping[str, Any] | None = None,
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        version: str | None = None,
        execution_name: str | None = None,
        execution_name_prefix: str | None = None,
        image_config: Any = None,
        wait: bool = False,
        overwrite_cache: bool | None = None,
        interruptible: bool | None = None,
        envs: Mapping[str, str] | None = None,
        tags: Any = None,
        cluster_pool: Any = None,
        execution_cluster_label: Any = None,
        options: Any = None,
        serialization_settings: Any = None,
    ) -> UnionExecution:
        """Register (when ``name``/``version`` are given) and run a task defined here."""
        kw = {
            "tags": tags,
            "cluster_pool": cluster_pool,
            "options": options,
            "execution_cluster_label": execution_cluster_label,
            "serialization_settings": serialization_settings,
        }
        from ...tasks import TaskTemplate
        from .. import WorkflowTemplate

        m = "execute_local_task"
        if not isinstance(entity, TaskTemplate) or isinstance(entity, WorkflowTemplate):
            raise invalid(
                m,
                f"entity must be a task defined here (@task or @env.task), got "
                f"{entity!r}; workflows go to execute_local_workflow",
            )
        return as_remote(self).execute(
            entity,
            inputs,
            project,
            domain,
            name,
            version,
            execution_name,
            execution_name_prefix,
            wait=wait,
            overwrite_cache=overwrite_cache,
            envs=envs,
            image_config=image_config,
            interruptible=interruptible,
            **kw,
        )

    def execute_local_workflow(
        self,
        entity: Any,
        inputs: Mapping[str, Any] | None = None,
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        version: str | None = None,
        execution_name: str | None = None,
        execution_name_prefix: str | None = None,
        image_config: Any = None,
        options: Any = None,
        wait: bool = False,
        overwrite_cache: bool | None = None,
        interruptible: bool | None = None,
        envs: Mapping[str, str] | None = None,
        tags: Any = None,
        cluster_pool: Any = None,
        execution_cluster_label: Any = None,
        serialization_settings: Any = None,
    ) -> UnionExecution:
        """Register (when ``name``/``version`` are given) and run a workflow defined here."""
        kw = {
            "tags": tags,
            "cluster_pool": cluster_pool,
            "execution_cluster_label": execution_cluster_label,
            "serialization_settings": serialization_settings,
        }
        from .. import WorkflowTemplate

        if not isinstance(entity, WorkflowTemplate):
            raise invalid(
                "execute_local_workflow", f"entity must be a @workflow defined here, got {entity!r}"
            )
        return as_remote(self).execute(
            entity,
            inputs,
            project,
            domain,
            name,
            version,
            execution_name,
            execution_name_prefix,
            wait=wait,
            overwrite_cache=overwrite_cache,
            envs=envs,
            image_config=image_config,
            options=options,
            interruptible=interruptible,
            **kw,
        )

    def execute_local_launch_plan(
        self,
        entity: Any,
        inputs: Mapping[str, Any] | None = None,
        version: str | None = None,
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        execution_name: str | None = None,
        execution_name_prefix: str | None = None,
        options: Any = None,
        wait: bool = False,
        overwrite_cache: bool | None = None,
        interruptible: bool | None = None,
        envs: Mapping[str, str] | None = None,
        tags: Any = None,
        cluster_pool: Any = None,
        execution_cluster_label: Any = None,
        serialization_settings: Any = None,
    ) -> UnionExecution:
        """Register the launch plan (and its workflow) as ``version``, then run it."""
        kw = {
            "tags": tags,
            "cluster_pool": cluster_pool,
            "execution_cluster_label": execution_cluster_label,
            "serialization_settings": serialization_settings,
        }
        from .. import LaunchPlan

        m = "execute_local_launch_plan"
        if not isinstance(entity, LaunchPlan):
            raise invalid(m, f"entity must be a LaunchPlan defined here, got {entity!r}")
        if name is not None and name != entity.name:
            raise invalid(m, f"name {name!r} differs from the launch plan's {entity.name!r}")
        registered = as_remote(self).register_launch_plan(entity, version, project, domain)
        return as_remote(self).execute(
            registered,
            inputs,
            project,
            domain,
            None,
            None,
            execution_name,
            execution_name_prefix,
            wait=wait,
            overwrite_cache=overwrite_cache,
            envs=envs,
            options=options,
            interruptible=interruptible,
            **kw,
        )
