"""The store on PostgreSQL: the SQLAlchemy recorder, migrations, and a real backend server.

Everything runs against a private PostgreSQL cluster started once for the module (see
``_postgres.py``); the recorder tests also run on a SQLite URL, so the two databases are
held to the same behaviour. Each test that needs an empty database creates its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from _backend_util import alive, wait_for
from _postgres import create_database, postgres_url  # noqa: F401 (a fixture)

import flyte_nb as fl
from flyte_nb.client import _daemon
from flyte_nb.engine._state import ActionState, RunState
from flyte_nb.store import Recorder, SqlRecorder, _migrate, _queries, open_recorder
from flyte_nb.store._db import create_engine

pg = fl.TaskEnvironment("pg")


@pg.task
async def square(x: int) -> int:
    print(f"square {x}")
    return x * x


@pg.task
async def fan_out(n: int) -> int:
    return sum(await asyncio.gather(*[square(i) for i in range(n)]))


@pg.task(cache="auto")
def cached_double(x: int, log: str) -> int:
    with open(log, "a") as f:
        f.write("x")
    return 2 * x


@pg.task
def step(i: int, folder: str) -> int:
    with open(Path(folder, f"ran-{i}"), "a") as f:
        f.write("x")
    if i == 2:  # the third step waits until the test has killed the server
        gate = Path(folder, "gate")
        while not gate.exists():
            time.sleep(0.05)
    return i * 10


@pg.task
def pipeline(folder: str) -> int:
    return sum(step(i, folder) for i in range(4))


def _fresh_db(postgres_url: str) -> str:  # noqa: F811
    return create_database(postgres_url, f"t{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return _fresh_db(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = create_engine(db_url)
    yield eng
    eng.dispose()


def _run(name: str, project: str = "default", mode: str = "local") -> RunState:
    from flyte_nb.store import process_identity

    return RunState(name, "pg.root", "{}", process_identity(), {"A": "1"}, mode, project=project)


def _action(run: str, name: str, seq: int, parent: str | None = "a0") -> ActionState:
    return ActionState(run, name, parent, seq, "pg.square", "square", None, '{"x":1}')


# -- the recorder ----------------------------------------------------------------------------
def test_sql_recorder_round_trip(db_url: str, engine: sa.Engine, tmp_path: Path) -> None:
    rec = SqlRecorder(db_url, tmp_path / "blobs", interval=60)  # flushes only when told
    try:
        run = _run("r-one", project="proj-a")
        rec.write_run(run)
        assert rec.run_exists("r-one")
        assert not rec.run_exists("r-two")
        assert rec.has_live_runs("local")
        assert not rec.has_live_runs("backend")

        root = _action("r-one", "a0", 0, parent=None)
        child = _action("r-one", "a1", 1)
        rec.touch(root)
        rec.touch(child)
        rec.log(
            {
                "run_name": "r-one",
                "action_name": "a1",
                "attempt": 1,
                "stream": "stdout",
                "ts": time.time(),
                "text": "hello\x00world\n",
            }
        )
        rec.log(
            {
                "run_name": "r-one",
                "action_name": "a1",
                "attempt": 1,
                "stream": "stderr",
                "ts": time.time(),
                "text": "second\n",
            }
        )
        rec.cache_put("pg.square", "v1", "key-1", '{"o0":1}', "r-one", "a1")
        assert rec.cache_get("pg.square", "v1", "key-1") == '{"o0":1}'  # the memory mirror

        # Five changes between flushes: one row written, holding the latest state.
        writes: list[list[tuple[Any, ...]]] = []
        real_write = rec._write

        def counting(*args: Any) -> None:
            writes.append(args[1])
            real_write(*args)

        rec._write = counting  # type: ignore[method-assign]
        for phase in ("RUNNING", "RUNNING", "RUNNING", "RUNNING", "SUCCEEDED"):
            child.set_phase(phase)
            rec.touch(child)
        child.outputs = '{"o0":1}'
        child.cache_key = "key-1"
        child.cache_hit = True
        rec.flush()
        assert [len(actions) for actions in writes] == [2]
        rec._write = real_write  # type: ignore[method-assign]

        run.action_count = 2
        run.finish("SUCCEEDED", outputs='{"o0":1}')
        rec.write_run(run)
        rec.write_run(_run("r-two", project="proj-b", mode="backend"))
        assert rec.has_live_runs("backend")
    finally:
        rec.close()

    row = _queries.get_run(engine, "r-one")
    assert row is not None
    assert (row["phase"], row["outputs"], row["action_count"]) == ("SUCCEEDED", '{"o0":1}', 2)
    assert (row["project"], row["domain"], json.loads(row["env_vars"])) == (
        "proj-a",
        "development",
        {"A": "1"},
    )
    actions = _queries.list_actions(engine, "r-one")
    assert [a["name"] for a in actions] == ["a0", "a1"]
    a1 = actions[1]
    assert (a1["phase"], a1["outputs"], a1["cache_key"], a1["cache_hit"]) == (
        "SUCCEEDED",
        '{"o0":1}',
        "key-1",
        True,
    )
    assert [p for p, _ in json.loads(a1["transitions"])] == [
        "QUEUED",
        "RUNNING",
        "RUNNING",
        "RUNNING",
        "RUNNING",
        "SUCCEEDED",
    ]
    logs = _queries.list_logs(engine, "r-one", "a1")
    assert [(r["stream"], r["text"]) for r in logs] == [
        (
            "stdout",
            "hello\ufffdworld\n" if engine.dialect.name == "postgresql" else "hello\x00world\n",
        ),
        ("stderr", "second\n"),
    ]
    assert (
        _queries.list_logs(engine, "r-one", "a1", after_id=logs[0]["id"])[0]["text"] == "second\n"
    )

    rows, total = _queries.list_runs(engine, project="proj-a")
    assert (total, [r["name"] for r in rows]) == (1, ["r-one"])
    rows, total = _queries.list_runs(engine, live=True)
    assert [r["name"] for r in rows] == ["r-two"]
    rows, total = _queries.list_runs(engine, phases=["SUCCEEDED"], text="one", mode="local")
    assert [r["name"] for r in rows] == ["r-one"]
    assert _queries.list_runs(engine, sort="-duration")[1] == 2

    # A second recorder (a restarted server) reads the cache from the database.
    again = SqlRecorder(db_url, tmp_path / "blobs", interval=60)
    try:
        assert again.cache_get("pg.square", "v1", "key-1") == '{"o0":1}'
        assert again.cache_get("pg.square", "v2", "key-1") is None
        assert again.run_exists("r-two")
        again.cache_put("pg.square", "v1", "key-1", '{"o0":2}', "r-two", "a0")  # refresh
    finally:
        again.close()
    with engine.connect() as conn:
        cached = conn.execute(sa.text("SELECT outputs, run_name FROM cache_entries")).all()
    assert [tuple(r) for r in cached] == [('{"o0":2}', "r-two")]


def test_sql_recorder_keeps_a_batch_after_a_lost_connection_and_aborts_dead_runs(
    db_url: str, engine: sa.Engine, tmp_path: Path
) -> None:
    rec = SqlRecorder(db_url, tmp_path / "blobs", interval=60)
    try:
        host = os.uname().nodename
        dead = RunState("r-dead", "pg.root", "{}", (host, 2**22 + 7, "gone"), {})
        rec.write_run(dead)  # a local run whose process is gone (no such pid)
        action = _action("r-dead", "a0", 0, parent=None)
        action.set_phase("RUNNING")
        rec.touch(action)

        real_write, failures = rec._write, [1]

        def drops_once(*args: Any) -> None:
            if failures:
                failures.pop()
                raise sa.exc.OperationalError("INSERT ...", {}, Exception("connection lost"))
            real_write(*args)

        rec._write = drops_once  # type: ignore[method-assign]
        with pytest.raises(sa.exc.OperationalError):
            rec.flush()
        rec.flush()  # the batch was kept: written now
        assert [a["phase"] for a in _queries.list_actions(engine, "r-dead")] == ["RUNNING"]
    finally:
        rec.close()

    reopened = SqlRecorder(db_url, tmp_path / "blobs", interval=60)
    reopened.close()
    assert reopened.aborted_on_start == ["r-dead"]
    run = _queries.get_run(engine, "r-dead")
    assert run is not None
    assert (run["phase"], json.loads(run["error"])["type"]) == ("ABORTED", "ProcessDied")
    assert [a["phase"] for a in _queries.list_actions(engine, "r-dead")] == ["ABORTED"]


def test_open_recorder_picks_the_writer(tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    local = open_recorder(f"sqlite:///{tmp_path / 'sub' / 'a.db'}", tmp_path / "blobs")
    try:
        assert type(local) is Recorder
        assert (tmp_path / "sub" / "a.db").exists()
    finally:
        local.close()
    remote = open_recorder(_fresh_db(postgres_url), tmp_path / "blobs")
    try:
        assert type(remote) is SqlRecorder
    finally:
        remote.close()
    with pytest.raises(ValueError, match="PostgreSQL"):
        SqlRecorder("mysql://u@localhost/x", tmp_path / "blobs")


# -- migrations --------------------------------------------------------------------------------
def test_migrations_on_postgresql_are_idempotent_and_keep_old_runs(
    postgres_url: str,  # noqa: F811
) -> None:
    url = _fresh_db(postgres_url)
    assert _migrate.current_revision(url) is None
    _migrate.upgrade(url)
    _migrate.upgrade(url)  # at HEAD: nothing to do
    assert _migrate.current_revision(url) == _migrate.HEAD

    # A database an older release left at revision 0001, holding a run, upgrades in place.
    from alembic import command

    old = _fresh_db(postgres_url)
    engine = create_engine(old)
    try:
        with engine.begin() as conn:
            command.upgrade(_migrate.alembic_config(conn), "0001")
            conn.execute(
                sa.text(
                    "INSERT INTO runs (name, task_name, phase, mode, created_at, action_count) "
                    "VALUES ('old-run', 'm.t', 'SUCCEEDED', 'local', 1.0, 1)"
                )
            )
        assert _migrate.current_revision(old) == "0001"
        _migrate.upgrade(old)
        assert _migrate.current_revision(old) == _migrate.HEAD
        row = _queries.get_run(engine, "old-run")
        assert row is not None
        assert (row["phase"], row["project"], row["domain"]) == (
            "SUCCEEDED",
            "default",
            "development",
        )
    finally:
        engine.dispose()


# -- a real backend server on PostgreSQL ---------------------------------------------------------
def test_backend_server_on_postgresql(tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    url = _fresh_db(postgres_url)
    home = tmp_path / "server-home"
    _daemon.ensure_server(home, workers=2, db_url=url)
    try:
        fl.init(home=home)
        run = fl.run(fan_out, 20).wait(timeout=60)
        assert (run.phase, run.outputs()) == ("SUCCEEDED", sum(i * i for i in range(20)))
        actions = run.actions()
        assert len(actions) == 21
        assert {a.phase for a in actions} == {"SUCCEEDED"}
        assert "square 7\n" in run.logs()

        log = tmp_path / "calls"
        first = fl.run(cached_double, 21, str(log)).wait(timeout=30)
        second = fl.run(cached_double, 21, str(log)).wait(timeout=30)
        assert first.outputs() == second.outputs() == 42
        assert log.read_text() == "x"
        assert second.actions()[0].cache_hit
        listed = {r.name for r in fl.remote.Run.listall(limit=1000)}
        assert {run.name, first.name, second.name} <= listed
    finally:
        _daemon.stop(home)
    # The records are in PostgreSQL, not in a SQLite file under the home.
    engine = create_engine(url)
    try:
        row = _queries.get_run(engine, run.name)
        assert row is not None
        assert (row["phase"], row["mode"]) == ("SUCCEEDED", "backend")
        assert len(_queries.list_actions(engine, run.name)) == 21
    finally:
        engine.dispose()
    assert not (home / "flyte_nb.db").exists()


def test_server_killed_mid_run_resumes_on_postgresql(
    tmp_path: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    url = _fresh_db(postgres_url)
    home = tmp_path / "server-home"
    folder = tmp_path / "work"
    folder.mkdir()
    _daemon.ensure_server(home, workers=2, db_url=url)
    try:
        fl.init(home=home)
        run = fl.run(pipeline, str(folder))
        wait_for(lambda: (folder / "ran-2").exists(), 30, "the third step to start")
        time.sleep(0.6)  # the recorder writes in 0.2 s batches: let steps 0 and 1 land
        record = json.loads((home / "server.json").read_text())
        os.killpg(record["pid"], signal.SIGKILL)
        wait_for(lambda: not alive(record["pid"]), 10, "the server to die")

        (folder / "gate").write_text("open")
        _daemon.ensure_server(home, workers=2, db_url=url)
        fl.init(home=home)
        resumed = fl.remote.Run.get(run.name).wait(timeout=60)
        assert (resumed.phase, resumed.outputs()) == ("SUCCEEDED", 60)
        assert (folder / "ran-0").read_text() == "x"  # finished before the crash: reused
        assert (folder / "ran-2").read_text() == "xx"
        assert {a.phase for a in resumed.actions()} == {"SUCCEEDED"}
        assert resumed.action("a0").attempt_log[0]["error"]["type"] == "BackendRestarted"
    finally:
        _daemon.stop(home)
    engine = create_engine(url)
    try:
        assert _queries.list_runs(engine, live=True) == ([], 0)
        phases = {a["phase"] for a in _queries.list_actions(engine, run.name)}
        assert phases == {"SUCCEEDED"}
    finally:
        engine.dispose()
