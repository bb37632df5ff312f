"""Where actions execute: the executor interface and the choice between its two kinds.

An executor is the pool of worker processes the scheduler hands actions to. Everything
else (queues, ``max_action_concurrency``, retries, timeouts, abort, cache, children,
logs, decks, recovery) lives in the backend and is the same whichever executor runs the
actions, because both run the *same worker program* (``_worker.py``) over the *same
channel* (``_channel.py``): the backend cannot tell a local worker from a Ray one except by
the handle it holds.

- ``local`` (the default, ``WorkerPool`` in ``_pool.py``): worker processes on the
  server's machine, each with a socketpair it inherits.
- ``ray`` (``RayPool`` in ``_ray.py``): Ray actors on any node of a Ray cluster, each
  running the worker loop and connecting back to the backend over TCP. Workers are pooled
  by *resource shape*: an action's ``Resources`` become the actor's ``num_cpus``,
  ``num_gpus`` and ``memory``, so Ray places it and reserves them.

Why Ray actors running our worker loop, and not one Ray task per action: a worker must
hold a live, two-way conversation with the backend while its action runs (it submits
children and waits for their results, streams log lines and decks, may be killed for a
timeout or an abort at any moment). A Ray task that ran one action would have to open that
conversation for every action, and would still pay Ray's own dispatch (0.7 ms per task on
the 2-core test machine) on top of ours. A pooled actor opens it once; an action then
costs one message each way, as on local workers: ``benchmarks/bench_ray.py`` measures a
1000-action fan-out at 0.34-0.41 ms per action, about half of Ray's own dispatch of the same
function measured in the same run (``benchmarks/README.md``). Worker death, abort and
timeout keep their meaning: the channel closing is the death, and killing the actor's
process is the kill.

The interface is ``Executor`` below; ``WorkerPool`` is the local implementation and the
base class of the Ray one, which overrides where its workers come from (``start``,
``spawn``, ``kill``, ``close``), which worker suits an action (``take_idle``,
``take_prefetch``, ``want_more`` look at the action's shape) and ``replica_pool`` (an
``ActorEnvironment``'s replicas become restartable Ray actors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ._channel import Message
from ._pool import WorkerHandle, WorkerPool

__all__ = ["EXECUTORS", "Executor", "ExecutorSettings", "create_executor"]

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class ExecutorSettings:
    """Which executor a backend uses; ``ray_address`` as ``ray.init`` takes it ("auto" or
    empty: the cluster this machine belongs to, e.g. one started with ``ray start``)."""

    kind: str = "local"
    ray_address: str = ""


class Executor(Protocol):
    """What the scheduler and the backend ask of a pool of workers (see the module doc)."""

    size: int  # how many actions may execute at once (parents waiting on children lend)
    shaped: bool  # whether a worker suits only some actions (Ray: by resource shape)
    executing: int  # busy workers whose action is not waiting on children
    blob_url: str

    def start(self) -> None: ...
    def can_execute(self) -> bool: ...
    def take_idle(self, rec: Any = None) -> WorkerHandle | None: ...
    def take_prefetch(self, rec: Any = None) -> WorkerHandle | None: ...
    def want_more(self, queued: int, rec: Any = None) -> None: ...
    def release(self, worker: WorkerHandle) -> None: ...
    def kill(self, worker: WorkerHandle, reason: str) -> None: ...
    def retire_idle(self) -> None: ...
    def close(self) -> None: ...
    def replica_pool(
        self,
        size: int,
        on_message: Callable[[WorkerHandle, Message], None],
        on_exit: Callable[[WorkerHandle, int | None], None],
        on_ready: Callable[[], None],
        idle_ttl: float,
        resources: dict[str, Any] | None = None,
    ) -> WorkerPool: ...


def create_executor(
    settings: ExecutorSettings | None,
    size: int,
    blob_url: str,
    on_message: Callable[[WorkerHandle, Message], None],
    on_exit: Callable[[WorkerHandle, int | None], None],
    on_ready: Callable[[], None],
) -> WorkerPool:
    """The pool for ``settings`` (None: local). ``size`` 0 on Ray means the cluster's CPUs."""
    kind = settings.kind if settings is not None else "local"
    if kind == "ray":
        assert settings is not None
        from ._ray import RayPool  # imports ray: only a Ray backend pays for it

        return RayPool(size, blob_url, on_message, on_exit, on_ready, address=settings.ray_address)
    if kind != "local":
        raise ValueError(f"executor {kind!r}: expected one of {', '.join(EXECUTORS)}")
    return WorkerPool(size or 1, blob_url, on_message, on_exit, on_ready)


_local: type[Executor] = WorkerPool  # mypy holds the local pool to the interface
