"""Tasks the backend benchmark runs; a module, so workers import it by reference."""

from __future__ import annotations

import asyncio
import time

import flyte_nb as fl

env = fl.TaskEnvironment("bench_backend")


@env.task
async def noop(x: int) -> int:
    return x


@env.task
async def fan_out(n: int) -> int:
    return len(await asyncio.gather(*[noop(i) for i in range(n)]))


@env.task
def started_at() -> float:
    """When the body began, by the wall clock the kernel also reads."""
    return time.time()


def plain(x: int) -> int:
    return x
