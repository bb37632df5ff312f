"""The metadata store (SQLite or PostgreSQL through SQLAlchemy's schema) and the blob folder.

``_schema.py`` defines the tables; ``_recorder.py`` writes them from the kernel without
importing SQLAlchemy (see why there); ``_sql_recorder.py`` is the same batched writer over
SQLAlchemy, for a backend whose store is PostgreSQL; ``_reader.py`` reads them with
SQLAlchemy; ``_blobs.py`` keeps large or opaque values by content hash, in a folder or at
any fsspec URL; ``_migrate.py`` (alembic, scripts in ``_migrations/``) moves databases
between schema revisions; ``_db.py`` makes SQLAlchemy engines that see SQLite the way the
recorder does. Nothing here knows about tasks or the engine: the engine hands over rows.

``SqlRecorder`` is imported on first use (``__getattr__``): importing this package must
stay free of SQLAlchemy, which a kernel running one task cannot afford.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._blobs import BlobStore
from ._recorder import (
    DOC_KINDS,
    BatchRecorder,
    Recorder,
    UnreadableDatabase,
    flush_all,
    get_recorder,
    process_identity,
)
from ._sqlite_sql import ACTION_COLUMNS

if TYPE_CHECKING:
    from ._sql_recorder import SqlRecorder

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
            return Recorder(db_path, blob_url)
    from ._sql_recorder import SqlRecorder

    return SqlRecorder(db_url, blob_url)


def __getattr__(name: str) -> Any:
    if name == "SqlRecorder":
        from ._sql_recorder import SqlRecorder

        return SqlRecorder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
