"""The backend's reads: filtered, sorted, paginated run lists and the rows of one run.

SQLAlchemy Core against the tables of ``_schema.py`` on an ``Engine`` the caller owns, so
the same queries serve SQLite and PostgreSQL. Rows come back as plain dicts. Filters and
sort keys are validated by the caller (the HTTP layer turns bad ones into a 400); here an
unknown sort key is a programming error.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select

from ._schema import actions, logs, runs, tasks

LIVE_PHASES = ("QUEUED", "RUNNING")


def _sort_column(key: str) -> Any:
    desc = key.startswith("-")
    name = key.lstrip("-")
    column = runs.c.ended_at - runs.c.started_at if name == "duration" else runs.c[name]
    return (column.desc() if desc else column.asc()).nulls_last()


def list_runs(
    engine: Engine,
    *,
    project: str | None = None,
    domain: str | None = None,
    phases: list[str] | None = None,
    task_name: str | None = None,
    text: str | None = None,
    since: float | None = None,
    until: float | None = None,
    mode: str | None = None,
    live: bool | None = None,
    sort: str = "-created_at",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A page of runs and the total number that match."""
    where = []
    if project is not None:
        where.append(runs.c.project == project)
    if domain is not None:
        where.append(runs.c.domain == domain)
    if phases:
        where.append(runs.c.phase.in_(phases))
    if task_name is not None:
        where.append(runs.c.task_name == task_name)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        where.append(
            or_(runs.c.name.like(pattern, escape="\\"), runs.c.task_name.like(pattern, escape="\\"))
        )
    if since is not None:
        where.append(runs.c.created_at >= since)
    if until is not None:
        where.append(runs.c.created_at < until)
    if mode is not None:
        where.append(runs.c.mode == mode)
    if live is not None:
        where.append(runs.c.phase.in_(LIVE_PHASES) if live else runs.c.phase.not_in(LIVE_PHASES))
    condition = and_(*where) if where else None
    query = select(runs).order_by(_sort_column(sort), runs.c.name).limit(limit).offset(offset)
    count = select(func.count()).select_from(runs)
    if condition is not None:
        query = query.where(condition)
        count = count.where(condition)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
        total = conn.execute(count).scalar_one()
    return rows, int(total)


def get_run(engine: Engine, name: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(runs).where(runs.c.name == name)).mappings().first()
    return dict(row) if row else None


def list_actions(engine: Engine, run_name: str) -> list[dict[str, Any]]:
    query = select(actions).where(actions.c.run_name == run_name).order_by(actions.c.seq)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def get_action(engine: Engine, run_name: str, name: str) -> dict[str, Any] | None:
    query = select(actions).where(actions.c.run_name == run_name, actions.c.name == name)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def list_logs(
    engine: Engine,
    run_name: str,
    action_name: str | None = None,
    *,
    after_id: int = 0,
    limit: int = 10_000,
) -> list[dict[str, Any]]:
    query = (
        select(logs)
        .where(logs.c.run_name == run_name, logs.c.id > after_id)
        .order_by(logs.c.id)
        .limit(limit)
    )
    if action_name is not None:
        query = query.where(logs.c.action_name == action_name)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


# -- tasks and projects --------------------------------------------------------------------
def register_task(engine: Engine, row: dict[str, Any]) -> dict[str, Any]:
    """Insert a task version; registering the same version again returns the existing row.

    Versions are immutable: the same version with other code raises ``ValueError``.
    """
    key = (row["project"], row["domain"], row["name"], row["version"])
    existing = get_task(engine, *key)
    if existing is not None:
        if existing["ref"] != row["ref"]:
            raise ValueError(
                f"task {row['name']!r} version {row['version']!r} is already registered with "
                "other code; versions are immutable, register under a new version"
            )
        return existing
    row = {**row, "created_at": row.get("created_at") or time.time()}
    with engine.begin() as conn:
        conn.execute(insert(tasks).values(**row))
    return row


def get_task(
    engine: Engine, project: str, domain: str, name: str, version: str | None = None
) -> dict[str, Any] | None:
    query = select(tasks).where(
        tasks.c.project == project, tasks.c.domain == domain, tasks.c.name == name
    )
    if version is not None:
        query = query.where(tasks.c.version == version)
    query = query.order_by(tasks.c.created_at.desc()).limit(1)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def list_tasks(
    engine: Engine,
    *,
    project: str | None = None,
    domain: str | None = None,
    name: str | None = None,
    version: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    query = select(tasks).order_by(tasks.c.created_at.desc()).limit(limit)
    for column, value in (("project", project), ("domain", domain), ("name", name)):
        if value is not None:
            query = query.where(tasks.c[column] == value)
    if version is not None:
        query = query.where(tasks.c.version == version)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def list_projects(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        names = {r[0] for r in conn.execute(select(runs.c.project).distinct())}
        names |= {r[0] for r in conn.execute(select(tasks.c.project).distinct())}
    return sorted(names | {"default"})
