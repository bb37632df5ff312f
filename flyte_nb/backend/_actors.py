"""Actor environments on the backend: warm replicas, batched dispatch, scale-down after a TTL.

An action whose spec carries ``actor`` (``flyte_nb.actors.ActorEnvironment``) never enters
the plain run queues. It waits in its actor's *lane*, and the lane runs it on the actor's own
pool of worker processes (the same worker program as plain workers):

* **Replicas.** A lane starts up to ``replica_count`` workers when work arrives, keeps them
  while there is work, and retires each one ``ttl_seconds`` after it last finished a job. So
  they are reused across tasks and runs: what a task loads with ``actor_cache`` (or any
  module-level state) stays loaded for the next one. A lane is one actor *version*: changed
  settings get new replicas, and the old ones retire by their TTL.
* **Batched dispatch.** A replica is sent several jobs ahead of the one it runs, in one
  channel frame, and starts each the moment the previous one ends, without a round trip to
  the backend. How many: enough to cover about ``AHEAD_SECONDS`` of work at the lane's
  observed pace (an average of the time between a replica's results), from 1 for unknown
  or slow tasks up to ``MAX_AHEAD`` for tiny ones. Slow tasks are therefore never stranded
  behind a busy replica while another one idles, and tiny ones never wait on the backend.
  Tasks with a timeout only go to an idle replica, as on plain workers.
* **Fairness and limits.** Each lane keeps one queue per run and takes from the runs in
  turn; ``max_action_concurrency`` counts actor actions like any others.
* Everything else (retries, timeouts killing the replica, abort, children submitted by an
  actor task, a replica dying) is the backend's ordinary handling: lanes only decide which
  replica runs an action, and jobs a replica gives back (its action started waiting on
  children, or it died) come back to the lane's front.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from ..engine import _state as ph
from ._channel import Message
from ._pool import WorkerHandle, WorkerPool
from ._records import ActionRecord

if TYPE_CHECKING:
    from ._scheduler import Scheduler

__all__ = ["AHEAD_SECONDS", "MAX_AHEAD", "ActorLanes", "ActorPool"]

AHEAD_SECONDS = 0.02
MAX_AHEAD = 64
_SMOOTHING = 0.2


class ActorPool(WorkerPool):
    """The replicas of one actor version: none kept once idle past the TTL (one timer)."""

    _timer: asyncio.TimerHandle | None = None

    def release(self, worker: WorkerHandle) -> None:
        super().release(worker)
        if self._timer is None:
            self._arm()

    def _arm(self) -> None:
        """Wake up when the longest-idle replica reaches the TTL."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        oldest = min(w.idle_since for w in self.idle)
        delay = max(0.0, oldest + self.idle_ttl - time.monotonic()) + 0.01
        self._timer = loop.call_later(delay, self.retire_idle)

    def retire_idle(self) -> None:
        self._timer = None
        now = time.monotonic()
        for worker in list(self.idle):
            if now - worker.idle_since >= self.idle_ttl:
                self.idle.remove(worker)
                worker.send({"op": "exit"})
        if self.idle:
            self._arm()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        super().close()


class _Lane:
    """The queue and the replicas of one actor version."""

    def __init__(
        self,
        lanes: ActorLanes,
        key: str,
        actor: dict[str, Any],
        resources: dict[str, Any] | None = None,
    ) -> None:
        self.lanes = lanes
        self.key = key
        self.name = str(actor["name"])
        self.replicas = int(actor["replicas"])
        main = lanes.scheduler.pool
        on_message, on_exit, on_ready = main.handlers()
        self._forward_message = on_message
        self._forward_exit = on_exit
        # An ActorPool on local workers; restartable Ray actors on the Ray executor.
        self.pool = main.replica_pool(
            self.replicas, self._message, self._exit, on_ready, float(actor["ttl"]), resources
        )
        self.pool.env = {
            "FLYTE_NB_ACTOR": self.name,
            "FLYTE_NB_ACTOR_VERSION": str(actor["version"]),
        }
        self.waiting: dict[str, deque[ActionRecord]] = {}
        self.order: deque[str] = deque()  # runs with waiting actions, served in turn
        self.pace: float | None = None  # smoothed seconds between a replica's results
        self._last: dict[int, float] = {}  # pid -> when its current job started

    # -- queueing ------------------------------------------------------------------------
    def put(self, rec: ActionRecord, front: bool) -> None:
        queue = self.waiting.get(rec.run.name)
        if queue is None:
            queue = self.waiting[rec.run.name] = deque()
            self.order.append(rec.run.name)
        if front:
            queue.appendleft(rec)
        else:
            queue.append(rec)

    def _ahead(self) -> int:
        """How many jobs a busy replica may hold behind its current one."""
        if self.pace is None:
            return 1
        if self.pace <= 0:
            return MAX_AHEAD
        return max(0, min(MAX_AHEAD, int(AHEAD_SECONDS / self.pace)))

    def _pick(self, rec: ActionRecord) -> WorkerHandle | None:
        worker = self.pool.take_idle()
        if worker is not None or rec.spec.get("timeout"):
            return worker
        ahead = self._ahead()
        best: WorkerHandle | None = None
        for candidate in self.pool.workers.values():
            job = candidate.job
            if (
                candidate.ready
                and job is not None
                and job.pending == 0
                and candidate.kill_reason is None
                and len(candidate.queued) < ahead
                and (best is None or len(candidate.queued) < len(best.queued))
            ):
                best = candidate
        return best

    def pump(self) -> None:
        scheduler = self.lanes.scheduler
        blocked = 0
        while self.order and blocked < len(self.order):
            run_name = self.order[0]
            queue = self.waiting[run_name]
            while queue and queue[0].state.phase != ph.QUEUED:
                queue.popleft()  # aborted or finished while it waited
            if not queue:
                self.order.popleft()
                del self.waiting[run_name]
                continue
            rec = queue[0]
            if rec.run.name not in scheduler.runs:
                queue.clear()
                continue
            if not rec.run.has_room(rec):
                self.order.rotate(-1)
                blocked += 1
                continue
            worker = self._pick(rec)
            if worker is None:
                self._grow()
                return
            queue.popleft()
            if worker.job is None:
                self._last[worker.pid] = time.monotonic()
            scheduler.dispatch(rec, worker)
            self.order.rotate(-1)
            blocked = 0

    def _grow(self) -> None:
        """Start replicas for the waiting work, up to ``replica_count`` of them running.

        A replica whose task waits on its children does not count (as a plain worker lends
        its place), so an actor task may call tasks of its own environment without waiting
        for itself; the extra replicas retire by the TTL like the others.
        """
        waiting = sum(len(q) for q in self.waiting.values())
        active = sum(1 for w in self.pool.workers.values() if w.job is None or w.job.pending == 0)
        per_replica = max(1, self._ahead() + 1)
        wanted = min(self.replicas - active, math.ceil(waiting / per_replica) - self.pool.starting)
        for _ in range(max(0, wanted)):
            self.pool.spawn()

    # -- replica events ------------------------------------------------------------------
    def _message(self, worker: WorkerHandle, m: Message) -> None:
        if m["op"] == "done":
            now = time.monotonic()
            started = self._last.get(worker.pid)
            if started is not None:
                gap = now - started
                self.pace = gap if self.pace is None else self.pace + _SMOOTHING * (gap - self.pace)
            self._last[worker.pid] = now
        self._forward_message(worker, m)
        if m["op"] == "done":
            self.lanes.scheduler.schedule()

    def _exit(self, worker: WorkerHandle, code: int | None) -> None:
        self._last.pop(worker.pid, None)
        self._forward_exit(worker, code)
        if not self.pool.workers and not self.waiting:
            self.lanes.forget(self)
        self.lanes.scheduler.schedule()

    def idle(self) -> bool:
        return not self.waiting and not self.pool.workers


class ActorLanes:
    """Every actor version's lane, created on the first action that needs it."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.lanes: dict[str, _Lane] = {}

    def take(self, rec: ActionRecord, front: bool = False) -> bool:
        """Queue ``rec`` in its actor's lane; False when it is not an actor action."""
        actor = rec.spec.get("actor")
        if not actor:
            return False
        key = f"{actor['name']}@{actor['version']}"
        lane = self.lanes.get(key)
        if lane is None:
            lane = self.lanes[key] = _Lane(self, key, actor, rec.spec.get("resources"))
        lane.put(rec, front)
        self.scheduler.schedule()
        return True

    def pump(self) -> None:
        for lane in list(self.lanes.values()):
            if lane.order:
                lane.pump()

    def forget(self, lane: _Lane) -> None:
        if self.lanes.get(lane.key) is lane and lane.idle():
            del self.lanes[lane.key]

    def replicas(self) -> dict[str, list[int]]:
        """Live replica pids per actor version (for status views and tests)."""
        return {key: sorted(lane.pool.workers) for key, lane in self.lanes.items()}

    def close(self) -> None:
        for lane in self.lanes.values():
            lane.pool.close()
