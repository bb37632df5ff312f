"""Flyte 2's ``flyte.io.Dir``: a ``FlyteDirectory`` with Flyte 2's API (see ``_flyte2.py``).

Decisions:
- ``walk``, ``list_files`` and ``get_file`` of a folder received from another task read
  only its manifest: each ``File`` they give fetches just itself when opened.
- ``path`` is somewhere the folder can be read from: a remote folder's URL, a local
  folder's path, and for a received folder the folder materialised on this machine (hard
  links into a local blob store: free; a download from a remote one). A stored folder is
  a manifest, not one place in the store, so it has no URL of its own.
- ``from_local`` copies the folder into the task's own folder at once, like
  ``File.from_local``; return ``Dir(path=...)`` to pass a big folder without the copy.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from ._access import random_name, working_dir
from ._directory import FlyteDirectory
from ._file import FlyteFile, check_name, formatted, is_url
from ._flyte2 import Flyte2Value
from ._flyte2_file import File, _check_optional_str
from ._transport import received

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema


class Dir(Flyte2Value):
    """A folder for a Flyte 2 task's inputs and outputs; see the module docstring."""

    _tag: ClassVar[str] = "Dir"
    _format: ClassVar[str] = ""
    _inner: FlyteDirectory

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        name: str | None = None,
        format: str = "",
        hash: str | None = None,
    ) -> None:
        if path is None:
            raise TypeError(
                "Dir(path=...) needs the folder's path or URL; to upload one use "
                "Dir.from_local(path), to make a new one Dir.new_remote()"
            )
        if isinstance(path, Dir):
            path = path.path
        self._inner = FlyteDirectory(path)  # validates path
        if name is not None:
            if not isinstance(name, str) or not name:
                raise TypeError(f"Dir(name=...) must be a non-empty str, got {name!r}")
            self._inner._name = name
        _check_optional_str(format, "Dir(format=...)")
        _check_optional_str(hash, "Dir(hash=...)")
        self.format = format or type(self)._format
        self.hash = hash

    def __class_getitem__(cls, fmt: Any) -> Any:
        return formatted(cls, fmt)

    # -- fields ----------------------------------------------------------------------------
    @property
    def path(self) -> str:
        d = self._inner
        if d._remote_source is not None:
            return d._remote_source
        if d._stored():
            return d.download()
        return os.path.abspath(d.path)

    @property
    def name(self) -> str:
        return self._inner._name

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def new_remote(cls, dir_name: str | None = None, hash: str | None = None) -> Dir:
        """A new, empty folder to fill; stored in the blob store when returned."""
        _check_optional_str(hash, "Dir.new_remote(hash=...)")
        obj = cls._from_inner(FlyteDirectory.new_remote(dir_name))
        obj.hash = hash
        return obj

    @classmethod
    def from_existing_remote(cls, remote_path: str, dir_cache_key: str | None = None) -> Dir:
        """A folder already at ``remote_path`` (a URL or a path), passed by reference."""
        if not isinstance(remote_path, (str, os.PathLike)) or not os.fspath(remote_path):
            raise TypeError(f"Dir.from_existing_remote needs a URL or path, got {remote_path!r}")
        return cls(path=remote_path, hash=dir_cache_key)

    @classmethod
    def from_local_sync(
        cls,
        local_path: str | os.PathLike[str],
        remote_destination: str | None = None,
        dir_cache_key: str | None = None,
    ) -> Dir:
        """Upload a local folder: copied now (see the module docstring), or to
        ``remote_destination`` (a URL or path) when given."""
        if not isinstance(local_path, (str, os.PathLike)) or not os.fspath(local_path):
            raise TypeError(f"Dir.from_local needs the path of a local folder, got {local_path!r}")
        src = os.fspath(local_path).rstrip(os.sep) or os.sep
        if not os.path.isdir(src):
            what = "is a file; use File.from_local" if os.path.exists(src) else "does not exist"
            raise ValueError(f"Dir.from_local: folder {src!r} {what}")
        _check_optional_str(dir_cache_key, "Dir.from_local(dir_cache_key=...)")
        name = os.path.basename(src) or "dir"
        if remote_destination is not None:
            if not isinstance(remote_destination, str) or not remote_destination:
                raise TypeError(
                    "Dir.from_local(remote_destination=...) must be a URL or path, "
                    f"got {remote_destination!r}"
                )
            if is_url(remote_destination):
                from ._directory import _upload_dir

                _upload_dir(src, remote_destination)
            else:
                shutil.copytree(src, remote_destination, dirs_exist_ok=True)
            return cls(path=remote_destination, hash=dir_cache_key)
        dest = working_dir() / "uploads" / random_name() / name
        shutil.copytree(src, dest)
        return cls(path=dest, hash=dir_cache_key)

    @classmethod
    async def from_local(
        cls,
        local_path: str | os.PathLike[str],
        remote_destination: str | None = None,
        dir_cache_key: str | None = None,
        batch_size: int | None = None,
    ) -> Dir:
        return cls.from_local_sync(local_path, remote_destination, dir_cache_key)

    @classmethod
    def from_flyte_directory(cls, d: FlyteDirectory) -> Dir:
        """The same folder as a ``Dir`` (sharing its state: nothing is copied)."""
        if not isinstance(d, FlyteDirectory):
            raise TypeError(f"Dir.from_flyte_directory needs a FlyteDirectory, got {d!r}")
        return cls._from_inner(d)

    def to_flyte_directory(self) -> FlyteDirectory:
        """This folder as the Union API's ``FlyteDirectory`` (the same object underneath)."""
        return self._inner

    # -- reading ---------------------------------------------------------------------------
    async def walk(
        self, recursive: bool = True, max_depth: int | None = None
    ) -> AsyncIterator[File]:
        """Every file below this folder (only its own files unless ``recursive``)."""
        for f in self.walk_sync(recursive, "*", max_depth):
            yield f

    def walk_sync(
        self, recursive: bool = True, file_pattern: str = "*", max_depth: int | None = None
    ) -> Iterator[File]:
        if max_depth is not None and (
            not isinstance(max_depth, int) or isinstance(max_depth, bool) or max_depth < 1
        ):
            raise ValueError(f"Dir.walk(max_depth=...) must be an int >= 1, got {max_depth!r}")
        if not isinstance(file_pattern, str):
            raise TypeError(f"Dir.walk(file_pattern=...) must be a str, got {file_pattern!r}")
        depth = max_depth if recursive else 1
        for ff in _files(self._inner, depth):
            if fnmatch.fnmatch(ff._name, file_pattern):
                yield File._from_inner(ff)

    async def list_files(self) -> list[File]:
        """The files directly in this folder (not in its sub-folders)."""
        return self.list_files_sync()

    def list_files_sync(self) -> list[File]:
        return list(self.walk_sync(recursive=False))

    async def get_file(self, file_name: str) -> File | None:
        return self.get_file_sync(file_name)

    def get_file_sync(self, file_name: str) -> File | None:
        """The file ``file_name`` (a relative path) in this folder, or None."""
        rel = check_name(file_name, "Dir.get_file(file_name)").replace(os.sep, "/")
        d = self._inner
        manifest = d.manifest()
        if manifest is not None:
            entry = manifest["files"].get(rel)
            if entry is None or d._access is None:
                return None
            ff = received(FlyteFile, entry[0], rel.rsplit("/", 1)[-1], d._access, None)
            ff._path = os.path.join(d.path, rel)
            return File._from_inner(ff)
        if d._remote_source is not None and not d._downloaded:
            import fsspec  # type: ignore[import-untyped]

            url = f"{d._remote_source}/{rel}"
            fs, target = fsspec.core.url_to_fs(url)
            return File(path=url) if fs.isfile(target) else None
        path = os.path.join(d.path, rel)
        return File(path=path) if os.path.isfile(path) else None

    async def exists(self) -> bool:
        return self.exists_sync()

    def exists_sync(self) -> bool:
        d = self._inner
        if d._stored():
            return True
        if d._remote_source is not None and not d._downloaded:
            import fsspec

            fs, target = fsspec.core.url_to_fs(d._remote_source)
            return bool(fs.isdir(target))
        return os.path.isdir(d.path)

    async def download(self, local_path: str | os.PathLike[str] | None = None) -> str:
        return self.download_sync(local_path)

    def download_sync(self, local_path: str | os.PathLike[str] | None = None) -> str:
        """The folder on this machine: where it is materialised, or a copy at
        ``local_path``."""
        src = self._inner.download()
        if local_path is None:
            return os.path.abspath(src)
        if not isinstance(local_path, (str, os.PathLike)) or not os.fspath(local_path):
            raise TypeError(f"Dir.download(local_path=...) must be a path, got {local_path!r}")
        dest = os.path.abspath(os.fspath(local_path))
        shutil.copytree(src, dest, dirs_exist_ok=True, copy_function=shutil.copyfile)
        return dest

    # -- forms -----------------------------------------------------------------------------
    def _where(self) -> object:
        d = self._inner
        if d._remote_source is not None:
            return (d._remote_source, d._name)
        if d._stored() and d._blob is not None:  # received: its manifest
            return (d._blob, d._name)
        return (os.path.abspath(d._path) if d._path else id(d), d._name)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "name": self.name, "format": self.format, "hash": self.hash}

    def model_dump(self, **_: Any) -> dict[str, Any]:
        """Flyte 2's ``Dir`` is a pydantic model; this is its field dump."""
        return self.to_dict()

    def __repr__(self) -> str:
        return f"Dir(inner={self._inner!r}, name={self.name!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        from ._transport import model_field_schema

        return model_field_schema(Dir, core_schema)


def _files(d: FlyteDirectory, max_depth: int | None) -> Iterator[FlyteFile]:
    """The folder's files, sorted by relative path, at most ``max_depth`` levels down
    (1: only its own files)."""
    manifest = d.manifest()
    if manifest is not None:
        assert d._access is not None
        for rel, (digest, _size) in sorted(manifest["files"].items(), key=lambda i: _key(i[0])):
            if max_depth is not None and rel.count("/") >= max_depth:
                continue
            ff = received(FlyteFile, digest, rel.rsplit("/", 1)[-1], d._access, None)
            ff._path = os.path.join(d.path, rel)
            yield ff
        return
    if d._remote_source is not None and not d._downloaded:
        import fsspec

        fs, root = fsspec.core.url_to_fs(d._remote_source)
        found = fs.find(root, maxdepth=max_depth)
        cut = len(root.rstrip("/")) + 1
        for path in sorted(found, key=lambda p: _key(p[cut:])):
            yield FlyteFile(fs.unstrip_protocol(path))
        return
    root = d.path
    if not os.path.isdir(root):
        raise FileNotFoundError(f"folder {root!r} does not exist")
    out: list[tuple[str, str]] = []
    for folder, subdirs, names in os.walk(root):
        rel_folder = os.path.relpath(folder, root)
        level = 0 if rel_folder == "." else rel_folder.count(os.sep) + 1
        if max_depth is not None and level + 1 >= max_depth:
            subdirs[:] = []
        out.extend((os.path.join(folder, n), n) for n in names)
    for path, _name in sorted(out, key=lambda p: _key(os.path.relpath(p[0], root))):
        yield FlyteFile(path)


def _key(rel: str) -> list[tuple[int, str]]:
    """Top-down order, as Flyte 2 walks: a folder's own files (by name) before its
    sub-folders' files."""
    parts = rel.replace(os.sep, "/").split("/")
    return [(1, p) for p in parts[:-1]] + [(0, parts[-1])]
