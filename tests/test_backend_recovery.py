"""Nothing is lost: workers, the server and kernels die, the records stay true.

Each test runs against a real server process it starts itself (several kill it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import alive, http, running_server, wait_for, wait_for_file

import flyte_nb as fl
from flyte_nb.client import _daemon

rec = fl.TaskEnvironment("rec")


@rec.task(retries=1)
def dies_once(pid_file: str, marker: str) -> str:
    if Path(marker).exists():
        return "second attempt"
    Path(marker).write_text("1")
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(60)
    return "unreachable"


@rec.task
def dies(pid_file: str) -> str:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(60)
    return "unreachable"


@rec.task
def step(i: int, folder: str) -> int:
    with open(Path(folder, f"ran-{i}"), "a") as f:
        f.write("x")
    if i == 2:  # the third child waits until the test has killed the server once
        gate = Path(folder, "gate")
        while not gate.exists():
            time.sleep(0.05)
    return i * 10


@rec.task
def pipeline(folder: str) -> int:
    return sum(step(i, folder) for i in range(4))


@pytest.fixture
def server_home(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "server-home"
    with running_server(home):
        yield home


def test_a_killed_worker_is_retried_then_fails_without_retries(
    server_home: Path, tmp_path: Path
) -> None:
    fl.init(home=server_home)
    pid_file = tmp_path / "pid"
    run = fl.run(dies_once, str(pid_file), str(tmp_path / "marker"))
    os.kill(int(wait_for_file(pid_file)), signal.SIGKILL)
    assert run.wait(timeout=30).outputs() == "second attempt"
    (action,) = run.actions()
    assert action.attempts == 2
    assert action.attempt_log[0]["error"]["type"] == "WorkerDied"
    assert "SIGKILL" in action.attempt_log[0]["error"]["message"]

    pid_file.unlink()
    run = fl.run(dies, str(pid_file))
    os.kill(int(wait_for_file(pid_file)), signal.SIGKILL)
    run.wait(timeout=30)
    assert run.phase == "FAILED"
    assert run.error is not None
    assert run.error["type"] == "WorkerDied"
    with pytest.raises(fl.exceptions.RunFailedError, match="WorkerDied"):
        run.outputs()
    # The pool replaced the dead worker: the backend still runs work.
    assert (
        fl.run(dies_once, str(tmp_path / "p2"), str(tmp_path / "marker")).wait(timeout=30).outputs()
        == "second attempt"
    )


def test_server_killed_mid_run_resumes_and_keeps_finished_work(
    server_home: Path, tmp_path: Path
) -> None:
    fl.init(home=server_home)
    folder = tmp_path / "work"
    folder.mkdir()
    run = fl.run(pipeline, str(folder))
    wait_for(lambda: (folder / "ran-2").exists(), 30, "the third step to start")
    time.sleep(0.6)  # the recorder writes in 0.2 s batches: let steps 0 and 1 reach the disk
    record = json.loads((server_home / "server.json").read_text())
    os.killpg(record["pid"], signal.SIGKILL)
    wait_for(lambda: not alive(record["pid"]), 10, "the server to die")

    (folder / "gate").write_text("open")
    _daemon.ensure_server(server_home, workers=2)
    fl.init(home=server_home)
    resumed = fl.remote.Run.get(run.name).wait(timeout=60)
    assert resumed.phase == "SUCCEEDED"
    assert resumed.outputs() == 60
    # Steps 0 and 1 had finished before the crash: their outputs were reused, not rerun.
    assert (folder / "ran-0").read_text() == "x"
    assert (folder / "ran-1").read_text() == "x"
    assert (folder / "ran-2").read_text() == "xx"
    phases = {a.name: a.phase for a in resumed.actions()}
    assert set(phases.values()) == {"SUCCEEDED"}, phases
    root = resumed.action("a0")
    assert root.attempts == 2
    assert root.attempt_log[0]["error"]["type"] == "BackendRestarted"


def test_kernel_restart_reattaches_by_name(server_home: Path, tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import flyte_nb as fl
        env = fl.TaskEnvironment("kernel")

        @env.task
        def hello(who: str) -> str:
            print("hello from the backend")
            return "hi " + who

        fl.init(home={str(server_home)!r})
        run = fl.with_runcontext(name="survives-kernel").run(hello, "there")
        print(run.name)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip().endswith("survives-kernel")
    fl.init(home=server_home)  # a new "kernel" that never saw the task
    run = fl.remote.Run.get("survives-kernel").wait(timeout=30)
    assert run.outputs() == "hi there"
    assert "hello from the backend" in run.logs()


CLIENT = """
import sys
import flyte_nb as fl
env = fl.TaskEnvironment("load")

@env.task
def one(i: int) -> int:
    return i

fl.init(home=sys.argv[1])
names = [fl.run(one, i).name for i in range(int(sys.argv[2]))]
print("\\n".join(names))
"""


def test_200_concurrent_runs_from_4_clients(server_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(server_home), "50"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    names = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        names += out.split()
    assert len(names) == len(set(names)) == 200
    info = _daemon.status(server_home)
    assert info is not None
    with http(info) as client:
        wait_for(
            lambda: (
                client.get(
                    "/api/v1/runs", params={"phase": "SUCCEEDED", "task": "load.one", "limit": 1}
                ).json()["total"]
                == 200
            ),
            60,
            "all 200 runs to succeed",
        )
        listed = client.get("/api/v1/runs", params={"task": "load.one", "limit": 1000}).json()[
            "items"
        ]
    assert sorted(r["name"] for r in listed) == sorted(names)
