"""Runs under Flyte 2's own SDK (``flyte``) in its peer venv, never with flyte_nb: see peers.py.

Usage: ``python _peer_flyte.py COMMAND ARGS...``; prints one JSON line of figures (seconds).
The workloads are the twins of ``_workloads.py`` and ``_backend_tasks.py``: the same trivial
async tasks, in Flyte 2's local mode (``flyte.init()`` with no endpoint).

- ``version``: nothing timed (checks the venv works);
- ``fanout N REPS``: ``flyte.run(fanout, n=N)`` against plain asyncio, interleaved;
- ``one``: one task, once (the caller times the whole process);
- ``cache N REPS``: uncached fan-out, cache fills (new inputs each time) and hits, interleaved;
- ``memory N``: one fan-out; peak RSS in KiB;
- ``load RUNS FANOUT``: RUNS concurrent runs, each a parent fanning out FANOUT children.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import resource
import statistics
import sys
import time

import flyte

env = flyte.TaskEnvironment(name="bench")
cached_env = flyte.TaskEnvironment(name="bench_cached", cache="auto")


@env.task
async def square(x: int) -> int:
    return x * x


@env.task
async def fanout(n: int, offset: int = 0) -> int:
    return sum(await asyncio.gather(*[square(offset + i) for i in range(n)]))


@cached_env.task
async def cached_square(x: int) -> int:
    return x * x


@env.task
async def cached_fanout(n: int, offset: int = 0) -> int:
    return sum(await asyncio.gather(*[cached_square(offset + i) for i in range(n)]))


@env.task
async def increment(x: int) -> int:
    return x + 1


async def square_plain(x: int) -> int:
    return x * x


async def fanout_plain(n: int) -> int:
    return sum(await asyncio.gather(*[square_plain(i) for i in range(n)]))


def timed(fn, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def best_and_median(prefix: str, times: list[float]) -> dict[str, float]:
    return {f"{prefix}_best": min(times), f"{prefix}_median": statistics.median(times)}


def cmd_fanout(n: int, reps: int) -> dict[str, float]:
    flyte.run(fanout, n=n)  # warm-up
    asyncio.run(fanout_plain(n))
    runs, plain = [], []
    for _ in range(reps):
        runs.append(timed(flyte.run, fanout, n=n))
        plain.append(timed(asyncio.run, fanout_plain(n)))
    return {**best_and_median("run", runs), **best_and_median("plain", plain)}


def cmd_cache(n: int, reps: int) -> dict[str, float]:
    offsets = itertools.count(start=10 * n, step=n)
    hit_offset = 10**6  # its sums must fit the int64 a Flyte 2 int output is
    flyte.run(fanout, n=n)
    flyte.run(cached_fanout, n=n, offset=next(offsets))
    flyte.run(cached_fanout, n=n, offset=hit_offset)
    nocache, fill, hit = [], [], []
    for _ in range(reps):
        nocache.append(timed(flyte.run, fanout, n=n))
        fill.append(timed(flyte.run, cached_fanout, n=n, offset=next(offsets)))
        hit.append(timed(flyte.run, cached_fanout, n=n, offset=hit_offset))
    return {
        **best_and_median("nocache", nocache),
        **best_and_median("fill", fill),
        **best_and_median("hit", hit),
    }


async def _load(runs: int, n: int) -> int:
    started = await asyncio.gather(*[flyte.run.aio(fanout, n=n) for _ in range(runs)])
    return sum(1 for r in started if r.outputs()[0] == sum(i * i for i in range(n)))


def cmd_load(runs: int, n: int) -> dict[str, float]:
    start = time.perf_counter()
    ok = asyncio.run(_load(runs, n))
    wall = time.perf_counter() - start
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"wall": wall, "ok_runs": ok, "rss_kib": rss_kib}


def main(argv: list[str]) -> dict[str, float]:
    command, args = argv[0], [int(a) for a in argv[1:]]
    if command == "version":
        return {"ok": 1}
    flyte.init()  # local mode: no endpoint
    if command == "fanout":
        return cmd_fanout(*args)
    if command == "one":
        assert flyte.run(increment, x=1).outputs()[0] == 2
        return {"ok": 1}
    if command == "cache":
        return cmd_cache(*args)
    if command == "memory":
        assert flyte.run(fanout, n=args[0]).outputs()[0] == sum(i * i for i in range(args[0]))
        return {"rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    if command == "load":
        return cmd_load(*args)
    raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
