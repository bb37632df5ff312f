"""Reading the records back, through SQLAlchemy.

Readers are not on any hot path, so they use SQLAlchemy Core against the schema in
``_schema.py`` directly; the same queries will serve the backend on PostgreSQL. Rows come
back as plain dicts so callers (``flyte_nb.remote``) don't depend on SQLAlchemy types.

Engines come from ``_db.create_engine`` (the recorder's pragmas, a busy timeout). The first
time a process reads a database it checks the schema revision, one small query, and
brings an older database (or a file no recorder has created yet) to the head through
``_migrate``, so the queries below, written against the live schema, always fit.

Every read is the backend's own ``_queries`` function run on this file's engine, so the
SDK without a backend and the HTTP API cannot disagree; this module adds the engine (and
the upgrade check) for a database file.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, exc, select

from . import _migrate, _queries
from ._db import create_engine
from ._schema import alembic_version


@functools.lru_cache(maxsize=8)
def _engine(db_path: Path) -> Engine:
    url = f"sqlite:///{db_path}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            revision = conn.execute(select(alembic_version.c.version_num)).scalar()
    except exc.OperationalError:  # no alembic_version table: a fresh or pre-alembic file
        revision = None
    if revision != _migrate.HEAD:
        _migrate.upgrade(url)  # raises, naming the file, when it is newer than this code
    return engine


def get_run(db_path: Path, name: str) -> dict[str, Any] | None:
    return _queries.get_run(_engine(db_path), name)


def list_runs(
    db_path: Path,
    *,
    phase: str | None = None,
    task_name: str | None = None,
    mode: str | None = None,
    live: bool | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Runs, newest first; ``live``: only those still QUEUED or RUNNING."""
    rows, _total = _queries.list_runs(
        _engine(db_path),
        phases=[phase] if phase is not None else None,
        task_name=task_name,
        mode=mode,
        live=live or None,
        limit=limit,
    )
    return rows


def list_actions(db_path: Path, run_name: str) -> list[dict[str, Any]]:
    return _queries.list_actions(_engine(db_path), run_name)


def get_action(db_path: Path, run_name: str, name: str) -> dict[str, Any] | None:
    return _queries.get_action(_engine(db_path), run_name, name)


def list_logs(db_path: Path, run_name: str, action_name: str | None = None) -> list[dict[str, Any]]:
    """Every captured line of a run (or one action), oldest first."""
    rows: list[dict[str, Any]] = []
    while True:
        after = rows[-1]["id"] if rows else 0
        page = _queries.list_logs(_engine(db_path), run_name, action_name, after_id=after)
        if not page:
            return rows
        rows.extend(page)


def list_docs(
    db_path: Path, run_name: str, action_name: str | None = None, attempt: int | None = None
) -> list[dict[str, Any]]:
    """See ``_queries.list_docs``."""
    return _queries.list_docs(_engine(db_path), run_name, action_name, attempt)


def get_doc(
    db_path: Path,
    run_name: str,
    action_name: str,
    kind: str,
    name: str,
    attempt: int | None = None,
) -> dict[str, Any] | None:
    """See ``_queries.get_doc``."""
    return _queries.get_doc(_engine(db_path), run_name, action_name, kind, name, attempt)
