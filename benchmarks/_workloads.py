"""The fan-out workloads the benchmarks time: flyte_nb tasks and their plain-asyncio twins.

Tasks live in a module of their own (not in ``__main__``) so every script and every child
process measures exactly the same task definitions.
"""

from __future__ import annotations

import asyncio

import _common  # noqa: F401  (puts this checkout on sys.path)

import flyte_nb as fl

env = fl.TaskEnvironment(name="bench")  # cache disabled (the default)
cached_env = fl.TaskEnvironment(name="bench_cached", cache="auto")


@env.task
async def square(x: int) -> int:
    return x * x


@env.task
async def fanout(n: int, offset: int = 0) -> int:
    """``n`` uncached ``square`` actions, gathered."""
    return sum(await asyncio.gather(*[square(offset + i) for i in range(n)]))


@cached_env.task
async def cached_square(x: int) -> int:
    return x * x


@env.task  # the parent itself is uncached, so a rerun reaches every child's cache lookup
async def cached_fanout(n: int, offset: int = 0) -> int:
    """``n`` cached ``cached_square`` actions over inputs ``offset .. offset + n - 1``."""
    return sum(await asyncio.gather(*[cached_square(offset + i) for i in range(n)]))


async def square_plain(x: int) -> int:
    return x * x


async def fanout_plain(n: int) -> int:
    return sum(await asyncio.gather(*[square_plain(i) for i in range(n)]))


def run_plain(n: int) -> int:
    """The baseline: the same fan-out as plain coroutines on a fresh event loop."""
    return asyncio.run(fanout_plain(n))


def expected_sum(n: int, offset: int = 0) -> int:
    return sum((offset + i) ** 2 for i in range(n))
