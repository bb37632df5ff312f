"""Schema versions: alembic migrations, the recorder's fast path, and old databases.

Old databases are built from ``tests/data/schema_v1.sql``, a frozen copy of the DDL the
issue-2 recorder ran; it must never be regenerated from the live schema.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import flyte_nb as fl
from flyte_nb.engine._state import RunState
from flyte_nb.store import Recorder, _migrate, _schema, _sqlite_sql, process_identity

V1_DDL = Path(__file__).with_name("data") / "schema_v1.sql"

OLD_RUN = {
    "name": "r-old",
    "task_name": "env.main",
    "phase": "SUCCEEDED",
    "mode": "local",
    "created_at": 1700000000.5,
    "started_at": 1700000000.5,
    "ended_at": 1700000001.25,
    "inputs": '{"n":3}',
    "outputs": '{"o0":9}',
    "error": None,
    "action_count": 2,
    "owner_host": "somewhere",
    "owner_pid": 4242,
    "owner_started": "123",
    "env_vars": "{}",
}
OLD_ACTION = {
    "run_name": "r-old",
    "name": "a0",
    "parent": None,
    "seq": 0,
    "task_name": "env.main",
    "short_name": "main",
    "group_name": None,
    "phase": "SUCCEEDED",
    "created_at": 1700000000.5,
    "started_at": 1700000000.5,
    "ended_at": 1700000001.25,
    "attempts": 1,
    "cache_hit": 0,
    "cache_key": None,
    "inputs": '{"n":3}',
    "outputs": '{"o0":9}',
    "error": None,
    "transitions": '[["QUEUED",1700000000.5],["SUCCEEDED",1700000001.25]]',
    "attempt_log": "[]",
}
OLD_LOG = {
    "run_name": "r-old",
    "action_name": "a0",
    "attempt": 1,
    "stream": "stdout",
    "ts": 1700000001.0,
    "text": "hello\n",
}
OLD_CACHE = {
    "key": "k" * 64,
    "task_name": "env.square",
    "version": "v1",
    "outputs": '{"o0":4}',
    "run_name": "r-old",
    "action_name": "a1",
    "created_at": 1700000001.0,
}


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
    names = ", ".join(f'"{k}"' for k in row)
    conn.execute(
        f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})", [*row.values()]
    )


def make_v1_db(path: Path) -> Path:
    """A database exactly as the issue-2 code left it, with one of every kind of row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(V1_DDL.read_text())
    _insert(conn, "runs", OLD_RUN)
    _insert(conn, "actions", OLD_ACTION)
    _insert(conn, "actions", {**OLD_ACTION, "name": "a1", "parent": "a0", "seq": 1})
    _insert(conn, "logs", OLD_LOG)
    _insert(conn, "cache_entries", OLD_CACHE)
    conn.commit()
    conn.close()
    return path


def rows(path: Path, table: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    finally:
        conn.close()


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def shape(path: Path, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every table's columns (order, type, NOT NULL, default, pk) and indexes, via PRAGMA."""
    conn = sqlite3.connect(path)
    try:
        out: dict[str, Any] = {}
        for table in sorted(tables(path) - skip):
            columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
            indexes = sorted(
                (name, unique, tuple(c[2] for c in conn.execute(f"PRAGMA index_info({name})")))
                for _, name, unique, *_rest in conn.execute(f"PRAGMA index_list({table})")
            )
            out[table] = (columns, indexes)
        return out
    finally:
        conn.close()


def revision(path: Path) -> list[str]:
    return [r["version_num"] for r in rows(path, "alembic_version")]


# -- old databases -----------------------------------------------------------------------
def test_the_recorder_upgrades_a_v1_database_keeping_its_rows(tmp_path: Path) -> None:
    db = make_v1_db(tmp_path / "v1.db")
    before = {t: rows(db, t) for t in ("runs", "actions", "logs", "cache_entries")}
    Recorder(db, tmp_path / "blobs").close()

    assert revision(db) == [_migrate.HEAD]
    assert "schema_info" not in tables(db)
    assert "tasks" in tables(db)
    after = {t: rows(db, t) for t in before}
    for table, old_rows in before.items():  # every old value is still there, unchanged
        assert [{k: r[k] for k in old_rows[0]} for r in after[table]] == old_rows
    run = after["runs"][0]
    assert (run["project"], run["domain"], run["spec"]) == ("default", "development", None)
    assert [a["spec"] for a in after["actions"]] == [None, None]


def test_upgrade_stamps_a_pre_alembic_database_then_upgrades_it(tmp_path: Path) -> None:
    db = make_v1_db(tmp_path / "v1.db")
    url = f"sqlite:///{db}"
    assert _migrate.current_revision(url) == "0001"
    _migrate.upgrade(url)
    assert _migrate.current_revision(url) == _migrate.HEAD
    assert rows(db, "cache_entries") == [OLD_CACHE]
    _migrate.upgrade(url)  # at head: nothing to do
    assert revision(db) == [_migrate.HEAD]


def test_reading_a_v1_database_upgrades_it_first(home: Path) -> None:
    make_v1_db(home / "flyte_nb.db")  # no recorder opens it: the reader meets it first
    run = fl.remote.Run.get("r-old")
    assert run.phase == "SUCCEEDED"
    assert [a.name for a in run.actions()] == ["a0", "a1"]
    assert revision(home / "flyte_nb.db") == [_migrate.HEAD]


def test_a_v1_database_opened_by_several_processes_at_once(tmp_path: Path) -> None:
    db = make_v1_db(tmp_path / "v1.db")
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from flyte_nb.store import Recorder
        Recorder(Path({str(db)!r}), Path({str(tmp_path / "blobs")!r})).close()
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE) for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    assert revision(db) == [_migrate.HEAD]
    assert len(rows(db, "actions")) == 2


# -- the schema a database ends up with --------------------------------------------------
def test_upgrade_on_a_fresh_file_equals_what_the_recorder_creates(tmp_path: Path) -> None:
    _migrate.upgrade(f"sqlite:///{tmp_path / 'alembic.db'}")
    Recorder(tmp_path / "recorder.db", tmp_path / "blobs").close()
    assert shape(tmp_path / "alembic.db") == shape(tmp_path / "recorder.db")
    assert revision(tmp_path / "recorder.db") == revision(tmp_path / "alembic.db")


def test_a_migrated_v1_database_equals_a_fresh_one(tmp_path: Path) -> None:
    db = make_v1_db(tmp_path / "v1.db")
    _migrate.upgrade(f"sqlite:///{db}")
    Recorder(tmp_path / "fresh.db", tmp_path / "blobs").close()
    assert shape(db) == shape(tmp_path / "fresh.db")  # column order included


def test_revision_0001_is_the_frozen_v1_schema(tmp_path: Path) -> None:
    from alembic import command

    from flyte_nb.store._db import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'r1.db'}")
    with engine.begin() as conn:
        command.upgrade(_migrate.alembic_config(conn), "0001")
    engine.dispose()
    no_version = frozenset({"alembic_version"})
    assert shape(tmp_path / "r1.db", no_version) == shape(make_v1_db(tmp_path / "v1.db"))
    assert rows(tmp_path / "r1.db", "schema_info") == [{"key": "schema_version", "value": "1"}]


def test_the_live_schema_is_what_the_migrations_build(tmp_path: Path) -> None:
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    db = make_v1_db(tmp_path / "v1.db")
    _migrate.upgrade(f"sqlite:///{db}")
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, _schema.metadata) == []
    engine.dispose()


def test_downgrade_and_upgrade_again_keep_the_rows(tmp_path: Path) -> None:
    from alembic import command

    from flyte_nb.store._db import create_engine

    db = make_v1_db(tmp_path / "v1.db")
    _migrate.upgrade(f"sqlite:///{db}")
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        command.downgrade(_migrate.alembic_config(conn), "0001")
    engine.dispose()
    assert revision(db) == ["0001"]
    assert "schema_info" in tables(db)
    assert "project" not in rows(db, "runs")[0]
    _migrate.upgrade(f"sqlite:///{db}")
    assert rows(db, "runs")[0]["name"] == "r-old"
    assert revision(db) == [_migrate.HEAD]


def test_head_is_the_script_directory_head() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(_migrate.alembic_config())
    assert scripts.get_heads() == [_migrate.HEAD]
    walked = [s.revision for s in scripts.walk_revisions("base", "heads")][::-1]
    assert tuple(walked) == _migrate.REVISIONS
    assert _migrate.REVISIONS[-1] == _migrate.HEAD
    # The recorder's copy, which it reads without importing alembic.
    assert (_sqlite_sql.HEAD, _sqlite_sql.REVISIONS) == (_migrate.HEAD, _migrate.REVISIONS)


def test_upgrade_sql_for_postgresql() -> None:
    script = _migrate.upgrade_sql("postgresql://", start="0001")
    assert "ALTER TABLE runs ADD COLUMN project VARCHAR(64) DEFAULT 'default' NOT NULL" in script
    assert "ALTER TABLE actions ADD COLUMN spec TEXT" in script
    assert "CREATE TABLE tasks" in script
    assert "DROP TABLE schema_info" in script
    assert "CREATE TABLE docs" in script
    assert "PRIMARY KEY (run_name, action_name, attempt, kind, name)" in script


def _v1_upgraded_to(db: Path, target: str) -> Path:
    """A v1 database with its rows, stamped 0001 and upgraded to ``target`` only."""
    from alembic import command

    from flyte_nb.store._db import create_engine

    make_v1_db(db)
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        cfg = _migrate.alembic_config(conn)
        command.stamp(cfg, "0001")
        command.upgrade(cfg, target)
    engine.dispose()
    return db


def test_a_0002_database_gets_the_docs_table_and_keeps_its_runs(tmp_path: Path) -> None:
    db = _v1_upgraded_to(tmp_path / "v2.db", "0002")
    conn = sqlite3.connect(db)
    _insert(conn, "runs", {**OLD_RUN, "name": "r-v2", "project": "proj", "spec": '{"a":1}'})
    conn.commit()
    conn.close()
    assert revision(db) == ["0002"]
    assert "docs" not in tables(db)
    before = {t: rows(db, t) for t in ("runs", "actions", "logs", "cache_entries", "tasks")}

    rec = Recorder(db, tmp_path / "blobs")  # the recorder meets the older revision first
    rec.doc("r-v2", "a0", 1, "deck", "plot", "<p>plot</p>")
    rec.close()

    assert revision(db) == [_migrate.HEAD]
    assert {t: rows(db, t) for t in before} == before
    assert [r["project"] for r in rows(db, "runs")] == ["default", "proj"]
    (doc,) = rows(db, "docs")
    assert (doc["run_name"], doc["kind"], doc["name"], doc["size"]) == ("r-v2", "deck", "plot", 11)
    Recorder(tmp_path / "fresh.db", tmp_path / "blobs").close()
    assert shape(db) == shape(tmp_path / "fresh.db")


# -- databases this code must not touch --------------------------------------------------
def _stamp(db: Path, version: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = ?", (version,))
    conn.commit()
    conn.close()


def test_a_database_from_a_newer_flyte_nb_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    Recorder(db, tmp_path / "blobs").close()
    _stamp(db, "0099")
    with pytest.raises(RuntimeError, match=r"newer flyte_nb \(schema revision 0099"):
        Recorder(db, tmp_path / "blobs")
    with pytest.raises(RuntimeError, match="newer flyte_nb"):
        _migrate.upgrade(f"sqlite:///{db}")
    assert revision(db) == ["0099"]  # untouched


def test_a_newer_pre_alembic_database_is_refused(tmp_path: Path) -> None:
    db = make_v1_db(tmp_path / "v1.db")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE schema_info SET value = '2'")
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="newer flyte_nb"):
        Recorder(db, tmp_path / "blobs")


def test_an_unversioned_database_with_our_tables_is_refused(tmp_path: Path) -> None:
    db = make_v1_db(tmp_path / "v1.db")
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE schema_info")
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="no schema revision"):
        Recorder(db, tmp_path / "blobs")


# -- the recorder's own path -------------------------------------------------------------
def test_the_recorder_never_imports_alembic_or_sqlalchemy_at_head(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from flyte_nb.store import Recorder
        for _ in range(2):  # a fresh file, then a file at head
            Recorder(Path({str(tmp_path / "f.db")!r}), Path({str(tmp_path / "b")!r})).close()
        heavy = [m for m in sys.modules if m.split(".")[0] in ("alembic", "sqlalchemy")]
        assert not heavy, heavy
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_the_recorder_writes_v2_columns(tmp_path: Path) -> None:
    db = tmp_path / "v2.db"
    rec = Recorder(db, tmp_path / "blobs")
    state = RunState(
        "r-new",
        "env.t",
        "{}",
        process_identity(),
        {},
        "backend",
        project="flytesnacks",
        domain="production",
        spec=json.dumps({"options": {}}),
    )
    rec.write_run(state)
    rec.close()
    (row,) = rows(db, "runs")
    assert (row["project"], row["domain"], row["mode"]) == ("flytesnacks", "production", "backend")
    assert json.loads(row["spec"]) == {"options": {}}


def test_a_0003_database_gets_the_launch_plans_table_and_keeps_its_rows(tmp_path: Path) -> None:
    db = _v1_upgraded_to(tmp_path / "v3.db", "0003")
    assert revision(db) == ["0003"]
    assert "launch_plans" not in tables(db)
    before = {t: rows(db, t) for t in ("runs", "actions", "logs", "cache_entries", "tasks")}

    _migrate.upgrade(f"sqlite:///{db}")

    assert revision(db) == [_migrate.HEAD]
    assert {t: rows(db, t) for t in before} == before
    assert rows(db, "launch_plans") == []
    Recorder(tmp_path / "fresh.db", tmp_path / "blobs").close()
    assert shape(db) == shape(tmp_path / "fresh.db")
    script = _migrate.upgrade_sql("postgresql://", start="0003")
    assert "CREATE TABLE launch_plans" in script
    assert "PRIMARY KEY (project, domain, name, version)" in script


def test_a_0004_database_gets_signals_and_schedule_state_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    db = _v1_upgraded_to(tmp_path / "v4.db", "0004")
    assert {"signals", "schedule_state"}.isdisjoint(tables(db))
    before = {t: rows(db, t) for t in ("runs", "actions", "launch_plans")}

    _migrate.upgrade(f"sqlite:///{db}")

    assert revision(db) == [_migrate.HEAD]
    assert {t: rows(db, t) for t in before} == before
    assert rows(db, "signals") == rows(db, "schedule_state") == []
    Recorder(tmp_path / "fresh.db", tmp_path / "blobs").close()
    assert shape(db) == shape(tmp_path / "fresh.db")
