# Ported from github.com/flyteorg/flyte-sdk examples/reuse/reuse_concurrency.py (Apache-2.0, commit 7e2d4231b559).
# Unchanged apart from the import line: `import flyte` -> `import flyte_nb as flyte`.
import asyncio
import logging

import flyte_nb as flyte

logger = logging.getLogger(__name__)
logger.setLevel(logging.DEBUG)

env = flyte.TaskEnvironment(
    name="reuse_concurrency",
    resources=flyte.Resources(cpu=1, memory="1Gi"),
    reusable=flyte.ReusePolicy(
        replicas=2,
        idle_ttl=60,
        concurrency=100,
        scaledown_ttl=60,
    ),
    image=flyte.Image.from_debian_base().with_pip_packages("unionai-reuse"),
)


@env.task
async def noop(x: int) -> int:
    logger.debug(f"Task noop: {x}")
    return x


@env.task
async def reuse_concurrency(n: int = 50) -> int:
    coros = [noop(i) for i in range(n)]
    results = await asyncio.gather(*coros)
    return sum(results)


if __name__ == "__main__":
    flyte.init_from_config()
    run = flyte.with_runcontext().run(reuse_concurrency, n=500)
    print(run.name)
    print(run.url)
    run.wait()
