"""A backend worker process: runs one action at a time, submits its children back.

Why it is built this way:
- One action at a time per process, so killing a process (abort, timeout) kills exactly
  one action and everything it spawned (each worker leads its own process group).
- Two threads: the main thread runs the action's body (sync bodies directly, async ones
  on a loop that lives as long as the process); an I/O thread owns the channel to the
  backend. A body that blocks, even an async body calling a sync task, never stops child
  results, logs or the backend's messages from flowing.
- A body's task calls go through ``WorkerController``, which gives each child the same
  deterministic name and cache key as local mode and submits it to the backend, which
  schedules it on any worker; the parent waits for the result message.
- Each job runs under its task's resource limits and with its secrets (``_limits``,
  ``flyte_nb.secrets``), both undone when it ends, so a reused worker (an actor replica
  serving many tasks and runs) starts every job clean.
- The worker dies with the backend: ``PR_SET_PDEATHSIG`` where Linux offers it, and a lost
  channel kills the whole process group in any case.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
import queue
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..action import artifact_hooks as artifacts
from ..engine._action_spec import cache_identity, child_name, task_spec
from ..engine._context import (
    ActionFrame,
    current_group,
    current_node,
    custom_context_from_env,
    effective_custom_context,
    encode_custom_context,
    enter,
    leave,
)
from ..engine._controller import RunController
from ..engine._decks import ActionDocs, close_docs, start_docs
from ..engine._errors import pack_error, rebuild_error
from ..engine._execute_run import _environ
from ..engine._state import ActionState
from ..secrets._inject import received
from ..store import BlobStore
from ..types import check_output, decode_values, encode_values
from ._channel import Channel, Message
from ._guests import Guests
from ._limits import enforced
from ._output import OutputCapture

if TYPE_CHECKING:
    from ..tasks._template import TaskTemplate


class _RunInfo:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class WorkerController:
    """The controller of an action running in a worker: children go to the backend."""

    mode = "remote"

    def __init__(self, worker: Worker, run_name: str, raw_dir: str) -> None:
        self.worker = worker
        self.run = _RunInfo(run_name)
        self.raw_data_dir = Path(raw_dir)
        self.recorder = self  # the stdout/stderr tee asks ``controller.recorder.log``
        self.blobs = worker.blobs

    def log(self, row: dict[str, Any]) -> None:
        self.worker.send({"op": "log", "row": row})

    def new_docs(self, frame: ActionFrame) -> ActionDocs:
        """Decks go to the shared blob store from here; the backend indexes them."""
        state, attempt = frame.state, frame.attempt

        def publish(kind: str, name: str, html: str) -> None:
            data = html.encode()
            self.worker.send(
                {
                    "op": "doc",
                    "run": state.run_name,
                    "action": state.name,
                    "attempt": attempt,
                    "kind": kind,
                    "name": name,
                    "digest": self.blobs.put(data),
                    "size": len(data),
                }
            )

        return ActionDocs(publish)

    bind = staticmethod(RunController.bind)

    def call(self, parent: ActionFrame, task: TaskTemplate, args: tuple, kwargs: dict) -> Any:
        values = self.bind(task, args, kwargs)
        if parent.is_async and task.is_async:
            return self.run_async(parent, task, values)
        return self._outcome(task, self._submit(parent, task, values).result())

    async def run_async(self, parent: ActionFrame, task: TaskTemplate, values: dict) -> Any:
        message = await asyncio.wrap_future(self._submit(parent, task, values))
        return self._outcome(task, message)

    def _submit(
        self, parent: ActionFrame, task: TaskTemplate, values: dict[str, Any]
    ) -> concurrent.futures.Future[Message]:
        put = self.blobs.put
        inputs = encode_values(values, put)
        group = current_group()
        cache = cache_identity(task, values, inputs, put)
        spec = self.worker.spec_for(task)
        inherited = encode_custom_context(effective_custom_context())  # Flyte 2 custom_context
        if inherited:
            spec = {**spec, "env": {**spec.get("env", {}), **inherited}}
        node = current_node()
        if node is not None:  # a workflow node's call: the run's graph places it there
            spec = {**spec, "node": node}
        return self.worker.request(
            {
                "op": "submit",
                "run": self.run.name,
                "parent": parent.state.name,
                "name": child_name(parent, task, inputs, group),
                "spec": spec,
                "inputs": inputs,
                "group": group,
                "cache": list(cache) if cache else None,
            }
        )

    def _outcome(self, task: TaskTemplate, message: Message) -> Any:
        if message["phase"] == "SUCCEEDED":
            return task.unpack_outputs(decode_values(message["outputs"], self.blobs.get))
        raise rebuild_error(message["error"], message["phase"], self.blobs.get)


class Worker:
    def __init__(self, sock: socket.socket, blobs: BlobStore) -> None:
        self.blobs = blobs
        self._sock = sock
        self._jobs: queue.SimpleQueue[Message | None] = queue.SimpleQueue()
        self._waiting: dict[int, concurrent.futures.Future[Message]] = {}
        self._ids = itertools.count()
        self._specs: dict[int, tuple[TaskTemplate, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._out: list[Message] = []
        self._scheduled = False
        self._io_loop = asyncio.new_event_loop()
        self._channel = Channel(self._on_messages, self._on_lost)
        self._body_loop = asyncio.new_event_loop()
        self._cancelled: set[int] = set()
        self._closing = False
        # action name -> the loop its async body runs on: its hosted async children join it
        self.loops: dict[str, asyncio.AbstractEventLoop] = {}
        self.guests = Guests(self)

    # -- I/O thread ----------------------------------------------------------------------
    def _io(self, ready: threading.Event) -> None:
        loop = self._io_loop
        asyncio.set_event_loop(loop)
        # A socketpair from the local pool, or TCP back to the backend (a Ray worker).
        connect = (
            loop.create_unix_connection
            if self._sock.family == socket.AF_UNIX
            else loop.create_connection
        )
        loop.run_until_complete(connect(lambda: self._channel, sock=self._sock))
        ready.set()
        loop.run_forever()

    def _on_messages(self, messages: list[Message]) -> None:
        for m in messages:
            op = m["op"]
            if op == "result":
                future = self._waiting.pop(m["id"], None)
                if future is not None:
                    future.set_result(m)
            elif op == "run":
                if m.get("guest"):
                    self.guests.start(m)
                else:
                    self._jobs.put(m)
            elif op == "stop":
                self.guests.stop(m["dispatch"])
            elif op == "cancel":
                self._cancelled.add(m["dispatch"])
            elif op == "exit":
                self._jobs.put(None)

    def _on_lost(self, _exc: Exception | None) -> None:
        # The backend is gone: nobody will read our results. Take our process group along.
        if not self._closing:
            os.killpg(os.getpgrp(), signal.SIGKILL)

    def close(self) -> None:
        """Say goodbye after ``serve`` returned, for a process that lives on (a Ray actor):
        the backend sees the channel close, and this process is not killed for it."""
        self._closing = True
        done = threading.Event()

        def close() -> None:
            self._channel.close()
            done.set()

        self._io_loop.call_soon_threadsafe(close)
        done.wait(5)

    def send(self, message: Message) -> None:
        """Thread-safe: batched into one channel write per I/O loop turn."""
        with self._lock:
            self._out.append(message)
            if self._scheduled:
                return
            self._scheduled = True
        self._io_loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        with self._lock:
            batch, self._out = self._out, []
            self._scheduled = False
        for m in batch:
            self._channel.send(m)

    def request(self, message: Message) -> concurrent.futures.Future[Message]:
        future: concurrent.futures.Future[Message] = concurrent.futures.Future()
        rid = next(self._ids)
        self._waiting[rid] = future
        message["id"] = rid
        self.send(message)
        return future

    def spec_for(self, task: TaskTemplate) -> dict[str, Any]:
        """The task's spec, its code packed once per process (children reuse the bundle)."""
        cached = self._specs.get(id(task))
        if cached is not None and cached[0] is task:
            return cached[1]
        from ..bundle import pack_task

        ref, data = pack_task(task, interactive=True)
        if data is not None and ref.digest is not None and not self.blobs.exists(ref.digest):
            self.blobs.put(data)
        spec = task_spec(task, ref.to_dict())
        spec["async"] = task.is_async  # whether it may share its parent's loop (``_hosting``)
        self._specs[id(task)] = (task, spec)
        return spec

    # -- main thread ---------------------------------------------------------------------
    def serve(self) -> None:
        ready = threading.Event()
        threading.Thread(target=self._io, args=(ready,), name="flyte-nb-io", daemon=True).start()
        ready.wait()
        asyncio.set_event_loop(self._body_loop)
        # fd-level capture of stdout/stderr per attempt, masked (``_output``): never the tee
        # of ``engine._capture`` here, which would see only Python-level writes.
        output = OutputCapture(lambda row: self.send({"op": "log", "row": row}))
        output.install()
        self.guests.install(output)
        self.send({"op": "ready", "pid": os.getpid()})
        try:
            while (job := self._jobs.get()) is not None:
                if job["dispatch"] in self._cancelled:
                    self._cancelled.discard(job["dispatch"])
                    continue  # the backend took it back before it started
                key = {"run_name": job["run"], "action_name": job["action"]}
                secrets = [value for _, value in job.get("secrets") or () if value]
                output.start_job({**key, "attempt": job["attempt"]}, secrets)
                try:
                    done = self._execute(job)
                finally:
                    output.end_job()  # the attempt's output is sent before its result
                self.send(done)
        finally:
            output.uninstall()

    def _execute(self, job: Message) -> Message:
        act = self.prepare(job)
        if not isinstance(act, Action):
            return act
        task, frame = act.task, act.frame
        with _environ(job["env"]):
            tokens = enter(frame)
            if task.is_async:  # its in-process children share its loop (``_guests``)
                self.loops[act.state.name] = self._body_loop
            try:
                start_docs(frame, task)
                limits = enforced(job["spec"].get("resources"))
                with limits, received(job.get("secrets"), task.name):
                    if task.is_async:
                        result = self._body_loop.run_until_complete(task.func(**act.values))
                    else:
                        result = task.func(**act.values)
            except BaseException as exc:
                return self.conclude(act, None, exc)
            else:
                return self.conclude(act, result, None)
            finally:
                self.loops.pop(act.state.name, None)
                leave(tokens)

    def prepare(self, job: Message) -> Action | Message:
        """The action ``job`` runs, or its ``done`` message when its code or inputs cannot
        be loaded."""
        done: Message = {"op": "done", "run": job["run"], "action": job["action"]}
        done["attempt"] = job["attempt"]
        done["dispatch"] = job["dispatch"]
        for entry in job["sys_path"]:
            if entry not in sys.path:
                sys.path.append(entry)
        try:
            from ..bundle import CodeRef, load_task

            task = load_task(CodeRef.from_dict(job["spec"]["ref"]), self.blobs.get)
            values = decode_values(job["inputs"], self.blobs.get)
        except BaseException as exc:
            done.update(phase="FAILED", error=pack_error(exc, self.blobs.put))
            return done
        state = ActionState(
            job["run"],
            job["action"],
            job["parent"],
            0,
            task.name,
            task.short_name,
            job["group"],
            job["inputs"],
        )
        state.attempts = job["attempt"]
        state.custom_context = custom_context_from_env(job["env"])
        state.transitions = [["RUNNING", time.time()]]  # for the Timeline deck
        controller = WorkerController(self, job["run"], job["raw_dir"])
        frame = ActionFrame(controller, state, task.is_async, task.cache_version())  # type: ignore[arg-type]
        return Action(task, values, state, frame, done)

    def conclude(self, act: Action, result: Any, exc: BaseException | None) -> Message:
        """The ``done`` message of a body that returned ``result`` or raised ``exc``; its
        decks are closed here (call with the action's frame current)."""
        task, done = act.task, act.done
        if exc is None:
            try:
                result = check_output(task.name, task.return_type, result)
                outputs = encode_values(task.pack_outputs(result), self.blobs.put)
                if task.output_artifacts:  # Annotated[T, MyArtifact]: sent with the result
                    done["artifacts"] = artifacts.claims(task, act.state, outputs, self.blobs.get)
            except BaseException as error:
                exc = error
        if exc is not None:
            close_docs(act.frame, task, act.values, None, exc)
            done.update(phase="FAILED", error=pack_error(exc, self.blobs.put))
            return done
        close_docs(act.frame, task, act.values, result, None)
        done.update(phase="SUCCEEDED", outputs=outputs)
        return done


class Action:
    """One action ready to run in this worker: its task, inputs, state and frame."""

    __slots__ = ("done", "frame", "state", "task", "values")

    def __init__(
        self,
        task: TaskTemplate,
        values: dict[str, Any],
        state: ActionState,
        frame: ActionFrame,
        done: Message,
    ) -> None:
        self.task = task
        self.values = values
        self.state = state
        self.frame = frame
        self.done = done


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    fd, blob_url = int(args[0]), args[1]
    _die_with_parent()
    sock = socket.socket(fileno=fd)
    Worker(sock, BlobStore(blob_url)).serve()


if __name__ == "__main__":
    main()
