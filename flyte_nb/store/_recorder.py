"""The in-kernel recorder: batched, crash-safe writes of runs, actions, logs and cache entries.

Why it looks like this:
- The engine never waits for the disk. It hands the recorder *live* state objects
  (``touch``), which are appended to a deque (atomic under the GIL, no lock on the hot
  path). A daemon thread drains the deque every ``interval`` seconds, de-duplicates, and
  writes each object's current state in one transaction, so an action that went QUEUED →
  RUNNING → SUCCEEDED between two flushes costs one upsert.
- The only synchronous writes are a run's first and last rows (``write_run``): a run that
  dies with its process is then always found, and marked, at the next start.
- It speaks SQL that SQLAlchemy compiled for SQLite (``_sqlite_sql.py``) through the stdlib
  driver: see ``_schema.py`` for why SQLAlchemy itself is not imported here.
- Schema versions are alembic revisions (``alembic_version``; ``_migrate.py``). Opening a
  database at ``HEAD`` costs one read; a fresh file gets the head schema from the compiled
  DDL and is stamped ``HEAD`` (equal to running every migration, which the tests check),
  still without alembic. Only an older database pays for importing alembic, once, to be
  upgraded in place; a newer one is refused rather than written with the wrong shape.
- Cache entries are mirrored in memory per (task, version), loaded with one query on first
  use, so a hit is a dict lookup and a fill is a dict insert plus a deferred write.
- Decks and reports (``doc``) are HTML pages: the bytes go to the blob store at once (by
  content, so re-publishing an unchanged deck writes nothing), and only a small index row
  (``docs``: digest, size) joins the batch, in the same transaction as the action rows.
  Re-publishing a live deck between two flushes queues one row per publish; the flush
  keeps the last row per key, so the latest publish wins and one upsert statement never
  touches a row twice (PostgreSQL refuses that in a multi-row upsert). Rows are checked
  when queued, not when flushed: a bad value in a flush is a data error, which would drop
  the whole batch with everyone else's rows. Actions that publish nothing pay one empty
  deque check per flush.
- All of the above is ``BatchRecorder``; ``Recorder`` adds only how statements reach a
  SQLite file. ``SqlRecorder`` (``_sql_recorder.py``, for a backend on PostgreSQL) is the
  same batching over SQLAlchemy, so both databases get one write discipline. The split
  costs the hot path nothing: ``touch`` and friends are the same methods, one MRO step
  up, and the only extra call is one ``_write`` per flush.
"""

from __future__ import annotations

import abc
import collections
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from ..exceptions import FlyteNbException
from . import _sqlite_sql as sql
from ._blobs import BlobStore, check_digest

DOC_KINDS = ("deck", "report")
"""What ``docs`` rows hold: named decks, and the one ``report`` of an attempt."""
_DOC_NAME_MAX = 256  # the column's length: PostgreSQL enforces it
_DOC_KEY = ("run_name", "action_name", "attempt", "kind", "name")


class Recordable(Protocol):
    def row(self) -> Any: ...


def process_identity(pid: int | None = None) -> tuple[str, int, str]:
    """(host, pid, start marker): the start marker tells a live process from a reused pid."""
    pid = os.getpid() if pid is None else pid
    return os.uname().nodename, pid, _process_started(pid) or ""


def _process_started(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return "?"
        return "?" if not os.path.isdir("/proc") else None
    # Field 22 (start time in clock ticks); the command name in field 2 may hold spaces.
    return stat.rsplit(b")", 1)[1].split()[19].decode()


class BatchRecorder(abc.ABC):
    """The batching shared by every recorder: the deques, the flush thread, the cache mirror.

    Subclasses differ only in how statements reach the database (the ``_select_*``,
    ``_write`` and ``_abort_run`` hooks, always called under ``_lock``). The hot path
    (``touch``, ``log``, ``cache_get``, ``cache_put``) lives here and never calls a hook
    except to load a cache version once.
    """

    # Errors the flush thread survives (it retries at the next tick), and the subset after
    # which a failed batch is put back rather than dropped.
    _errors: tuple[type[Exception], ...] = ()
    _retryable: tuple[type[Exception], ...] = ()

    def __init__(self, blob_root: str | os.PathLike[str], interval: float) -> None:
        self.blobs = BlobStore(blob_root)
        self.interval = interval
        self._lock = threading.RLock()
        self._pending: collections.deque[Recordable] = collections.deque()
        self._logs: collections.deque[dict[str, Any]] = collections.deque()
        self._cache_rows: collections.deque[dict[str, Any]] = collections.deque()
        self._doc_rows: collections.deque[dict[str, Any]] = collections.deque()
        self._cache: dict[tuple[str, str], dict[str, str]] = {}
        self._wake = threading.Event()
        self._closed = False
        self.aborted_on_start: list[str] = []

    def _start(self) -> None:
        """Called by the subclass once its connection is open and the schema is at HEAD."""
        self.aborted_on_start = self._abort_dead_runs()
        self._thread = threading.Thread(target=self._loop, name="flyte-nb-recorder", daemon=True)
        self._thread.start()

    # -- how statements run (subclasses) -------------------------------------------------
    @abc.abstractmethod
    def run_exists(self, name: str) -> bool: ...

    @abc.abstractmethod
    def has_live_runs(self, mode: str) -> bool:
        """Whether any run of ``mode`` is unfinished: a starting backend asks, so it imports
        SQLAlchemy for recovery only when there is something to recover."""

    @abc.abstractmethod
    def _select_cache(self, task_name: str, version: str) -> dict[str, str]: ...

    @abc.abstractmethod
    def _select_live_local_runs(self, host: str) -> list[tuple[str, int | None, str | None]]:
        """(name, owner pid, owner start marker) of unfinished local runs owned on ``host``."""

    @abc.abstractmethod
    def _abort_run(self, params: dict[str, Any]) -> None:
        """Mark run ``params["name"]`` and its live actions ABORTED, in one transaction."""

    @abc.abstractmethod
    def _write(
        self,
        runs: list[dict[str, Any]],
        actions: list[tuple[Any, ...]],
        logs: list[dict[str, Any]],
        cache_rows: list[dict[str, Any]],
        docs: list[dict[str, Any]],
    ) -> None:
        """Write one batch in one transaction (all of it or, on an error, none of it)."""

    @abc.abstractmethod
    def _close_connection(self) -> None: ...

    # -- start ---------------------------------------------------------------------------
    def _abort_dead_runs(self) -> list[str]:
        """Mark local runs whose owning process on this host is gone as ABORTED.

        Backend runs (``mode = 'backend'``) are left alone: their owner is the backend
        server, which recovers (and may resume) them itself when it restarts."""
        host = os.uname().nodename
        now = time.time()
        aborted = []
        with self._lock:
            for name, pid, started in self._select_live_local_runs(host):
                if pid == os.getpid() or (pid and _process_started(pid) == (started or None)):
                    continue
                error = json.dumps(
                    {
                        "type": "ProcessDied",
                        "message": f"the process (pid {pid}) that ran this run exited "
                        "before the run finished",
                    }
                )
                self._abort_run({"name": name, "ended_at": now, "error": error})
                aborted.append(name)
        return aborted

    # -- hot path ------------------------------------------------------------------------
    def touch(self, action: Recordable) -> None:
        """Note that an action changed; its ``row()`` (a tuple in ``ACTION_COLUMNS`` order)
        is taken at the next flush."""
        self._pending.append(action)

    def log(self, row: dict[str, Any]) -> None:
        self._logs.append(row)

    def cache_get(self, task_name: str, version: str, key: str) -> str | None:
        entries = self._cache.get((task_name, version))
        if entries is None:
            with self._lock:
                rows = self._select_cache(task_name, version)
            entries = self._cache[(task_name, version)] = rows
        return entries.get(key)

    def cache_put(
        self, task_name: str, version: str, key: str, outputs: str, run: str, action: str
    ) -> None:
        self._cache.setdefault((task_name, version), {})[key] = outputs
        self._cache_rows.append(
            {
                "key": key,
                "task_name": task_name,
                "version": version,
                "outputs": outputs,
                "run_name": run,
                "action_name": action,
                "created_at": time.time(),
            }
        )

    # -- decks and reports ---------------------------------------------------------------
    def doc(
        self, run_name: str, action_name: str, attempt: int, kind: str, name: str, html: str
    ) -> None:
        """Publish a deck or report of one action attempt: the HTML goes to the blob store
        now, its index row with the next flush (a later publish of the same doc wins)."""
        data = html.encode("utf-8")
        _check_doc(attempt, kind, name)  # before the blob: a refused doc leaves nothing
        self.doc_index(run_name, action_name, attempt, kind, name, self.blobs.put(data), len(data))

    def doc_index(
        self,
        run_name: str,
        action_name: str,
        attempt: int,
        kind: str,
        name: str,
        digest: str,
        size: int,
    ) -> None:
        """Queue the index row of a doc whose HTML is already in the blob store under
        ``digest`` (the backend's case: a worker wrote the blob itself)."""
        _check_doc(attempt, kind, name)
        check_digest(digest)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"doc size must be an int >= 0, got {size!r}")
        self._doc_rows.append(
            {
                "run_name": run_name,
                "action_name": action_name,
                "attempt": attempt,
                "kind": kind,
                "name": name,
                "digest": digest,
                "size": size,
                "updated_at": time.time(),
            }
        )

    # -- writes --------------------------------------------------------------------------
    def write_run(self, run: Recordable) -> None:  # row(): a dict of run columns
        """Write a run row now (its start and end), together with everything pending."""
        self.flush(extra=run)

    def flush(self, extra: Recordable | None = None) -> None:
        with self._lock:
            states: dict[int, Recordable] = {}
            pending = self._pending
            while pending:
                obj = pending.popleft()
                states[id(obj)] = obj
            logs = _drain(self._logs)
            cache_rows = _drain(self._cache_rows)
            docs = _latest_docs(self._doc_rows) if self._doc_rows else []
            if not states and not logs and not cache_rows and not docs and extra is None:
                return
            runs = [extra.row()] if extra is not None else []
            actions = [obj.row() for obj in states.values()]
            try:
                self._write(runs, actions, logs, cache_rows, docs)
            except self._retryable:
                # A lost connection or a locked file: nothing was written, so keep the
                # batch (ahead of anything queued meanwhile, so logs stay in order).
                self._pending.extendleft(states.values())
                self._logs.extendleft(reversed(logs))
                self._cache_rows.extendleft(reversed(cache_rows))
                self._doc_rows.extendleft(reversed(docs))
                raise

    def _loop(self) -> None:
        while not self._closed:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except self._errors:  # e.g. a locked or full disk: retry next tick
                time.sleep(self.interval)

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self.flush()
        with self._lock:
            self._close_connection()


class UnreadableDatabase(FlyteNbException, RuntimeError):
    """The SQLite file cannot be opened as a flyte_nb database: one message, what to do."""

    def __init__(self, path: Path, cause: BaseException) -> None:
        self.path = path
        super().__init__(
            f"cannot use the flyte_nb database {path} ({cause}): it is damaged, not a "
            f"SQLite file, locked by a stuck process, or not readable by you. Check its "
            f"owner and mode (ls -l {path}); to start afresh, stop the server (flyte-nb "
            f"server stop) and move it aside (mv {path} {path}.bad): a new, empty database "
            "is created, and the runs recorded in the old one are no longer listed"
        )


class Recorder(BatchRecorder):
    """The SQLite recorder: statements compiled ahead of time, run by the stdlib driver."""

    _errors = (sqlite3.Error,)

    def __init__(
        self, db_path: Path, blob_root: str | os.PathLike[str], interval: float = 0.2
    ) -> None:
        super().__init__(blob_root, interval)
        self.db_path = db_path
        fresh = not db_path.exists()
        try:
            self._conn = sqlite3.connect(
                db_path, check_same_thread=False, isolation_level=None, timeout=30
            )
            if fresh:  # run records and logs: the owner's only (WAL files follow its mode)
                os.chmod(db_path, 0o600)
            self._setup()
        except (sqlite3.DatabaseError, PermissionError) as exc:
            conn = getattr(self, "_conn", None)
            if conn is not None:
                conn.close()
            raise UnreadableDatabase(db_path, exc) from None
        self._start()

    # -- setup ---------------------------------------------------------------------------
    def _setup(self) -> None:
        c = self._conn
        with self._lock:
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA foreign_keys=ON")
            if self._revision() == sql.HEAD:  # every open but the first: one small read
                return
            # Fresh file: create the head schema, unless another process is doing it
            # right now (the write lock makes us wait for it, and then we see its tables).
            c.execute("BEGIN IMMEDIATE")
            try:
                tables = {name for (name,) in c.execute(sql.LIST_TABLES)}
                if not tables & {"alembic_version", "schema_info", "runs"}:
                    for ddl in sql.DDL:
                        c.execute(ddl)
                    c.execute(sql.STAMP_VERSION, {"version": sql.HEAD})
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")
            revision = self._revision()
            if revision == sql.HEAD:
                return
            if revision is not None and revision not in sql.REVISIONS:
                raise self._newer(revision)
            # An older database (an earlier revision, or pre-alembic ``schema_info`` v1):
            # rare, so this is the one path that pays for importing alembic and SQLAlchemy.
            from . import _migrate

            _migrate.upgrade(f"sqlite:///{self.db_path}")
            revision = self._revision()
            if revision != sql.HEAD:
                raise self._newer(str(revision))

    def _revision(self) -> str | None:
        """The alembic revision the database holds; None before it holds one."""
        try:
            rows = self._conn.execute(sql.GET_VERSION).fetchall()
        except sqlite3.OperationalError:  # no alembic_version table
            return None
        return ",".join(sorted(str(r[0]) for r in rows)) or None

    def _newer(self, revision: str) -> RuntimeError:
        from ._migrate import newer_error  # cheap: _migrate imports alembic only when used

        return newer_error(self.db_path, revision)

    # -- statements ----------------------------------------------------------------------
    def _select_live_local_runs(self, host: str) -> list[tuple[str, int | None, str | None]]:
        return self._conn.execute(sql.SELECT_LIVE_RUNS, {"host": host}).fetchall()

    def _abort_run(self, params: dict[str, Any]) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        self._conn.execute(sql.ABORT_RUN, params)
        self._conn.execute(sql.ABORT_RUN_ACTIONS, params)
        self._conn.execute("COMMIT")

    def has_live_runs(self, mode: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM runs WHERE mode = ? AND phase IN ('QUEUED', 'RUNNING') LIMIT 1",
                (mode,),
            ).fetchone()
        return row is not None

    def run_exists(self, name: str) -> bool:
        with self._lock:
            return self._conn.execute(sql.SELECT_RUN_NAME, {"name": name}).fetchone() is not None

    def _select_cache(self, task_name: str, version: str) -> dict[str, str]:
        return dict(
            self._conn.execute(
                sql.SELECT_CACHE_VERSION, {"task_name": task_name, "version": version}
            ).fetchall()
        )

    def _write(
        self,
        runs: list[dict[str, Any]],
        actions: list[tuple[Any, ...]],
        logs: list[dict[str, Any]],
        cache_rows: list[dict[str, Any]],
        docs: list[dict[str, Any]],
    ) -> None:
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            if runs:
                c.executemany(sql.UPSERT_RUN, runs)
            if actions:
                c.executemany(sql.UPSERT_ACTION, actions)
            if logs:
                c.executemany(sql.INSERT_LOG, logs)
            if cache_rows:
                c.executemany(sql.UPSERT_CACHE, cache_rows)
            if docs:
                c.executemany(sql.UPSERT_DOC, docs)
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")

    def _close_connection(self) -> None:
        self._conn.close()


def _drain(queue: collections.deque[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    while queue:
        out.append(queue.popleft())
    return out


def _latest_docs(queue: collections.deque[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drain the queued doc rows, keeping the last one queued for each key."""
    latest: dict[tuple[Any, ...], dict[str, Any]] = {}
    while queue:
        row = queue.popleft()
        latest[tuple(row[k] for k in _DOC_KEY)] = row
    return list(latest.values())


def _check_doc(attempt: int, kind: str, name: str) -> None:
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ValueError(f"a doc's attempt must be an int >= 1, got {attempt!r}")
    if kind not in DOC_KINDS:
        raise ValueError(f"a doc's kind is one of {DOC_KINDS}, not {kind!r}")
    if not isinstance(name, str) or not name or len(name) > _DOC_NAME_MAX:
        raise ValueError(f"a doc's name must be 1 to {_DOC_NAME_MAX} characters, got {name!r}")


_recorders: dict[Path, Recorder] = {}
_recorders_lock = threading.Lock()


def get_recorder(db_path: Path, blob_root: str | os.PathLike[str]) -> Recorder:
    """The process-wide recorder for one database (opened once, flushed at exit)."""
    with _recorders_lock:
        rec = _recorders.get(db_path)
        if rec is None:
            rec = _recorders[db_path] = Recorder(db_path, blob_root)
            _register_exit(rec)
        return rec


def flush_all() -> None:
    for rec in list(_recorders.values()):
        rec.flush()


def close_all() -> None:
    """Flush and close every recorder: a process moving between homes (a test suite, once
    per test) would otherwise keep three descriptors open per database for its life."""
    with _recorders_lock:
        recorders = list(_recorders.values())
        _recorders.clear()
    for rec in recorders:
        rec.close()


def _register_exit(rec: Recorder) -> None:
    import atexit

    atexit.register(rec.flush)
