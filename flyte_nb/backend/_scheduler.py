"""Which queued action runs where, and when.

Ready actions wait in one queue per run, and runs take turns, so a run with a 10 000-way
fan-out does not starve a one-task run submitted after it. ``max_action_concurrency``
counts a run's dispatched actions except the root and parents waiting on children (they
lend their place, as in local mode; see ``_pool.py`` for the pool-wide rule). When every
worker is busy, one job may be sent ahead to a worker whose action is not waiting on
children; it is taken back if that action starts waiting. Actions of an actor environment
skip the run queues: ``_actors`` queues them for the actor's own replicas (pumped from
here), and each worker counts against the capacity of the pool it belongs to.

A child that may share its parent's process is not queued at all: ``host`` sends it to
its parent's worker, where it runs beside its parent (``_hosting`` says which children
may, ``_guests`` runs them), so a parent waiting on such children costs no process, and
neither does a fan-out of waiting parents nor a task that calls itself. Only children that
need a process of their own (another environment, an actor, a second concurrent sync
child) take a worker; the pool keeps to ``2 * size`` processes (``_pool.WorkerPool.limit``).

At most ``size`` runs are in progress at once (their root holds a worker; more runs wait
in ``_new_runs``, apart from the ready runs, so a flood of them costs each pump nothing):
without this a flood of runs started every root before any child (400 runs grew the pool
to 403 processes), and the children of runs in progress go before new runs.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..engine import _state as ph
from ._actors import ActorLanes
from ._hosting import STOP_GRACE, hostable
from ._pool import WorkerHandle, WorkerPool
from ._records import ActionRecord, RunRecord
from ._secrets import job_secrets

if TYPE_CHECKING:
    from ..store import BatchRecorder


class Scheduler:
    def __init__(
        self,
        pool: WorkerPool,
        recorder: BatchRecorder,
        runs: Mapping[str, RunRecord],
        publish: Callable[[ActionRecord], None],
        on_timeout: Callable[[ActionRecord, int], None],
    ) -> None:
        self.pool = pool
        self.recorder = recorder
        self.runs = runs  # the backend's live runs (read only here)
        self.publish = publish
        self.on_timeout = on_timeout
        self._ready: deque[RunRecord] = deque()
        self._ready_set: set[str] = set()  # runs in ``_ready`` or ``_new_runs``
        self._new_runs: deque[RunRecord] = deque()  # runs whose root waits to start
        self._pump_scheduled = False
        self._dispatch_ids = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.actors = ActorLanes(self)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def enqueue(self, rec: ActionRecord) -> None:
        run = rec.run
        if run.name not in self.runs or rec.state.phase != ph.QUEUED:
            return
        if self.actors.take(rec) or self.host(rec):
            return
        run.ready.append(rec)
        self.mark_ready(run)

    # -- children hosted in their parent's process (``_hosting``, ``_guests``) -------------
    def host(self, rec: ActionRecord) -> bool:
        """Run ``rec`` in its parent's worker when it may (``_hosting.hostable``)."""
        spec, parent_name = rec.spec, rec.state.parent
        if parent_name is None or "async" not in spec:
            return False
        run = rec.run
        parent = run.actions.get(parent_name)
        if parent is None or parent.state.phase != ph.RUNNING:
            return False
        worker = parent.worker
        if worker is None or worker.pool is not self.pool or worker.kill_reason is not None:
            return False
        guests = getattr(worker, "guests", None)  # a Ray worker hosts no guests
        if guests is None or (worker.job is not parent and guests.get(parent.name) is not parent):
            return False
        if not run.has_room(rec) or not hostable(spec, parent.spec):
            return False
        if not spec["async"] and any(
            g.state.parent == parent_name and not g.spec.get("async") for g in guests.values()
        ):
            return False  # a second sync child at once: in parallel, on a worker of its own
        state = rec.state
        rec.worker = worker
        rec.pending = 0
        rec.dispatch_id = next(self._dispatch_ids)
        guests[rec.name] = rec
        run.executing += 1
        state.start_attempt()
        self._arm_timeout(rec)
        self.recorder.touch(state)
        self.publish(rec)
        job = self._job(rec, state.attempts)
        job["guest"] = True
        job["shared"] = bool(spec["async"])  # on its parent's loop, when the parent is async
        worker.send(job)
        return True

    @staticmethod
    def hosts(worker: WorkerHandle, rec: ActionRecord) -> bool:
        """Whether ``rec`` runs in ``worker`` as a guest (beside the worker's own job)."""
        return _guests(worker).get(rec.name) is rec

    @staticmethod
    def sender(worker: WorkerHandle, m: dict[str, Any]) -> ActionRecord | None:
        """The running action a worker's message ``m`` comes from: the worker's job or one
        of its guests (None: an attempt that was aborted meanwhile)."""
        name = m.get("parent", m.get("action"))
        rec: ActionRecord | None = worker.job
        if rec is not None and rec.name == name:
            return rec
        return _guests(worker).get(name) if name is not None else None

    def stop_guest(self, rec: ActionRecord, worker: WorkerHandle) -> None:
        """Stop a hosted action whose end is recorded (abort, timeout): cancelled in its
        worker, which is killed if it has not ended ``STOP_GRACE`` seconds later."""
        dispatch = rec.dispatch_id
        self.release_worker(rec, worker, reuse=False)
        worker.stopping.add(dispatch)
        worker.send({"op": "stop", "dispatch": dispatch})
        if self._loop is not None:
            self._loop.call_later(STOP_GRACE, self._stop_overdue, worker, dispatch)

    def _stop_overdue(self, worker: WorkerHandle, dispatch: int) -> None:
        if dispatch in worker.stopping and worker.kill_reason is None:
            worker.pool.kill(worker, "stuck")

    def evict_guests(self, worker: WorkerHandle) -> list[ActionRecord]:
        """The hosted actions of a worker that died, released (their attempts failed)."""
        guests = list(_guests(worker).values())
        for rec in guests:
            self.release_worker(rec, worker, reuse=False)
        if guests:
            worker.stopping.clear()
        return guests

    def _release_guest(self, rec: ActionRecord, worker: WorkerHandle) -> None:
        if rec.timer is not None:
            rec.timer.cancel()
            rec.timer = None
        if rec.pending == 0:
            rec.run.executing -= 1
        rec.pending = 0
        rec.worker = None
        del worker.guests[rec.name]
        self.mark_ready(rec.run)

    def answered(self, rec: ActionRecord, worker: WorkerHandle) -> None:
        """A child of ``rec`` answered: when it was the last, ``rec`` executes again."""
        rec.pending -= 1
        if rec.pending == 0:
            if worker.job is rec:
                worker.pool.executing += 1
            if rec.state.parent is not None:
                rec.run.executing += 1

    def mark_ready(self, run: RunRecord) -> None:
        if run.ready and run.name not in self._ready_set:
            self._ready_set.add(run.name)
            self._ready.append(run)
        self.schedule()

    def schedule(self) -> None:
        if not self._pump_scheduled and self._loop is not None:
            self._pump_scheduled = True
            self._loop.call_soon(self.pump)

    def start_now(self, rec: ActionRecord | None) -> None:
        """Dispatch what is ready and send ``rec``'s job at once, not on the loop's next
        two turns: a new run's root then reaches its worker before the server has built
        and sent its answer to the POST, about 0.5 ms sooner (issue 17: first action
        <= 2 ms). ``pump`` keeps its order: runs in progress before new runs."""
        self.pump()
        worker = rec.worker if rec is not None else None
        if worker is not None:
            worker.channel.flush()

    def pump(self) -> None:
        self._pump_scheduled = False
        self.actors.pump()
        pool = self.pool
        ready = self._ready
        held: list[RunRecord] = []  # runs whose next action found no worker of its kind
        while ready:
            run = ready.popleft()
            self._ready_set.discard(run.name)
            while run.ready and run.ready[0].state.phase != ph.QUEUED:
                run.ready.popleft()  # aborted while queued
            if not run.ready or not run.has_room(run.ready[0]):
                continue  # _release_worker marks it ready again when room frees up
            rec = run.ready[0]
            if rec.state.parent is None:  # a new run: after the children of runs in progress
                self._ready_set.add(run.name)
                self._new_runs.append(run)
                continue
            worker = self._place(rec, len(run.ready))
            if worker is None:
                self._ready_set.add(run.name)
                held.append(run)
                if not pool.shaped:
                    break  # one kind of worker: none for this action means none for any
                continue  # (Ray: a GPU action waiting for a GPU holds up no CPU action)
            self.dispatch(run.ready.popleft(), worker)
            self.mark_ready(run)
        ready.extendleft(reversed(held))  # they keep their turn
        self._start_runs()

    def _start_runs(self) -> None:
        """Start new runs, in order, while fewer than ``size`` runs' roots hold a worker:
        their children come first, and waiting roots cannot grow the pool without bound.
        Waiting runs sit apart from ``_ready``, so a flood of them costs ``pump`` nothing."""
        new, roots = self._new_runs, self._roots_started()
        skipped: list[RunRecord] = []
        while new and roots < self.pool.size:
            run = new.popleft()
            while run.ready and run.ready[0].state.phase != ph.QUEUED:
                run.ready.popleft()  # aborted while it waited
            if not run.ready:
                self._ready_set.discard(run.name)
                continue
            worker = self._place(run.ready[0], len(new) + 1)
            if worker is None:
                skipped.append(run)
                if not self.pool.shaped:
                    break
                continue
            self._ready_set.discard(run.name)
            roots += 1
            self.dispatch(run.ready.popleft(), worker)
            self.mark_ready(run)
        new.extendleft(reversed(skipped))

    def _place(self, rec: ActionRecord, queued: int) -> WorkerHandle | None:
        """A worker for ``rec`` now (idle, or one to take it ahead), else None after asking
        the pool for more (``queued``: how many wait behind it)."""
        pool = self.pool
        worker = pool.take_idle(rec) if pool.can_execute() else None
        if worker is None and not rec.spec.get("timeout"):
            worker = pool.take_prefetch(rec)
        if worker is None and pool.can_execute():
            pool.want_more(queued, rec)
        return worker

    def _roots_started(self) -> int:
        """Runs whose root action holds a worker (running, waiting on children, or sent
        ahead): the runs in progress, which ``pump`` keeps to the pool's size."""
        started = 0
        for worker in self.pool.workers.values():
            if worker.job is not None and worker.job.state.parent is None:
                started += 1
            started += sum(1 for job in worker.queued if job.state.parent is None)
        return started

    def dispatch(self, rec: ActionRecord, worker: WorkerHandle) -> None:
        state, run = rec.state, rec.run
        rec.worker = worker
        rec.pending = 0
        rec.dispatch_id = next(self._dispatch_ids)
        if state.parent is not None:
            run.executing += 1
        if worker.job is None:
            worker.job = rec
            self.start(rec)
        else:
            worker.queued.append(rec)
        worker.send(self._job(rec, state.attempts + (worker.job is not rec)))

    def _job(self, rec: ActionRecord, attempt: int) -> dict[str, Any]:
        """The ``run`` message of ``rec``'s attempt ``attempt``."""
        state, run, spec = rec.state, rec.run, rec.spec
        job = {
            "op": "run",
            "dispatch": rec.dispatch_id,
            "run": run.name,
            "action": state.name,
            "parent": state.parent,
            "attempt": attempt,
            "spec": spec,
            "inputs": state.inputs,
            "group": state.group_name,
            "raw_dir": run.raw_dir,
            "sys_path": run.sys_path,
            "env": {**spec.get("env", {}), **run.env},
        }
        if "secrets" in spec:  # values only in the job message, never in a record
            job["secrets"] = job_secrets(spec)
        return job

    def start(self, rec: ActionRecord) -> None:
        """The worker starts ``rec`` now: a new attempt, with its timeout running."""
        state = rec.state
        state.start_attempt()
        self._pool_of(rec).executing += 1
        self._arm_timeout(rec)
        self.recorder.touch(state)
        self.publish(rec)

    def _arm_timeout(self, rec: ActionRecord) -> None:
        timeout = rec.spec.get("timeout")
        if timeout and self._loop is not None:
            rec.timer = self._loop.call_later(timeout, self.on_timeout, rec, rec.state.attempts)

    def requeue_ahead(self, worker: WorkerHandle, *, cancel: bool) -> None:
        """Take back the jobs sent ahead to ``worker``; they never started."""
        while worker.queued:
            rec = worker.queued.pop()
            rec.worker = None
            if rec.state.parent is not None:
                rec.run.executing -= 1
            if cancel:
                worker.send({"op": "cancel", "dispatch": rec.dispatch_id})
            if rec.state.phase == ph.QUEUED and rec.run.name in self.runs:
                if self.actors.take(rec, front=True):
                    continue
                rec.run.ready.appendleft(rec)
                self.mark_ready(rec.run)

    def release_worker(self, rec: ActionRecord, worker: WorkerHandle, *, reuse: bool) -> None:
        """Give back what a running attempt held: its execution place, timer and worker."""
        if _guests(worker).get(rec.name) is rec:
            self._release_guest(rec, worker)
            return
        if rec.timer is not None:
            rec.timer.cancel()
            rec.timer = None
        if rec.pending == 0:
            worker.pool.executing -= 1
            if rec.state.parent is not None:
                rec.run.executing -= 1
        rec.pending = 0
        rec.worker = None
        worker.job = None
        if reuse:
            if worker.queued:
                worker.job = worker.queued.popleft()
                self.start(worker.job)
            else:
                worker.pool.release(worker)
        self.mark_ready(rec.run)

    def lend(self, rec: ActionRecord) -> None:
        rec.pending += 1
        worker = rec.worker
        if rec.pending == 1 and worker is not None and _guests(worker).get(rec.name) is rec:
            rec.run.executing -= 1  # a hosted action: it holds no place in the pool
            self.mark_ready(rec.run)
        elif rec.pending == 1:
            if rec.worker is not None and rec.worker.queued:
                self.requeue_ahead(rec.worker, cancel=True)
            self._pool_of(rec).executing -= 1
            if rec.state.parent is not None:
                rec.run.executing -= 1
            self.mark_ready(rec.run)

    def _pool_of(self, rec: ActionRecord) -> WorkerPool:
        """The pool whose capacity ``rec``'s worker counts against (plain or an actor's)."""
        return rec.worker.pool if rec.worker is not None else self.pool


_NO_GUESTS: dict[str, ActionRecord] = {}


def _guests(worker: Any) -> dict[str, ActionRecord]:
    """The actions hosted in ``worker`` (none on an executor whose workers host none)."""
    return getattr(worker, "guests", _NO_GUESTS)
