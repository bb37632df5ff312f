"""Files, folders and tables that flow between tasks: ``FlyteFile``, ``FlyteDirectory``,
``StructuredDataset`` (and ``pd.DataFrame`` / ``pa.Table`` annotations).

``_file``, ``_directory`` and ``_dataset`` hold the user-facing classes; ``_transport`` is
the codec ``flyte_nb.types`` calls to store them (files by content in the blob store,
tables as parquet blobs) and read them back lazily; ``_adapt`` fits values to a task's
annotations (a path to a ``FlyteFile``, ``kwtypes`` column selection); ``_access`` is the
blob store and the local folders as these classes see them. See ``docs/data.md``.

Flyte 2's ``File``, ``Dir``, ``DataFrame`` and ``HashFunction`` (``flyte.io``) are here
too: ``_flyte2*`` wrap the classes above with Flyte 2's API, sharing their storage.
"""

from __future__ import annotations

from ._dataset import StructuredDataset
from ._directory import FlyteDirectory
from ._file import FlyteFile
from ._flyte2_dir import Dir
from ._flyte2_file import File
from ._flyte2_frame import PARQUET, DataFrame
from ._hashing import HashFunction

__all__ = [
    "PARQUET",
    "DataFrame",
    "Dir",
    "File",
    "FlyteDirectory",
    "FlyteFile",
    "HashFunction",
    "StructuredDataset",
]
