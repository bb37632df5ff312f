"""The local worker pool: the embedded backend's executor.

A busy worker may hold one job *ahead* (``queued``) when actions wait for a place: it
starts that job the moment its current one ends, without a round trip to the backend,
which is where most of a trivial action's time went.

``size`` bounds how many workers *execute* at once. A worker whose job is waiting on
children does not count (it lends its place, as a local-mode parent lends its concurrency
slot). Most children never need another worker: they run in their parent's process
(``_hosting``, ``_guests``). For those that do, the pool grows to at most ``limit``
(``2 * size``) processes; past it, a worker starts only when every worker holds actions
that all wait (``stalled``), so nested fan-out can never deadlock the pool. Extra workers
retire after ``idle_ttl`` seconds.

Workers are spawned with a socketpair and ``start_new_session`` (each leads its own
process group), so ``kill`` takes the action's whole process tree down, and a death is
seen at once as the channel closing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from ._channel import Channel, Message


class WorkerHandle:
    __slots__ = (
        "channel",
        "guests",
        "idle_since",
        "job",
        "kill_reason",
        "pid",
        "pool",
        "proc",
        "queued",
        "ready",
        "stopping",
    )

    def __init__(self, proc: subprocess.Popen[bytes], channel: Channel, pool: WorkerPool) -> None:
        self.pool = pool  # whose capacity this worker counts against (plain or an actor's)
        self.proc = proc
        self.pid = proc.pid
        self.channel = channel
        self.ready = False
        self.job: Any = None  # the ActionRecord running here
        self.queued: deque[Any] = deque()  # sent ahead, to start when ``job`` is done
        self.guests: dict[str, Any] = {}  # action name -> ActionRecord hosted in-process
        self.stopping: set[int] = set()  # dispatch ids of guests told to stop, not yet gone
        self.kill_reason: str | None = None
        self.idle_since = time.monotonic()

    def send(self, message: Message) -> None:
        self.channel.send(message)

    def describe_exit(self, code: int | None) -> str:
        """What died and how, for the action's error (an executor's handle says more)."""
        how = f"killed by {signal.Signals(-code).name}" if code and code < 0 else f"exit {code}"
        return f"the worker process (pid {self.pid}) running this action died ({how})"


class WorkerPool:
    shaped = False  # whether workers suit different actions (Ray: by resources)

    def __init__(
        self,
        size: int,
        blob_url: str,
        on_message: Callable[[WorkerHandle, Message], None],
        on_exit: Callable[[WorkerHandle, int | None], None],
        on_ready: Callable[[], None],
        idle_ttl: float = 60.0,
    ) -> None:
        self.size = size
        self.blob_url = blob_url
        self.idle_ttl = idle_ttl
        self._on_message = on_message
        self._on_exit = on_exit
        self._on_ready = on_ready
        self.workers: dict[int, WorkerHandle] = {}
        self.idle: list[WorkerHandle] = []
        self.starting = 0
        self.executing = 0  # busy workers whose action is not waiting on children
        self.env: dict[str, str] | None = None  # extra environment for spawned workers
        self._closed = False
        self._tasks: set[asyncio.Task[Any]] = set()  # held so they are not collected mid-run

    def handlers(
        self,
    ) -> tuple[
        Callable[[WorkerHandle, Message], None],
        Callable[[WorkerHandle, int | None], None],
        Callable[[], None],
    ]:
        """(on_message, on_exit, on_ready): what another pool of the same backend calls."""
        return self._on_message, self._on_exit, self._on_ready

    # -- capacity ------------------------------------------------------------------------
    def can_execute(self) -> bool:
        return self.executing < self.size

    def take_idle(self, rec: Any = None) -> WorkerHandle | None:
        """An idle worker for ``rec`` (any worker here; the Ray executor matches shapes).
        One still stopping a hosted action is passed over: it is killed if that action
        does not end (``_hosting.STOP_GRACE``), and a new job there would die with it."""
        for i in range(len(self.idle) - 1, -1, -1):
            worker = self.idle[i]
            if worker.pid not in self.workers or not worker.ready:
                del self.idle[i]
            elif not worker.stopping:
                del self.idle[i]
                return worker
        return None

    def take_prefetch(self, rec: Any = None) -> WorkerHandle | None:
        """A busy worker that can take one job ahead: its action is not waiting on children
        (a job queued behind a waiting parent would wait for the whole subtree)."""
        for worker in self.workers.values():
            job = worker.job
            if (
                job is not None
                and not worker.queued
                and job.pending == 0
                and worker.ready
                and not worker.stopping
            ):
                return worker
        return None

    def want_more(self, queued: int, rec: Any = None) -> None:
        """Start workers so that ``queued`` waiting actions have somewhere to run, never
        more than ``limit`` in all, unless every worker holds only waiting actions (then
        one more, or nothing would move: see ``stalled``)."""
        room = self.size - self.executing - len(self.idle) - self.starting
        room = min(room, self.limit - len(self.workers))
        if room <= 0 and queued and self.stalled():
            room = 1
        for _ in range(max(0, min(queued, room))):
            self.spawn()

    @property
    def limit(self) -> int:
        """The processes this pool keeps to: ``size`` executing, and as many again for
        parents that wait on children which cannot run in their process (``_hosting``)."""
        return 2 * self.size

    def stalled(self) -> bool:
        """No action anywhere in the pool can move: every worker is busy, and each of its
        actions (hosted ones included) waits on children."""
        if self.executing > 0 or self.idle or self.starting:
            return False
        return not any(
            guest.pending == 0
            for worker in self.workers.values()
            for guest in worker.guests.values()
        )

    def release(self, worker: WorkerHandle) -> None:
        worker.job = None
        worker.idle_since = time.monotonic()
        if worker.pid in self.workers:
            self.idle.append(worker)

    # -- processes -----------------------------------------------------------------------
    def start(self) -> None:
        """Warm the pool when the backend starts (on its event loop)."""
        for _ in range(self.size):
            self.spawn()

    def replica_pool(
        self,
        size: int,
        on_message: Callable[[WorkerHandle, Message], None],
        on_exit: Callable[[WorkerHandle, int | None], None],
        on_ready: Callable[[], None],
        idle_ttl: float,
        resources: dict[str, Any] | None = None,
    ) -> WorkerPool:
        """The pool of one actor environment's replicas, on this executor's kind of worker
        (``resources``: what each replica asks of the executor)."""
        from ._actors import ActorPool

        return ActorPool(size, self.blob_url, on_message, on_exit, on_ready, idle_ttl=idle_ttl)

    def spawn(self) -> None:
        if self._closed:
            return
        parent, child = socket.socketpair()
        try:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "flyte_nb.backend._worker",
                    str(child.fileno()),
                    self.blob_url,
                ],
                pass_fds=[child.fileno()],
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env={**os.environ, **self.env} if self.env else None,
            )
        finally:
            child.close()
        self.starting += 1
        holder: list[WorkerHandle] = []
        channel = Channel(
            lambda msgs: self._messages(holder[0], msgs), lambda _exc: self._lost(holder[0])
        )
        worker = WorkerHandle(proc, channel, self)
        holder.append(worker)
        self.workers[worker.pid] = worker
        loop = asyncio.get_running_loop()
        self._tasks.add(loop.create_task(loop.create_unix_connection(lambda: channel, sock=parent)))

    def _messages(self, worker: WorkerHandle, messages: list[Message]) -> None:
        for m in messages:
            op = m["op"]
            if op == "stopped" or (op == "done" and "dispatch" in m):
                if m["dispatch"] in worker.stopping:  # a stopped guest is gone
                    worker.stopping.discard(m["dispatch"])
                    if not worker.stopping:
                        self._on_ready()  # the worker takes jobs again
                if op == "stopped":
                    continue
            if op == "ready":
                worker.ready = True
                self.starting -= 1
                self.idle.append(worker)
                self._on_ready()
            else:
                self._on_message(worker, m)

    def _lost(self, worker: WorkerHandle) -> None:
        if self.workers.pop(worker.pid, None) is None:
            return
        if not worker.ready:
            self.starting -= 1
        if worker in self.idle:
            self.idle.remove(worker)
        loop = asyncio.get_running_loop()

        async def reap() -> None:
            try:
                code = await loop.run_in_executor(None, worker.proc.wait)
            except RuntimeError:  # the server is stopping: its loop's executor is gone
                worker.proc.poll()
                return
            self._on_exit(worker, code)

        task = loop.create_task(reap())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def kill(self, worker: WorkerHandle, reason: str) -> None:
        """Kill the worker and its process tree; ``on_exit`` follows with ``reason`` set."""
        worker.kill_reason = reason
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(worker.pid, signal.SIGKILL)

    def retire_idle(self) -> None:
        now = time.monotonic()
        keep = self.size
        for worker in sorted(self.idle, key=lambda w: w.idle_since):
            if len(self.idle) <= keep:
                break
            if now - worker.idle_since > self.idle_ttl:
                self.idle.remove(worker)
                worker.send({"op": "exit"})

    def close(self) -> None:
        self._closed = True
        for worker in list(self.workers.values()):
            self.kill(worker, "shutdown")
