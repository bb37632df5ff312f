"""The Ray executor against a real Ray cluster: resources reach Ray, worker death is retried
by the backend, ActorEnvironment replicas are Ray actors (restarted after a crash, killed
after their TTL), and the blob store is an fsspec URL every worker reaches.

The cluster is the session's private one (``_ray.py``: 2 CPUs and one fake GPU, which Ray
accounts for like a real one). The server is started the way a user would, with
``flyte-nb server start --executor ray --ray-address ...``. The general backend behaviour
on Ray (fan-out, retries, timeouts, abort, cache, limits, logs) is ``test_backend.py``'s
``postgres-ray`` leg.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _backend_util import alive, wait_for, wait_for_file

import flyte_nb as fl
from flyte_nb.actors import ActorEnvironment
from flyte_nb.backend._ray import ray_options
from flyte_nb.cli import main as cli
from flyte_nb.client import _daemon
from flyte_nb.client._settings import load_server_config
from flyte_nb.exceptions import FlyteValidationException

plain = fl.TaskEnvironment("ray-plain")
gpu = fl.TaskEnvironment("ray-gpu", resources=fl.Resources(gpu=1))
sized = fl.TaskEnvironment("ray-sized", resources=fl.Resources(cpu=1, mem="1Gi"))
replica = ActorEnvironment(name="ray-replica", replica_count=1, ttl_seconds=300)
brief = ActorEnvironment(name="ray-brief", replica_count=1, ttl_seconds=1)


@dataclass
class Where:
    """What Ray says about the process running a task."""

    pid: int
    actor: str
    restarted: bool
    resources: dict[str, float]
    cuda: str


def _where() -> Where:
    import ray

    context = ray.get_runtime_context()
    return Where(
        pid=os.getpid(),
        actor=context.get_actor_id() or "",
        restarted=context.was_current_actor_reconstructed,
        resources=context.get_assigned_resources(),
        cuda=os.environ.get("CUDA_VISIBLE_DEVICES", ""),
    )


@gpu.task
def on_gpu() -> Where:
    return _where()


@gpu.task
def holds_the_gpu(folder: str) -> int:
    Path(folder, "started").touch()
    while not Path(folder, "gate").exists():
        time.sleep(0.05)
    return 1


@gpu.task(timeout=120)  # (an action with a timeout is never sent ahead to a busy worker)
def on_gpu_timed() -> Where:
    return _where()


@sized.task
def on_sized() -> Where:
    return _where()


@plain.task
def on_plain() -> Where:
    return _where()


@plain.task(retries=1)
def dies_once(marker: str) -> Where:
    if not Path(marker).exists():
        Path(marker).write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)  # a crash, or the OOM killer
    return _where()


@replica.task(retries=1)
def replica_crashes_once(marker: str) -> Where:
    if not Path(marker).exists():
        Path(marker).write_text(repr(_where()))
        os.kill(os.getpid(), signal.SIGKILL)
    return _where()


@replica.task
def replica_where() -> Where:
    return _where()


@brief.task
def brief_where() -> Where:
    return _where()


@plain.task
def reverse(text: str) -> str:
    return text[::-1]


@plain.task
def blocks(folder: str) -> int:
    Path(folder, "pid").write_text(str(os.getpid()))
    while not Path(folder, "gate").exists():
        time.sleep(0.05)
    return 7


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, ray_address: str
) -> Iterator[tuple[Path, Path]]:
    home = tmp_path_factory.mktemp("ray-home")
    shared = tmp_path_factory.mktemp("shared-blobs")  # "reachable by every node"
    argv = ["server", "start", "--home", str(home), "--workers", "2", "--executor", "ray"]
    argv += ["--ray-address", ray_address, "--blob-url", f"local://{shared}"]
    assert cli(argv) == 0
    try:
        yield home, shared
    finally:
        _daemon.stop(home)


@pytest.fixture
def remote(server: tuple[Path, Path], home: Path) -> tuple[Path, Path]:
    fl.init(home=server[0])
    return server


def test_resources_reach_ray_as_actor_options(remote: object) -> None:
    gpu_run = fl.run(on_gpu).wait(timeout=120)
    sized_run = fl.run(on_sized).wait(timeout=120)
    plain_run = fl.run(on_plain).wait(timeout=120)
    on_gpu_where, sized_where, plain_where = (r.outputs() for r in (gpu_run, sized_run, plain_run))
    assert on_gpu_where.resources["GPU"] == 1.0  # Resources(gpu=1) -> num_gpus=1
    assert on_gpu_where.cuda == "0"  # Ray granted GPU 0 to the worker running it
    assert sized_where.resources == {"CPU": 1.0, "memory": float(2**30)}
    assert plain_where.resources == {}  # no Resources: nothing reserved
    assert len({w.actor for w in (on_gpu_where, sized_where, plain_where)}) == 3
    again = fl.run(on_gpu).wait(timeout=120).outputs()
    assert again.actor == on_gpu_where.actor  # workers are pooled by shape


def test_an_action_waiting_for_a_gpu_holds_up_no_other_action(
    remote: object, tmp_path: Path
) -> None:
    first = fl.run(holds_the_gpu, str(tmp_path))
    wait_for(lambda: (tmp_path / "started").exists(), 120, "the first GPU action to start")
    second = fl.run(on_gpu_timed)  # the cluster's only GPU is taken: it waits for it ...
    assert fl.run(on_plain).wait(timeout=120).phase == "SUCCEEDED"  # ... and holds up nothing
    assert [a.phase for a in second.actions()] == ["QUEUED"]
    (tmp_path / "gate").touch()
    assert first.wait(timeout=120).outputs() == 1
    assert second.wait(timeout=120).outputs().resources["GPU"] == 1.0


def test_a_dead_ray_worker_is_retried_by_the_backend(remote: object, tmp_path: Path) -> None:
    marker = tmp_path / "died"
    run = fl.run(dies_once, str(marker)).wait(timeout=120)
    assert run.phase == "SUCCEEDED"
    assert run.outputs().pid != int(marker.read_text())
    (action,) = run.actions()
    assert [a["phase"] for a in action.attempt_log] == ["FAILED", "SUCCEEDED"]
    error = action.attempt_log[0]["error"]
    assert error["type"] == "WorkerDied"
    assert "Ray worker" in error["message"]


def test_actor_replicas_are_ray_actors_restarted_after_a_crash(
    remote: object, tmp_path: Path
) -> None:
    first = fl.run(replica_where).wait(timeout=120).outputs()
    second = fl.run(replica_where).wait(timeout=120).outputs()
    assert first.actor
    assert (second.pid, second.actor) == (first.pid, first.actor)  # warm, reused

    marker = tmp_path / "crashed"
    run = fl.run(replica_crashes_once, str(marker)).wait(timeout=120)
    assert run.phase == "SUCCEEDED"
    after = run.outputs()
    assert after.actor == first.actor  # the same Ray actor ...
    assert after.pid != first.pid  # ... in a new process: Ray restarted it
    assert after.restarted is True
    (action,) = run.actions()
    assert [a["phase"] for a in action.attempt_log] == ["FAILED", "SUCCEEDED"]
    wait_for(lambda: not alive(first.pid), 10, "the crashed replica's process")


def test_an_idle_replica_is_killed_after_its_ttl(remote: object) -> None:
    where = fl.run(brief_where).wait(timeout=120).outputs()
    wait_for(lambda: not alive(where.pid), 30, "the replica to be killed after its TTL")


def test_the_blob_store_is_an_fsspec_url_every_worker_uses(remote: tuple[Path, Path]) -> None:
    text = "abc" * 10_000  # over the inline limit: kernel -> server -> worker via blobs
    run = fl.run(reverse, text).wait(timeout=120)
    assert run.outputs() == text[::-1]
    stored = {p.name for p in remote[1].rglob("*") if p.is_file()}
    assert len(stored) >= 2  # the input and the output, written through fsspec
    assert not (remote[0] / "blobs").exists()


def test_ray_workers_die_with_a_killed_server_and_its_restart_resumes_the_run(
    home: Path, tmp_path: Path, ray_address: str
) -> None:
    server_home = tmp_path / "server-home"
    settings = {"executor": "ray", "ray_address": ray_address, "workers": 1}
    _daemon.ensure_server(server_home, **settings)
    try:
        fl.init(home=server_home)
        run = fl.run(blocks, str(tmp_path))
        pid = int(wait_for_file(tmp_path / "pid"))
        server = json.loads((server_home / "server.json").read_text())["pid"]
        os.killpg(server, signal.SIGKILL)  # the Ray worker is not in the server's group
        wait_for(lambda: not alive(pid), 30, "Ray to end the actors of its dead driver")

        (tmp_path / "pid").unlink()
        (tmp_path / "gate").touch()
        _daemon.ensure_server(server_home, **settings)
        fl.init(home=server_home)
        resumed = fl.remote.Run.get(run.name).wait(timeout=120)
        assert (resumed.phase, resumed.outputs()) == ("SUCCEEDED", 7)
        assert resumed.action("a0").attempt_log[0]["error"]["type"] == "BackendRestarted"
    finally:
        _daemon.stop(server_home)


def test_ray_shapes_and_settings_are_checked(home: Path) -> None:
    assert ray_options(None) == ()
    assert ray_options({"cpu": "500m", "mem": "1Gi", "gpu": 2}) == (
        ("memory", 2**30),
        ("num_cpus", 0.5),
        ("num_gpus", 2),
    )
    assert ray_options({"cpu": ["1", "2"]}) == (("num_cpus", 1.0),)  # requests, not limits
    with pytest.raises(FlyteValidationException, match="executor must be one of local, ray"):
        load_server_config(home, executor="spark")
    with pytest.raises(FlyteValidationException, match="only used by the Ray executor"):
        load_server_config(home, ray_address="127.0.0.1:6379")
    with pytest.raises(FlyteValidationException, match="not a ray:// client URL"):
        load_server_config(home, executor="ray", ray_address="ray://head:10001")
    config = load_server_config(home, executor="ray")
    assert (config.executor, config.workers) == ("ray", 0)  # 0: the cluster's CPUs


def test_an_unreachable_ray_cluster_fails_the_start_with_the_fix(home: Path) -> None:
    with pytest.raises(_daemon.ServerStartError, match="cannot reach a Ray cluster"):
        _daemon.start(load_server_config(home, executor="ray", ray_address="127.0.0.1:9"))
