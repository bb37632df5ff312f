"""Artifact reads and writes: SQLAlchemy Core on an ``Engine`` the caller owns.

The backend runs these on its engine (SQLite or PostgreSQL) and the SDK without a backend
on the home folder's file (``local_engine``), so both answer the same. Rows come back as
plain dicts; ``_artifact_rows.version_view`` shapes them for users.

Decisions:
- Versions are immutable. Writing one that exists is a no-op when it is the same version
  (the same producing action reporting again, or the same hand-made value created again)
  and a ``ValueError`` otherwise, which the HTTP layer turns into a 409.
- "Newest" is ``created_at`` then ``version``, descending: a stable order for equal times.
- Partition filters are ``EXISTS`` probes into ``artifact_partitions`` (one per filtered
  key, each on its primary key), so a query names any subset of an artifact's keys and
  the rest match anything. A time partition matches the truncation of the asked time to
  each row's own granularity, so callers need not know the artifact's granularity.
- ``group_by_key`` keeps the newest matching version of each artifact (a window function,
  which SQLite >= 3.25 and PostgreSQL both have).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, exists, func, insert, or_, select

from ._artifact_rows import GRANULARITIES, truncate_time
from ._db import writing
from ._schema import actions, artifact_consumptions, artifact_partitions, artifacts, runs

_a = artifacts.c
_p = artifact_partitions.c
_c = artifact_consumptions.c
_NEWEST = (_a.created_at.desc(), _a.version.desc())
_SAME_SOURCE = ("run_name", "action_name", "output")
_SAME_VALUE = ("value", "partitions", "time_partition", "type")


def local_engine(db_path: Path) -> Engine:
    """The engine of a home folder's database file (upgraded to the head on first use)."""
    from ._reader import _engine

    return _engine(db_path)


# -- writes ----------------------------------------------------------------------------------
def insert_versions(engine: Engine, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store artifact versions (and their partition rows) in one transaction; return the
    stored rows. See the module docstring for what happens to an existing version."""
    stored = []
    with writing(engine) as conn:
        for row in rows:
            key = (row["project"], row["domain"], row["name"], row["version"])
            existing = conn.execute(_version_query(*key)).mappings().first()
            if existing is not None:
                same = _SAME_SOURCE if row.get("run_name") else _SAME_VALUE
                if any(existing[f] != row[f] for f in same):
                    raise ValueError(
                        f"artifact {row['name']!r} already has a version {row['version']!r} "
                        f"in {row['project']}/{row['domain']}; versions are immutable, "
                        "create it under another version (or leave version unset)"
                    )
                stored.append(dict(existing))
                continue
            conn.execute(insert(artifacts).values(**row))
            pairs = _partition_pairs(row)
            if pairs:
                conn.execute(insert(artifact_partitions), pairs)
            stored.append(row)
    return stored


def _partition_pairs(row: dict[str, Any]) -> list[dict[str, Any]]:
    ident = {k: row[k] for k in ("project", "domain", "name", "version")}
    return [{**ident, "key": k, "value": v} for k, v in json.loads(row["partitions"]).items()]


def record_consumptions(
    engine: Engine, run_name: str, items: list[dict[str, Any]], now: float | None = None
) -> None:
    """Note that run ``run_name`` read these versions (``input``, ``project``, ``domain``,
    ``name``, ``version`` each); an input already noted for the run keeps its first row."""
    when = time.time() if now is None else now
    with writing(engine) as conn:
        known = {
            r[0] for r in conn.execute(select(_c.input).where(_c.run_name == run_name)).fetchall()
        }
        fresh = [
            {"run_name": run_name, "consumed_at": when, **_consumed_fields(item)}
            for item in items
            if item["input"] not in known
        ]
        if fresh:
            conn.execute(insert(artifact_consumptions), fresh)


def _consumed_fields(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in ("input", "project", "domain", "name", "version")}


# -- reads -----------------------------------------------------------------------------------
def _version_query(project: str, domain: str, name: str, version: str) -> Any:
    return select(artifacts).where(
        _a.project == project, _a.domain == domain, _a.name == name, _a.version == version
    )


def get_version(
    engine: Engine, project: str, domain: str, name: str, version: str
) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(_version_query(project, domain, name, version)).mappings().first()
    return dict(row) if row else None


def _filters(
    project: str | None,
    domain: str | None,
    name: str | None,
    partitions: dict[str, str] | None,
    time_partition: float | None,
) -> list[Any]:
    where: list[Any] = []
    for column, value in (("project", project), ("domain", domain), ("name", name)):
        if value is not None:
            where.append(_a[column] == value)
    for key, value in sorted((partitions or {}).items()):
        where.append(
            exists().where(
                _p.project == _a.project,
                _p.domain == _a.domain,
                _p.name == _a.name,
                _p.version == _a.version,
                _p.key == key,
                _p.value == value,
            )
        )
    if time_partition is not None:
        where.append(
            or_(
                *(
                    and_(_a.granularity == g, _a.time_partition == truncate_time(time_partition, g))
                    for g in GRANULARITIES
                )
            )
        )
    return where


def search(
    engine: Engine,
    *,
    project: str | None = None,
    domain: str | None = None,
    name: str | None = None,
    partitions: dict[str, str] | None = None,
    time_partition: float | None = None,
    group_by_key: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Versions matching every given filter, newest first (``group_by_key``: the newest
    matching version of each artifact)."""
    where = _filters(project, domain, name, partitions, time_partition)
    if group_by_key:
        query = _newest_per_artifact(where).limit(limit).offset(offset)
    else:
        query = select(artifacts).where(*where).order_by(*_NEWEST).limit(limit).offset(offset)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _newest_per_artifact(where: list[Any]) -> Any:
    """The newest version matching ``where`` of each (project, domain, name), newest first."""
    rank = (
        func.row_number()
        .over(partition_by=(_a.project, _a.domain, _a.name), order_by=_NEWEST)
        .label("rank")
    )
    ranked = select(artifacts, rank).where(*where).subquery()
    return (
        select(*(ranked.c[c.name] for c in artifacts.columns))
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.created_at.desc(), ranked.c.version.desc())
    )


def list_artifacts(
    engine: Engine,
    *,
    project: str | None = None,
    domain: str | None = None,
    text: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One entry per artifact (project, domain, name), most recently written first: its
    version count, partition keys and newest version row (``latest``); and the total."""
    where = _filters(project, domain, None, None, None)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(_a.name.like(f"%{escaped}%", escape="\\"))
    key = (_a.project, _a.domain, _a.name)
    groups = (
        select(*key, func.count().label("versions"), func.max(_a.created_at).label("latest_at"))
        .where(*where)
        .group_by(*key)
    )
    page = groups.order_by(func.max(_a.created_at).desc(), _a.name).limit(limit).offset(offset)
    with engine.connect() as conn:
        entries = [dict(r) for r in conn.execute(page).mappings()]
        total = conn.execute(select(func.count()).select_from(groups.subquery())).scalar_one()
        names = [e["name"] for e in entries]
        if names:
            newest = _newest_per_artifact([*where, _a.name.in_(names)])
            seen = {
                (r["project"], r["domain"], r["name"]): dict(r)
                for r in conn.execute(newest).mappings()
            }
            keys_q = (
                select(_p.project, _p.domain, _p.name, _p.key).where(_p.name.in_(names)).distinct()
            )
            part_keys: dict[tuple[str, str, str], list[str]] = {}
            for r in conn.execute(keys_q):
                part_keys.setdefault((r[0], r[1], r[2]), []).append(r[3])
            for entry in entries:
                ident = (entry["project"], entry["domain"], entry["name"])
                entry["latest"] = seen[ident]
                entry["partition_keys"] = sorted(part_keys.get(ident, []))
    return entries, int(total)


def list_partitions(engine: Engine, project: str, domain: str, name: str) -> dict[str, Any]:
    """The partition values an artifact's versions have: per key, each value with its
    version count and newest write; and its time partitions, newest first."""
    same = (_p.project == project, _p.domain == domain, _p.name == name)
    joined = artifact_partitions.join(
        artifacts,
        and_(
            _a.project == _p.project,
            _a.domain == _p.domain,
            _a.name == _p.name,
            _a.version == _p.version,
        ),
    )
    values = (
        select(
            _p.key,
            _p.value,
            func.count().label("versions"),
            func.max(_a.created_at).label("latest_at"),
        )
        .select_from(joined)
        .where(*same)
        .group_by(_p.key, _p.value)
        .order_by(_p.key, func.max(_a.created_at).desc(), _p.value)
    )
    times = (
        select(
            _a.time_partition,
            _a.granularity,
            func.count().label("versions"),
            func.max(_a.created_at).label("latest_at"),
        )
        .where(_a.project == project, _a.domain == domain, _a.name == name)
        .where(_a.time_partition.is_not(None))
        .group_by(_a.time_partition, _a.granularity)
        .order_by(_a.time_partition.desc())
        .limit(1000)
    )
    keys: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for r in conn.execute(values).mappings():
            entry = {"value": r["value"], "versions": r["versions"], "latest_at": r["latest_at"]}
            keys.setdefault(r["key"], []).append(entry)
        time_partitions = [dict(r) for r in conn.execute(times).mappings()]
    return {"keys": keys, "time_partitions": time_partitions}


def lineage(engine: Engine, project: str, domain: str, name: str, version: str) -> dict[str, Any]:
    """Where a version came from (its run, action and output, with the action's task and
    phase; None for a version created by hand) and every run that consumed it."""
    row = get_version(engine, project, domain, name, version)
    if row is None:
        raise LookupError(f"no version {version!r} of artifact {name!r} in {project}/{domain}")
    producer = None
    with engine.connect() as conn:
        if row["run_name"] is not None:
            action = conn.execute(
                select(actions.c.task_name, actions.c.phase).where(
                    actions.c.run_name == row["run_name"], actions.c.name == row["action_name"]
                )
            ).first()
            producer = {
                "run": row["run_name"],
                "action": row["action_name"],
                "output": row["output"],
                "task_name": action[0] if action else None,
                "phase": action[1] if action else None,
            }
        consumers = conn.execute(
            select(_c.run_name, _c.input, _c.consumed_at, runs.c.task_name, runs.c.phase)
            .select_from(artifact_consumptions.outerjoin(runs, runs.c.name == _c.run_name))
            .where(_c.project == project, _c.domain == domain, _c.name == name)
            .where(_c.version == version)
            .order_by(_c.consumed_at.desc(), _c.run_name)
        ).mappings()
        consumed = [
            {
                "run": r["run_name"],
                "input": r["input"],
                "consumed_at": r["consumed_at"],
                "task_name": r["task_name"],
                "phase": r["phase"],
            }
            for r in consumers
        ]
    return {"producer": producer, "consumers": consumed}


def run_artifacts(engine: Engine, run_name: str) -> dict[str, Any]:
    """The versions a run produced (any of its actions) and those it consumed, by input."""
    same_version = and_(
        _a.project == _c.project,
        _a.domain == _c.domain,
        _a.name == _c.name,
        _a.version == _c.version,
    )
    with engine.connect() as conn:
        produced = conn.execute(
            select(artifacts).where(_a.run_name == run_name).order_by(_a.created_at, _a.name)
        ).mappings()
        produced_rows = [dict(r) for r in produced]
        consumed = conn.execute(
            select(artifacts, _c.input.label("consumed_input"))
            .select_from(artifact_consumptions.join(artifacts, same_version))
            .where(_c.run_name == run_name)
            .order_by(_c.input)
        ).mappings()
        consumed_rows = [dict(r) for r in consumed]
    return {"produced": produced_rows, "consumed": consumed_rows}
