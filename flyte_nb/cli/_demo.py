"""The demo job: PRODUCT.md's fan-out, run on the embedded backend (or ``--local``)."""

from __future__ import annotations

import asyncio

import flyte_nb as fl

env = fl.TaskEnvironment(name="demo", resources=fl.Resources(cpu=1, mem="1Gi"), cache="auto")


@env.task
async def square(x: int) -> int:
    return x * x


@env.task(cache="disable")
async def main(n: int) -> int:
    values = await asyncio.gather(*[square(i) for i in range(n)])
    print(f"sum of {n} squares = {sum(values)}")
    return sum(values)
