"""The metadata store (SQLite through SQLAlchemy's schema) and the blob folder.

``_schema.py`` defines the tables; ``_recorder.py`` writes them from the kernel without
importing SQLAlchemy (see why there); ``_reader.py`` reads them with SQLAlchemy;
``_blobs.py`` keeps large or opaque values by content hash, in a folder or at any fsspec
URL; ``_migrate.py`` (alembic, scripts in ``_migrations/``) moves databases between schema
revisions; ``_db.py`` makes SQLAlchemy engines that see SQLite the way the recorder does.
Nothing here knows about tasks or the engine: the engine hands over rows.
"""

from ._blobs import BlobStore
from ._recorder import Recorder, flush_all, get_recorder, process_identity
from ._sqlite_sql import ACTION_COLUMNS

__all__ = [
    "ACTION_COLUMNS",
    "BlobStore",
    "Recorder",
    "flush_all",
    "get_recorder",
    "process_identity",
]
