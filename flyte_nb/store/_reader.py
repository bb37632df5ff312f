"""Reading the records back, through SQLAlchemy.

Readers are not on any hot path, so they use SQLAlchemy Core against the schema in
``_schema.py`` directly; the same queries will serve the backend on PostgreSQL. Rows come
back as plain dicts so callers (``flyte_nb.remote``) don't depend on SQLAlchemy types.

Engines come from ``_db.create_engine`` (the recorder's pragmas, a busy timeout). The first
time a process reads a database it checks the schema revision, one small query, and
brings an older database (or a file no recorder has created yet) to the head through
``_migrate``, so the queries below, written against the live schema, always fit.

Reads whose logic is more than a filter (docs: attempts, cache hits resolved to their
filler) are the backend's own ``_queries`` functions run on this file's engine, so the
SDK without a backend and the HTTP API cannot disagree.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, exc, select

from . import _migrate, _queries
from ._db import create_engine
from ._schema import actions, alembic_version, logs, runs


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
    with _engine(db_path).connect() as conn:
        row = conn.execute(select(runs).where(runs.c.name == name)).mappings().first()
    return dict(row) if row else None


def list_runs(
    db_path: Path,
    *,
    phase: str | None = None,
    task_name: str | None = None,
    mode: str | None = None,
    live: bool = False,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Runs, newest first; ``live``: only those still QUEUED or RUNNING."""
    query = select(runs).order_by(runs.c.created_at.desc()).limit(limit)
    if phase is not None:
        query = query.where(runs.c.phase == phase)
    if task_name is not None:
        query = query.where(runs.c.task_name == task_name)
    if mode is not None:
        query = query.where(runs.c.mode == mode)
    if live:
        query = query.where(runs.c.phase.in_(("QUEUED", "RUNNING")))
    with _engine(db_path).connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def list_actions(db_path: Path, run_name: str) -> list[dict[str, Any]]:
    query = select(actions).where(actions.c.run_name == run_name).order_by(actions.c.seq)
    with _engine(db_path).connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def list_logs(db_path: Path, run_name: str, action_name: str | None = None) -> list[dict[str, Any]]:
    query = select(logs).where(logs.c.run_name == run_name).order_by(logs.c.id)
    if action_name is not None:
        query = query.where(logs.c.action_name == action_name)
    with _engine(db_path).connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


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
