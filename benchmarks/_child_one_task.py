"""Child process of ``bench_startup``: import flyte_nb, define one task, run it once.

Usage: ``python benchmarks/_child_one_task.py HOME`` (flyte_nb on ``PYTHONPATH``).
"""

import sys

import flyte_nb as fl

env = fl.TaskEnvironment(name="startup")


@env.task
async def increment(x: int) -> int:
    return x + 1


if __name__ == "__main__":
    fl.init(home=sys.argv[1], local=True)
    assert fl.run(increment, x=1).outputs() == 2
