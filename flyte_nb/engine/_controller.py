"""Running the actions of one run inside this process.

Every task call inside a run becomes an *action*: it gets a deterministic name, is
recorded, may be served from the cache, and runs with retries and a timeout; its final error
reaches the caller as its own type *and* Flyte 2's ``RuntimeUserError`` (see
``flyte_nb.errors``). Whether the cache is read, who writes a serialized entry, whether a
failed attempt is retried and after how long, and what a timeout says are the attempt
policy's (``flyte_nb.attempts``), which the backend follows too; this module only carries
those decisions out. The same bookkeeping (``_prepare``, ``_succeeded``,
``_attempt_failed``) serves two attempt loops:

- ``run_async``: async bodies are awaited on the current loop (children of an async task
  are plain coroutines, so ``asyncio.gather`` fan-out costs one asyncio Task each and no
  thread); sync bodies awaited from async code run in the sync pool.
- ``run_sync``: a sync body called from synchronous code runs inline in the caller's
  thread, which is blocked anyway; a timeout is delivered into that thread.

Which loop is used, and when the caller blocks, is decided in ``call`` from the kind of
the calling body and of the callee; see ``_loop.py`` for why that never deadlocks.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..action import artifact_hooks as artifacts
from ..attempts import failure_phase, reads_cache, retry_after, timeout_message, writer_key
from ..errors._mark import as_task_error
from ..exceptions import ActionTimeoutError
from ..secrets._inject import require as require_secrets
from ..secrets._inject import task_scope as secrets_scope
from ..tasks._template import bind_inputs
from ..types import check_output, encode_values
from ..types._values import decode_values
from . import _state as ph
from ._action_spec import cache_identity, child_name, local_spec, node_spec
from ._context import (
    ActionFrame,
    current_group,
    current_node,
    effective_custom_context,
    enter,
    leave,
)
from ._deadline import sync_deadline
from ._decks import ActionDocs, close_docs, start_docs
from ._depth import chain_to, max_depth, nesting_error
from ._loop import block_on, sync_pool
from ._state import ActionState, RunState, error_record
from ._traceback import user_traceback_text

if TYPE_CHECKING:
    from ..store import Recorder
    from ..tasks._template import TaskTemplate

_MISSING: Any = object()


class RunController:
    """The engine's view of one run: its state, options and recorder."""

    def __init__(
        self,
        run: RunState,
        recorder: Recorder,
        *,
        overwrite_cache: bool,
        max_action_concurrency: int | None,
        raw_data_dir: Path,
        custom_context: dict[str, str] | None = None,
    ) -> None:
        self.run = run
        self.custom_context = custom_context or {}  # the run's base (with_runcontext)
        self.recorder = recorder
        self.overwrite_cache = overwrite_cache
        self.raw_data_dir = raw_data_dir
        self._seq = itertools.count()
        self._limit = max_action_concurrency
        self._semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._serial_locks: dict[str, threading.Lock] = {}
        # action name -> (parent name, task short name): the chain a too-deep call names
        self._lineage: dict[str, tuple[str | None, str]] = {}
        self._max_depth = max_depth()

    # -- dispatch ------------------------------------------------------------------------
    def call(
        self, parent: ActionFrame | None, task: TaskTemplate, args: tuple, kwargs: dict
    ) -> Any:
        """A task called inside this run: a coroutine in async bodies, else its value."""
        values = self.bind(task, args, kwargs)
        if parent is not None and parent.is_async:
            if task.is_async:
                return self.run_async(parent, task, values)
            return self.run_sync(parent, task, values)
        if task.is_async:
            return block_on(self.run_async(parent, task, values))
        return self.run_sync(parent, task, values)

    bind = staticmethod(bind_inputs)  # the call's arguments, checked (tasks/_template.py)

    # -- bookkeeping shared by both attempt loops ----------------------------------------
    def _prepare(
        self, parent: ActionFrame | None, task: TaskTemplate, values: dict[str, Any]
    ) -> tuple[ActionState, Any, tuple[str, str] | None]:
        """Create and record the action; return (state, cached value or _MISSING, cache id)."""
        if parent is not None:
            self._check_depth(parent.state.name, task.short_name)
        put = self.recorder.blobs.put
        inputs = encode_values(values, put)
        group = current_group()
        if parent is None:
            name, parent_name = "a0", None
        else:
            name = child_name(parent, task, inputs, group)
            parent_name = parent.state.name
        self._lineage[name] = (parent_name, task.short_name)
        state = ActionState(
            self.run.name,
            name,
            parent_name,
            next(self._seq),
            task.name,
            task.short_name,
            group,
            inputs,
        )
        state.spec = local_spec(task)  # resources, secrets (by name), actor: recorded
        node = current_node()
        if node is not None:  # a workflow node's call: the run's graph places it there
            state.spec = node_spec(state.spec, node)
        state.custom_context = self.custom_context if parent is None else effective_custom_context()
        self.run.action_count += 1
        cache_id = cache_identity(task, values, inputs, put)
        if cache_id is not None:
            state.cache_key = cache_id[1]
            cached = self._serve_hit(state, task, cache_id)
            if cached is not _MISSING:
                return state, cached, None
        self.recorder.touch(state)
        return state, _MISSING, cache_id

    def _check_depth(self, parent: str, short_name: str) -> None:
        """Refuse a child deeper than ``FLYTE_NB_MAX_DEPTH`` (``engine/_depth.py``)."""
        limit = self._max_depth
        if len(chain_to(self._lineage.get, parent, limit + 1)) > limit:
            chain = [*chain_to(self._lineage.get, parent), short_name]
            raise nesting_error(chain, limit)

    def _succeeded(
        self, state: ActionState, task: TaskTemplate, result: Any, cache_id: tuple[str, str] | None
    ) -> Any:
        result = check_output(task.name, task.return_type, result)
        state.outputs = encode_values(task.pack_outputs(result), self.recorder.blobs.put)
        if task.output_artifacts:  # Annotated[T, MyArtifact]: versions of this run
            artifacts.record_local(self, state, task)
        state.end_attempt(ph.SUCCEEDED)
        state.set_phase(ph.SUCCEEDED)
        if cache_id is not None:
            self.recorder.cache_put(
                task.name, cache_id[0], cache_id[1], state.outputs, state.run_name, state.name
            )
        self.recorder.touch(state)
        return result

    def _attempt_failed(
        self, state: ActionState, task: TaskTemplate, exc: BaseException
    ) -> float | None:
        """Record a failed attempt; return the delay before the next one, or None if final."""
        phase = failure_phase(exc)
        error = error_record(exc, user_traceback_text(exc))
        state.end_attempt(phase, error)
        delay = retry_after(task.retries.wire(), state.attempts, phase, exc)
        if delay is not None:
            self.recorder.touch(state)
            return delay
        state.error = error
        state.set_phase(phase)
        self.recorder.touch(state)
        return None

    def _timeout_error(self, task: TaskTemplate, state: ActionState) -> ActionTimeoutError:
        assert task.timeout is not None
        return ActionTimeoutError(
            timeout_message(task.name, state.name, task.timeout, state.attempts)
        )

    # -- async attempt loop --------------------------------------------------------------
    async def run_async(
        self, parent: ActionFrame | None, task: TaskTemplate, values: dict[str, Any]
    ) -> Any:
        require_secrets(task)  # a missing secret fails the call before the action starts
        state, cached, cache_id = self._prepare(parent, task, values)
        if cached is not _MISSING:
            return cached
        if parent is not None:
            # A parent waiting on children gives its slot back, so nesting never deadlocks.
            parent.pending += 1
            if parent.pending == 1 and parent.slot is not None:
                parent.slot.release()
        lock = self._serial_lock(task, cache_id)
        slot = self._slot(parent)
        try:
            if slot is not None:
                await slot.acquire()
            if lock is not None:
                await asyncio.get_running_loop().run_in_executor(None, lock.acquire)
                # Another action may have filled the entry while we waited.
                cached = self._serve_hit(state, task, cache_id)
                if cached is not _MISSING:
                    return cached
            while True:
                state.start_attempt()
                self.recorder.touch(state)
                try:
                    with secrets_scope(task):
                        result = await self._attempt_async(state, task, values, slot)
                except BaseException as exc:
                    delay = self._attempt_failed(state, task, exc)
                    if delay is None:
                        failure = as_task_error(exc)
                        break
                    await asyncio.sleep(delay)
                    continue
                return self._succeeded(state, task, result, cache_id)
            raise failure  # outside ``except``: the context stays the task's own
        finally:
            if lock is not None and lock.locked():
                lock.release()
            if slot is not None:
                slot.release()
            if parent is not None:
                parent.pending -= 1
                if parent.pending == 0 and parent.slot is not None:
                    await parent.slot.acquire()

    async def _attempt_async(
        self,
        state: ActionState,
        task: TaskTemplate,
        values: dict[str, Any],
        slot: asyncio.Semaphore | None,
    ) -> Any:
        if not task.is_async:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(sync_pool(), self._attempt_sync, state, task, values)
        frame = ActionFrame(self, state, True, task.cache_version())
        frame.slot = slot
        tokens = enter(frame)
        try:
            start_docs(frame, task)
            if task.timeout is None:
                result = await task.func(**values)
            else:
                try:
                    async with asyncio.timeout(task.timeout):
                        result = await task.func(**values)
                except TimeoutError as exc:
                    if isinstance(exc, ActionTimeoutError):
                        raise
                    raise self._timeout_error(task, state) from None
        except BaseException as exc:
            close_docs(frame, task, values, None, exc)
            raise
        else:
            close_docs(frame, task, values, result, None)
            return result
        finally:
            leave(tokens)

    # -- sync attempt loop ---------------------------------------------------------------
    def run_sync(
        self, parent: ActionFrame | None, task: TaskTemplate, values: dict[str, Any]
    ) -> Any:
        require_secrets(task)
        state, cached, cache_id = self._prepare(parent, task, values)
        if cached is not _MISSING:
            return cached
        lock = self._serial_lock(task, cache_id)
        if lock is not None:
            lock.acquire()
        try:
            if lock is not None:
                cached = self._serve_hit(state, task, cache_id)
                if cached is not _MISSING:
                    return cached
            while True:
                state.start_attempt()
                self.recorder.touch(state)
                try:
                    with secrets_scope(task):
                        result = self._attempt_sync(state, task, values)
                except BaseException as exc:
                    delay = self._attempt_failed(state, task, exc)
                    if delay is None:
                        failure = as_task_error(exc)
                        break
                    time.sleep(delay)
                    continue
                return self._succeeded(state, task, result, cache_id)
            raise failure  # outside ``except``: the context stays the task's own
        finally:
            if lock is not None:
                lock.release()

    def _attempt_sync(self, state: ActionState, task: TaskTemplate, values: dict[str, Any]) -> Any:
        frame = ActionFrame(self, state, False, task.cache_version())
        tokens = enter(frame)
        try:
            start_docs(frame, task)
            if task.timeout is None:
                result = task.func(**values)
            else:
                with sync_deadline(task.timeout, lambda: self._timeout_error(task, state)):
                    result = task.func(**values)
        except BaseException as exc:
            close_docs(frame, task, values, None, exc)
            raise
        else:
            close_docs(frame, task, values, result, None)
            return result
        finally:
            leave(tokens)

    def new_docs(self, frame: ActionFrame) -> ActionDocs:
        """Decks and the report of ``frame``'s attempt go to the records (and blob store)."""
        state, attempt, doc = frame.state, frame.attempt, self.recorder.doc
        return ActionDocs(
            lambda kind, name, html: doc(state.run_name, state.name, attempt, kind, name, html)
        )

    # -- concurrency, and the cache as the attempt policy says ---------------------------
    def _slot(self, parent: ActionFrame | None) -> asyncio.Semaphore | None:
        """The semaphore of ``max_action_concurrency``; the root action never needs a slot."""
        if self._limit is None or parent is None:
            return None
        loop = asyncio.get_running_loop()
        sem = self._semaphores.get(loop)
        if sem is None:
            sem = self._semaphores[loop] = asyncio.Semaphore(self._limit)
        return sem

    def _serial_lock(
        self, task: TaskTemplate, cache_id: tuple[str, str] | None
    ) -> threading.Lock | None:
        key = writer_key(cache_id, task.cache.serialize)  # one writer per serialized entry
        if key is None:
            return None
        return self._serial_locks.setdefault(key, threading.Lock())

    def _serve_hit(
        self, state: ActionState, task: TaskTemplate, cache_id: tuple[str, str] | None
    ) -> Any:
        """Finish ``state`` from the cache if the entry exists now, else return _MISSING."""
        if not reads_cache(cache_id, self.overwrite_cache):
            return _MISSING
        hit = self.recorder.cache_get(task.name, cache_id[0], cache_id[1])
        if hit is None:
            return _MISSING
        state.cache_hit = True
        state.outputs = hit
        state.set_phase(ph.SUCCEEDED)
        self.recorder.touch(state)
        return task.unpack_outputs(decode_values(hit, self.recorder.blobs.get))
