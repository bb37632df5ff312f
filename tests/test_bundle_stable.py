"""A task's code bundle is the same bytes before and after the task first ran.

Found by the workflows tutorial (notebooks/04): a launch plan registered its workflow as
version "v1", the workflow ran, and registering a second plan of the same workflow as "v1"
failed with "already registered with other code", because lazy caches set by the run (the
compiled graph, the cache version) travelled in the pickle.
"""

from __future__ import annotations

import datetime

import flyte_nb as fl
from flyte_nb import task, workflow
from flyte_nb.bundle import pack_task


def test_running_a_workflow_does_not_change_its_bundle(tmp_path: object) -> None:
    fl.init(home=str(tmp_path), local=True)

    @task
    def stamp(when: datetime.datetime) -> str:
        return when.strftime("%Y-%m-%d")

    @workflow
    def heartbeat(when: datetime.datetime) -> str:
        return stamp(when=when)

    before, _ = pack_task(heartbeat, interactive=True, size_limit=10**8)
    assert fl.run(heartbeat, when=datetime.datetime(2026, 1, 1)).outputs() == "2026-01-01"
    after, _ = pack_task(heartbeat, interactive=True, size_limit=10**8)
    assert before.digest is not None
    assert before.digest == after.digest


def test_a_pickled_task_carries_the_kernels_cache_version(tmp_path: object) -> None:
    import cloudpickle

    fl.init(home=str(tmp_path), local=True)

    @task
    def double(x: int) -> int:
        return 2 * x

    copy = cloudpickle.loads(cloudpickle.dumps(double))  # before any run computed it
    assert copy.cache_version() == double.cache_version()
    assert copy(x=4) == 8
