"""A task's ``Resources`` limits, enforced on the worker process that runs it.

A container runtime would give each task a cgroup; a worker process here gets what an
unprivileged process can set on itself, for the duration of one job, then restored:

* **memory** (``Resources(mem=...)``'s limit): ``RLIMIT_DATA``, the soft limit on the
  process's private writable memory (heap, anonymous mappings; Linux counts them since 4.7).
  It is the closest rlimit to a container's memory limit: ``RLIMIT_AS`` would also count
  address space that threads and allocators only reserve (three times a Python worker's
  real use), ``RLIMIT_RSS`` is ignored by Linux. An allocation past the limit fails, so the
  task sees ``MemoryError`` (a subprocess it starts inherits the limit). As in a container,
  the limit covers the whole process, Python included (~40 MiB for a worker); a limit below
  what the worker already uses fails the job with a message saying so, before the body runs.
* **CPU** (``cpu``'s limit, rounded up to whole CPUs): the process's threads are pinned with
  ``sched_setaffinity`` to that many of the CPUs it may use, starting at one chosen by its
  pid so that concurrent workers spread out; threads the task starts inherit it.
* GPUs and ephemeral storage are recorded, not enforced.

Where the OS offers neither (not Linux), limits are recorded only. Local (kernel) mode never
enforces: every task there shares the notebook's process.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator
from typing import Any

from ..exceptions import FlyteValidationException

__all__ = ["enforced", "parse_limits"]

_cache: dict[str, tuple[int | None, int | None]] = {}


def parse_limits(resources: dict[str, Any] | None) -> tuple[int | None, int | None]:
    """(memory bytes, whole CPUs) to enforce from ``Resources.to_dict()``; memoized."""
    if not resources:
        return None, None
    key = repr(sorted(resources.items()))
    hit = _cache.get(key)
    if hit is None:
        from ..tasks import Resources

        limits = Resources.from_dict(resources).limits()
        mem = limits.get("mem")
        cpu = limits.get("cpu")
        hit = (
            int(mem) if mem else None,
            max(1, math.ceil(cpu)) if cpu else None,
        )
        _cache[key] = hit
    return hit


def _data_bytes() -> int:
    """This process's private writable memory (``VmData``), what ``RLIMIT_DATA`` counts."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@contextlib.contextmanager
def _memory(limit: int) -> Iterator[None]:
    import resource

    used = _data_bytes()
    if limit <= used:
        raise FlyteValidationException(
            f"Resources(mem=...) limits this task to {limit / 2**20:.0f} MiB, but the worker "
            f"process running it already uses {used / 2**20:.0f} MiB (Python and flyte_nb "
            "count, as in a container); raise the limit"
        )
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    new = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (new, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _threads() -> list[int]:
    try:
        return [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        return [0]


def _pin(cpus: set[int]) -> None:
    for tid in _threads():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            os.sched_setaffinity(tid, cpus)


@contextlib.contextmanager
def _cpus(count: int) -> Iterator[None]:
    allowed = sorted(os.sched_getaffinity(0))
    if count >= len(allowed):
        yield
        return
    start = os.getpid() % len(allowed)
    chosen = {allowed[(start + i) % len(allowed)] for i in range(count)}
    _pin(chosen)
    try:
        yield
    finally:
        _pin(set(allowed))


_UNLIMITED = contextlib.nullcontext()


def enforced(resources: dict[str, Any] | None) -> contextlib.AbstractContextManager[None]:
    """Hold this process to ``resources``' limits inside the block (see the module doc)."""
    mem, cpus = parse_limits(resources)
    if (mem is None and cpus is None) or not sys.platform.startswith("linux"):
        return _UNLIMITED  # most jobs: nothing to set or restore
    return _limited(mem, cpus)


@contextlib.contextmanager
def _limited(mem: int | None, cpus: int | None) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        if mem is not None:
            stack.enter_context(_memory(mem))
        if cpus is not None:
            stack.enter_context(_cpus(cpus))
        yield
