"""The metadata store (SQLite or PostgreSQL through SQLAlchemy's schema) and the blob folder.

``_schema.py`` defines the tables; ``_recorder.py`` writes them from the kernel without
importing SQLAlchemy (see why there); ``_sql_recorder.py`` is the same batched writer over
SQLAlchemy, for a backend whose store is PostgreSQL; ``_reader.py`` reads them with
SQLAlchemy; ``_blobs.py`` keeps large or opaque values by content hash, in a folder or at
any fsspec URL; ``_migrate.py`` (alembic, scripts in ``_migrations/``) moves databases
between schema revisions; ``_db.py`` makes SQLAlchemy engines that see SQLite the way the
recorder does. Nothing here knows about tasks or the engine: the engine hands over rows.

``SqlRecorder`` is imported on first use (``__getattr__``): importing this package must
stay free of SQLAlchemy, which a kernel running one task cannot afford. The recorder's
names are lazy too: a backend worker imports ``_blobs`` at start and writes no records, so
it does not load ``sqlite3`` (issue 17; ``tests/test_backend_imports.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .._lazy import lazy_getattr
from ._blobs import BlobStore

if TYPE_CHECKING:
    from ._recorder import (
        DOC_KINDS,
        BatchRecorder,
        Recorder,
        UnreadableDatabase,
        flush_all,
        get_recorder,
        process_identity,
    )
    from ._sql_recorder import SqlRecorder
    from ._sqlite_sql import ACTION_COLUMNS

_LAZY = {
    "ACTION_COLUMNS": "._sqlite_sql",
    "DOC_KINDS": "._recorder",
    "BatchRecorder": "._recorder",
    "Recorder": "._recorder",
    "SqlRecorder": "._sql_recorder",
    "UnreadableDatabase": "._recorder",
    "flush_all": "._recorder",
    "get_recorder": "._recorder",
    "process_identity": "._recorder",
}

__all__ = [
    "ACTION_COLUMNS",
    "DOC_KINDS",
    "BatchRecorder",
    "BlobStore",
    "Recorder",
    "SqlRecorder",
    "UnreadableDatabase",
    "flush_all",
    "get_recorder",
    "open_recorder",
    "process_identity",
]

_SQLITE_FILE = "sqlite:///"


def open_recorder(db_url: str, blob_url: str | os.PathLike[str]) -> BatchRecorder:
    """The recorder for a server's ``db_url``: the stdlib ``Recorder`` for a SQLite file
    (``sqlite:///path``; no SQLAlchemy import, the kernel's own writer), a ``SqlRecorder``
    for any other URL (PostgreSQL: ``postgresql+psycopg://user:pw@host/db``)."""
    if db_url.startswith(_SQLITE_FILE):
        path, _, query = db_url[len(_SQLITE_FILE) :].partition("?")
        if path and path != ":memory:" and not query:
            db_path = Path(path)
            db_path.parent.mkdir(parents=True, exist_ok=True)
            from ._recorder import Recorder

            return Recorder(db_path, blob_url)
    from ._sql_recorder import SqlRecorder

    return SqlRecorder(db_url, blob_url)


__getattr__ = lazy_getattr(__name__, _LAZY)
