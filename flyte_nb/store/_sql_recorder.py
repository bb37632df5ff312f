"""The recorder for any SQLAlchemy URL: the backend's writer when its store is PostgreSQL.

Why it looks like this:
- It is ``BatchRecorder`` (``_recorder.py``) with statements run through SQLAlchemy Core
  instead of the stdlib driver: the same deque, flush thread, de-duplication by object
  identity, one transaction per flush and synchronous run rows, so a backend behaves the
  same whichever database it records to. Only the server process uses it, and a server
  imports SQLAlchemy anyway, so the reason the kernel's recorder avoids it (import time)
  does not apply.
- The statements are built once, at open, from the ``_schema.py`` tables with the
  dialect's own upsert (``INSERT ... ON CONFLICT DO UPDATE`` on PostgreSQL and SQLite),
  refreshing the same columns as the SQLite recorder's compiled statements (``_RUN_UPDATES``
  and ``_ACTION_UPDATES`` are shared; see ``_schema.py``). Other dialects are refused at
  open rather than failing at the first flush. On PostgreSQL the bulk of a flush, action
  rows and log lines, goes by COPY instead (``_copy_rows`` says why).
- Opening runs ``_migrate.upgrade``: a fresh database gets the schema, an older one is
  upgraded in place (keeping its runs), a newer one is refused. Upgrades serialise on an
  advisory lock, so several servers opening one database at once are safe.
- A flush that fails on a lost connection (``OperationalError``: the server restarted, a
  network blip) puts its batch back and the thread retries at the next tick; the engine's
  ``pool_pre_ping`` then hands out a live connection. A data error is not retried: the
  batch would fail forever and block every later one.
- PostgreSQL ``text`` cannot hold NUL characters, which captured output sometimes has;
  they become U+FFFD in log rows. Every other text column holds JSON or names, which
  never contain a raw NUL.
"""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql, sqlite

from . import _migrate
from . import _schema as t
from ._db import create_engine
from ._recorder import BatchRecorder

# Which columns a cache entry refreshes on conflict: the SQLite recorder's ``UPSERT_CACHE``.
_CACHE_UPDATES = ("outputs", "run_name", "action_name", "created_at", "version")
_ACTION_COLUMNS = tuple(c.name for c in t.actions.columns)  # the order of ``ActionState.row()``
_ACTION_UPSERT = "ON CONFLICT ({}) DO UPDATE SET {}".format(
    ", ".join(c.name for c in t.actions.primary_key.columns),
    ", ".join(f"{name} = EXCLUDED.{name}" for name in t._ACTION_UPDATES),
)
_LOG_COLUMNS = ("run_name", "action_name", "attempt", "stream", "ts", "text")
_LIVE = ("QUEUED", "RUNNING")
_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class SqlRecorder(BatchRecorder):
    """Batched writes through SQLAlchemy to ``url`` (PostgreSQL, or SQLite for tests)."""

    _errors = (exc.SQLAlchemyError,)
    _retryable = (exc.OperationalError,)

    def __init__(self, url: str, blob_url: str | os.PathLike[str], interval: float = 0.2) -> None:
        dialect = sa.make_url(url).get_backend_name()
        insert = _INSERTS.get(dialect)
        if insert is None:
            raise ValueError(
                f"db_url {sa.make_url(url).render_as_string(hide_password=True)!r}: "
                "flyte_nb records to PostgreSQL (postgresql+psycopg://...) or SQLite "
                f"(sqlite:///path), not {dialect}"
            )
        if dialect == "sqlite" and sa.make_url(url).database in (None, "", ":memory:"):
            raise ValueError(f"db_url {url!r}: an in-memory database would vanish; give a file")
        _check_driver(url)
        super().__init__(blob_url, interval)
        self.url = url
        _migrate.upgrade(url)
        self._engine = create_engine(url)
        self._strip_nul = dialect == "postgresql"
        self._upsert_run = _upsert(insert, t.runs, t._RUN_UPDATES)
        self._upsert_action = _upsert(insert, t.actions, t._ACTION_UPDATES)
        self._copy = dialect == "postgresql"  # actions and logs by COPY (see ``_copy_rows``)
        self._upsert_cache = _upsert(insert, t.cache_entries, _CACHE_UPDATES)
        self._upsert_doc = _upsert(insert, t.docs, t._DOC_UPDATES)
        self._insert_log = t.logs.insert()
        self._start()

    # -- reads ---------------------------------------------------------------------------
    def run_exists(self, name: str) -> bool:
        query = sa.select(t.runs.c.name).where(t.runs.c.name == name)
        with self._lock, self._engine.connect() as conn:
            return conn.execute(query).first() is not None

    def has_live_runs(self, mode: str) -> bool:
        query = sa.select(t.runs.c.name).where(t.runs.c.mode == mode, t.runs.c.phase.in_(_LIVE))
        with self._lock, self._engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None

    def _select_cache(self, task_name: str, version: str) -> dict[str, str]:
        query = sa.select(t.cache_entries.c.key, t.cache_entries.c.outputs).where(
            t.cache_entries.c.task_name == task_name, t.cache_entries.c.version == version
        )
        with self._engine.connect() as conn:
            return {key: outputs for key, outputs in conn.execute(query)}

    def _select_live_local_runs(self, host: str) -> list[tuple[str, int | None, str | None]]:
        query = sa.select(t.runs.c.name, t.runs.c.owner_pid, t.runs.c.owner_started).where(
            t.runs.c.phase.in_(_LIVE), t.runs.c.owner_host == host, t.runs.c.mode == "local"
        )
        with self._engine.connect() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(query)]

    # -- writes --------------------------------------------------------------------------
    def _abort_run(self, params: dict[str, Any]) -> None:
        values = {"phase": "ABORTED", "ended_at": params["ended_at"], "error": params["error"]}
        with self._engine.begin() as conn:
            conn.execute(
                sa.update(t.runs)
                .where(t.runs.c.name == params["name"], t.runs.c.phase.in_(_LIVE))
                .values(values)
            )
            conn.execute(
                sa.update(t.actions)
                .where(t.actions.c.run_name == params["name"], t.actions.c.phase.in_(_LIVE))
                .values(values)
            )

    def _write(
        self,
        runs: list[dict[str, Any]],
        actions: list[tuple[Any, ...]],
        logs: list[dict[str, Any]],
        cache_rows: list[dict[str, Any]],
        docs: list[dict[str, Any]],
    ) -> None:
        if self._strip_nul:
            logs = [_without_nul(row) for row in logs]
        with self._engine.begin() as conn:
            if runs:
                conn.execute(self._upsert_run, runs)
            if actions and self._copy:
                _copy_rows(conn, "actions", _ACTION_COLUMNS, actions, upsert=_ACTION_UPSERT)
            elif actions:
                rows = [dict(zip(_ACTION_COLUMNS, a, strict=True)) for a in actions]
                conn.execute(self._upsert_action, rows)
            if logs and self._copy:
                values = [tuple(row[c] for c in _LOG_COLUMNS) for row in logs]
                _copy_rows(conn, "logs", _LOG_COLUMNS, values)
            elif logs:
                conn.execute(self._insert_log, logs)
            if cache_rows:
                conn.execute(self._upsert_cache, cache_rows)
            if docs:  # one row per key: the flush kept the latest publish of each
                conn.execute(self._upsert_doc, docs)

    def _close_connection(self) -> None:
        self._engine.dispose()


def _check_driver(url: str) -> None:
    """Fail at open, with the fix, when the URL's driver is not installed."""
    parsed = sa.make_url(url)
    try:
        parsed.get_dialect().import_dbapi()
    except ImportError as e:
        safe = parsed.render_as_string(hide_password=True)
        raise ModuleNotFoundError(
            f"db_url {safe!r}: its database driver is not installed ({e}); for PostgreSQL "
            'use a postgresql+psycopg:// URL and pip install "flyte_nb[postgres]"'
        ) from e


def _upsert(insert: Any, table: sa.Table, updates: tuple[str, ...]) -> Any:
    """``INSERT ... ON CONFLICT (primary key) DO UPDATE SET <updates>`` for ``insert``'s
    dialect; values come from the rows passed at execution."""
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={name: stmt.excluded[name] for name in updates},
    )


def _copy_rows(
    conn: sa.Connection,
    table: str,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    upsert: str | None = None,
) -> None:
    """Write ``rows`` to ``table`` with PostgreSQL's COPY, in the connection's transaction;
    with ``upsert`` (the conflict clause), through a temporary table merged by one INSERT.

    Actions and logs are nearly every row a flush writes. COPY costs the client a quarter
    of ``executemany``'s CPU (psycopg formats each row in C; no statement per row) and the
    server one statement: a 1000-action fan-out's records cost about as much as on SQLite,
    and, since the flush thread holds the GIL for less, the backend's loop runs freely.
    """
    names = ", ".join(columns)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    target = table
    if upsert is not None:
        target = f"flyte_nb_stage_{table}"
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {target} (LIKE {table}) ON COMMIT DELETE ROWS"
        )
    with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    if upsert is not None:
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {target} {upsert}")


def _without_nul(row: dict[str, Any]) -> dict[str, Any]:
    text = row["text"]
    return {**row, "text": text.replace("\x00", "\ufffd")} if "\x00" in text else row
