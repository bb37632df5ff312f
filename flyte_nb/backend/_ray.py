"""The Ray executor: worker processes are Ray actors, pooled by resource shape.

See ``_executor.py`` for why actors running our worker loop rather than a Ray task per
action. How the pool behaves:

- **Shapes.** An action's ``Resources`` requests become the options of the actor that runs
  it: ``cpu`` -> ``num_cpus``, ``mem`` -> ``memory``, ``gpu`` -> ``num_gpus``. Ray places the
  actor on a node with room and reserves them while the actor lives. Idle workers are
  matched by shape, so a ``Resources(gpu=1)`` action never lands on a CPU-only worker.
- **No resources, no reservation.** An action without ``Resources`` runs on a worker
  created with Ray's actor defaults (a CPU to be placed, none held while it runs) and
  spread over the nodes; the backend's worker count (``workers``, default: the cluster's
  CPUs) bounds how many execute at once. That is what lets a parent waiting on children
  lend its place as on local workers: a parent that reserved a CPU would hold it while it
  waits, and a nested fan-out could wait forever for CPUs its own parents hold. A parent
  *with* ``Resources`` does hold them while it waits, as a pod does on a cluster.
- **Reservations are released.** An idle worker of a shape with resources retires after
  the idle TTL, and at once when a worker of another shape must start and the cluster has
  no room for it (it may need what the idle one reserves). A shape without ``cpu`` gets
  Ray's default for an actor that asks for resources (1 CPU). At most as many workers of a
  shape are started as the cluster's totals can hold (at least one, which Ray keeps
  pending until a node fits, e.g. after an autoscaler adds one).
- **Kills.** A worker on the server's own node is killed as a local one is, by its process
  group; elsewhere through ``ray.kill``. Either way its channel closes and the backend
  treats it as it treats a local worker's death: an abort, a timeout, or ``WorkerDied``
  retried by the backend's own rules (Ray never retries a task of ours).
- **Actor environments.** ``replica_pool`` gives an ``ActorEnvironment`` a pool whose
  replicas are restartable Ray actors (``max_restarts=-1``): when one dies (crash, OOM,
  a timeout's kill), Ray restarts its process and the backend asks it to serve again; a
  replica idle past the TTL is killed for good. Its action is retried by the backend.
- **A worker that cannot start** (its actor fails to be created, a node without flyte_nb)
  is reported in the server log, and starts are retried with a growing pause, up to 30 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from ._actors import ActorPool
from ._channel import Channel, Message
from ._pool import WorkerHandle, WorkerPool
from ._ray_link import RayLink

__all__ = ["RayPool", "RayReplicaPool", "RayWorkerHandle", "ray_options"]

Shape = tuple[tuple[str, float], ...]
_RAY_NAMES = {"cpu": "num_cpus", "mem": "memory", "gpu": "num_gpus"}
_TOTALS = {"num_cpus": "CPU", "memory": "memory", "num_gpus": "GPU"}
_END_WAIT = 5.0  # seconds to wait for Ray to say why a worker died
_shapes: dict[str, Shape] = {}


def ray_options(resources: dict[str, Any] | None) -> Shape:
    """The Ray actor options for ``Resources.to_dict()`` (its requests), as a sorted tuple
    of (option, amount); ``()`` for none. Memoized: every dispatch asks."""
    if not resources:
        return ()
    key = repr(sorted(resources.items()))
    shape = _shapes.get(key)
    if shape is None:
        from ..tasks import Resources

        requests = Resources.from_dict(resources).requests()
        options = {
            _RAY_NAMES[name]: (int(value) if name != "cpu" else float(value))
            for name, value in requests.items()
            if name in _RAY_NAMES and value
        }
        shape = _shapes[key] = tuple(sorted(options.items()))
    return shape


class RayWorkerHandle(WorkerHandle):
    """A worker that is a Ray actor; ``key`` names it in its pool (pids repeat across nodes)."""

    __slots__ = ("actor", "death", "ended", "key", "node", "retiring", "shape", "tries")

    def __init__(self, pool: RayPool, channel: Channel, actor: Any, key: int, shape: Shape) -> None:
        self.pool = pool
        self.channel = channel
        self.pid = 0  # from the worker's hello
        self.ready = False
        self.job: Any = None
        self.queued: deque[Any] = deque()
        self.kill_reason: str | None = None
        self.idle_since = time.monotonic()
        self.actor = actor
        self.key = key
        self.shape = shape
        self.node = ""
        self.death = ""
        self.retiring = False
        self.tries = 0  # serve calls that found the actor restarting
        self.ended: asyncio.Future[Any] | None = None

    def send(self, message: Message) -> None:
        if message["op"] == "exit":
            self.retiring = True  # a clean end: not a crash to restart from
        self.channel.send(message)

    def describe_exit(self, code: int | None) -> str:
        what = f"the Ray worker (pid {self.pid}, node {self.node[:12] or '?'}) running this action"
        if self.death:
            return f"{what} died: {self.death}"
        how = f"killed by {signal.Signals(-code).name}" if code and code < 0 else "it exited"
        return f"{what} died ({how})"


class RayPool(WorkerPool):
    """Workers as Ray actors, pooled by shape (see the module doc)."""

    restartable = False  # plain workers: a dead one is replaced by a new actor when needed
    shaped = True

    def __init__(
        self,
        size: int,
        blob_url: str,
        on_message: Callable[[WorkerHandle, Message], None],
        on_exit: Callable[[WorkerHandle, int | None], None],
        on_ready: Callable[[], None],
        idle_ttl: float = 60.0,
        *,
        address: str = "",
        link: RayLink | None = None,
        shape: Shape | None = None,
    ) -> None:
        super().__init__(size, blob_url, on_message, on_exit, on_ready, idle_ttl)
        self.link = link if link is not None else RayLink(address)
        self._owns_link = link is None
        self.shape = shape  # fixed for a replica pool; None: each action's own
        self._failures = 0
        self._hold_until = 0.0
        self._unplaceable: set[Shape] = set()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self.link.open(asyncio.get_running_loop())
        if self.size <= 0:
            self.size = max(1, int(self.link.totals.get("CPU", 1)))
        super().start()

    def close(self) -> None:
        self._closed = True
        for worker in list(self.workers.values()):
            assert isinstance(worker, RayWorkerHandle)
            worker.kill_reason = "shutdown"
            self.link.kill(worker.actor)
        if self._owns_link:
            self.link.close()

    def replica_pool(
        self,
        size: int,
        on_message: Callable[[WorkerHandle, Message], None],
        on_exit: Callable[[WorkerHandle, int | None], None],
        on_ready: Callable[[], None],
        idle_ttl: float,
        resources: dict[str, Any] | None = None,
    ) -> WorkerPool:
        return RayReplicaPool(
            size,
            self.blob_url,
            on_message,
            on_exit,
            on_ready,
            idle_ttl,
            link=self.link,
            shape=ray_options(resources),
        )

    # -- choosing workers ------------------------------------------------------------------
    def _shape_of(self, rec: Any) -> Shape:
        if self.shape is not None:
            return self.shape
        return ray_options(rec.spec.get("resources")) if rec is not None else ()

    def _handles(self) -> list[RayWorkerHandle]:
        return [w for w in self.workers.values() if isinstance(w, RayWorkerHandle)]

    def take_idle(self, rec: Any = None) -> WorkerHandle | None:
        shape = self._shape_of(rec)
        for i in range(len(self.idle) - 1, -1, -1):
            worker = self.idle[i]
            assert isinstance(worker, RayWorkerHandle)
            if worker.key not in self.workers:
                del self.idle[i]  # gone meanwhile
            elif worker.shape == shape and worker.ready:
                del self.idle[i]
                return worker
        return None

    def take_prefetch(self, rec: Any = None) -> WorkerHandle | None:
        shape = self._shape_of(rec)
        for worker in self._handles():
            job = worker.job
            if (
                job is not None
                and worker.shape == shape
                and not worker.queued
                and job.pending == 0
                and worker.ready
            ):
                return worker
        return None

    def want_more(self, queued: int, rec: Any = None) -> None:
        if self._closed or time.monotonic() < self._hold_until:
            return
        shape = self._shape_of(rec)
        same = [w for w in self._handles() if w.shape == shape]
        spare = sum(1 for w in same if not w.ready or (w.job is None and w in self.idle))
        room = min(queued, self.size - self.executing - spare)
        if shape:
            fits = self._fits(shape, self.link.totals)
            if not fits:
                self._say_unplaceable(shape)
            room = min(room, max(1, fits) - len(same))
            if room > 0 and self._fits(shape, self.link.available()) < 1:
                self._retire_other_shapes(shape)  # what they reserve may be what it needs
        for _ in range(max(0, room)):
            self._spawn_shape(shape)

    @staticmethod
    def _fits(shape: Shape, resources: dict[str, float]) -> int:
        """How many workers of ``shape`` fit in ``resources`` (the cluster's totals, or
        what is free now)."""
        counts = [
            int(resources.get(_TOTALS[name], 0) // amount) for name, amount in shape if amount
        ]
        return min(counts) if counts else sys.maxsize

    def _say_unplaceable(self, shape: Shape) -> None:
        """Once per shape: no node of the cluster as it is now can hold it."""
        if shape in self._unplaceable:
            return
        self._unplaceable.add(shape)
        print(
            f"flyte_nb backend: no node of the Ray cluster has room for a worker with "
            f"{dict(shape)} (cluster totals: {self.link.totals}); its actions wait until "
            "one joins",
            file=sys.stderr,
            flush=True,
        )

    def _retire_other_shapes(self, shape: Shape) -> None:
        for worker in list(self.idle):
            assert isinstance(worker, RayWorkerHandle)
            if worker.shape and worker.shape != shape:
                self.idle.remove(worker)
                worker.send({"op": "exit"})

    def release(self, worker: WorkerHandle) -> None:
        assert isinstance(worker, RayWorkerHandle)
        worker.job = None
        worker.idle_since = time.monotonic()
        if worker.key in self.workers:
            self.idle.append(worker)

    def retire_idle(self) -> None:
        """Every few seconds: keep up to ``size`` idle plain workers; workers holding a
        reservation retire once idle past the TTL."""
        self.link.refresh()
        now = time.monotonic()
        plain = 0
        for worker in sorted(self.idle, key=lambda w: w.idle_since, reverse=True):
            assert isinstance(worker, RayWorkerHandle)
            if not worker.shape:
                plain += 1
                if plain <= self.size:
                    continue
            if now - worker.idle_since > self.idle_ttl:
                self.idle.remove(worker)
                worker.send({"op": "exit"})

    # -- actors ----------------------------------------------------------------------------
    def spawn(self) -> None:
        """Start a worker of this pool's fixed shape, or a plain one."""
        self._spawn_shape(self.shape or ())

    def _spawn_shape(self, shape: Shape) -> None:
        if self._closed or (self.shape is not None and shape != self.shape):
            return
        actor = self.link.new_actor(dict(shape), self.restartable)
        self._serve(actor, shape)

    def _serve(self, actor: Any, shape: Shape, after: asyncio.Future[Any] | None = None) -> None:
        """A handle for ``actor``, asked to serve now or once ``after`` (the call it made
        before it died) is over: by then Ray knows of the death, and queues the new call
        until the actor has restarted instead of sending it to the dead process."""
        holder: list[RayWorkerHandle] = []
        channel = Channel(
            lambda msgs: self._messages(holder[0], msgs), lambda _exc: self._lost(holder[0])
        )
        worker = RayWorkerHandle(self, channel, actor, next(self.link.keys), shape)
        holder.append(worker)
        self.workers[worker.key] = worker
        self.starting += 1
        if after is not None and not after.done():
            after.add_done_callback(lambda _f: self._call_serve(worker))
        else:
            self._call_serve(worker)

    def _call_serve(self, worker: RayWorkerHandle) -> None:
        if worker.key in self.workers and not self._closed:
            self.link.serve(worker, self.blob_url, self.env or {}, lambda f: self._ended(worker, f))

    def _messages(self, worker: WorkerHandle, messages: list[Message]) -> None:
        for m in messages:
            if m["op"] == "ready":
                worker.ready = True
                self.starting -= 1
                self._failures = 0
                self.release(worker)  # (a replica pool's release arms its TTL)
                self._on_ready()
            else:
                self._on_message(worker, m)

    def _ended(self, worker: RayWorkerHandle, ended: asyncio.Future[Any]) -> None:
        """The actor's ``serve`` call ended. Before it ever connected: it could not start."""
        error = None if ended.cancelled() else ended.exception()  # (retrieved: no warning)
        if self.link.pending.pop(worker.key, None) is None:
            return  # it connected: the channel closing is the news
        if self.restartable and _unavailable(error) and worker.tries < 5 and not self._closed:
            worker.tries += 1  # restarting: ask again in a moment
            asyncio.get_running_loop().call_later(1.0, self._call_serve, worker)
            return
        worker.death = _first_line(error) if error else "it ended before connecting"
        if not self._closed:
            self._failures += 1
            pause = min(30.0, 0.5 * 2**self._failures)
            self._hold_until = time.monotonic() + pause
            asyncio.get_running_loop().call_later(pause, self._on_ready)
            print(
                f"flyte_nb backend: a Ray worker could not start ({worker.death}); "
                f"trying again in {pause:g} s",
                file=sys.stderr,
                flush=True,
            )
        self._lost(worker)

    def _lost(self, worker: WorkerHandle) -> None:
        assert isinstance(worker, RayWorkerHandle)
        if self.workers.pop(worker.key, None) is None:
            return
        if not worker.ready:
            self.starting -= 1
        if worker in self.idle:
            self.idle.remove(worker)
        crashed = worker.ready and not worker.retiring and worker.kill_reason != "shutdown"
        if self.restartable and crashed and not self._closed:
            self._serve(worker.actor, worker.shape, worker.ended)  # Ray restarts it
        else:
            self.link.kill(worker.actor)  # a clean end: free what the actor reserved
            if crashed and not worker.shape and not self._closed:
                self._keep_warm()
        task = asyncio.get_running_loop().create_task(self._reap(worker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _keep_warm(self) -> None:
        """Replace a plain worker that died (abort, timeout, crash) while fewer than
        ``size`` remain: a Ray actor takes a second or more to start, a local worker
        a tenth of that, so waiting for the next action to ask would make it wait."""
        if sum(1 for w in self._handles() if not w.shape) < self.size:
            self.spawn()

    async def _reap(self, worker: RayWorkerHandle) -> None:
        code: int | None = -signal.SIGKILL if worker.kill_reason else None
        ended = worker.ended
        if code is None and ended is not None and not worker.death:
            try:  # Ray's word on how it died (OOM, node lost, exit code), if it comes soon
                await asyncio.wait_for(asyncio.shield(ended), _END_WAIT)
                code = 0
            except TimeoutError:
                worker.death = "its connection to the backend was lost"
            except Exception as exc:
                worker.death = _first_line(exc)
        self._on_exit(worker, code)

    def kill(self, worker: WorkerHandle, reason: str) -> None:
        assert isinstance(worker, RayWorkerHandle)
        worker.kill_reason = reason
        if worker.ready and worker.pid and worker.node == self.link.node_id:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(worker.pid, signal.SIGKILL)  # this node: its whole process tree
                return
        self.link.kill(worker.actor, restart=self.restartable and reason != "shutdown")


class RayReplicaPool(ActorPool, RayPool):
    """An ``ActorEnvironment``'s replicas as restartable Ray actors of one shape; the TTL
    and batching rules are ``ActorPool``'s."""

    restartable = True


def _unavailable(error: BaseException | None) -> bool:
    """Ray's word for an actor that is restarting (the call may be made again)."""
    return type(error).__name__ == "ActorUnavailableError"


def _first_line(error: BaseException) -> str:
    """Ray's message in short: its first line, and its line saying why an actor is dead
    (which names an OOM kill, a lost node, an exit code) when it has one."""
    lines = (str(error).strip() or type(error).__name__).splitlines()
    why = next((line for line in lines if line.startswith("The actor is dead because")), "")
    return " ".join(filter(None, [lines[0].strip(), why.strip()]))[:400]
