"""Flyte 2's ``flyte.io.DataFrame``: a ``StructuredDataset`` with Flyte 2's API (see
``_flyte2.py``).

It stores and travels as a parquet blob, like the dataset it wraps, and a received one
reads nothing until ``await df.open(pd.DataFrame).all()`` (or ``all_sync()``, or
``iter()`` for row-group batches). pandas ``DataFrame`` and pyarrow ``Table`` are the
supported frame types (Flyte 2 adds polars and Spark through plugins; we do not).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from ._dataset import StructuredDataset, frame_kind, require_arrow
from ._flyte2 import Flyte2Value
from ._flyte2_file import _check_optional_str
from ._hashing import HashMethod, check_hash_method

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

PARQUET = "parquet"


class DataFrame(Flyte2Value):
    """A table for a Flyte 2 task's inputs and outputs; see the module docstring."""

    _tag: ClassVar[str] = "DataFrame"
    _inner: StructuredDataset

    def __init__(
        self, uri: str | None = None, format: str | None = "", hash: str | None = None
    ) -> None:
        _check_format(format)
        _check_optional_str(hash, "DataFrame(hash=...)")
        self._inner = StructuredDataset(uri=uri)  # validates uri
        self.format = format or ""
        self.hash = hash

    # -- fields ----------------------------------------------------------------------------
    @property
    def uri(self) -> str | None:
        """Where the parquet lives: the URI it was made with, or its blob once stored."""
        return self._inner.uri

    @property
    def val(self) -> Any:
        """The in-memory frame this was made from (None for a received one)."""
        return self._inner.dataframe

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def wrap_df(cls, val: Any = None, uri: str | None = None) -> DataFrame:
        """A ``DataFrame`` for a pandas ``DataFrame`` or pyarrow ``Table``; written as
        parquet when it leaves the task."""
        obj = cls._from_inner(StructuredDataset(dataframe=val, uri=uri))
        return obj

    @classmethod
    def from_df(cls, val: Any = None, uri: str | None = None) -> DataFrame:
        """Flyte 2's older name for ``wrap_df``."""
        return cls.wrap_df(val, uri)

    @classmethod
    def from_existing_remote(
        cls, remote_path: str, format: str | None = None, **kwargs: Any
    ) -> DataFrame:
        """A parquet file (or folder) already at ``remote_path``, passed by reference."""
        if not isinstance(remote_path, (str, os.PathLike)) or not os.fspath(remote_path):
            raise TypeError(
                f"DataFrame.from_existing_remote needs a URL or path, got {remote_path!r}"
            )
        return cls(uri=os.fspath(remote_path), format=format or PARQUET, **kwargs)

    @classmethod
    def from_local_sync(
        cls,
        df: Any,
        columns: Any = None,
        remote_destination: str | None = None,
        hash_method: HashMethod | str | None = None,
    ) -> DataFrame:
        """A ``DataFrame`` for ``df``; written to ``remote_destination`` (a URL or path)
        at once when given, else stored when it leaves the task. A hash method sees the
        whole frame (``HashFunction.from_fn(fn)``: ``fn(df)``)."""
        if frame_kind(df) is None:
            raise TypeError(
                "DataFrame.from_local takes a pandas.DataFrame or a pyarrow.Table, got "
                f"{type(df).__qualname__}"
            )
        if columns is not None and not isinstance(columns, dict):
            raise TypeError(f"DataFrame.from_local(columns=...) must be a dict, got {columns!r}")
        key, method = check_hash_method(hash_method, "DataFrame.from_local")
        if method is not None:
            method.update(df)
            key = method.result()
        if remote_destination is not None:
            if not isinstance(remote_destination, str) or not remote_destination:
                raise TypeError(
                    "DataFrame.from_local(remote_destination=...) must be a URL or path, "
                    f"got {remote_destination!r}"
                )
            _write_parquet(df, remote_destination)
            obj = cls.from_existing_remote(remote_destination)
        else:
            obj = cls.wrap_df(df)
        obj.hash = key
        return obj

    @classmethod
    async def from_local(
        cls,
        df: Any,
        columns: Any = None,
        remote_destination: str | None = None,
        hash_method: HashMethod | str | None = None,
    ) -> DataFrame:
        return cls.from_local_sync(df, columns, remote_destination, hash_method)

    @classmethod
    def from_structured_dataset(cls, sd: StructuredDataset) -> DataFrame:
        """The same table as a ``DataFrame`` (sharing its state: nothing is read)."""
        if not isinstance(sd, StructuredDataset):
            raise TypeError(
                f"DataFrame.from_structured_dataset needs a StructuredDataset, got {sd!r}"
            )
        return cls._from_inner(sd)

    def to_structured_dataset(self) -> StructuredDataset:
        """This table as the Union API's ``StructuredDataset`` (the same object)."""
        return self._inner

    # -- reading ---------------------------------------------------------------------------
    def open(self, dataframe_type: type) -> DataFrame:
        """Choose what ``all()`` and ``iter()`` return: ``pd.DataFrame`` or ``pa.Table``."""
        self._inner.open(dataframe_type)
        return self

    async def all(self) -> Any:
        return self.all_sync()

    def all_sync(self) -> Any:
        """The whole table as the type given to ``open``."""
        return self._inner.all()

    async def iter(self) -> AsyncIterator[Any]:
        """The table in batches (parquet row groups), each of the ``open`` type."""
        for batch in self.iter_sync():
            yield batch

    def iter_sync(self) -> Iterator[Any]:
        return self._inner.iter()

    # -- forms -----------------------------------------------------------------------------
    def _where(self) -> object:
        sd = self._inner
        if sd._blob is not None:
            return sd._blob
        return sd._uri if sd._uri is not None else id(sd._dataframe)

    def to_dict(self) -> dict[str, Any]:
        return {"uri": self.uri, "format": self.format, "hash": self.hash}

    def model_dump(self, **_: Any) -> dict[str, Any]:
        """Flyte 2's ``DataFrame`` is a pydantic model; this is its field dump."""
        return self.to_dict()

    def __repr__(self) -> str:
        return f"DataFrame(inner={self._inner!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        from ._transport import model_field_schema

        return model_field_schema(DataFrame, core_schema)


def _check_format(format: object) -> None:
    if format not in (None, "", PARQUET):
        raise ValueError(
            f"DataFrame(format={format!r}): only parquet is supported; leave format out "
            "or pass 'parquet'"
        )


def _write_parquet(df: Any, url: str) -> None:
    require_arrow("DataFrame.from_local(remote_destination=...)")
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from ._dataset import to_table
    from ._file import is_url

    if is_url(url):
        import fsspec  # type: ignore[import-untyped]

        with fsspec.open(url, "wb") as f:
            pq.write_table(to_table(df), f)
        return
    os.makedirs(os.path.dirname(os.path.abspath(url)), exist_ok=True)
    pq.write_table(to_table(df), url)
