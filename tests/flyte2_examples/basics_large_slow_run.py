# Ported from github.com/flyteorg/flyte-sdk examples/basics/large_slow_run.py (Apache-2.0, commit 7e2d4231b559).
# Unchanged apart from the import line: `import flyte` -> `import flyte_nb as flyte`.
import asyncio

import flyte_nb as flyte

env = flyte.TaskEnvironment("large-slow-run")


@env.task
async def sleeper():
    print("I am going for my first sleep!!!!!!!", flush=True)
    await asyncio.sleep(1)
    print("I am going for my second sleep!!!!!!!", flush=True)
    await asyncio.sleep(1)
    print("I am done....", flush=True)


@env.task
async def parallel_main(n: int):
    coros = []
    for i in range(n):
        coros.append(sleeper())
    await asyncio.gather(*coros)


@env.task
async def main(n: int):
    for i in range(n):
        await sleeper()
