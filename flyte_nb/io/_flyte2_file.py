"""Flyte 2's ``flyte.io.File``: a ``FlyteFile`` with Flyte 2's API (see ``_flyte2.py``).

Decisions:
- ``path`` is somewhere the file can be read from: the URL of a remote file, the local
  path of a local one, and for a file received from another task its blob's URL on a
  remote blob store, else the file materialised on this machine (a hard link into a local
  store: free). So ``File.from_existing_remote(f.path)`` works in the next task, as in
  Flyte 2.
- ``from_local`` copies the file into the task's own folder at once (Flyte 2 uploads at
  once: its examples delete the local file right after); it is stored by content when
  returned. To pass a big file without the copy, return ``File(path=...)`` instead.
- Every method has a ``_sync`` twin; the async ones do the same work without a thread
  (our blob store is normally a local folder).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from typing import IO, TYPE_CHECKING, Any, ClassVar

from ._access import random_name, working_dir
from ._aio import AsyncHandle, HashingHandle
from ._file import FlyteFile, check_name, formatted, is_url
from ._flyte2 import Flyte2Value
from ._hashing import HashMethod, check_hash_method, hash_chunks

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

_CHUNK = 1 << 24


class File(Flyte2Value):
    """A file for a Flyte 2 task's inputs and outputs; see the module docstring."""

    _tag: ClassVar[str] = "File"
    _format: ClassVar[str] = ""
    _inner: FlyteFile

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        name: str | None = None,
        format: str = "",
        hash: str | None = None,
        hash_method: HashMethod | None = None,
    ) -> None:
        if path is None:
            raise TypeError(
                "File(path=...) needs the file's path or URL; to make a new file use "
                "File.new_remote(), to upload one File.from_local(path)"
            )
        if isinstance(path, File):
            path = path.path
        self._inner = FlyteFile(path)  # validates path
        if name is not None:
            if not isinstance(name, str) or not name:
                raise TypeError(f"File(name=...) must be a non-empty str, got {name!r}")
            self._inner._name = name
        _check_optional_str(format, "File(format=...)")
        _check_optional_str(hash, "File(hash=...)")
        if hash_method is not None and not isinstance(hash_method, HashMethod):
            raise TypeError(
                "File(hash_method=...) must be a HashFunction, got "
                f"{type(hash_method).__qualname__}"
            )
        self.format = format or type(self)._format
        self.hash = hash
        self._hash_method = hash_method

    def _setup_from_inner(self) -> None:
        self._hash_method = None

    def __class_getitem__(cls, fmt: Any) -> Any:
        """``File[T]``: the same class tagged with a format, as in Flyte 2."""
        return formatted(cls, fmt)

    # -- fields ----------------------------------------------------------------------------
    @property
    def path(self) -> str:
        ff = self._inner
        if ff._remote_source is not None:
            return ff._remote_source
        if ff._blob is not None and ff._access is not None and not ff._stamp:
            store = ff._access.store
            if store is not None and store.local_path(ff._blob) is None:
                return store.blob_url(ff._blob)  # a remote blob store: its URL
            return ff.download()
        return os.path.abspath(ff.path)

    @property
    def name(self) -> str:
        return self._inner._name

    @property
    def hash_method(self) -> HashMethod | None:
        return self._hash_method

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def new_remote(
        cls, file_name: str | None = None, hash_method: HashMethod | str | None = None
    ) -> File:
        """A new file to write with ``open("wb")``; stored in the blob store when returned."""
        key, method = check_hash_method(hash_method, "File.new_remote")
        obj = cls._from_inner(FlyteFile.new_remote_file(file_name))
        obj.hash, obj._hash_method = key, method
        return obj

    @classmethod
    def named_remote(cls, name: str) -> File:
        """A new file with a fixed name in this task's folder (stable across retries)."""
        return cls._from_inner(FlyteFile.new_remote_file(check_name(name, "File.named_remote")))

    @classmethod
    def from_existing_remote(cls, remote_path: str, file_cache_key: str | None = None) -> File:
        """A file already at ``remote_path`` (a URL or a path), passed by reference."""
        if not isinstance(remote_path, (str, os.PathLike)) or not os.fspath(remote_path):
            raise TypeError(f"File.from_existing_remote needs a URL or path, got {remote_path!r}")
        return cls(path=remote_path, hash=file_cache_key)

    @classmethod
    def from_local_sync(
        cls,
        local_path: str | os.PathLike[str],
        remote_destination: str | None = None,
        hash_method: HashMethod | str | None = None,
    ) -> File:
        """Upload a local file: copied now (see the module docstring), or to
        ``remote_destination`` (a URL or path) when given."""
        src = _existing_file(local_path, "File.from_local")
        key, method = check_hash_method(hash_method, "File.from_local")
        if method is not None:
            key = hash_chunks(method, _chunks(src))
        name = os.path.basename(src)
        if remote_destination is not None:
            if not isinstance(remote_destination, str) or not remote_destination:
                raise TypeError(
                    "File.from_local(remote_destination=...) must be a URL or path, "
                    f"got {remote_destination!r}"
                )
            _copy_to(src, remote_destination)
            dest = remote_destination
        else:
            folder = working_dir() / "uploads" / random_name()
            folder.mkdir(parents=True)
            dest = str(folder / name)
            shutil.copyfile(src, dest)
        obj = cls(path=dest, name=name if remote_destination is None else None, hash=key)
        obj._hash_method = method
        return obj

    @classmethod
    async def from_local(
        cls,
        local_path: str | os.PathLike[str],
        remote_destination: str | None = None,
        hash_method: HashMethod | str | None = None,
    ) -> File:
        return cls.from_local_sync(local_path, remote_destination, hash_method)

    @classmethod
    def from_flyte_file(cls, ff: FlyteFile) -> File:
        """The same file as a ``File`` (sharing its state: nothing is copied)."""
        if not isinstance(ff, FlyteFile):
            raise TypeError(f"File.from_flyte_file needs a FlyteFile, got {ff!r}")
        return cls._from_inner(ff)

    def to_flyte_file(self) -> FlyteFile:
        """This file as the Union API's ``FlyteFile`` (the same object underneath)."""
        return self._inner

    # -- reading and writing ---------------------------------------------------------------
    def open(
        self,
        mode: str = "rb",
        block_size: int | None = None,
        cache_type: str = "readahead",
        cache_options: dict[str, Any] | None = None,
        compression: str | None = None,
        **kwargs: Any,
    ) -> contextlib.AbstractAsyncContextManager[AsyncHandle]:
        """``async with f.open("rb") as fh: data = await fh.read()``; see ``_aio.py``."""
        _check_open(mode, block_size, compression)
        return self._open_async(mode)

    @contextlib.asynccontextmanager
    async def _open_async(self, mode: str) -> AsyncIterator[AsyncHandle]:
        with self.open_sync(mode) as fh:
            yield AsyncHandle(fh)

    @contextlib.contextmanager
    def open_sync(
        self,
        mode: str = "rb",
        block_size: int | None = None,
        cache_type: str = "readahead",
        cache_options: dict[str, Any] | None = None,
        compression: str | None = None,
        **kwargs: Any,
    ) -> Iterator[IO[Any]]:
        """``with f.open_sync("wb") as fh: fh.write(...)``: a plain file object."""
        _check_open(mode, block_size, compression)
        writing = mode[0] in "wax"
        ff = self._inner
        if writing and ff._blob is not None and ff._access is not None and not ff._stamp:
            raise PermissionError(
                f"File {self.name!r} was received from another task and is read-only; "
                "write a new one (File.new_remote()) and return that instead"
            )
        fh = ff.open(mode)
        method = self._hash_method if writing else None
        try:
            yield HashingHandle(fh, method) if method is not None else fh  # type: ignore[misc]
        finally:
            fh.close()
        if method is not None:
            self.hash = method.result()

    async def exists(self) -> bool:
        return self.exists_sync()

    def exists_sync(self) -> bool:
        ff = self._inner
        if ff._remote_source is not None and not ff._downloaded:
            import fsspec  # type: ignore[import-untyped]

            fs, target = fsspec.core.url_to_fs(ff._remote_source)
            return bool(fs.exists(target))
        if ff._blob is not None and ff._access is not None and not ff._stamp:
            store = ff._access.store
            return store.exists(ff._blob) if store is not None else True
        return os.path.isfile(ff.path)

    async def download(self, local_path: str | os.PathLike[str] | None = None) -> str:
        return self.download_sync(local_path)

    def download_sync(self, local_path: str | os.PathLike[str] | None = None) -> str:
        """The file on this machine: where it is materialised, or a copy at
        ``local_path`` (a folder, or ending in a separator: the file keeps its name)."""
        src = self._inner.download()
        if local_path is None:
            return os.path.abspath(src)
        if not isinstance(local_path, (str, os.PathLike)) or not os.fspath(local_path):
            raise TypeError(f"File.download(local_path=...) must be a path, got {local_path!r}")
        dest = os.fspath(local_path)
        if dest.endswith(os.sep) or os.path.isdir(dest):
            dest = os.path.join(dest, self.name)
        os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
        shutil.copyfile(src, dest)
        return os.path.abspath(dest)

    # -- forms -----------------------------------------------------------------------------
    def _where(self) -> object:
        ff = self._inner
        if ff._remote_source is not None:
            return (ff._remote_source, ff._name)
        if ff._blob is not None and not ff._stamp:  # received: its content
            return (ff._blob, ff._name)
        return (os.path.abspath(ff._path), ff._name)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "name": self.name, "format": self.format, "hash": self.hash}

    def model_dump(self, **_: Any) -> dict[str, Any]:
        """Flyte 2's ``File`` is a pydantic model; this is its field dump."""
        return self.to_dict()

    def __repr__(self) -> str:
        return f"File(inner={self._inner!r}, name={self.name!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        from ._transport import model_field_schema

        return model_field_schema(File, core_schema)


def _check_optional_str(value: object, where: str) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{where} must be a str, got {value!r}")


def _check_open(mode: object, block_size: object, compression: object) -> None:
    if not isinstance(mode, str) or not mode or mode[0] not in "rwax":
        raise ValueError(f"File.open: mode must be like 'rb', 'wb', 'r' or 'w', got {mode!r}")
    if block_size is not None and (not isinstance(block_size, int) or block_size < 1):
        raise ValueError(f"File.open(block_size=...) must be a positive int, got {block_size!r}")
    if compression not in (None, "infer"):
        raise ValueError(
            f"File.open(compression={compression!r}) is not supported; "
            "open it plainly and decompress the stream (e.g. gzip.GzipFile(fileobj=fh))"
        )


def _existing_file(path: object, where: str) -> str:
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise TypeError(f"{where} needs the path of a local file, got {path!r}")
    text = os.fspath(path)
    if not os.path.exists(text):
        raise ValueError(f"{where}: file not found: {text!r}")
    if os.path.isdir(text):
        raise ValueError(f"{where}: {text!r} is a folder; use Dir.from_local for a folder")
    return text


def _chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            yield chunk


def _copy_to(src: str, dest: str) -> None:
    if is_url(dest):
        from ._transport import _upload_to

        _upload_to(src, dest)
        return
    os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
    shutil.copyfile(src, dest)
