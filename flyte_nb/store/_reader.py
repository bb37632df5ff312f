"""Reading the records back, through SQLAlchemy.

Readers are not on any hot path, so they use SQLAlchemy Core against the schema in
``_schema.py`` directly; the same queries will serve the backend on PostgreSQL. Rows come
back as plain dicts so callers (``flyte_nb.remote``) don't depend on SQLAlchemy types.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select

from ._schema import actions, logs, runs


@functools.lru_cache(maxsize=8)
def _engine(db_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{db_path}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=30000")

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
    limit: int = 100,
) -> list[dict[str, Any]]:
    query = select(runs).order_by(runs.c.created_at.desc()).limit(limit)
    if phase is not None:
        query = query.where(runs.c.phase == phase)
    if task_name is not None:
        query = query.where(runs.c.task_name == task_name)
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
