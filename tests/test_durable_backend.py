"""Durable runs against a real backend: traces and checkpoints survive a worker SIGKILL
and a server restart (each traced body counts its executions in a file)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import alive, running_server, wait_for, wait_for_file

import flyte_nb as fl
from flyte_nb.client import _daemon

dur = fl.TaskEnvironment("durable")


@fl.trace
def counted(i: int, folder: str) -> int:
    with open(Path(folder, f"trace-{i}"), "a") as f:
        f.write("x")
    return i * 10


@dur.task(retries=1)
def traced_then_dies(folder: str) -> int:
    total = 0
    for i in range(5):
        total += counted(i, folder)
        if i == 2 and not Path(folder, "killed").exists():
            Path(folder, "pid").write_text(str(os.getpid()))
            time.sleep(60)
    return total


@dur.task(retries=1)
def traced_then_raises(folder: str) -> int:
    total = sum(counted(i, folder) for i in range(3))
    marker = Path(folder, "raised")
    if not marker.exists():
        marker.write_text("1")
        raise ConnectionError("dropped after three calls")
    return total + counted(3, folder)


@dur.task(retries=1)
def ten_steps(folder: str) -> int:
    cp = fl.ctx().checkpoint
    prev = cp.load_sync()
    start = int(prev.read_bytes()) if prev is not None else 0
    for i in range(start, 10):
        with open(Path(folder, f"step-{i}"), "a") as f:
            f.write("x")
        if i == 7 and start == 0:
            Path(folder, "pid").write_text(str(os.getpid()))
            time.sleep(60)  # the test kills this worker at step 7
        cp.save_sync(str(i + 1).encode())
    return start


@fl.trace
async def nested(x: int) -> int:
    return await child(x)


@dur.task
async def child(x: int) -> int:
    return x


@dur.task
async def calls_task_in_trace(x: int) -> int:
    return await nested(x)


@dur.task
def traced_until_gate(folder: str) -> int:
    total = sum(counted(i, folder) for i in range(3))
    gate = Path(folder, "gate")
    while not gate.exists():
        time.sleep(0.05)
    return total + counted(3, folder)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("durable-home")
    with running_server(home):
        yield home


def _stored(home: Path, run_name: str) -> int:
    """Succeeded trace rows on disk (the recorder writes in batches)."""
    with sqlite3.connect(home / "flyte_nb.db") as db:
        (count,) = db.execute(
            "SELECT count(*) FROM actions WHERE run_name = ? AND parent = 'a0' "
            "AND phase = 'SUCCEEDED'",
            (run_name,),
        ).fetchone()
    return int(count)


def _counts(folder: Path, prefix: str) -> dict[str, str]:
    return {p.name: p.read_text() for p in folder.glob(f"{prefix}-*")}


def test_a_retry_in_the_same_worker_replays_the_finished_traces(
    server: Path, tmp_path: Path
) -> None:
    """The retry of an exception usually lands on the same worker: its new attempt must
    ask the backend for the traces again (the state of one attempt is the job's own; a
    worker that shared it across a run's jobs ran the three calls twice)."""
    fl.init(home=server)
    run = fl.run(traced_then_raises, str(tmp_path)).wait(timeout=60)
    assert run.outputs() == 60
    assert _counts(tmp_path, "trace") == {f"trace-{i}": "x" for i in range(4)}  # none twice
    assert run.action("a0").attempts == 2
    traces = [a for a in run.actions() if a.parent == "a0"]
    replayed = [a for a in traces if any(e.get("replayed") for e in a.attempt_log)]
    assert len(replayed) == 3


def test_a_killed_worker_retry_replays_the_finished_traces(server: Path, tmp_path: Path) -> None:
    fl.init(home=server)
    run = fl.run(traced_then_dies, str(tmp_path))
    pid = int(wait_for_file(tmp_path / "pid", 60))
    # The three traces reach the backend before the kill (the worker sends them as they end).
    wait_for(lambda: len(run.actions()) == 4, 30, "three trace records")
    (tmp_path / "killed").write_text("1")
    os.kill(pid, signal.SIGKILL)
    assert run.wait(timeout=60).outputs() == 100
    assert _counts(tmp_path, "trace") == {f"trace-{i}": "x" for i in range(5)}  # none ran twice
    root = run.action("a0")
    assert root.attempts == 2
    assert root.attempt_log[0]["error"]["type"] == "WorkerDied"
    traces = [a for a in run.actions() if a.parent == "a0"]
    assert [a.short_name for a in traces] == ["counted"] * 5
    replayed = [a for a in traces if any(e.get("replayed") for e in a.attempt_log)]
    assert len(replayed) == 3


def test_a_checkpointing_task_killed_at_step_7_resumes_at_7(server: Path, tmp_path: Path) -> None:
    fl.init(home=server)
    run = fl.run(ten_steps, str(tmp_path))
    os.kill(int(wait_for_file(tmp_path / "pid", 60)), signal.SIGKILL)
    assert run.wait(timeout=60).outputs() == 7
    assert _counts(tmp_path, "step") == {f"step-{i}": ("xx" if i == 7 else "x") for i in range(10)}


def test_a_task_inside_a_trace_fails_with_flyte2s_error(server: Path) -> None:
    fl.init(home=server)
    run = fl.run(calls_task_in_trace, 1).wait(timeout=60)
    assert run.phase == "FAILED"
    assert run.error is not None
    assert run.error["type"] == "TraceDoesNotAllowNestedTasksError"


def test_traces_replay_after_a_server_restart(tmp_path: Path) -> None:
    home = tmp_path / "restart-home"
    folder = tmp_path / "work"
    folder.mkdir()
    with running_server(home):
        fl.init(home=home)
        run = fl.run(traced_until_gate, str(folder))
        wait_for(lambda: _stored(home, run.name) == 3, 60, "three traces on disk")
        record = json.loads((home / "server.json").read_text())
        os.killpg(record["pid"], signal.SIGKILL)
        wait_for(lambda: not alive(record["pid"]), 10, "the server to die")
        (folder / "gate").write_text("open")
        _daemon.ensure_server(home, workers=2)
        fl.init(home=home)
        resumed = fl.remote.Run.get(run.name).wait(timeout=60)
        assert resumed.outputs() == 60
        assert _counts(folder, "trace") == {f"trace-{i}": "x" for i in range(4)}
        assert resumed.action("a0").attempt_log[0]["error"]["type"] == "BackendRestarted"


# -- recover (flyte-sdk examples/rerun/rerun_and_recover.py, as a test) -------------------
@dur.task
def prep(i: int, folder: str) -> int:
    with open(Path(folder, f"prep-{i}"), "a") as f:
        f.write("x")
    return i


@dur.task
def flaky_join(values: list[int]) -> int:
    if os.environ.get("FLAKY_OK") != "1":
        raise RuntimeError("flaky dependency")
    return sum(values)


@dur.task
def recoverable(n: int, folder: str) -> int:
    values = [prep(i, folder) for i in range(n)]
    values.append(counted(100, folder))
    return flaky_join(values)


def test_recover_reuses_what_succeeded_and_runs_the_rest(server: Path, tmp_path: Path) -> None:
    fl.init(home=server)
    failed = fl.run(recoverable, 4, str(tmp_path)).wait(timeout=60)
    assert failed.phase == "FAILED"
    recovered = fl.recover(failed, env_vars={"FLAKY_OK": "1"}).wait(timeout=60)
    assert recovered.name != failed.name
    assert recovered.outputs() == 0 + 1 + 2 + 3 + 1000
    # every prep and the trace ran once, in the first run only
    assert _counts(tmp_path, "prep") == {f"prep-{i}": "x" for i in range(4)}
    assert _counts(tmp_path, "trace") == {"trace-100": "x"}
    by_short = {a.short_name: a for a in recovered.actions()}
    assert by_short["prep"].attempt_log[0]["recovered_from"] == failed.name
    assert any(e.get("replayed") for e in by_short["counted"].attempt_log)
    assert by_short["flaky_join"].attempts == 1
    # the old and new trees have the same names: recovery matched calls by name and inputs
    assert {a.name for a in recovered.actions()} == {a.name for a in failed.actions()}

    # recovering a run that succeeded reuses its root: nothing runs again
    again = recovered.recover().wait(timeout=60)
    assert again.outputs() == 1006
    assert again.action("a0").attempt_log[0]["recovered_from"] == recovered.name
    assert len(again.actions()) == 1


def test_recover_refuses_what_it_cannot_recover(server: Path, tmp_path: Path) -> None:
    fl.init(home=server)
    local_run = fl.with_runcontext(mode="local").run(prep, 0, str(tmp_path))
    with pytest.raises(fl.exceptions.FlyteValidationException, match="only backend runs"):
        fl.recover(local_run)
    with pytest.raises(fl.exceptions.FlyteValidationException, match="a Run or a run name"):
        fl.recover(5)
    with pytest.raises(fl.exceptions.FlyteValidationException, match="dict of strings"):
        fl.recover("x", env_vars={"A": 1})  # type: ignore[dict-item]
    with pytest.raises(Exception, match="no run named 'no-such-run'"):
        fl.recover("no-such-run")


@dur.task
def steps_then_fail(folder: str) -> int:
    cp = fl.ctx().checkpoint
    prev = cp.load_sync()
    start = int(prev.read_bytes()) if prev is not None else 0
    for i in range(start, 10):
        with open(Path(folder, f"step-{i}"), "a") as f:
            f.write("x")
        if i == 7 and os.environ.get("FIXED") != "1":
            raise RuntimeError("fails at step 7")
        cp.save_sync(str(i + 1).encode())
    return start


def test_a_recovered_run_resumes_from_the_failed_runs_checkpoint(
    server: Path, tmp_path: Path
) -> None:
    fl.init(home=server)
    failed = fl.run(steps_then_fail, str(tmp_path)).wait(timeout=60)
    assert failed.phase == "FAILED"
    recovered = fl.recover(failed, env_vars={"FIXED": "1"}).wait(timeout=60)
    assert recovered.outputs() == 7
    assert _counts(tmp_path, "step") == {f"step-{i}": ("xx" if i == 7 else "x") for i in range(10)}


def test_union_remote_recover(server: Path, tmp_path: Path) -> None:
    """flytekit's ``FlyteRemote.recover(execution)``, on the UnionRemote of this backend."""
    fl.init(home=server)
    remote = fl.UnionRemote()
    failed = remote.execute(recoverable, inputs={"n": 2, "folder": str(tmp_path)}, wait=True)
    assert failed.run.phase == "FAILED"
    recovered = remote.wait(remote.recover(failed, env_vars={"FLAKY_OK": "1"}), timeout=60)
    assert recovered.run.phase == "SUCCEEDED"
    assert recovered.outputs["o0"] == 0 + 1 + 1000
    assert _counts(tmp_path, "prep") == {"prep-0": "x", "prep-1": "x"}  # not run again
    with pytest.raises(fl.exceptions.FlyteValidationException, match="env_vars must be a dict"):
        remote.recover(failed, env_vars={"A": 1})  # type: ignore[dict-item]
