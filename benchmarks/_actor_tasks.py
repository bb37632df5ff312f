"""Tasks the actor benchmark runs; a module, so workers import them by reference."""

from __future__ import annotations

import asyncio

import flyte_nb as fl
from flyte_nb.actors import ActorEnvironment

env = fl.TaskEnvironment("bench_actors")
actor = ActorEnvironment(name="bench-actor", replica_count=2, ttl_seconds=600)
single = ActorEnvironment(name="bench-single", replica_count=1, ttl_seconds=600)


@env.task
async def plain_noop(x: int) -> int:
    return x


@actor.task
async def actor_noop(x: int) -> int:
    return x


@single.task
async def single_noop(x: int) -> int:
    return x


@env.task
async def plain_fan_out(n: int) -> int:
    return len(await asyncio.gather(*[plain_noop(i) for i in range(n)]))


@env.task
async def actor_fan_out(n: int) -> int:
    return len(await asyncio.gather(*[actor_noop.aio(i) for i in range(n)]))


@env.task
async def single_fan_out(n: int) -> int:
    return len(await asyncio.gather(*[single_noop.aio(i) for i in range(n)]))
