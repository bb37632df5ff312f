"""Child process of ``bench_memory``, the baseline: 1000 plain coroutines, nothing imported.

Usage: ``python benchmarks/_child_plain_fanout.py``; prints the peak RSS in KiB.
"""

import asyncio
import resource


async def square(x: int) -> int:
    return x * x


async def fanout(n: int) -> int:
    return sum(await asyncio.gather(*[square(i) for i in range(n)]))


if __name__ == "__main__":
    assert asyncio.run(fanout(1000)) == sum(i * i for i in range(1000))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
