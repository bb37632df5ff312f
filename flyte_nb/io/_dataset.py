"""``StructuredDataset`` and dataframes between tasks: parquet blobs.

Decisions:
- A ``pandas.DataFrame``, a ``pyarrow.Table`` or a ``StructuredDataset`` crossing a task
  boundary is written once as a parquet file into the blob store (written in place and
  renamed to its digest: no extra copy) and read back as the type it was. Column names
  become strings (parquet's rule); a pandas index survives (pyarrow keeps it).
- ``StructuredDataset`` is the lazy form: receiving one reads nothing; ``open(pd.DataFrame)
  .all()`` reads the parquet (only the selected columns), ``.iter()`` reads it in batches.
- A frame decoded from a blob, or encoded once, is remembered (``_memo``) so that passing
  it unchanged to the next task reuses the blob instead of writing the parquet again: a
  parent task that hands a child's output to the next child pays one read, not a write.
  A ``pyarrow.Table`` is immutable, so remembering it is safe. A ``pandas.DataFrame`` is
  remembered only under copy-on-write (always on in pandas 3): we keep a shallow copy of
  it, so any in-place change to the user's frame must copy the data it changes, which
  replaces that block of the frame; the fingerprint (the identities of the frame's blocks,
  index and columns, and their names) then no longer matches and the frame is written
  again. A frame we cannot fingerprint is simply written again.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator, Mapping
from typing import Any

from ._access import BlobAccess
from ._serial import DatasetJson

PANDAS = "pandas.DataFrame"
ARROW = "pyarrow.Table"
_SD = "flyte_nb.io._dataset.StructuredDataset"
_STORED = ("$sd", "format", "columns", "rows")  # what identifies a stored parquet blob
_CLASS_NAMES = {
    "pandas.DataFrame": PANDAS,  # pandas >= 3 names its public classes so
    "pandas.core.frame.DataFrame": PANDAS,
    "pyarrow.lib.Table": ARROW,
}


def require_arrow(where: str, pandas: bool = False) -> None:
    """Fail with what to install when a table is stored or read without pyarrow (or,
    for a pandas frame, pandas): not a bare ModuleNotFoundError from deep inside."""
    import importlib.util

    for module in ("pyarrow", "pandas") if pandas else ("pyarrow",):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise ModuleNotFoundError(
                f"{where} needs {module} to store or read tables: "
                "pip install 'flyte_nb[dataframe]'",
                name=module,
            )


def kind_of_type(tp: Any) -> str | None:
    """PANDAS, ARROW or None for a class: by name, so nothing is imported to ask."""
    if isinstance(tp, type):
        for k in tp.__mro__:
            kind = _CLASS_NAMES.get(f"{k.__module__}.{k.__qualname__}")
            if kind is not None:
                return kind
    return None


def frame_kind(value: Any) -> str | None:
    return kind_of_type(type(value))


class StructuredDataset(DatasetJson):
    """A table for a task's inputs and outputs (the seed's ``union.StructuredDataset``)."""

    def __init__(
        self,
        dataframe: Any = None,
        uri: str | os.PathLike[str] | None = None,
        metadata: dict[str, str] | None = None,
        file_format: str = "parquet",
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise TypeError(f"StructuredDataset() got unknown argument(s) {sorted(kwargs)}")
        if dataframe is not None and frame_kind(dataframe) is None:
            raise TypeError(
                "StructuredDataset(dataframe=...) takes a pandas.DataFrame or a pyarrow.Table, "
                f"got {type(dataframe).__qualname__}"
            )
        if uri is not None and (not isinstance(uri, (str, os.PathLike)) or not os.fspath(uri)):
            raise TypeError(f"StructuredDataset(uri=...) must be a path or URL, got {uri!r}")
        if file_format != "parquet":
            raise ValueError(
                f"StructuredDataset(file_format={file_format!r}): only 'parquet' is supported"
            )
        from ._file import check_metadata

        self.metadata: dict[str, str] = check_metadata(metadata, "StructuredDataset")
        self.file_format = file_format
        self._dataframe = dataframe
        self._uri = os.fspath(uri) if uri is not None else None
        self._blob: str | None = None
        self._access: BlobAccess | None = None
        self._known_columns: list[str] | None = None
        self._stored: dict[str, Any] = {}  # the encoding it was received with
        self._select: list[str] | None = None  # columns an annotation asked for
        self._open_as: str | None = None

    @property
    def dataframe(self) -> Any:
        """The in-memory frame this dataset was made from (None for a received one)."""
        return self._dataframe

    @property
    def uri(self) -> str | None:
        """Where the parquet lives: the given URI, or the blob's URL once stored."""
        if self._uri is None and self._blob is not None and self._access is not None:
            return self._access.url(self._blob)
        return self._uri

    def open(self, dataframe_type: type) -> StructuredDataset:
        """Choose what ``all()`` and ``iter()`` return: ``pd.DataFrame`` or ``pa.Table``."""
        kind = kind_of_type(dataframe_type)
        if kind is None:
            raise TypeError(
                f"StructuredDataset.open({dataframe_type!r}): open it as pandas.DataFrame "
                "or pyarrow.Table"
            )
        self._open_as = kind
        return self

    def all(self) -> Any:
        """The whole dataset (its selected columns) as the type given to ``open``."""
        kind = self._kind()
        if self._dataframe is not None:
            return convert_frame(self._dataframe, kind, self._select)
        return self._materialise(kind)

    def iter(self) -> Iterator[Any]:
        """The dataset in batches (parquet row groups), each of the ``open`` type."""
        kind = self._kind()
        if self._dataframe is not None:
            yield convert_frame(self._dataframe, kind, self._select)
            return
        require_arrow(self._what(), pandas=kind == PANDAS)
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        with self._source() as source:
            reader = pq.ParquetFile(source)
            for batch in reader.iter_batches(columns=self._select):
                table = pa.Table.from_batches([batch])
                yield table.to_pandas() if kind == PANDAS else table

    def column_names(self) -> list[str]:
        """The dataset's column names (read from the parquet footer, not the data)."""
        if self._select is not None:
            return list(self._select)
        if self._known_columns is None:
            if self._dataframe is not None:
                self._known_columns = [str(c) for c in frame_columns(self._dataframe)]
            else:
                self._known_columns = [
                    n for n in self._schema().names if not n.startswith("__index_level_")
                ]
        return list(self._known_columns)

    def columns(self) -> dict[str, Any]:
        """Column name -> pyarrow type."""
        frame = self._dataframe
        schema = to_table(frame).schema if frame is not None else self._schema()
        return {name: schema.field(name).type for name in self.column_names()}

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """A dataset field of a dataclass or model is stored like a dataset value."""
        from pydantic_core import core_schema

        from ._transport import model_field_schema

        return model_field_schema(cls, core_schema)

    def __repr__(self) -> str:
        what = "dataframe" if self._dataframe is not None else f"uri={self.uri!r}"
        return f"StructuredDataset({what}, columns={self._select or self._known_columns})"

    # -- reading -----------------------------------------------------------------------------
    def _kind(self) -> str:
        if self._open_as is not None:
            return self._open_as
        if self._dataframe is not None:
            return frame_kind(self._dataframe) or PANDAS
        raise TypeError(
            "StructuredDataset: call .open(pd.DataFrame) or .open(pa.Table) before .all() "
            "or .iter(), to say which type you want"
        )

    def _source(self) -> Any:
        """A context manager yielding something pyarrow reads: a path or a buffer."""
        import contextlib

        require_arrow(self._what())
        import pyarrow as pa

        if self._blob is not None and self._access is not None:
            local = self._access.local_path(self._blob)
            if local is not None:
                return contextlib.nullcontext(local)
            return contextlib.nullcontext(pa.BufferReader(self._access.get(self._blob)))
        if self._uri is None:
            raise ValueError("StructuredDataset has neither a dataframe nor a uri to read")
        from ._file import is_url, local_path_of

        if not is_url(self._uri):
            path = local_path_of(self._uri)
            if not os.path.exists(path):
                raise FileNotFoundError(f"StructuredDataset uri {self._uri!r} does not exist")
            return contextlib.nullcontext(path)
        import fsspec  # type: ignore[import-untyped]

        return fsspec.open(self._uri, "rb")

    def _materialise(self, kind: str) -> Any:
        require_arrow(self._what(), pandas=kind == PANDAS)
        table = self._read(self._select)
        return table.to_pandas() if kind == PANDAS else table

    def _read(self, columns: list[str] | None) -> Any:
        import pyarrow.parquet as pq

        if columns is not None:
            check_columns(self.column_names_unselected(), columns, self._what())
        with self._source() as source:
            return pq.read_table(source, columns=columns, memory_map=isinstance(source, str))

    def _schema(self) -> Any:
        import pyarrow.parquet as pq

        with self._source() as source:
            return pq.read_schema(source)

    def column_names_unselected(self) -> list[str]:
        select, self._select = self._select, None
        try:
            return self.column_names()
        finally:
            self._select = select

    def _what(self) -> str:
        return f"StructuredDataset({self._uri or self._blob or 'dataframe'})"


# -- frames ----------------------------------------------------------------------------------
def frame_columns(frame: Any) -> list[Any]:
    return list(frame.columns) if frame_kind(frame) == PANDAS else list(frame.column_names)


def to_table(frame: Any) -> Any:
    require_arrow(f"passing a {frame_kind(frame) or 'table'}")
    import pyarrow as pa

    return frame if frame_kind(frame) == ARROW else pa.Table.from_pandas(frame)


def convert_frame(frame: Any, kind: str, columns: list[str] | None) -> Any:
    """``frame`` as ``kind`` (PANDAS or ARROW), reduced to ``columns`` when given."""
    have = frame_kind(frame)
    if columns is not None:
        check_columns([str(c) for c in frame_columns(frame)], columns, str(have))
        if [str(c) for c in frame_columns(frame)] != columns:
            frame = frame[columns] if have == PANDAS else frame.select(columns)
    if have == kind:
        return frame
    return to_table(frame) if kind == ARROW else frame.to_pandas()


def check_columns(available: list[str], wanted: list[str], what: str) -> None:
    missing = [c for c in wanted if c not in available]
    if missing:
        raise ValueError(
            f"column {missing[0]!r} is not in the {what}; its columns are {available}. "
            "Fix the column names in kwtypes(...), or produce the missing column"
        )


def encode_frame(value: Any, access: BlobAccess) -> dict[str, Any]:
    """Encode a DataFrame, a Table or a StructuredDataset (see ``_transport.py``)."""
    if isinstance(value, StructuredDataset):
        head: dict[str, Any] = {"type": _SD}
        if value.metadata:
            head["metadata"] = dict(value.metadata)
        if value._select is not None:
            head["select"] = list(value._select)
        if value._dataframe is not None:
            return {**_store_frame(value._dataframe, access), **head}
        if value._blob is not None and value._access is not None:
            stored = value._stored or {
                "$sd": value._blob,
                "format": "parquet",
                "columns": value.column_names_unselected(),
            }
            if value._access.key is None or value._access.key != access.key:
                stored = {**stored, "$sd": access.put(value._access.get(value._blob))}
            return {**stored, **head}
        if value._uri is None:
            raise ValueError("StructuredDataset has neither a dataframe nor a uri to pass on")
        return {"$sd": None, "uri": value._uri, **head}
    return {**_store_frame(value, access), "type": frame_kind(value) or PANDAS}


def _store_frame(frame: Any, access: BlobAccess) -> dict[str, Any]:
    known = recall(frame, access.key)
    if known is not None:
        return known
    require_arrow(f"passing a {frame_kind(frame) or 'table'}")
    import pyarrow.parquet as pq

    table = to_table(frame)
    path = access.new_file_path()
    try:
        pq.write_table(table, path)
    except BaseException:
        os.unlink(path)
        raise
    encoded = {
        "$sd": access.adopt_file(path),
        "format": "parquet",
        "columns": [str(c) for c in frame_columns(frame)],
        "rows": table.num_rows,
    }
    remember(frame, encoded, access.key)
    return encoded


def decode_frame(encoded: dict[str, Any], access: BlobAccess) -> Any:
    sd = StructuredDataset(uri=encoded.get("uri"), metadata=encoded.get("metadata"))
    sd._blob = encoded["$sd"]
    sd._access = access if sd._blob is not None else None
    sd._known_columns = encoded.get("columns")
    sd._select = encoded.get("select")
    stored: dict[str, Any] = {k: encoded[k] for k in _STORED if k in encoded}
    kind = encoded.get("type")
    if kind not in (PANDAS, ARROW):
        sd._stored = stored if sd._blob is not None else {}
        return sd
    frame = sd._materialise(kind)
    remember(frame, stored, access.key)
    return frame


# -- remembering frames that are already stored (see the module docstring) -------------------
_memo: dict[int, tuple[Any, Any, str | None, dict[str, Any], Any]] = {}


def _fingerprint(frame: Any) -> Any:
    if frame_kind(frame) == ARROW:
        return ()
    if not _copy_on_write():
        return None
    try:
        blocks = tuple(id(b.values) for b in frame._mgr.blocks)
    except AttributeError:
        return None
    return (
        blocks,
        id(frame.index),
        id(frame.columns),
        tuple(frame.index.names),
        tuple(frame.columns.names),
        frame.shape,
    )


def _copy_on_write() -> bool:
    import pandas as pd  # type: ignore[import-untyped]

    return int(pd.__version__.split(".")[0]) >= 3 or pd.options.mode.copy_on_write is True


def remember(frame: Any, encoded: Mapping[str, Any], key: str | None) -> None:
    if key is None:
        return
    fingerprint = _fingerprint(frame)
    if fingerprint is None:
        return
    ident = id(frame)

    def forget(ref: Any) -> None:
        entry = _memo.get(ident)
        if entry is not None and entry[0] is ref:
            del _memo[ident]

    keep = frame.copy(deep=False) if frame_kind(frame) == PANDAS else None
    _memo[ident] = (weakref.ref(frame, forget), fingerprint, key, dict(encoded), keep)


def recall(frame: Any, key: str | None) -> dict[str, Any] | None:
    entry = _memo.get(id(frame))
    if entry is None or key is None or entry[0]() is not frame or entry[2] != key:
        return None
    if _fingerprint(frame) != entry[1]:
        del _memo[id(frame)]
        return None
    return dict(entry[3])
