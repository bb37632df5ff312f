"""Removing old runs, their logs and the blobs nothing refers to any more (``flyte-nb gc``).

Why it is built this way:

* **Only finished runs, by when they ended.** A run in a terminal phase whose end (or
  creation, for one that never started) is older than the cutoff goes, with everything
  keyed by its name: actions, log lines, decks and reports, signals, cache entries it
  produced, artifact consumption records and its raw data folder. A live run is never
  touched, whatever its age. Artifacts, registered tasks, launch plans and apps are kept:
  they are named things a user made, not history.
* **Blobs by reachability, not by run.** Blobs are content-addressed and shared (two runs
  with the same input, a cache entry, an artifact, a task's code bundle), so a blob goes
  only when no remaining row names its digest anywhere (every text column is scanned for
  64-hex digests) *and* its file is older than the cutoff: a blob a client uploaded a
  moment ago for a run it is about to create is never taken, nor one a client just found
  already stored (the server touches it then: ``BlobStore.touch``).
* **Safe alongside a running server.** Deletions run in short write transactions (the
  lock taken up front); a run that is live is skipped.
* **Dry run first.** ``dry_run`` computes the same report and deletes nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from ._db import create_engine, writing
from ._schema import (
    actions,
    app_logs,
    artifact_consumptions,
    cache_entries,
    docs,
    logs,
    metadata,
    runs,
    signals,
)

__all__ = ["GcReport", "collect"]

TERMINAL = ("SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_SHARD = re.compile(r"^[0-9a-f]{2}$")
_BATCH = 500


@dataclass
class GcReport:
    """What was (or, on a dry run, would be) removed."""

    runs: list[str] = field(default_factory=list)
    log_lines: int = 0
    blobs: int = 0
    blob_bytes: int = 0
    raw_folders: int = 0


def collect(
    db_url: str,
    blob_root: Path | None,
    raw_root: Path | None,
    older_than: float,
    *,
    dry_run: bool = False,
) -> GcReport:
    """Remove what is older than ``older_than`` seconds (see the module doc)."""
    cutoff = time.time() - older_than
    engine = create_engine(db_url)
    report = GcReport()
    try:
        ended = sa.func.coalesce(runs.c.ended_at, runs.c.created_at)
        query = sa.select(runs.c.name).where(runs.c.phase.in_(TERMINAL), ended < cutoff)
        with engine.connect() as conn:
            report.runs = [name for (name,) in conn.execute(query)]
        for start in range(0, len(report.runs), _BATCH):
            batch = report.runs[start : start + _BATCH]
            report.log_lines += _count(engine, logs, batch)
            if not dry_run:
                _delete_runs(engine, batch)
        if raw_root is not None:
            for name in report.runs:
                folder = raw_root / name
                if folder.is_dir():
                    report.raw_folders += 1
                    if not dry_run:
                        shutil.rmtree(folder, ignore_errors=True)
        if blob_root is not None and blob_root.is_dir():
            removed = set(report.runs) if dry_run else set()
            _collect_blobs(engine, blob_root, cutoff, removed, report, dry_run)
    finally:
        engine.dispose()
    return report


def _count(engine: sa.Engine, table: sa.Table, names: list[str]) -> int:
    query = sa.select(sa.func.count()).select_from(table).where(table.c.run_name.in_(names))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


_PER_RUN = (logs, docs, signals, artifact_consumptions, cache_entries, actions)


def _delete_runs(engine: sa.Engine, names: list[str]) -> None:
    with writing(engine) as conn:
        for table in _PER_RUN:
            conn.execute(sa.delete(table).where(table.c.run_name.in_(names)))
        live = runs.c.phase.in_(TERMINAL)  # checked again under the lock: never a live run
        conn.execute(sa.delete(runs).where(runs.c.name.in_(names), live))


def _referenced(engine: sa.Engine, skip_runs: set[str]) -> set[str]:
    """Every digest a remaining row names (``skip_runs``: rows a dry run would remove)."""
    found: set[str] = set()
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table is logs or table is app_logs:
                continue  # output text, not references
            columns = [c for c in table.c if isinstance(c.type, sa.String | sa.Text)]
            keyed = "run_name" if table in _PER_RUN else "name" if table is runs else None
            if not columns:
                continue
            query = sa.select(*columns)
            if keyed is not None:
                query = sa.select(table.c[keyed], *columns)
            for row in conn.execute(query):
                values = list(row)
                if keyed is not None:
                    if values[0] in skip_runs:
                        continue
                    values = values[1:]
                for value in values:
                    if isinstance(value, str) and len(value) >= 64:
                        found.update(_DIGEST.findall(value))
    return found


def _collect_blobs(
    engine: sa.Engine,
    root: Path,
    cutoff: float,
    skip_runs: set[str],
    report: GcReport,
    dry_run: bool,
) -> None:
    referenced = _referenced(engine, skip_runs)
    for shard in os.scandir(root):
        if not (shard.is_dir() and _SHARD.match(shard.name)):
            continue
        for entry in os.scandir(shard.path):
            if not _DIGEST.fullmatch(entry.name) or entry.name in referenced:
                continue
            info = entry.stat(follow_symlinks=False)
            if info.st_mtime >= cutoff:
                continue
            report.blobs += 1
            report.blob_bytes += info.st_size
            if not dry_run:
                os.unlink(entry.path)
