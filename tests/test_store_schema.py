from __future__ import annotations

from pathlib import Path

from flyte_nb.store import _migrate, _schema


def test_generated_sqlite_statements_match_the_schema() -> None:
    generated = Path(_schema.__file__).with_name("_sqlite_sql.py").read_text()
    assert generated == _schema.render_sqlite_sql(), (
        "flyte_nb/store/_sqlite_sql.py is stale: run "
        "`python -m flyte_nb.store._schema > flyte_nb/store/_sqlite_sql.py`"
    )


def test_recorder_database_is_readable_through_sqlalchemy(home: Path) -> None:
    import sqlalchemy as sa

    import flyte_nb as fl

    env = fl.TaskEnvironment(name="schema")

    @env.task
    def one(x: int) -> int:
        return x + 1

    run = fl.run(one, x=1)
    engine = sa.create_engine(f"sqlite:///{home / 'flyte_nb.db'}")
    # The tables the recorder created are exactly the ones the schema declares, plus
    # alembic's version table stamped with the head revision.
    assert set(sa.inspect(engine).get_table_names()) == {
        *_schema.metadata.tables,
        "alembic_version",
    }
    with engine.connect() as conn:
        phase = conn.execute(
            sa.select(_schema.runs.c.phase).where(_schema.runs.c.name == run.name)
        ).scalar_one()
    assert phase == "SUCCEEDED"
    with engine.connect() as conn:
        version = conn.execute(sa.select(_schema.alembic_version.c.version_num)).scalar_one()
    assert version == _migrate.HEAD


def test_action_rows_follow_the_table_column_order() -> None:
    from flyte_nb.engine._state import ActionState
    from flyte_nb.store import ACTION_COLUMNS

    assert ActionState.COLUMNS == ACTION_COLUMNS
    state = ActionState("r", "a0", None, 0, "env.t", "t", None, "{}")
    assert len(state.row()) == len(ACTION_COLUMNS)


def test_the_start_up_sweep_aborts_only_local_runs(tmp_path: Path) -> None:
    """A backend run's owner is the backend server, which resumes it: never marked here."""
    import os
    import sqlite3
    import subprocess
    import sys

    from flyte_nb.store import Recorder

    db = tmp_path / "sweep.db"
    Recorder(db, tmp_path / "blobs").close()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    conn = sqlite3.connect(db)
    for name, mode in (("r-local", "local"), ("r-backend", "backend")):
        conn.execute(
            "INSERT INTO runs (name, task_name, phase, mode, created_at, action_count, owner_host,"
            " owner_pid, owner_started) VALUES (?, 't', 'RUNNING', ?, 1.0, 0, ?, ?, '1')",
            (name, mode, os.uname().nodename, gone.pid),
        )
    conn.commit()
    recorder = Recorder(db, tmp_path / "blobs")
    recorder.close()
    assert recorder.aborted_on_start == ["r-local"]
    phases = dict(conn.execute("SELECT name, phase FROM runs").fetchall())
    conn.close()
    assert phases == {"r-local": "ABORTED", "r-backend": "RUNNING"}
