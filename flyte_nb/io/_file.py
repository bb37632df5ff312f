"""``FlyteFile``: a file that travels between tasks (the Union seed's ``union.FlyteFile``).

A ``FlyteFile`` is one of three things, and may become the next:
- *local*: a path on this machine (``FlyteFile("data.csv")``, ``FlyteFile.new(...)``);
  returned from a task, it is stored in the blob store by content (``_transport``);
- *stored*: a blob (``_blob``) in the store it arrived through. Nothing is read until
  the body asks: ``open()`` streams the blob, ``download()`` / ``os.fspath()`` (so
  ``open(ff)``) materialise it at ``path`` (a hard link into the local store: free);
  passed on to another task, it is re-encoded by its digest without touching the bytes;
- *remote*: an fsspec URL (``FlyteFile.from_source("s3://...")``, ``memory://...``)
  passed by reference and read through fsspec.

A received file is read-only (a hard link shares its bytes with the store): write a new
one with ``FlyteFile.new_remote_file()`` or ``FlyteFile.new(name)`` instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, ClassVar

from ._access import BlobAccess, input_dir, random_name, working_dir
from ._serial import MashumaroJson

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

_READ_MODES = frozenset({"r", "rb", "rt"})


def is_url(path: str) -> bool:
    """A URL other than ``file://`` (those are local paths)."""
    scheme, sep, _ = path.partition("://")
    return bool(sep) and scheme != "file" and scheme.isidentifier()


def local_path_of(path: str) -> str:
    return path[len("file://") :] if path.startswith("file://") else path


class PathValue(os.PathLike[str]):
    """What ``FlyteFile`` and ``FlyteDirectory`` share: a path that is materialised when
    used as one (``os.fspath``), JSON forms, and a pydantic schema for model fields."""

    @property
    def path(self) -> str:
        raise NotImplementedError

    def download(self) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def _is_local(self) -> bool:
        """A plain local path: no blob, no URL, no downloader (checked when passed)."""
        raise NotImplementedError

    def __fspath__(self) -> str:
        return self.download()

    def __str__(self) -> str:
        return self.path

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        from ._transport import model_field_schema

        return model_field_schema(cls, core_schema)


class FlyteFile(MashumaroJson, PathValue):
    """A file for a task's inputs and outputs; see the module docstring."""

    _format: ClassVar[str] = ""

    def __init__(
        self,
        path: str | os.PathLike[str],
        downloader: Callable[[], Any] | None = None,
        remote_path: str | os.PathLike[str] | bool | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        if isinstance(path, FlyteFile):
            path = path.path
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise TypeError(f"FlyteFile(path=...) needs a path or URL, got {path!r}")
        text = os.fspath(path)
        if remote_path is not None and not isinstance(remote_path, (str, os.PathLike, bool)):
            raise TypeError(
                f"FlyteFile(remote_path=...) must be a URL, a path, or False, got {remote_path!r}"
            )
        if downloader is not None and not callable(downloader):
            raise TypeError(f"FlyteFile(downloader=...) must be callable, got {downloader!r}")
        self.metadata: dict[str, str] = check_metadata(metadata, "FlyteFile")
        self._downloader = downloader
        self._remote_path = (
            os.fspath(remote_path) if isinstance(remote_path, os.PathLike) else remote_path
        )
        self._remote_source: str | None = text if is_url(text) else None
        self._path = local_path_of(text) if self._remote_source is None else ""
        self._name = os.path.basename(text.rstrip("/")) or "file"
        self._blob: str | None = None  # digest, once stored or when received
        self._access: BlobAccess | None = None
        self._stamp: tuple[int, int, int] | None = None  # (size, mtime_ns, ino) when stored
        self._downloaded = downloader is None and self._remote_source is None

    # -- what the seed lists -------------------------------------------------------------
    @property
    def path(self) -> str:
        """The local path: where the file is, or will be once downloaded."""
        if not self._path:
            key = self._blob or _url_key(self._remote_source or self._name)
            self._path = str(input_dir(key) / self._name)
        return self._path

    @property
    def remote_path(self) -> str | None:
        """Where the content lives outside this task: the blob's URL, the source URL, or
        the ``remote_path`` it was created with."""
        if isinstance(self._remote_path, str):
            return self._remote_path
        if self._blob is not None and self._access is not None:
            return self._access.url(self._blob)
        return self._remote_source

    @property
    def remote_source(self) -> str | None:
        """The URL this file was received from (None for a file made here)."""
        if self._remote_source is not None:
            return self._remote_source
        if self._blob is not None and self._access is not None and not self._stamp:
            return self._access.url(self._blob)
        return None

    @property
    def downloaded(self) -> bool:
        return self._downloaded

    @classmethod
    def extension(cls) -> str:
        """The format this class was parametrised with (``FlyteFile["csv"]``), or ""."""
        return cls._format

    def __class_getitem__(cls, fmt: Any) -> type[FlyteFile]:
        """``FlyteFile["csv"]``: the same class, tagged with a format (flytekit's spelling)."""
        return formatted(cls, fmt)

    def download(self) -> str:
        """Materialise the file at ``path`` (once) and return that path."""
        if self._downloaded:
            return self.path
        target = self.path
        if self._downloader is not None:
            self._downloader()
        elif self._blob is not None and self._access is not None:
            if not os.path.exists(target):
                self._access.fetch(self._blob, target)
        elif self._remote_source is not None:
            import fsspec  # type: ignore[import-untyped]

            os.makedirs(os.path.dirname(target), exist_ok=True)
            with fsspec.open(self._remote_source, "rb") as src, open(target, "wb") as dst:
                while chunk := src.read(1 << 22):
                    dst.write(chunk)
        self._downloaded = True
        return target

    def open(
        self,
        mode: str = "rb",
        cache_type: str | None = None,
        cache_options: dict[str, Any] | None = None,
    ) -> IO[Any]:
        """A streaming handle: a received file is read straight from the blob store or its
        URL (through fsspec), without downloading it first."""
        if not isinstance(mode, str) or not mode or mode[0] not in "rwax":
            raise ValueError(f"FlyteFile.open: mode must be like 'rb' or 'wb', got {mode!r}")
        reading = mode in _READ_MODES
        kwargs: dict[str, Any] = {}
        if cache_type is not None:
            kwargs["cache_type"] = cache_type
        if cache_options is not None:
            kwargs["cache_options"] = cache_options
        if self._blob is not None and self._access is not None and not self._stamp:
            if not reading:
                raise PermissionError(
                    f"FlyteFile {self._name!r} was received from another task and is read-only; "
                    "write a new file (FlyteFile.new_remote_file()) and return that instead"
                )
            if self._downloaded:
                return open(self.path, mode)
            return self._access.open(self._blob, "rb" if "b" in mode else "r", **kwargs)
        if self._remote_source is not None and not self._downloaded:
            import fsspec

            return fsspec.open(self._remote_source, mode, **kwargs).open()
        if self._downloader is not None and reading:
            self.download()
        if not reading:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            detach(self.path, mode)
            self._blob, self._stamp = None, None  # new content: store it again when returned
        return open(self.path, mode)

    def _is_local(self) -> bool:
        return self._blob is None and self._remote_source is None and self._downloader is None

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def new(cls, filename: str | os.PathLike[str]) -> FlyteFile:
        """A new file (not created yet) in the task's working folder."""
        name = check_name(filename, "FlyteFile.new(filename)")
        return cls(working_dir() / name)

    @classmethod
    def new_remote_file(cls, name: str | None = None, alt: str | None = None) -> FlyteFile:
        """A new file to write (``open("wb")``); stored in the blob store when returned.
        ``alt`` (a prefix URL) writes it there instead, e.g. ``alt="s3://bucket/out"``."""
        filename = check_name(name, "FlyteFile.new_remote_file(name)") if name else random_name()
        if alt is not None:
            if not isinstance(alt, str) or not alt:
                raise ValueError(f"FlyteFile.new_remote_file(alt=...) must be a URL, got {alt!r}")
            return cls.from_source(f"{alt.rstrip('/')}/{filename}")
        return cls(working_dir() / "remote" / filename)

    @classmethod
    def from_source(cls, source: str | os.PathLike[str]) -> FlyteFile:
        """A file whose content is at ``source`` (a URL or a path), fetched on first use."""
        if not isinstance(source, (str, os.PathLike)) or not os.fspath(source):
            raise TypeError(f"FlyteFile.from_source needs a URL or path, got {source!r}")
        return cls(source)

    # -- JSON (to_json/from_json/to_dict/from_dict: _serial.py) ----------------------------
    def _as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.remote_path or os.path.abspath(self.path)}
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        return out

    @classmethod
    def _of_dict(cls, d: dict[str, Any]) -> FlyteFile:
        if not isinstance(d.get("path"), str):
            raise ValueError(f"FlyteFile.from_dict needs {{'path': <str>}}, got {d!r}")
        return cls(d["path"], metadata=d.get("metadata"))

    def serialize_flyte_file(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The pydantic serializer hook flytekit names so: the dict form."""
        return self.to_dict()

    def deserialize_flyte_file(self, *args: Any, **kwargs: Any) -> FlyteFile:
        """flytekit's pydantic validator hook: a file is usable as it is received."""
        return self

    def __repr__(self) -> str:
        where = self._remote_source or self._path or f"blob {self._blob}"
        return f"FlyteFile({where!r})"


def detach(path: str, mode: str) -> None:
    """A stored file may be a hard link to its blob: writing through it would change the
    blob, so give the path a file of its own first."""
    try:
        if os.stat(path).st_nlink < 2:
            return
    except FileNotFoundError:
        return
    if mode[0] in "wx":
        os.unlink(path)
        return
    import shutil

    tmp = f"{path}.{random_name()}"
    shutil.copyfile(path, tmp)
    os.replace(tmp, path)


_formatted: dict[tuple[type, str], type] = {}


def formatted(cls: Any, fmt: Any) -> Any:
    """The subclass of ``cls`` tagged with format ``fmt`` (one per pair, so it compares)."""
    name = fmt if isinstance(fmt, str) else getattr(fmt, "__name__", str(fmt))
    key = (cls, name)
    if key not in _formatted:
        _formatted[key] = type(
            f"{cls.__name__}[{name}]",
            (cls,),
            {"_format": name, "__module__": cls.__module__},
        )
    return _formatted[key]


def check_metadata(metadata: object, where: str) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise TypeError(f"{where}(metadata=...) must be a dict of str to str, got {metadata!r}")
    return dict(metadata)


def check_name(name: object, where: str) -> str:
    if not isinstance(name, (str, os.PathLike)) or not os.fspath(name):
        raise ValueError(f"{where} must be a non-empty name, got {name!r}")
    text = os.fspath(name)
    if os.path.isabs(text) or ".." in text.replace("\\", "/").split("/"):
        raise ValueError(f"{where} must be a relative name inside the working folder, got {text!r}")
    return text


def _url_key(text: str) -> str:
    from ._access import text_digest

    return text_digest(text)
