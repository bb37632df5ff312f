"""The backend's logic: runs and actions from submission to a terminal phase.

Plain Python on one asyncio loop, no HTTP: the server's handlers call it, and tests can
drive it directly. The rules mirror the local engine (``engine/_controller.py``) so a task
behaves the same in both modes:

- Names and cache keys are computed by the caller (kernel or worker) with the engine's
  own functions (``engine/_action_spec.py``); the backend never unpickles user code.
- A child submitted under a name its run already has is the *same* action: a succeeded
  one answers at once (this is how a resumed or retried parent skips finished work), a
  running one is joined, a failed one runs again.
- Retries, timeouts and ``max_action_concurrency`` are enforced here; whether to read the
  cache, who writes a serialized entry, whether and when to retry, and a timeout's message
  are the attempt policy's (``flyte_nb.attempts``), the kernel's rules. A timeout kills the
  worker, so even a body stuck in C code stops. A parent waiting on children lends its
  concurrency (see ``_pool.py``).
- Every live state object goes through the same batched recorder as local mode; a
  run's first and last rows are written synchronously (the first right after its root
  is sent to a worker: the POST is answered once it is written).
- After a crash, ``recover`` resumes every unfinished backend run from its root: finished
  children are reused by name, the rest end ABORTED or run again when resubmitted
  (``_restart.py``).
"""

from __future__ import annotations

import asyncio
import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..attempts import (
    cache_identity,
    failure_phase,
    free_attempts,
    reads_cache,
    retry_after,
    timeout_message,
    writer_key,
)
from ..engine import _state as ph
from ..engine._depth import max_depth
from ..engine._state import ActionState, RunState
from ..store import process_identity
from . import _artifacts, _decks
from ._apps import AppSupervisor
from ._channel import Message
from ._depth import fail_if_too_deep
from ._errors import BackendError as BackendError  # re-exported: _gates raises it from here
from ._events import EventBus, RunWaiters
from ._executor import ExecutorSettings, create_executor
from ._gates import Gates
from ._pool import WorkerHandle
from ._records import ActionRecord, Reply, RunRecord
from ._recovery import serve_recovered
from ._restart import resume_unfinished
from ._scheduler import Scheduler
from ._schedules import ScheduleRunner
from ._secrets import missing_secrets

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ..store import BatchRecorder


def _error(kind: str, message: str) -> str:
    return json.dumps({"type": kind, "message": message})


class Backend:
    def __init__(
        self,
        recorder: BatchRecorder,
        db_url: str,
        *,
        blob_url: str,
        raw_root: Path,
        workers: int,
        executor: ExecutorSettings | None = None,
    ) -> None:
        self.recorder = recorder
        self.db_url = db_url
        self.raw_root = raw_root
        self.events = EventBus()
        self.runs: dict[str, RunRecord] = {}
        self.pool = create_executor(
            executor, workers, blob_url, self._on_message, self._on_exit, self._wake
        )
        self.scheduler = Scheduler(self.pool, recorder, self.runs, self._publish, self._on_timeout)
        self.identity = process_identity()
        self.gates = Gates(self)
        self.apps = AppSupervisor(self)
        self.schedules = ScheduleRunner(self)
        self._inflight: dict[str, ActionRecord] = {}  # serialized cache keys being computed
        self._run_waiters = RunWaiters()
        self._spec_texts: dict[tuple[Any, ...], str] = {}
        self._housekeeping: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.max_depth = max_depth()  # FLYTE_NB_MAX_DEPTH, read once at start

    @functools.cached_property
    def engine(self) -> Engine:
        """SQLAlchemy for reads, created on first use: importing it costs ~0.25 s, which a
        starting server (and the kernel waiting for it) need not pay."""
        from ..store._db import create_engine

        return create_engine(self.db_url)

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.scheduler.bind(self._loop)
        self.recover()
        self.pool.start()
        self._housekeeping = self._loop.create_task(self._tidy())
        self.schedules.start()
        self.apps.start()

    async def stop(self) -> None:
        await self.apps.stop()
        self.schedules.stop()
        if self._housekeeping is not None:
            self._housekeeping.cancel()
        self.pool.close()
        self.scheduler.actors.close()
        self.recorder.flush()

    async def _tidy(self) -> None:
        while True:
            await asyncio.sleep(5)
            self.pool.retire_idle()

    def _wake(self) -> None:
        self.scheduler.schedule()

    # -- runs ----------------------------------------------------------------------------
    def create_run(
        self,
        *,
        name: str,
        project: str,
        domain: str,
        spec: dict[str, Any],
        inputs: str,
        cache: list[str] | None,
        options: dict[str, Any],
    ) -> RunState:
        if name in self.runs or self.recorder.run_exists(name):
            raise BackendError(409, "conflict", f"a run named {name!r} already exists")
        missing = missing_secrets(spec) if spec.get("secrets") else None
        if missing is not None:  # before the run exists: the caller gets the error
            raise BackendError(400, "secret_not_found", missing)
        env = {**spec.get("env", {}), **(options.get("env_vars") or {})}
        state = RunState(
            name,
            spec["task"],
            inputs,
            self.identity,
            env,
            mode="backend",
            project=project,
            domain=domain,
            spec=json.dumps({"options": options}),
        )
        run = RunRecord(state, options, str(self.raw_root / name))
        self.runs[name] = run
        self._submit(run, None, "a0", spec, inputs, None, cache, None)
        self.scheduler.start_now(run.actions.get("a0"))  # its worker starts meanwhile...
        self.recorder.write_run(state)  # ...but the POST is answered once the run is written
        _artifacts.record_consumed(self, state, options)  # lineage: versions it reads
        self._publish_run(run.state)
        return state

    async def wait_run(self, name: str, seconds: float) -> dict[str, Any] | None:
        """Return when the live run ``name`` finishes or ``seconds`` pass (a long poll):
        its final row when it finished meanwhile or lately (``RunWaiters``), else None."""
        if name in self.runs:
            return await self._run_waiters.wait(name, seconds)
        return self._run_waiters.recent(name)

    def abort_run(self, name: str, reason: str = "aborted by the user") -> bool:
        """Abort a live run; False when it is not live (finished or unknown)."""
        run = self.runs.get(name)
        if run is None:
            return False
        root = run.actions.get("a0")
        if root is not None:
            self.abort_action(root, reason)
        return True

    def abort_action(self, rec: ActionRecord, reason: str) -> None:
        state = rec.state
        if state.phase in ph.TERMINAL:
            return
        error = _error("ActionAbortedError", f"action {state.name}: {reason}")
        worker = rec.worker
        if worker is not None and self.scheduler.hosts(worker, rec):  # in its parent's process
            self.scheduler.stop_guest(rec, worker)
        elif worker is not None and worker.job is not rec:  # sent ahead, not started
            worker.queued.remove(rec)
            rec.worker = None
            if state.parent is not None:
                rec.run.executing -= 1
            worker.send({"op": "cancel", "dispatch": rec.dispatch_id})
        elif worker is not None:
            self.scheduler.release_worker(rec, worker, reuse=False)
            worker.pool.kill(worker, "abort")
        if state.attempt_log and "ended_at" not in state.attempt_log[-1]:
            state.end_attempt(ph.ABORTED, error)
        state.error = error
        state.set_phase(ph.ABORTED)
        self._complete(rec)

    # -- submission ----------------------------------------------------------------------
    def _submit(
        self,
        run: RunRecord,
        parent: ActionRecord | None,
        name: str,
        spec: dict[str, Any],
        inputs: str,
        group: str | None,
        cache: list[str] | None,
        reply: Reply | None,
    ) -> None:
        existing = run.actions.get(name)
        if existing is not None:
            self._join(existing, reply)
            return
        cache = cache_identity(cache, spec.get("cache"))  # kept only for a cached task
        state = ActionState(
            run.name,
            name,
            parent.name if parent else None,
            run.state.action_count,
            spec["task"],
            spec["short"],
            group,
            inputs,
        )
        state.spec = self._spec_json(spec, cache)
        run.state.action_count += 1
        rec = ActionRecord(run, state, spec, cache)
        run.actions[name] = rec
        if parent is not None:
            parent.children.append(name)
        if reply is not None:
            rec.waiters.append(reply)
        if parent is not None and fail_if_too_deep(self, run, rec):
            return
        if serve_recovered(self, rec):  # a recovered run reuses what the old one finished
            return
        if cache is not None:
            state.cache_key = cache[1]
            if self._serve_hit(rec):
                return
        missing = missing_secrets(spec) if spec.get("secrets") else None
        if missing is not None:  # fails before it is queued; the parent gets the error
            state.error = _error("SecretNotFoundError", missing)
            state.set_phase(ph.FAILED)
            self._complete(rec)
            return
        self.recorder.touch(state)
        self._publish(rec)
        if "gate" in spec:
            self.gates.start(rec)
        else:
            self._enqueue_or_follow(rec)

    def _spec_json(self, spec: dict[str, Any], cache: list[str] | None) -> str:
        """The action's ``spec`` column; a task's spec is encoded once, not per action."""
        ref = spec["ref"]
        key = (spec["task"], ref.get("digest"), ref.get("qualname"), spec.get("node"))
        text = self._spec_texts.get(key)
        if text is None or len(self._spec_texts) > 10_000:
            text = json.dumps(spec)
            if len(self._spec_texts) > 10_000:
                self._spec_texts.clear()
            self._spec_texts[key] = text
        return f'{{"cache_id":{json.dumps(cache) if cache else "null"},"spec":{text}}}'

    def _join(self, rec: ActionRecord, reply: Reply | None) -> None:
        phase = rec.state.phase
        if reply is not None:
            if phase == ph.SUCCEEDED:
                reply(rec)
                return
            rec.waiters.append(reply)
        if phase in ph.TERMINAL:  # failed or aborted before: run it again, retries afresh
            rec.bonus = free_attempts(rec.state.attempts)
            rec.state.error = None
            rec.state.set_phase(ph.QUEUED)
            self.recorder.touch(rec.state)
            if "gate" in rec.spec:
                self.gates.start(rec)
            else:
                self.scheduler.enqueue(rec)

    def _serve_hit(self, rec: ActionRecord) -> bool:
        if not reads_cache(rec.cache, rec.run.overwrite_cache):
            return False
        hit = self.recorder.cache_get(rec.spec["task"], rec.cache[0], rec.cache[1])
        if hit is None:
            return False
        state = rec.state
        state.cache_hit = True
        state.outputs = hit
        state.set_phase(ph.SUCCEEDED)
        self._complete(rec)
        return True

    def _enqueue_or_follow(self, rec: ActionRecord) -> None:
        serialize = bool((rec.spec.get("cache") or {}).get("serialize"))
        key = writer_key(rec.cache, serialize)
        if key is not None:  # one writer per serialized entry: the others follow it
            leader = self._inflight.get(key)
            if leader is not None and leader is not rec:
                leader.waiters.append(lambda _leader: self._after_leader(rec))
                return
            self._inflight[key] = rec
        self.scheduler.enqueue(rec)

    def _after_leader(self, rec: ActionRecord) -> None:
        if rec.state.phase == ph.QUEUED and not self._serve_hit(rec):
            self._enqueue_or_follow(rec)

    # -- worker messages -----------------------------------------------------------------
    def _on_message(self, worker: WorkerHandle, m: Message) -> None:
        op = m["op"]
        rec: ActionRecord | None = self.scheduler.sender(worker, m)
        if op == "log":
            self.recorder.log(m["row"])
            row = m["row"]
            self.events.publish(row["run_name"], {"kind": "log", **row})
        elif rec is None:
            return  # a message from an attempt that was aborted meanwhile
        elif op == "doc":
            _decks.record_doc(self.recorder, self.events, m)
        elif op in ("trace", "trace_get", "trace_replay"):  # @flyte.trace records
            from . import _traces as traces

            traces.on_message(self, worker, rec, m)
        elif op == "submit":
            self.scheduler.lend(rec)
            attempt, rid = rec.state.attempts, m["id"]
            self._submit(
                rec.run,
                rec,
                m["name"],
                m["spec"],
                m["inputs"],
                m["group"],
                m["cache"],
                lambda child: self._reply(worker, rid, rec, attempt, child),
            )
        elif op == "done" and m["attempt"] == rec.state.attempts:
            self.scheduler.release_worker(rec, worker, reuse=True)
            if m["phase"] == ph.SUCCEEDED:
                _artifacts.record_produced(self, rec, m.get("artifacts"))  # before: see there
                self._succeed(rec, m["outputs"])
            else:
                self._attempt_failed(rec, failure_phase(m["error"]), m["error"])

    def _reply(
        self,
        worker: WorkerHandle,
        rid: int,
        parent: ActionRecord,
        attempt: int,
        child: ActionRecord,
    ) -> None:
        if parent.worker is not worker or parent.state.attempts != attempt:
            return  # that attempt of the parent is gone
        s = child.state
        worker.send(
            {"op": "result", "id": rid, "phase": s.phase, "outputs": s.outputs, "error": s.error}
        )
        self.scheduler.answered(parent, worker)

    def _on_exit(self, worker: WorkerHandle, code: int | None) -> None:
        rec: ActionRecord | None = worker.job
        self.scheduler.schedule()  # the pool may need a replacement
        self.scheduler.requeue_ahead(worker, cancel=False)
        for guest in self.scheduler.evict_guests(worker):  # they ran in the dead process
            message = f"{worker.describe_exit(code)}; it is retried if the task has retries left"
            if worker.kill_reason == "stuck":
                message = "its worker process was killed: an action there did not stop"
            self._attempt_failed(guest, ph.FAILED, _error("WorkerDied", message))
        if rec is None:
            return
        self.scheduler.release_worker(rec, worker, reuse=False)
        if worker.kill_reason == "timeout":
            self._timed_out(rec)
            return
        message = f"{worker.describe_exit(code)}; it is retried if the task has retries left"
        self._attempt_failed(rec, ph.FAILED, _error("WorkerDied", message))

    def _on_timeout(self, rec: ActionRecord, attempt: int) -> None:
        rec.timer = None
        worker = rec.worker
        if worker is not None and rec.state.attempts == attempt:
            if self.scheduler.hosts(worker, rec):  # in its parent's process: cancelled there
                self.scheduler.stop_guest(rec, worker)
                self._timed_out(rec)
            else:
                worker.pool.kill(worker, "timeout")

    def _timed_out(self, rec: ActionRecord) -> None:
        timeout = rec.spec["timeout"]
        message = timeout_message(rec.spec["task"], rec.name, timeout, rec.state.attempts)
        self._attempt_failed(rec, ph.TIMED_OUT, _error("ActionTimeoutError", message))

    # -- outcomes ------------------------------------------------------------------------
    def _succeed(self, rec: ActionRecord, outputs: str) -> None:
        state = rec.state
        state.outputs = outputs
        state.end_attempt(ph.SUCCEEDED)
        state.set_phase(ph.SUCCEEDED)
        if rec.cache is not None:  # a cached task's result, overwrite or not
            self.recorder.cache_put(
                rec.spec["task"], rec.cache[0], rec.cache[1], outputs, state.run_name, state.name
            )
        self._complete(rec)

    def _attempt_failed(self, rec: ActionRecord, phase: str, error: str) -> None:
        state = rec.state
        if state.phase in ph.TERMINAL:
            return
        state.end_attempt(phase, error)
        retries = rec.spec["retries"]  # RetryStrategy.wire()
        delay = retry_after(retries, state.attempts, phase, error, rec.bonus)
        if delay is not None and rec.run.name in self.runs:
            state.set_phase(ph.QUEUED)
            self.recorder.touch(state)
            self._publish(rec)
            assert self._loop is not None
            self._loop.call_later(delay, self.scheduler.enqueue, rec)
            return
        state.error = error
        state.set_phase(phase)
        self._complete(rec)

    def _complete(self, rec: ActionRecord) -> None:
        self.gates.release(rec)
        self.recorder.touch(rec.state)
        self._publish(rec)
        if rec.cache is not None and self._inflight.get(rec.cache[1]) is rec:
            del self._inflight[rec.cache[1]]
        waiters, rec.waiters = rec.waiters, []
        for reply in waiters:
            reply(rec)
        run = rec.run
        for name in rec.children:  # nothing outlives its parent
            child = run.actions.get(name)
            if child is not None and child.state.phase not in ph.TERMINAL:
                self.abort_action(child, f"its parent {rec.name} finished first")
        if rec.state.parent is None:
            self._finish_run(run, rec)

    def _finish_run(self, run: RunRecord, root: ActionRecord) -> None:
        s = root.state
        run.state.finish(s.phase, outputs=s.outputs, error=s.error)
        self.recorder.write_run(run.state)
        self.runs.pop(run.name, None)
        self._publish_run(run.state)
        self._run_waiters.release(run.name, run.state.row())

    def _publish(self, rec: ActionRecord) -> None:
        if self.events.has_subscribers:
            self.events.publish(rec.state.run_name, {"kind": "action", **rec.summary()})

    def _publish_run(self, state: RunState) -> None:
        self.events.publish(
            state.name,
            {
                "kind": "run",
                "run": state.name,
                "phase": state.phase,
                "actions": state.action_count,
                "waiting": self.gates.waiting_on(state.name),
            },
        )

    # -- recovery ------------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Resume the runs a previous server left unfinished (``_restart.py``); their names."""
        return resume_unfinished(self)
