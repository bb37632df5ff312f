"""The ``apps`` and ``app_logs`` tables: the supervisor's writes and the API's reads.

SQLAlchemy Core on the backend's engine, so SQLite and PostgreSQL behave the same. The
supervisor writes a row on every state change, so the records are the one truth the API,
the panel and a restarted backend read; nothing about an app lives only in memory except
its process handle. Log lines are batched by the supervisor and inserted many at a time;
each app keeps its newest ``LOG_KEEP`` lines (older ones are pruned as new ones arrive)
and the lines of its current and previous revisions only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, insert, select, update

from ..store._schema import app_logs, apps

if TYPE_CHECKING:
    from sqlalchemy import Engine

Key = tuple[str, str, str]  # (project, domain, name)
LOG_KEEP = 50_000
STATES = ("PENDING", "DEPLOYING", "ACTIVE", "FAILED", "STOPPED")


def _where(key: Key) -> Any:
    project, domain, name = key
    return and_(apps.c.project == project, apps.c.domain == domain, apps.c.name == name)


def _log_where(key: Key) -> Any:
    project, domain, name = key
    return and_(app_logs.c.project == project, app_logs.c.domain == domain, app_logs.c.name == name)


def get_app(engine: Engine, key: Key) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(apps).where(_where(key))).mappings().first()
    return dict(row) if row else None


def list_apps(
    engine: Engine,
    *,
    project: str | None = None,
    domain: str | None = None,
    state: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Apps, most recently deployed first."""
    query = select(apps).order_by(apps.c.deployed_at.desc(), apps.c.name).limit(limit)
    for column, value in (("project", project), ("domain", domain), ("state", state)):
        if value is not None:
            query = query.where(apps.c[column] == value)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def put_app(engine: Engine, row: dict[str, Any]) -> None:
    """Insert or replace the whole row of one app (a new deployment)."""
    key = (row["project"], row["domain"], row["name"])
    with engine.begin() as conn:
        conn.execute(delete(apps).where(_where(key)))
        conn.execute(insert(apps).values(**row))


def update_app(engine: Engine, key: Key, fields: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(update(apps).where(_where(key)).values(**fields))


def to_restore(engine: Engine) -> list[dict[str, Any]]:
    """Apps a (re)starting backend brings back: wanted running and not given up on."""
    query = select(apps).where(apps.c.desired == "ACTIVE", apps.c.state != "FAILED")
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


# -- logs ----------------------------------------------------------------------------------
def insert_logs(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(app_logs), list(rows))


def list_logs(
    engine: Engine, key: Key, *, after: int = 0, limit: int = 1000, revision: int | None = None
) -> list[dict[str, Any]]:
    query = (
        select(
            app_logs.c.id, app_logs.c.revision, app_logs.c.stream, app_logs.c.ts, app_logs.c.text
        )
        .where(_log_where(key), app_logs.c.id > after)
        .order_by(app_logs.c.id)
        .limit(limit)
    )
    if revision is not None:
        query = query.where(app_logs.c.revision == revision)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def prune_logs(engine: Engine, key: Key, revision: int, keep: int = LOG_KEEP) -> None:
    """Drop lines older than the previous revision, and all but the newest ``keep``."""
    with engine.begin() as conn:
        conn.execute(delete(app_logs).where(_log_where(key), app_logs.c.revision < revision - 1))
        cutoff = conn.execute(
            select(app_logs.c.id)
            .where(_log_where(key))
            .order_by(app_logs.c.id.desc())
            .offset(keep)
            .limit(1)
        ).scalar()
        if cutoff is not None:
            conn.execute(delete(app_logs).where(_log_where(key), app_logs.c.id <= cutoff))


# -- the API's shape -------------------------------------------------------------------------
def app_view(row: dict[str, Any]) -> dict[str, Any]:
    """One app as the HTTP API and ``flyte_nb.remote.App`` show it."""
    live = row["state"] in ("DEPLOYING", "ACTIVE")
    return {
        "project": row["project"],
        "domain": row["domain"],
        "name": row["name"],
        "revision": row["revision"],
        "state": row["state"],
        "reason": row["reason"],
        "desired_state": row["desired"],
        "version": row["version"],
        "port": row["port"],
        "endpoint": f"http://127.0.0.1:{row['port']}",
        "pid": row["owner_pid"] if live else None,
        "restarts": row["restarts"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "deployed_at": row["deployed_at"],
        "active_at": row["active_at"],
        "spec": json.loads(row["spec"]),
        "parameters": json.loads(row["resolved"]) if row["resolved"] else [],
    }
