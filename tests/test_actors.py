"""ActorEnvironment and actor_cache: validation, the kernel, and warm replicas on a real backend
(reuse proven by process ids, across tasks and runs; scale-down after the TTL; map)."""

from __future__ import annotations

import asyncio
import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import cloudpickle
import pytest
from _backend_util import alive, running_server, wait_for
from _stacks import STACKS, stack_settings

import flyte_nb as fl
from flyte_nb.actors import ActorEnvironment, actor_cache
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.union import map_task, workflow

actor = ActorEnvironment(
    name="test-actor", replica_count=1, ttl_seconds=300, environment={"ACTOR_SETTING": "on"}
)
pair = ActorEnvironment(name="test-pair", replica_count=2, ttl_seconds=300)
brief = ActorEnvironment(name="test-brief", replica_count=1, ttl_seconds=0.5)
nest = ActorEnvironment(name="test-nest", replica_count=1, ttl_seconds=300)
plain = fl.TaskEnvironment("test-actor-plain")


@actor_cache
def load_model(log: str) -> dict[str, int]:
    """Expensive once per process: each load leaves a line with the loading pid."""
    with open(log, "a") as f:
        f.write(f"{os.getpid()}\n")
    return {"weight": 3}


@actor.task
def predict(x: int, log: str) -> int:
    return x * load_model(log)["weight"]


@actor.task
def whoami(i: int) -> int:
    return os.getpid()


@actor.task
def setting() -> str:
    return os.environ.get("ACTOR_SETTING", "") + "/" + os.environ.get("FLYTE_NB_ACTOR", "")


@pair.task
def pair_pid(i: int) -> int:
    return os.getpid()


@brief.task
def brief_pid() -> int:
    return os.getpid()


@plain.task
def plain_pid(i: int) -> int:
    return os.getpid()


@actor.task
def actor_calls_plain(i: int) -> list[int]:
    return [os.getpid(), plain_pid(i)]


@nest.task
def nested_pid(i: int) -> int:
    return os.getpid()


@nest.task
def actor_calls_actor(i: int) -> list[int]:
    return [os.getpid(), nested_pid(i)]


@plain.task
async def fan_out(n: int, log: str) -> list[int]:
    return list(await asyncio.gather(*[predict.aio(i, log) for i in range(n)]))


@plain.task
async def pids(n: int) -> list[int]:
    return list(await asyncio.gather(*[whoami.aio(i) for i in range(n)]))


@plain.task
async def both(n: int) -> dict[str, list[int]]:
    actors = await asyncio.gather(*[whoami.aio(i) for i in range(n)])
    plains = await asyncio.gather(*[plain_pid.aio(i) for i in range(n)])
    return {"actor": list(actors), "plain": list(plains), "parent": [os.getpid()]}


@plain.task
async def pair_pids(n: int) -> list[int]:
    return list(await asyncio.gather(*[pair_pid.aio(i) for i in range(n)]))


@plain.task
def mapped(n: int) -> list[int]:
    return list(fl.map(whoami, range(n)))


@workflow
def map_wf(xs: list[int]) -> list[int]:
    return map_task(whoami)(i=xs)


# -- validation ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"name": "1bad"}, "ActorEnvironment(name='1bad')"),
        ({"name": 5}, "ActorEnvironment(name=5)"),
        ({"name": "a", "replica_count": 0}, "at least one replica"),
        ({"name": "a", "replica_count": True}, "whole number"),
        ({"name": "a", "replica_count": 1.5}, "whole number"),
        ({"name": "a", "ttl_seconds": 0}, "more than 0 seconds"),
        ({"name": "a", "ttl_seconds": "10"}, "seconds"),
        ({"name": "a", "environment": {"A": 1}}, "env_vars must be a dict of str to str"),
        ({"name": "a", "requests": {"cpu": 1}}, "expected a Resources"),
        (
            {"name": "a", "resources": fl.Resources(cpu=1), "limits": fl.Resources(cpu=2)},
            "either resources= or requests=/limits=",
        ),
        ({"name": "a", "container_image": 3}, "expected a str or an ImageSpec"),
        ({"name": "a", "pod_template": {"labels": {}}}, "expected a PodTemplate"),
        ({"name": "a", "interruptible": "yes"}, "expected True or False"),
        ({"name": "a", "secret_requests": [3]}, "is not a key string or a Secret"),
    ],
)
def test_bad_settings_are_one_clear_error(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(FlyteValidationException) as info:
        ActorEnvironment(**kwargs)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_settings_and_version() -> None:
    settings: dict[str, object] = {
        "name": "v",
        "replica_count": 3,
        "requests": fl.Resources(cpu="1", mem="1Gi"),
        "limits": fl.Resources(cpu="2", mem="2Gi"),
        "environment": {"K": "v"},
    }
    a = ActorEnvironment(**settings)  # type: ignore[arg-type]
    assert a.resources == fl.Resources(cpu=("1", "2"), mem=("1Gi", "2Gi"))
    assert a.ttl_seconds == 100  # the default
    assert a.environment == {"K": "v"}
    same = ActorEnvironment(**settings)  # type: ignore[arg-type]
    assert a.version == same.version
    assert ActorEnvironment(name="v", replica_count=4).version != a.version
    sent = a.execution_settings()["actor"]
    assert sent == {"name": "v", "version": a.version, "replicas": 3, "ttl": 100.0}


def test_actor_task_refuses_settings_the_environment_owns() -> None:
    with pytest.raises(FlyteValidationException, match="set requests on the ActorEnvironment"):

        @actor.task(requests=fl.Resources(cpu=1))
        def nope(x: int) -> int:
            return x

    @actor.task(retries=2, cache=True)
    def fine(x: int) -> int:
        return x

    assert fine.retries.count == 2
    assert fine.name == "test-actor.test_actor_task_refuses_settings_the_environment_owns.fine"
    assert "fine" in actor.tasks[fine.name].name


def test_other_task_configs_are_still_refused() -> None:
    with pytest.raises(FlyteValidationException, match="task plugins"):
        fl.task(task_config=object())(lambda x: x)


# -- actor_cache ----------------------------------------------------------------------------
def test_actor_cache_memoizes_per_process_and_never_ships_values(tmp_path: Path) -> None:
    calls: list[int] = []

    @actor_cache
    def expensive(n: int) -> bytes:
        calls.append(n)
        return b"x" * 1_000_000

    assert expensive(1) is expensive(1)
    assert calls == [1]
    assert expensive.cache_size() == 1  # type: ignore[attr-defined]
    data = cloudpickle.dumps(expensive)
    assert len(data) < 100_000  # the memo stays behind
    again = pickle.loads(data)
    assert again is not expensive
    assert again(1) is expensive(1)  # same code, same process: same memo
    assert calls == [1]
    expensive.cache_clear()  # type: ignore[attr-defined]
    expensive(1)
    assert calls == [1, 1]
    assert actor_cache(expensive) is expensive


def test_actor_cache_async_and_bad_inputs() -> None:
    calls: list[int] = []

    @actor_cache
    async def fetch(n: int) -> int:
        calls.append(n)
        return n * 2

    async def twice() -> tuple[int, int]:
        return await fetch(2), await fetch(2)

    assert asyncio.run(twice()) == (4, 4)
    assert calls == [2]
    with pytest.raises(TypeError, match="unhashable argument"):
        load_model([1])  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="decorates a function"):
        actor_cache(int)
    with pytest.raises(FlyteValidationException, match="generator"):

        @actor_cache
        def gen() -> Iterator[int]:
            yield 1


# -- the kernel ------------------------------------------------------------------------------
def test_local_mode_runs_actor_tasks_in_the_kernel(tmp_path: Path) -> None:
    log = tmp_path / "loads"
    run = fl.run(fan_out, 5, str(log))
    assert run.outputs() == [0, 3, 6, 9, 12]
    assert fl.run(pids, 3).outputs() == [os.getpid()] * 3
    fl.run(fan_out, 5, str(log))
    assert log.read_text().split() == [str(os.getpid())]  # loaded once, in the kernel
    assert map_wf(xs=[1, 2]) == [os.getpid()] * 2


# -- the backend -----------------------------------------------------------------------------
@pytest.fixture(scope="module", params=STACKS)  # replicas are Ray actors on the Ray stack
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("actors-home")
    with running_server(home, **stack_settings(request)) as info:
        yield home, info


@pytest.fixture
def remote(server: tuple[Path, _daemon.ServerInfo], home: Path) -> _daemon.ServerInfo:
    fl.init(home=server[0])
    return server[1]


def test_one_warm_replica_serves_every_task_and_run(remote: object, tmp_path: Path) -> None:
    log = tmp_path / "loads"
    first = fl.run(fan_out, 20, str(log)).wait(timeout=60)
    assert first.outputs() == [3 * i for i in range(20)]
    second = fl.run(fan_out, 20, str(log)).wait(timeout=60)
    assert second.outputs() == first.outputs()
    loads = log.read_text().split()
    assert len(loads) == 1  # actor_cache: the model loaded once, by the one replica
    replica = int(loads[0])
    # Reused across runs and tasks: another actor task of the same environment, same pid.
    assert set(fl.run(pids, 10).wait(timeout=60).outputs()) == {replica}
    assert fl.run(setting).wait(timeout=60).outputs() == "on/test-actor"


def test_actor_replicas_are_not_plain_workers(remote: object) -> None:
    out = fl.run(both, 6).wait(timeout=60).outputs()
    assert len(set(out["actor"])) == 1
    assert not set(out["actor"]) & (set(out["plain"]) | set(out["parent"]))
    run = fl.run(actor_calls_plain, 1).wait(timeout=60)
    actor_pid, child_pid = run.outputs()
    assert actor_pid == out["actor"][0]
    assert child_pid != actor_pid  # the child ran on a plain worker while the actor waited
    # An actor task calling its own environment's task with one replica: the waiting replica
    # lends its place, so another one runs the child instead of a deadlock.
    outer, inner = fl.run(actor_calls_actor, 2).wait(timeout=60).outputs()
    assert outer != inner


def test_replica_count_bounds_the_processes(remote: object) -> None:
    found = fl.run(pair_pids, 40).wait(timeout=60).outputs()
    assert 1 <= len(set(found)) <= 2
    again = fl.run(pair_pids, 40).wait(timeout=60).outputs()
    assert len(set(found) | set(again)) <= 2  # the same replicas served the second run


def test_map_over_actor_tasks(remote: object) -> None:
    flyte2 = fl.run(mapped, 8).wait(timeout=60)
    union = fl.run(map_wf, xs=list(range(8))).wait(timeout=60)
    replica = set(flyte2.outputs())
    assert len(replica) == 1
    assert set(union.outputs()) == replica
    assert len(union.actions()) >= 9


def test_replicas_stop_after_the_ttl_and_come_back(remote: object) -> None:
    first = fl.run(brief_pid).wait(timeout=60).outputs()
    wait_for(lambda: not alive(first), timeout=30, what="the idle replica to retire")
    second = fl.run(brief_pid).wait(timeout=60).outputs()
    assert second != first
