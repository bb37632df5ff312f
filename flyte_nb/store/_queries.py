"""The backend's reads: filtered, sorted, paginated run lists and the rows of one run.

SQLAlchemy Core against the tables of ``_schema.py`` on an ``Engine`` the caller owns, so
the same queries serve SQLite and PostgreSQL. Rows come back as plain dicts. Filters and
sort keys are validated by the caller (the HTTP layer turns bad ones into a 400); here an
unknown sort key is a programming error. The local reader (``_reader.py``) calls the
functions here that have no simpler local form (docs) with its own engine.

Docs (decks and reports) are read per action attempt:
- ``attempt=None`` means, for each action, the latest attempt that published anything, so
  a retried action shows its newest attempt's docs as one coherent set, never a mix of
  attempts; an explicit attempt picks that one.
- A cache hit never ran, so it has no docs of its own: its docs are those of the action
  that filled the cache entry it hit (``cache_entries`` names the filler's run and action
  for the action's ``cache_key``), marked with ``source_run``/``source_action``. It is one
  join (actions → cache_entries → docs) whatever the number of cache hits, each step on a
  primary key. ``attempt`` then picks among the filler's attempts.
- Rows come in action order (``seq``), then kind (decks before the report), then name:
  stable while a live action re-publishes its decks.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ._db import writing
from ._schema import actions, cache_entries, docs, launch_plans, logs, runs, tasks

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
    order = [_sort_column(sort)]
    if not (sort.lstrip("-") == "created_at" and engine.dialect.name == "sqlite"):
        order.append(runs.c.name)  # ties broken by name: pages never overlap or skip
    # On SQLite, ix_runs_created_at already returns equal times in rowid order (stable), and
    # a name tie-break would make a deep page read every skipped row from the table (the
    # panel's last page of 10,000 runs: 16 ms instead of 1; benchmarks/bench_panel.py).
    query = select(runs).order_by(*order).limit(limit).offset(offset)
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


# -- decks and reports ---------------------------------------------------------------------
_DOC_COLUMNS = ("attempt", "kind", "name", "digest", "size", "updated_at")


def list_docs(
    engine: Engine, run_name: str, action_name: str | None = None, attempt: int | None = None
) -> list[dict[str, Any]]:
    """The docs index rows of a run's actions (or of one action): per action, those of
    ``attempt``, or of its latest attempt with docs; cache hits resolved to their filler.

    Each row: ``run_name``, ``action_name`` (the action asked about), ``attempt``, ``kind``,
    ``name``, ``digest``, ``size``, ``updated_at``, and ``source_run``/``source_action``
    (the filler of a cache hit; None for the action's own docs)."""
    own = select(docs, actions.c.seq).select_from(
        docs.outerjoin(
            actions,
            and_(actions.c.run_name == docs.c.run_name, actions.c.name == docs.c.action_name),
        )
    )
    own = own.where(docs.c.run_name == run_name)
    filled = (
        select(
            actions.c.name.label("for_action"),
            actions.c.seq,
            *(docs.c[c] for c in _DOC_COLUMNS),
            docs.c.run_name.label("source_run"),
            docs.c.action_name.label("source_action"),
        )
        .select_from(
            actions.join(cache_entries, cache_entries.c.key == actions.c.cache_key).join(
                docs,
                and_(
                    docs.c.run_name == cache_entries.c.run_name,
                    docs.c.action_name == cache_entries.c.action_name,
                ),
            )
        )
        .where(actions.c.run_name == run_name, actions.c.cache_hit)
    )
    if action_name is not None:
        own = own.where(docs.c.action_name == action_name)
        filled = filled.where(actions.c.name == action_name)
    if attempt is not None:
        own = own.where(docs.c.attempt == attempt)
        filled = filled.where(docs.c.attempt == attempt)
    with engine.connect() as conn:
        hits = [dict(r) for r in conn.execute(filled).mappings()]
        mine = [dict(r) for r in conn.execute(own).mappings()]
    by_action: dict[str, list[dict[str, Any]]] = {}
    for r in hits:
        row = {"run_name": run_name, "action_name": r["for_action"], "seq": r["seq"]}
        row.update({c: r[c] for c in _DOC_COLUMNS})
        row.update(source_run=r["source_run"], source_action=r["source_action"])
        by_action.setdefault(r["for_action"], []).append(row)
    resolved = set(by_action)  # a cache hit's own rows (there should be none) give way
    for r in mine:
        if r["action_name"] not in resolved:
            by_action.setdefault(r["action_name"], []).append(
                {**r, "source_run": None, "source_action": None}
            )
    out: list[dict[str, Any]] = []
    for rows in by_action.values():
        latest = max(r["attempt"] for r in rows)
        out.extend(r for r in rows if r["attempt"] == latest)
    out.sort(key=_doc_order)
    for row in out:
        del row["seq"]
    return out


def get_doc(
    engine: Engine,
    run_name: str,
    action_name: str,
    kind: str,
    name: str,
    attempt: int | None = None,
) -> dict[str, Any] | None:
    """One doc's index row (``list_docs``' shape and attempt rule), or None."""
    for row in list_docs(engine, run_name, action_name, attempt):
        if row["kind"] == kind and row["name"] == name:
            return row
    return None


def _doc_order(row: dict[str, Any]) -> tuple[Any, ...]:
    seq = row["seq"]  # None: a doc row whose action row is not written (yet)
    return (seq is None, seq or 0, row["action_name"], row["kind"], row["name"])


# -- tasks and projects --------------------------------------------------------------------
def register_task(engine: Engine, row: dict[str, Any]) -> dict[str, Any]:
    """Insert a task version; registering the same version again returns the existing row.

    Versions are immutable: the same version with other code raises ``ValueError``. Insert
    or compare is one write transaction, and a concurrent insert that won anyway (a unique
    violation, PostgreSQL) is compared like an existing row, so N clients registering one
    version all succeed.
    """
    key = (row["project"], row["domain"], row["name"], row["version"])
    row = {**row, "created_at": row.get("created_at") or time.time()}
    existing: dict[str, Any] | None
    try:
        with writing(engine) as conn:
            found = conn.execute(_task_query(*key)).mappings().first()
            if found is None:
                conn.execute(insert(tasks).values(**row))
                return row
            existing = dict(found)
    except IntegrityError:
        existing = get_task(engine, *key)
        if existing is None:
            raise
    if existing["ref"] != row["ref"]:
        raise ValueError(
            f"task {row['name']!r} version {row['version']!r} is already registered with "
            "other code; versions are immutable, register under a new version"
        )
    return existing


def _task_query(project: str, domain: str, name: str, version: str | None) -> Any:
    query = select(tasks).where(
        tasks.c.project == project, tasks.c.domain == domain, tasks.c.name == name
    )
    if version is not None:
        query = query.where(tasks.c.version == version)
    return query.order_by(tasks.c.created_at.desc()).limit(1)


def get_task(
    engine: Engine, project: str, domain: str, name: str, version: str | None = None
) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(_task_query(project, domain, name, version)).mappings().first()
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


# -- launch plans ----------------------------------------------------------------------------
def _plan_row(row: Any) -> dict[str, Any]:
    out = dict(row)
    out["active"] = bool(out["active"])
    return out


def register_launch_plan(engine: Engine, row: dict[str, Any]) -> dict[str, Any]:
    """Insert a launch plan version (inactive); the same version again returns the stored
    row. Versions are immutable: the same version with another workflow or spec raises
    ``ValueError``."""
    key = (row["project"], row["domain"], row["name"], row["version"])
    fields = ("workflow_name", "workflow_version", "spec")
    with writing(engine) as conn:
        existing = conn.execute(_plan_query(*key)).mappings().first()
        if existing is not None:
            if any(existing[f] != row[f] for f in fields):
                raise ValueError(
                    f"launch plan {row['name']!r} version {row['version']!r} is already "
                    "registered with another workflow or other settings; versions are "
                    "immutable, register under a new version"
                )
            return _plan_row(existing)
        row = {**row, "active": False, "created_at": row.get("created_at") or time.time()}
        conn.execute(insert(launch_plans).values(**row))
    return row


def _plan_query(project: str, domain: str, name: str, version: str | None = None) -> Any:
    lp = launch_plans.c
    query = select(launch_plans).where(lp.project == project, lp.domain == domain, lp.name == name)
    if version is not None:
        query = query.where(lp.version == version)
    return query.order_by(lp.created_at.desc()).limit(1)


def get_launch_plan(
    engine: Engine, project: str, domain: str, name: str, version: str | None = None
) -> dict[str, Any] | None:
    """That version, or the latest registered one."""
    with engine.connect() as conn:
        row = conn.execute(_plan_query(project, domain, name, version)).mappings().first()
    return _plan_row(row) if row else None


def list_launch_plans(
    engine: Engine,
    *,
    project: str | None = None,
    domain: str | None = None,
    name: str | None = None,
    active: bool | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Launch plan versions, newest first."""
    query = select(launch_plans).order_by(launch_plans.c.created_at.desc()).limit(limit)
    for column, value in (("project", project), ("domain", domain), ("name", name)):
        if value is not None:
            query = query.where(launch_plans.c[column] == value)
    if active is not None:
        query = query.where(launch_plans.c.active == active)
    with engine.connect() as conn:
        return [_plan_row(r) for r in conn.execute(query).mappings()]


def set_launch_plan_active(
    engine: Engine, project: str, domain: str, name: str, version: str, active: bool
) -> dict[str, Any] | None:
    """Activate (deactivating every other version of the name, in the same transaction,
    so at most one is ever active) or deactivate one version; None when it does not exist."""
    lp = launch_plans.c
    same_name = (lp.project == project, lp.domain == domain, lp.name == name)
    with writing(engine) as conn:
        if conn.execute(_plan_query(project, domain, name, version)).first() is None:
            return None
        if active:
            conn.execute(update(launch_plans).where(*same_name).values(active=False))
        conn.execute(
            update(launch_plans).where(*same_name, lp.version == version).values(active=active)
        )
        row = conn.execute(_plan_query(project, domain, name, version)).mappings().first()
    return _plan_row(row)
