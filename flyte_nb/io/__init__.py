"""Files, folders and tables that flow between tasks: ``FlyteFile``, ``FlyteDirectory``,
``StructuredDataset`` (and ``pd.DataFrame`` / ``pa.Table`` annotations).

``_file``, ``_directory`` and ``_dataset`` hold the user-facing classes; ``_transport`` is
the codec ``flyte_nb.types`` calls to store them (files by content in the blob store,
tables as parquet blobs) and read them back lazily; ``_adapt`` fits values to a task's
annotations (a path to a ``FlyteFile``, ``kwtypes`` column selection); ``_access`` is the
blob store and the local folders as these classes see them. See ``docs/data.md``.
"""

from __future__ import annotations

from ._dataset import StructuredDataset
from ._directory import FlyteDirectory
from ._file import FlyteFile

__all__ = ["FlyteDirectory", "FlyteFile", "StructuredDataset"]
