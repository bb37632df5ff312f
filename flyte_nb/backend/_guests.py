"""Actions hosted in a worker beside its own job: the children of a parent that waits there.

Why it is built this way (issue 17, "a parent that waits on its children costs no
process"): a worker runs one *job* (the action the scheduler placed on it) on its main
thread, as before. When that action, or one hosted here, calls a task the backend can run
in the same process (``_hosting`` decides, on the server), the backend sends the child back
to this worker as a *guest*:

- an async child of an async parent runs as a task on its parent's event loop, so a parent
  fanning out to 1,000 async children, or a task that calls itself, costs one process, as
  in the kernel's engine;
- any other child (sync, or async under a sync parent) runs in a thread of its own, its
  body on a loop of its own when it is async, so a parent blocked on it blocks nobody else.

The backend still does everything else (the record, cache, retries, deterministic names,
recovery, the depth limit): a guest is an ordinary action that happens to run here.

Stopping one (an abort, a timeout) cannot kill the process, which runs others: an async
guest's task is cancelled; a thread gets ``GuestStopped`` raised in it at its next Python
instruction. When it ends, the worker says ``stopped``; if it has not ended after
``_hosting.STOP_GRACE`` seconds (a body stuck in C code), the backend kills the worker, and
the actions it ran fail as on any worker death (retried if they have retries left).

Output: a guest's Python-level writes (``print``, ``sys.stdout``/``sys.stderr``, a
``logging`` handler created after the worker started) are routed to the guest's own
attempt by a context variable, masked like any job's. Writes below Python (``os.write`` to
fd 1/2, C extensions, subprocesses) and writes from threads a guest starts without copying
its context cannot be told apart: they go to the worker's job's attempt, or, between jobs,
to the masked idle stream.
"""

from __future__ import annotations

import contextvars
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

    from ._framing import Message
    from ._output import OutputCapture, _Job
    from ._worker import Worker

__all__ = ["GuestStopped", "Guests"]


class GuestStopped(BaseException):
    """Raised in a hosted sync action's thread that the backend stopped (abort, timeout)."""


_writer: contextvars.ContextVar[_Writer | None] = contextvars.ContextVar(
    "flyte_nb_guest_output", default=None
)


class _Writer:
    """A guest's attempt output: fed from the routed ``sys.stdout``/``sys.stderr``. Its
    masking and line state are made on the first write: most actions print nothing."""

    __slots__ = ("capture", "job", "key", "secrets")

    def __init__(self, capture: OutputCapture, key: dict[str, Any], secrets: list[str]) -> None:
        self.capture = capture
        self.key = key
        self.secrets = secrets
        self.job: _Job | None = None

    def write(self, name: str, text: str) -> None:
        if self.job is None:
            self.job = self.capture.new_job(self.key, self.secrets)
        self.capture.feed(self.job, name, text.encode("utf-8", "replace"), final=False)

    def close(self) -> None:
        if self.job is not None:
            for name in ("stdout", "stderr"):
                self.capture.feed(self.job, name, b"", final=True)


class _Routed:
    """``sys.stdout``/``sys.stderr`` in a worker that hosts guests: a guest's writes go to
    its attempt, everything else to the real stream (the fd-level capture)."""

    def __init__(self, name: str, real: Any) -> None:
        self._name = name
        self._real = real

    def write(self, text: str) -> int:
        writer = _writer.get()
        if writer is None:
            written = self._real.write(text)  # Ray's worker streams answer None
            return len(text) if written is None else int(written)
        writer.write(self._name, text)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._real.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _Guest:
    __slots__ = ("loop", "stopped", "task", "thread")

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[Any] | None = None
        self.thread: int | None = None
        self.stopped = False


class Guests:
    """The guests of one worker (its reader thread calls ``start`` and ``stop``)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.capture: OutputCapture | None = None
        self._running: dict[int, _Guest] = {}
        self._lock = threading.Lock()
        self._routed = False

    def install(self, capture: OutputCapture) -> None:
        """Route Python-level output by guest (``sys.stdout``/``sys.stderr`` wrapped once)."""
        import sys

        self.capture = capture
        if not self._routed:
            sys.stdout = _Routed("stdout", sys.stdout)
            sys.stderr = _Routed("stderr", sys.stderr)
            self._routed = True

    # -- the reader thread ------------------------------------------------------------------
    def start(self, job: Message) -> None:
        guest = _Guest()
        with self._lock:
            self._running[job["dispatch"]] = guest
        loop = self.worker.loops.get(job["parent"]) if job.get("shared") else None
        if loop is not None and loop.is_running():
            guest.loop = loop
            loop.call_soon_threadsafe(self._on_loop, job, guest)
        else:
            name = f"flyte-nb-{job['action']}"
            threading.Thread(
                target=self._in_thread, args=(job, guest), name=name, daemon=True
            ).start()

    def stop(self, dispatch: int) -> None:
        """Stop the guest sent as ``dispatch`` (the backend has recorded its end)."""
        with self._lock:
            guest = self._running.get(dispatch)
            if guest is not None:
                guest.stopped = True
        if guest is None:  # it ended before the stop came: say so, the backend waits for it
            self.worker.send({"op": "stopped", "dispatch": dispatch})
            return
        import ctypes

        with self._lock:
            thread = guest.thread
            if thread is not None:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(thread), ctypes.py_object(GuestStopped)
                )
        if guest.task is not None and guest.loop is not None:
            guest.loop.call_soon_threadsafe(guest.task.cancel)

    # -- where guests run ----------------------------------------------------------------
    def _on_loop(self, job: Message, guest: _Guest) -> None:
        assert guest.loop is not None
        if guest.stopped:
            self._ended(job, guest, None)
            return
        guest.task = guest.loop.create_task(self._run_async(job, guest))

    def _in_thread(self, job: Message, guest: _Guest) -> None:
        done: Message | None = None
        try:
            if not guest.stopped:
                done = self._run_sync(job, guest)
        except GuestStopped:
            done = None
        try:
            self._ended(job, guest, done)
        except GuestStopped:  # raised a moment late: the end is sent all the same
            self._ended(job, guest, None)

    def _run_sync(self, job: Message, guest: _Guest) -> Message | None:
        act = self.worker.prepare(job)  # loads the engine (``_worker_job``) on first use
        if isinstance(act, dict):
            return act
        import asyncio

        from ..engine._context import enter, leave
        from ..engine._decks import start_docs

        writer = self._writer(job)
        out, tokens = _writer.set(writer), enter(act.frame)
        try:
            start_docs(act.frame, act.task)
            try:
                with self._lock:
                    guest.thread = None if guest.stopped else threading.get_ident()
                if guest.thread is None:
                    return None
                if act.task.is_async:  # under a sync parent: a loop of its own
                    loop = asyncio.new_event_loop()
                    self.worker.loops[act.state.name] = loop
                    try:
                        result = loop.run_until_complete(act.task.func(**act.values))
                    finally:
                        self.worker.loops.pop(act.state.name, None)
                        loop.close()
                else:
                    result = act.task.func(**act.values)
            except GuestStopped:
                return None
            except BaseException as exc:
                with self._lock:
                    guest.thread = None
                return self.worker.conclude(act, None, exc)
            with self._lock:
                guest.thread = None
            return self.worker.conclude(act, result, None)
        finally:
            leave(tokens)
            _writer.reset(out)
            if writer is not None:
                writer.close()

    async def _run_async(self, job: Message, guest: _Guest) -> None:
        import asyncio  # loaded: this runs on a job's loop

        done: Message | None = None
        act = self.worker.prepare(job)  # loads the engine (``_worker_job``) on first use
        if isinstance(act, dict):
            self._ended(job, guest, act)
            return
        from ..engine._context import enter, leave
        from ..engine._decks import start_docs

        writer = self._writer(job)
        out, tokens = _writer.set(writer), enter(act.frame)
        self.worker.loops[act.state.name] = asyncio.get_running_loop()
        try:
            start_docs(act.frame, act.task)
            try:
                result = await act.task.func(**act.values)
            except asyncio.CancelledError:
                if not guest.stopped:
                    done = self.worker.conclude(act, None, asyncio.CancelledError())
            except BaseException as exc:
                done = self.worker.conclude(act, None, exc)
            else:
                done = self.worker.conclude(act, result, None)
        finally:
            self.worker.loops.pop(act.state.name, None)
            leave(tokens)
            _writer.reset(out)
            if writer is not None:
                writer.close()
        self._ended(job, guest, done)

    def _writer(self, job: Message) -> _Writer | None:
        if self.capture is None:
            return None
        key = {"run_name": job["run"], "action_name": job["action"], "attempt": job["attempt"]}
        secrets = [value for _, value in job.get("secrets") or () if value]
        return _Writer(self.capture, key, secrets)

    def _ended(self, job: Message, guest: _Guest, done: Message | None) -> None:
        with self._lock:
            self._running.pop(job["dispatch"], None)
            stopped = guest.stopped
        if stopped or done is None:
            self.worker.send({"op": "stopped", "dispatch": job["dispatch"]})
        else:
            self.worker.send(done)
