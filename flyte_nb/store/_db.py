"""One place that turns a database URL into a SQLAlchemy engine.

Every SQLAlchemy user of the store (readers, migrations, the backend) goes through here so
that they all see a SQLite file the same way the in-kernel recorder does:

- WAL journal, ``synchronous=NORMAL``: readers never block the recorder's writer and the
  recorder's commits stay cheap (they are durable against a crashed process, not against a
  power cut, which is the right trade for run records).
- A 30 s busy timeout: a reader or a migration waits for the recorder's short write
  transactions instead of failing with "database is locked".
- SQLAlchemy, not the sqlite3 module, emits ``BEGIN``. The stdlib driver in its legacy mode
  opens transactions only before DML, so DDL would run in autocommit and a migration that
  failed halfway would leave a half-altered schema. With the driver's own transaction
  handling switched off, a whole migration is one transaction, as it is on PostgreSQL.
  ``immediate=True`` makes that ``BEGIN IMMEDIATE``: the write lock is taken before the
  first read, so two processes migrating the same file serialise cleanly (the second one
  then reads the new revision and has nothing to do) instead of the second failing when it
  tries to write on a stale snapshot.

- ``writing(engine)``: a write transaction that reads first (insert-or-compare, activate a
  launch plan) takes the write lock up front (``BEGIN IMMEDIATE``) on any engine. A deferred
  ``BEGIN`` would read on a snapshot and then fail to upgrade it to a writer when another
  connection wrote meanwhile ("database is locked" at once, whatever the busy timeout).

Other URLs (``postgresql+psycopg://...``) get a plain engine with ``pool_pre_ping``: the
backend's connections outlive database restarts and idle timeouts.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

BUSY_TIMEOUT_MS = 30_000


def is_sqlite(url: str) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, immediate: bool = False) -> sa.Engine:
    """An engine for ``url``; SQLite files get the recorder's pragmas (see the module doc)."""
    if not is_sqlite(url):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url)
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event below starts them
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        wants_lock = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if wants_lock else begin)

    return engine


_IMMEDIATE = "flyte_nb_immediate"


def writing(engine: sa.Engine) -> AbstractContextManager[sa.Connection]:
    """A transaction that holds the write lock from its first statement (see the module doc);
    on PostgreSQL a plain transaction (row locks and constraints do the rest)."""
    return engine.execution_options(**{_IMMEDIATE: True}).begin()
