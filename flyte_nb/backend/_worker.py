"""A backend worker process: runs one action at a time, submits its children back.

Why it is built this way:
- One action at a time per process, so killing a process (abort, timeout) kills exactly
  one action and everything it spawned (each worker leads its own process group).
- Three threads: the main thread runs the action's body (sync bodies directly, async ones
  on a loop that lives as long as the process); a reader and a writer thread own the
  channel to the backend (plain blocking socket calls on ``_framing``'s frames, no
  asyncio: see below). A body that blocks, even an async body calling a sync task, never
  stops child results, logs or the backend's messages from flowing.
- A body's task calls go through ``WorkerController`` (``_worker_job``), which gives each
  child the same deterministic name and cache key as local mode and submits it to the
  backend, which schedules it on any worker; the parent waits for the result message.
- Each job runs under its task's resource limits and with its secrets (``_limits``,
  ``flyte_nb.secrets``), both undone when it ends, so a reused worker (an actor replica
  serving many tasks and runs) starts every job clean.
- The worker dies with the backend: ``PR_SET_PDEATHSIG`` where Linux offers it, and a lost
  channel kills the whole process group in any case.
- What runs a job (the engine, types, tasks, secrets, the bundle loader: ``_worker_job``,
  and asyncio with them) is imported on the first job, not at start: a worker is ready
  once its channel is up (issue 17: <= 0.1 s), and an idle worker that never ran a job
  holds none of it.
  ``tests/test_backend_imports.py`` holds that line.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import signal
import socket
import sys
import threading
from typing import TYPE_CHECKING, Any

from ..store._blobs import BlobStore
from ._framing import Message, decode, encode
from ._guests import Guests
from ._output import OutputCapture

if TYPE_CHECKING:
    import asyncio
    import concurrent.futures

    from ..tasks._template import TaskTemplate
    from ._worker_job import Action


class Worker:
    def __init__(self, sock: socket.socket, blobs: BlobStore) -> None:
        self.blobs = blobs
        self._sock = sock
        self._jobs: queue.SimpleQueue[Message | None] = queue.SimpleQueue()
        self._waiting: dict[int, concurrent.futures.Future[Message]] = {}
        self._ids = itertools.count()
        self.specs: dict[int, tuple[TaskTemplate, dict[str, Any]]] = {}
        self._wake = threading.Condition()  # guards ``_out``; the writer waits on it
        self._out: list[Message] = []
        self._writer: threading.Thread | None = None
        # the loop async jobs run on, made by the first one (``_worker_job``): asyncio is
        # not imported before
        self.body_loop: asyncio.AbstractEventLoop | None = None
        self._cancelled: set[int] = set()
        self._closing = False
        # action name -> the loop its async body runs on: its hosted async children join it
        self.loops: dict[str, asyncio.AbstractEventLoop] = {}
        self.guests = Guests(self)

    # -- I/O threads ---------------------------------------------------------------------
    def _read(self) -> None:
        """The reader thread: frames from the backend, handled as they arrive."""
        buf = bytearray()
        error: Exception | None = None
        try:
            while data := self._sock.recv(1 << 16):
                buf += data
                messages = decode(buf)
                if messages:
                    self._on_messages(messages)
        except OSError as exc:
            error = exc
        self._on_lost(error)

    def _write(self) -> None:
        """The writer thread: everything ``send`` queued since its last write, in one frame
        (a parent fanning out 1000 children costs a handful of writes, not 1000)."""
        while True:
            with self._wake:
                while not self._out and not self._closing:
                    self._wake.wait()
                batch, self._out = self._out, []
            if not batch:
                return  # closing, and everything is sent
            try:
                self._sock.sendall(encode(batch))
            except OSError as exc:
                self._on_lost(exc)
                return

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
        what is queued is sent, the backend sees the channel close, and this process is not
        killed for it."""
        with self._wake:
            self._closing = True
            self._wake.notify()
        if self._writer is not None:
            self._writer.join(5)
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def send(self, message: Message) -> None:
        """Thread-safe: batched into one channel write by the writer thread."""
        with self._wake:
            self._out.append(message)
            if len(self._out) == 1:
                self._wake.notify()

    def request(self, message: Message) -> concurrent.futures.Future[Message]:
        """Send ``message`` and get a future of its ``result`` (a job's code calls this)."""
        import concurrent.futures

        future: concurrent.futures.Future[Message] = concurrent.futures.Future()
        rid = next(self._ids)
        self._waiting[rid] = future
        message["id"] = rid
        self.send(message)
        return future

    # -- main thread ---------------------------------------------------------------------
    def serve(self) -> None:
        self._sock.setblocking(True)  # the reader and writer threads block on it
        threading.Thread(target=self._read, name="flyte-nb-read", daemon=True).start()
        self._writer = threading.Thread(target=self._write, name="flyte-nb-write", daemon=True)
        self._writer.start()
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

    # -- the job's side (``_worker_job``, imported on the first job) ------------------------
    def _execute(self, job: Message) -> Message:
        from ._worker_job import execute

        return execute(self, job)

    def prepare(self, job: Message) -> Action | Message:
        """The action ``job`` runs, or its ``done`` message when it cannot be loaded."""
        from ._worker_job import prepare

        return prepare(self, job)

    def conclude(self, act: Action, result: Any, exc: BaseException | None) -> Message:
        """The ``done`` message of a body that returned ``result`` or raised ``exc``."""
        from ._worker_job import conclude

        return conclude(self, act, result, exc)


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
