"""Resources: recorded on every action (kernel and backend) and enforced in backend worker
processes (memory through RLIMIT_DATA, CPUs through affinity), then restored for the next
job on the same worker."""

from __future__ import annotations

import os
import resource
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb.actors import ActorEnvironment
from flyte_nb.backend._limits import enforced, parse_limits
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteValidationException

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux limits")

limited = fl.TaskEnvironment("limited", resources=fl.Resources(cpu=1, mem="300Mi"))
free = fl.TaskEnvironment("free")
pinned_actor = ActorEnvironment(name="pinned-actor", resources=fl.Resources(cpu="500m"))


def _state() -> dict[str, int]:
    return {
        "pid": os.getpid(),
        "cpus": len(os.sched_getaffinity(0)),
        "data_limit": resource.getrlimit(resource.RLIMIT_DATA)[0],
    }


@limited.task
def limited_state() -> dict[str, int]:
    return _state()


@limited.task
def allocate(mib: int) -> int:
    block = bytearray(mib * 2**20)
    return len(block) // 2**20


@free.task
def free_state() -> dict[str, int]:
    return _state()


@free.task
def tiny_limit() -> int:
    return 1


@pinned_actor.task
def actor_cpus() -> int:
    return len(os.sched_getaffinity(0))


def test_parse_limits() -> None:
    assert parse_limits(None) == (None, None)
    assert parse_limits({"cpu": "500m", "mem": "1Gi"}) == (2**30, 1)
    assert parse_limits({"cpu": ["1", "2.5"]}) == (None, 3)  # the limit, in whole CPUs
    assert parse_limits({"gpu": 1}) == (None, None)


def test_enforced_restores_this_process() -> None:
    before = resource.getrlimit(resource.RLIMIT_DATA), os.sched_getaffinity(0)
    with enforced({"cpu": 1, "mem": "4Gi"}):
        assert len(os.sched_getaffinity(0)) == 1 or os.cpu_count() == 1
        assert resource.getrlimit(resource.RLIMIT_DATA)[0] == 4 * 2**30
    assert (resource.getrlimit(resource.RLIMIT_DATA), os.sched_getaffinity(0)) == before
    with pytest.raises(FlyteValidationException, match="already uses"), enforced({"mem": "1Mi"}):
        pass
    assert resource.getrlimit(resource.RLIMIT_DATA) == before[0]


def test_kernel_records_resources_without_enforcing() -> None:
    run = fl.run(limited_state)
    (action,) = run.actions()
    assert action.resources == {"cpu": 1, "mem": "300Mi"}
    assert run.outputs()["cpus"] == len(os.sched_getaffinity(0))  # the kernel is not limited
    (other,) = fl.run(free_state).actions()
    assert other.resources is None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("limits-home")
    with running_server(home, workers=1) as info:  # one worker: every job on the same process
        yield home, info


@pytest.fixture
def remote(server: tuple[Path, _daemon.ServerInfo], home: Path) -> None:
    fl.init(home=server[0])


def test_backend_enforces_and_restores(remote: None) -> None:
    before = fl.run(free_state).wait(timeout=60).outputs()
    inside = fl.run(limited_state).wait(timeout=60)
    after = fl.run(free_state).wait(timeout=60).outputs()
    assert before["pid"] == inside.outputs()["pid"] == after["pid"]  # one reused worker
    assert inside.outputs()["cpus"] == 1
    assert inside.outputs()["data_limit"] == 300 * 2**20
    assert after == before  # the next job on that worker is not limited
    assert inside.actions()[0].resources == {"cpu": 1, "mem": "300Mi"}


def test_backend_memory_limit_fails_the_task(remote: None) -> None:
    assert fl.run(allocate, 20).wait(timeout=60).outputs() == 20
    run = fl.run(allocate, 600).wait(timeout=60)
    assert run.phase == "FAILED"
    with pytest.raises(MemoryError):
        run.outputs()
    assert fl.run(free_state).wait(timeout=60).phase == "SUCCEEDED"  # the worker lives on


def test_limit_below_the_worker_is_a_clear_error(remote: None) -> None:
    run = fl.run(tiny_limit.override(resources=fl.Resources(mem="1Mi"))).wait(timeout=60)
    assert run.phase == "FAILED"
    assert "already uses" in run.error["message"]
    assert "raise the limit" in run.error["message"]


def test_actor_replicas_are_limited_too(remote: None) -> None:
    assert fl.run(actor_cpus).wait(timeout=60).outputs() == 1
