"""Runs under flytekit in its peer venv, never with flyte_nb: see peers.py.

Usage: ``python _peer_flytekit.py COMMAND ARGS...``; prints one JSON line of figures
(seconds). ``dynamic N REPS``: a workflow whose ``@dynamic`` node calls a trivial ``@task``
once per item (N items), and the same items through ``map_task``, both run locally (a
workflow called as a function), interleaved, after one warm-up each. ``version``: nothing.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from flytekit import dynamic, map_task, task, workflow


@task
def trivial(x: int) -> int:
    return x


@dynamic
def per_item(xs: list[int]) -> list[int]:
    return [trivial(x=x) for x in xs]


@workflow
def wf_dynamic(xs: list[int]) -> list[int]:
    return per_item(xs=xs)


@workflow
def wf_map(xs: list[int]) -> list[int]:
    return map_task(trivial)(x=xs)


def cmd_dynamic(n: int, reps: int) -> dict[str, float]:
    xs = list(range(n))
    assert list(wf_dynamic(xs=xs)) == xs
    assert list(wf_map(xs=xs)) == xs
    dyn, mapped = [], []
    for _ in range(reps):
        start = time.perf_counter()
        wf_dynamic(xs=xs)
        dyn.append(time.perf_counter() - start)
        start = time.perf_counter()
        wf_map(xs=xs)
        mapped.append(time.perf_counter() - start)
    return {
        "dynamic_best": min(dyn),
        "dynamic_median": statistics.median(dyn),
        "map_best": min(mapped),
        "map_median": statistics.median(mapped),
    }


if __name__ == "__main__":
    command, args = sys.argv[1], [int(a) for a in sys.argv[2:]]
    if command == "version":
        print(json.dumps({"ok": 1}))
    elif command == "dynamic":
        print(json.dumps(cmd_dynamic(*args)))
    else:
        raise SystemExit(f"unknown command {command!r}")
