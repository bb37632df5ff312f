"""Firing the schedules of active launch plans.

A loop on the backend's event loop checks, every ``tick`` seconds, each active launch plan
that has a schedule (``CronSchedule`` through croniter, or ``FixedRate``) and starts a run
of its workflow for every slot that came due.

Decisions, each for "never fire twice, never forget":

- A slot's run has a deterministic name (plan, slot time, and a digest of the plan's
  scope), so the run itself is the proof that a slot fired: the scheduler creates the run
  *first* and then advances ``schedule_state.last_fire_at`` (``store/_signals.claim_fire``,
  a compare-and-set). A backend killed between the two finds, on restart, that the slot's
  run already exists (409) and only advances the state; a second backend on the same
  PostgreSQL loses the same race. So a slot fires exactly once.
- A plan seen active for the first time, or activated again (``reset``), starts counting
  from *now*: activation never fires past slots.
- After downtime, the missed slots are not all replayed: the newest missed slot fires once
  and older ones are skipped (a nightly job down for a week runs once, not seven times).
  ``launch_backfill`` is the tool for replaying a range on purpose.
- The run is the plan's workflow with its default and fixed inputs (already encoded at
  registration) and, when the schedule names ``kickoff_time_input_arg``, the slot time as
  a UTC ``datetime``. ``max_parallelism`` and ``overwrite_cache`` become run options.
- The backend never unpickles the workflow: the run gets the registered task spec and the
  encoded inputs, and a worker loads the code, exactly as for a submitted run.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import re
import sys
from typing import TYPE_CHECKING, Any

from ..store import _signals
from ..types import digest, encode_value

if TYPE_CHECKING:
    from ._service import Backend

__all__ = ["ScheduleRunner", "slot_run_name"]

_UNSAFE = re.compile(r"[^a-z0-9-]+")
_UTC = datetime.UTC


def slot_run_name(project: str, domain: str, name: str, slot: float) -> str:
    """The run name of ``name``'s slot at ``slot`` (epoch seconds): readable and unique."""
    slug = _UNSAFE.sub("-", name.lower()).strip("-")[:30].strip("-") or "lp"
    stamp = datetime.datetime.fromtimestamp(slot, _UTC).strftime("%Y%m%d%H%M%S")
    return f"{slug}-{stamp}-{digest(project, domain, name, repr(slot))[:6]}"


class ScheduleRunner:
    def __init__(self, backend: Backend, tick: float = 1.0) -> None:
        self.backend = backend
        self.tick = tick
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _loop(self) -> None:
        while True:
            try:
                self.fire_due(datetime.datetime.now(_UTC).timestamp())
            except Exception as exc:  # a bad row must not stop every other schedule
                print(f"flyte_nb backend: schedules: {exc!r}", file=sys.stderr)
            await asyncio.sleep(self.tick)

    def fire_due(self, now: float) -> list[str]:
        """Start the runs of every slot due at ``now``; return their names."""
        from ..store import _queries

        fired = []
        for plan in _queries.list_launch_plans(self.backend.engine, active=True, limit=1000):
            spec = json.loads(plan["spec"])
            if spec.get("schedule"):
                name = self._fire_plan(plan, spec, now)
                if name is not None:
                    fired.append(name)
        return fired

    def _fire_plan(self, plan: dict[str, Any], spec: dict[str, Any], now: float) -> str | None:
        from ..schedules import schedule_from_dict

        engine = self.backend.engine
        key = (plan["project"], plan["domain"], plan["name"])
        last = _signals.last_fire(engine, *key)
        if last is None:  # first seen active: count from now
            _signals.claim_fire(engine, *key, None, now)
            return None
        schedule = schedule_from_dict(spec["schedule"])
        assert schedule is not None
        slot = schedule.next_after(datetime.datetime.fromtimestamp(last, _UTC))
        if slot.timestamp() > now:
            return None
        for _ in range(100_000):  # skip to the newest missed slot (see the docstring)
            following = schedule.next_after(slot)
            if following.timestamp() > now:
                break
            slot = following
        run_name = slot_run_name(*key, slot.timestamp())
        started = self._launch(plan, spec, run_name, slot, schedule.kickoff_time_input_arg)
        _signals.claim_fire(engine, *key, last, slot.timestamp())
        return run_name if started else None

    def _launch(
        self,
        plan: dict[str, Any],
        spec: dict[str, Any],
        run_name: str,
        slot: datetime.datetime,
        kickoff: str | None,
    ) -> bool:
        """Create the slot's run; False when it exists already (fired before a restart)."""
        from ..store import _queries
        from ._errors import BackendError

        backend = self.backend
        task = _queries.get_task(
            backend.engine,
            plan["project"],
            plan["domain"],
            plan["workflow_name"],
            plan["workflow_version"],
        )
        if task is None:
            print(
                f"flyte_nb backend: launch plan {plan['name']!r} names workflow "
                f"{plan['workflow_name']!r} {plan['workflow_version']!r}, which is not "
                "registered; not fired",
                file=sys.stderr,
            )
            return False
        inputs = {**spec.get("default_inputs", {}), **spec.get("fixed_inputs", {})}
        if kickoff:
            inputs[kickoff] = encode_value(slot, backend.recorder.blobs.put)
        options: dict[str, Any] = {
            "overwrite_cache": bool(spec.get("overwrite_cache")),
            "max_action_concurrency": spec.get("max_parallelism"),
            "env_vars": {},
            "sys_path": json.loads(task["spec"]).get("sys_path") or [],
            "launch_plan": {
                "name": plan["name"],
                "version": plan["version"],
                "scheduled_at": slot.timestamp(),
            },
        }
        try:
            backend.create_run(
                name=run_name,
                project=plan["project"],
                domain=plan["domain"],
                spec=json.loads(task["spec"]),
                inputs=json.dumps(inputs, sort_keys=True),
                cache=None,
                options=options,
            )
        except BackendError as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def reset(self, project: str, domain: str, name: str) -> None:
        """Forget where ``name``'s schedule stood: an activation counts from now."""
        _signals.reset_schedule(self.backend.engine, project, domain, name)
