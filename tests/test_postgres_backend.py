"""A backend on PostgreSQL under concurrency: several client processes, a restarted server,
several processes migrating one new database. Every check reads the records back from
PostgreSQL, so what is asserted is what a later server, the panel or a teammate sees.

The database lives in the session's private cluster (``_postgres.py``), a fresh one per
test. (Migrations on an old database, the recorder on both SQL dialects and a server
killed with SIGKILL are in ``test_postgres_store.py``.)
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from _backend_util import running_server, wait_for
from _postgres import create_database

import flyte_nb as fl
from flyte_nb.client import _daemon
from flyte_nb.store import _migrate, _queries
from flyte_nb.store._db import create_engine

TESTS = Path(__file__).resolve().parent
pgb = fl.TaskEnvironment("pgb")

_CLIENT = """
import json, sys
sys.path.insert(0, {tests!r})
import flyte_nb as fl
import test_postgres_backend as t
fl.init(home={home!r})
runs = [fl.run(t.fan_out, {width}) for _ in range({runs})]
print(json.dumps([r.wait(timeout=120).name for r in runs]))
"""


@pgb.task
async def square(x: int) -> int:
    return x * x


@pgb.task
async def fan_out(n: int) -> int:
    return sum(await asyncio.gather(*[square(i) for i in range(n)]))


@pgb.task(timeout=120)  # (a task with a timeout is never sent ahead to a busy worker)
def step(i: int, folder: str) -> int:
    Path(folder, f"ran-{i}-{time.time_ns()}").touch()
    if i == 1:  # waits until the test has restarted the server
        while not Path(folder, "gate").exists():
            time.sleep(0.05)
    return i


@pgb.task
def steps(folder: str) -> int:
    return sum(step(i, folder) for i in range(3))


@pytest.fixture
def db_url(postgres_url: str) -> str:
    return create_database(postgres_url, f"b{uuid.uuid4().hex[:12]}")


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = create_engine(db_url)
    yield eng
    eng.dispose()


def _phases(action: dict[str, Any]) -> list[str]:
    return [phase for phase, _ in json.loads(action["transitions"])]


def _check_transitions(action: dict[str, Any]) -> None:
    """A recorded history that makes sense: starts queued, times never go back, every
    run of the action is QUEUED -> RUNNING -> an end, and the last one is the phase."""
    history = json.loads(action["transitions"])
    times = [ts for _, ts in history]
    assert times == sorted(times), history
    phases = [phase for phase, _ in history]
    assert phases[0] == "QUEUED", history
    assert phases[-1] == action["phase"], history
    for before, after in itertools.pairwise(phases):
        allowed = {
            "QUEUED": {"RUNNING", "ABORTED", "SUCCEEDED"},  # SUCCEEDED: a cache hit
            "RUNNING": {"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT", "QUEUED", "RUNNING"},
            "ABORTED": {"QUEUED"},  # run again when its resumed parent resubmits it
            "FAILED": {"QUEUED"},
        }[before]
        assert after in allowed, history


def test_several_client_processes_share_one_postgres_backend(
    tmp_path: Path, db_url: str, engine: sa.Engine
) -> None:
    home = tmp_path / "server-home"
    with running_server(home, db_url=db_url):
        script = _CLIENT.format(tests=str(TESTS), home=str(home), width=8, runs=3)
        clients = [
            subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        names: list[str] = []
        for client in clients:
            out, _ = client.communicate(timeout=180)
            assert client.returncode == 0
            names += json.loads(out)
        fl.init(home=home)  # any client sees every client's runs
        seen = {r.name for r in fl.remote.Run.listall(limit=1000)}
        assert set(names) <= seen
        assert fl.remote.Run.get(names[0]).outputs() == sum(i * i for i in range(8))

    assert len(set(names)) == 9
    rows, total = _queries.list_runs(engine, limit=100)
    assert total == 9
    assert {(r["phase"], r["mode"], r["action_count"]) for r in rows} == {
        ("SUCCEEDED", "backend", 9)
    }
    for name in names:
        actions = _queries.list_actions(engine, name)
        assert len(actions) == 9
        for action in actions:
            assert action["phase"] == "SUCCEEDED"
            assert _phases(action) == ["QUEUED", "RUNNING", "SUCCEEDED"]
    assert _queries.list_runs(engine, live=True) == ([], 0)


def test_a_restarted_server_resumes_every_run_from_postgres(
    tmp_path: Path, db_url: str, engine: sa.Engine
) -> None:
    home = tmp_path / "server-home"
    folders = [tmp_path / f"work-{i}" for i in range(3)]
    for folder in folders:
        folder.mkdir()
    _daemon.ensure_server(home, workers=4, db_url=db_url)
    try:
        fl.init(home=home)
        runs = [fl.run(steps, str(folder)) for folder in folders]
        for folder in folders:  # every run's second step is running
            wait_for(lambda f=folder: list(f.glob("ran-1-*")), 30, f"step 1 in {folder}")
        time.sleep(0.6)  # the recorder writes in 0.2 s batches: let step 0 land
        assert _daemon.stop(home)  # a graceful stop (SIGTERM), mid-run

        (tmp_path / "gate").touch()
        for folder in folders:
            (folder / "gate").touch()
        _daemon.ensure_server(home, workers=4, db_url=db_url)
        fl.init(home=home)
        for run in runs:
            resumed = fl.remote.Run.get(run.name).wait(timeout=60)
            assert (resumed.phase, resumed.outputs()) == ("SUCCEEDED", 0 + 1 + 2)
    finally:
        _daemon.stop(home)

    for run, folder in zip(runs, folders, strict=True):
        assert len(list(folder.glob("ran-0-*"))) == 1  # finished before the stop: reused
        assert len(list(folder.glob("ran-1-*"))) == 2  # interrupted: ran again
        actions = {a["name"]: a for a in _queries.list_actions(engine, run.name)}
        assert {a["phase"] for a in actions.values()} == {"SUCCEEDED"}
        for action in actions.values():
            _check_transitions(action)
        root = json.loads(actions["a0"]["attempt_log"])
        assert [a["phase"] for a in root] == ["ABORTED", "SUCCEEDED"]
        assert root[0]["error"]["type"] == "BackendRestarted"
        assert _phases(actions["a0"]) == ["QUEUED", "RUNNING", "QUEUED", "RUNNING", "SUCCEEDED"]
        children = sorted(_phases(a) for name, a in actions.items() if name != "a0")
        assert children == [
            ["QUEUED", "RUNNING", "ABORTED", "QUEUED", "RUNNING", "SUCCEEDED"],  # step 1
            ["QUEUED", "RUNNING", "SUCCEEDED"],  # steps 0 and 2, once each
            ["QUEUED", "RUNNING", "SUCCEEDED"],
        ]
    assert _queries.list_runs(engine, live=True) == ([], 0)


def test_processes_migrating_one_new_database_at_once_agree(db_url: str) -> None:
    script = f"from flyte_nb.store import _migrate; _migrate.upgrade({db_url!r})"
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert _migrate.current_revision(db_url) == _migrate.HEAD
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert [tuple(v) for v in versions] == [(_migrate.HEAD,)]
