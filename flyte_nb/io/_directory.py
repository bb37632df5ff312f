"""``FlyteDirectory``: a folder that travels between tasks (the seed's ``union.FlyteDirectory``).

Like ``FlyteFile`` it is local, stored or remote (see ``_file.py``). A stored folder is a
*manifest*: a JSON blob mapping each relative path to its file's digest (plus empty
sub-folders). So ``listdir``, ``crawl`` and passing the folder on read only the manifest,
a listed entry is a ``FlyteFile`` / ``FlyteDirectory`` that fetches just itself, and
``download()`` hard-links every file into place (local store) or fetches it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

from ._access import BlobAccess, input_dir, random_name, text_digest, working_dir
from ._file import FlyteFile, PathValue, check_name, is_url, local_path_of
from ._serial import DataclassesJson
from ._transport import received

Manifest = dict[str, Any]  # {"files": {rel: [digest, size]}, "dirs": [rel, ...]}


class FlyteDirectory(DataclassesJson, PathValue):
    """A folder for a task's inputs and outputs; see the module docstring."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        downloader: Callable[[], Any] | None = None,
        remote_directory: str | os.PathLike[str] | bool | None = None,
    ) -> None:
        if isinstance(path, FlyteDirectory):
            path = path.path
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise TypeError(f"FlyteDirectory(path=...) needs a path or URL, got {path!r}")
        if remote_directory is not None and not isinstance(
            remote_directory, (str, os.PathLike, bool)
        ):
            raise TypeError(
                "FlyteDirectory(remote_directory=...) must be a URL, a path, or False, "
                f"got {remote_directory!r}"
            )
        if downloader is not None and not callable(downloader):
            raise TypeError(f"FlyteDirectory(downloader=...) must be callable, got {downloader!r}")
        text = os.fspath(path)
        self._remote_source: str | None = text.rstrip("/") if is_url(text) else None
        self._path = local_path_of(text) if self._remote_source is None else ""
        self._name = os.path.basename(text.rstrip("/")) or "dir"
        self._remote_directory = (
            os.fspath(remote_directory)
            if isinstance(remote_directory, os.PathLike)
            else remote_directory
        )
        self._downloader = downloader
        self._blob: str | None = None  # the manifest's digest
        self._manifest: Manifest | None = None
        self._access: BlobAccess | None = None
        self._downloaded = downloader is None and self._remote_source is None
        # rel -> ((size, mtime_ns, inode), digest) of files stored (or received) before, so
        # storing the folder again copies only what changed.
        self._known: dict[str, tuple[tuple[int, int, int] | None, str]] = {}
        self._known_key: str | None = None
        self._summary: dict[str, int] = {}  # "files" and "size" of a received folder

    # -- properties ------------------------------------------------------------------------
    @property
    def path(self) -> str:
        """The local path: where the folder is, or will be once downloaded."""
        if not self._path:
            key = self._blob or text_digest(self._remote_source or self._name)
            self._path = str(input_dir(key) / self._name)
        return self._path

    @property
    def remote_directory(self) -> str | None:
        if isinstance(self._remote_directory, str):
            return self._remote_directory
        return self._remote_source

    @property
    def remote_source(self) -> str | None:
        """The URL this folder was received from (None for a folder made or stored here)."""
        return self._remote_source

    @property
    def downloaded(self) -> bool:
        return self._downloaded

    @property
    def sep(self) -> str:
        return "/" if self._remote_source else os.sep

    @classmethod
    def extension(cls) -> str:
        return ""

    def _is_local(self) -> bool:
        return not self._stored() and self._remote_source is None and self._downloader is None

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def new(cls, dirname: str | os.PathLike[str]) -> FlyteDirectory:
        """A new, empty folder in the task's working folder."""
        path = working_dir() / check_name(dirname, "FlyteDirectory.new(dirname)")
        path.mkdir(parents=True, exist_ok=True)
        return cls(path)

    @classmethod
    def new_remote(cls, stem: str | None = None, alt: str | None = None) -> FlyteDirectory:
        """A new folder to fill; stored in the blob store when returned. ``alt`` (a prefix
        URL) makes it a folder at that URL instead."""
        name = check_name(stem, "FlyteDirectory.new_remote(stem)") if stem else random_name()
        if alt is not None:
            if not isinstance(alt, str) or not alt:
                raise ValueError(f"FlyteDirectory.new_remote(alt=...) must be a URL, got {alt!r}")
            return cls(f"{alt.rstrip('/')}/{name}")
        return cls.new(os.path.join("remote", name))

    @classmethod
    def from_source(cls, source: str | os.PathLike[str]) -> FlyteDirectory:
        if not isinstance(source, (str, os.PathLike)) or not os.fspath(source):
            raise TypeError(f"FlyteDirectory.from_source needs a URL or path, got {source!r}")
        return cls(source)

    def new_file(self, name: str | None = None) -> FlyteFile:
        """A new file (not created yet) inside this folder."""
        rel = check_name(name, "FlyteDirectory.new_file(name)") if name else random_name()
        self._touch_local()
        if self._remote_source:
            return FlyteFile(f"{self._remote_source}/{rel}")
        return FlyteFile(os.path.join(self.path, rel))

    def new_dir(self, name: str | None = None) -> FlyteDirectory:
        """A new sub-folder of this folder (created at once)."""
        rel = check_name(name, "FlyteDirectory.new_dir(name)") if name else random_name()
        self._touch_local()
        if self._remote_source:
            return FlyteDirectory(f"{self._remote_source}/{rel}")
        path = os.path.join(self.path, rel)
        os.makedirs(path, exist_ok=True)
        return FlyteDirectory(path)

    def _touch_local(self) -> None:
        """About to write inside: a received folder becomes a local one (its files first)."""
        if self._stored():
            self.download()
            self._blob = self._manifest = None

    def _stored(self) -> bool:
        return self._access is not None and (self._blob is not None or self._manifest is not None)

    # -- reading without downloading ---------------------------------------------------------
    def manifest(self) -> Manifest | None:
        """The stored folder's manifest (fetched once), None for a local or remote folder."""
        if self._manifest is None and self._blob is not None and self._access is not None:
            self._manifest = json.loads(self._access.get(self._blob))
        return self._manifest

    @classmethod
    def listdir(cls, directory: FlyteDirectory) -> list[FlyteFile | FlyteDirectory]:
        """The folder's entries, each a lazy ``FlyteFile`` / ``FlyteDirectory``; nothing is
        downloaded."""
        if not isinstance(directory, FlyteDirectory):
            raise TypeError(f"FlyteDirectory.listdir needs a FlyteDirectory, got {directory!r}")
        return directory._entries()

    def _entries(self) -> list[FlyteFile | FlyteDirectory]:
        manifest = self.manifest()
        if manifest is not None:
            return _manifest_entries(self, manifest)
        if self._remote_source is not None and not self._downloaded:
            import fsspec  # type: ignore[import-untyped]

            fs, base = fsspec.core.url_to_fs(self._remote_source)
            protocol = self._remote_source.split("://", 1)[0]
            out: list[FlyteFile | FlyteDirectory] = []
            for info in fs.ls(base, detail=True):
                url = f"{protocol}://{info['name'].lstrip('/')}"
                out.append(FlyteDirectory(url) if info["type"] == "directory" else FlyteFile(url))
            return out
        _check_local_dir(self.path)
        return [
            FlyteDirectory(e.path) if e.is_dir() else FlyteFile(e.path)
            for e in sorted(os.scandir(self.path), key=lambda e: e.name)
        ]

    def crawl(
        self, maxdepth: int | None = None, topdown: bool = True, **kwargs: Any
    ) -> Iterator[tuple[str, Any]]:
        """Every file below this folder as ``(base, relative path)``; with ``detail=True``,
        ``(base, {relative path: info})`` per folder. A stored folder is crawled from its
        manifest, without downloading."""
        if maxdepth is not None and (not isinstance(maxdepth, int) or maxdepth < 1):
            raise ValueError(f"crawl(maxdepth=...) must be a whole number >= 1, got {maxdepth!r}")
        detail = bool(kwargs.pop("detail", False))
        manifest = self.manifest()
        if manifest is not None:
            yield from _crawl_manifest(self.path, manifest, maxdepth, detail)
            return
        if self._remote_source is None or self._downloaded:
            _check_local_dir(self.path)
        import fsspec

        source = self._remote_source if not self._downloaded else self.path
        base = source or self.path
        fs, root = fsspec.core.url_to_fs(base)
        cut = len(root.rstrip("/")) + 1
        for folder, _dirs, files in fs.walk(
            root, maxdepth=maxdepth, topdown=topdown, detail=detail
        ):
            if detail:
                infos = {f"{folder}/{n}"[cut:]: info for n, info in files.items()}
                if infos:
                    yield base, infos
            else:
                for name in files:
                    yield base, f"{folder}/{name}"[cut:]

    def download(self) -> str:
        """Materialise the whole folder at ``path`` (once) and return that path."""
        if self._downloaded:
            return self.path
        target = self.path
        manifest = self.manifest()
        if self._downloader is not None:
            self._downloader()
        elif manifest is not None and self._access is not None:
            for rel in manifest.get("dirs", []):
                os.makedirs(os.path.join(target, rel), exist_ok=True)
            from ._transport import _stamp

            for rel, (digest, _size) in manifest["files"].items():
                dest = os.path.join(target, rel)
                if not os.path.exists(dest):
                    self._access.fetch(digest, dest)
                self._known[rel] = (_stamp(dest), digest)
            self._known_key = self._access.key
            os.makedirs(target, exist_ok=True)
        elif self._remote_source is not None:
            import fsspec

            fs, root = fsspec.core.url_to_fs(self._remote_source)
            fs.get(root.rstrip("/") + "/", target, recursive=True)
        self._downloaded = True
        return target

    # -- JSON (to_json/from_json/to_dict/from_dict/schema: _serial.py) ---------------------
    def _as_dict(self) -> dict[str, Any]:
        return {"path": self.remote_directory or os.path.abspath(self.path)}

    @classmethod
    def _of_dict(cls, d: dict[str, Any]) -> FlyteDirectory:
        if not isinstance(d.get("path"), str):
            raise ValueError(f"FlyteDirectory.from_dict needs {{'path': <str>}}, got {d!r}")
        return cls(d["path"])

    def serialize_flyte_dir(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The pydantic serializer hook flytekit names so: the dict form."""
        return self.to_dict()

    def deserialize_flyte_dir(self, *args: Any, **kwargs: Any) -> FlyteDirectory:
        """flytekit's pydantic validator hook: a folder is usable as it is received."""
        return self

    def __repr__(self) -> str:
        where = self._remote_source or self._path or f"manifest {self._blob}"
        return f"FlyteDirectory({where!r})"

    # -- transport (see _transport.py) -------------------------------------------------------
    def _encode(self, access: BlobAccess) -> dict[str, Any]:
        head = {"name": self._name}
        if self._stored():
            assert self._access is not None
            same = self._access.key is not None and self._access.key == access.key
            if same and self._blob is not None and self._manifest is None and self._summary:
                # never even read: pass the manifest's digest on
                return {"$dir": self._blob, **head, **self._summary}
            manifest = self.manifest()
            assert manifest is not None
            digest = _restore(manifest, self._access, access, copy_files=not same)
        elif self._remote_source is not None:
            return {"$dir": None, "uri": self._remote_source, **head}
        elif self._remote_directory is False:
            return {"$dir": None, "uri": os.path.abspath(self.path), **head}
        elif isinstance(self._remote_directory, str):  # the user's own place for it
            _check_local_dir(self.path)
            _upload_dir(self.path, self._remote_directory)
            return {"$dir": None, "uri": self._remote_directory, **head}
        else:
            manifest = _store_local(self, access)
            digest = access.put(_manifest_bytes(manifest))
        files = manifest["files"]
        size = sum(s for _d, s in files.values())
        return {"$dir": digest, **head, "files": len(files), "size": size}

    @classmethod
    def _decode(cls, encoded: dict[str, Any], access: BlobAccess) -> FlyteDirectory:
        if encoded["$dir"] is None:
            return cls(encoded["uri"])
        d = _stored_dir(encoded.get("name") or "dir", encoded["$dir"], None, access)
        d._summary = {k: encoded[k] for k in ("files", "size") if k in encoded}
        return d


def _check_local_dir(path: str) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(f"folder {path!r} does not exist")
    if not os.path.isdir(path):
        raise NotADirectoryError(
            f"{path!r} is a file, not a folder; use FlyteFile({path!r}) for a file"
        )


def _stored_dir(
    name: str, digest: str | None, manifest: Manifest | None, access: BlobAccess
) -> FlyteDirectory:
    d = FlyteDirectory(name)
    d._path = ""
    d._blob, d._manifest, d._access, d._downloaded = digest, manifest, access, False
    return d


def _manifest_bytes(manifest: Manifest) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()


def _store_local(d: FlyteDirectory, access: BlobAccess) -> Manifest:
    """Store every file of a local folder; files stored or received before and unchanged
    since (same size, mtime and inode) keep their digest and are not copied again."""
    from ._transport import _stamp

    known = d._known if d._known_key is not None and d._known_key == access.key else {}
    root = d.path
    _check_local_dir(root)
    files: dict[str, list[Any]] = {}
    dirs: list[str] = []
    for folder, subdirs, names in os.walk(root):
        rel_folder = os.path.relpath(folder, root)
        if not subdirs and not names and rel_folder != ".":
            dirs.append(rel_folder.replace(os.sep, "/"))
        for name in names:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            stamp = _stamp(path)
            before = known.get(rel)
            digest = before[1] if before and before[0] == stamp else access.store_file(path)
            stamp = _stamp(path)  # a moved file is now a link to its blob
            files[rel] = [digest, stamp[0] if stamp else 0]
            d._known[rel] = (stamp, digest)
    d._known_key = access.key
    return {"files": dict(sorted(files.items())), "dirs": sorted(dirs)}


def _restore(manifest: Manifest, source: BlobAccess, access: BlobAccess, copy_files: bool) -> str:
    """Store a folder's manifest in ``access`` (and its files, when that is another store);
    return the manifest's digest there."""
    if copy_files:
        for digest, _size in manifest["files"].values():
            local = source.local_path(digest)
            if local:
                access.put_file(local)
            else:
                access.put(source.get(digest))
    return access.put(_manifest_bytes(manifest))


def _upload_dir(path: str, url: str) -> None:
    import fsspec

    fs, target = fsspec.core.url_to_fs(url)
    fs.put(path.rstrip("/") + "/", target, recursive=True)


def _manifest_entries(d: FlyteDirectory, manifest: Manifest) -> list[FlyteFile | FlyteDirectory]:
    assert d._access is not None
    subs: dict[str, Manifest] = {}
    out: list[FlyteFile | FlyteDirectory] = []
    for rel, (digest, _size) in manifest["files"].items():
        head, sep, rest = rel.partition("/")
        if sep:
            sub = subs.setdefault(head, {"files": {}, "dirs": []})
            sub["files"][rest] = [digest, _size]
        else:
            ff = received(FlyteFile, digest, head, d._access, None)
            ff._path = os.path.join(d.path, head)
            out.append(ff)
    for rel in manifest.get("dirs", []):
        head, sep, rest = rel.partition("/")
        sub = subs.setdefault(head, {"files": {}, "dirs": []})
        if sep:
            sub["dirs"].append(rest)
    for head, sub in subs.items():
        child = _stored_dir(head, None, sub, d._access)
        child._path = os.path.join(d.path, head)
        out.append(child)
    return sorted(out, key=lambda e: e._name)


def _crawl_manifest(
    base: str, manifest: Manifest, maxdepth: int | None, detail: bool
) -> Iterator[tuple[str, Any]]:
    by_folder: dict[str, dict[str, Any]] = {}
    for rel, (digest, size) in manifest["files"].items():
        if maxdepth is not None and rel.count("/") >= maxdepth:
            continue
        if not detail:
            yield base, rel
            continue
        folder = rel.rpartition("/")[0]
        info = {"name": os.path.join(base, rel), "size": size, "type": "file", "digest": digest}
        by_folder.setdefault(folder, {})[rel] = info
    for infos in by_folder.values():
        yield base, infos
