"""A content-addressed blob store: a local folder, or any fsspec URL.

Blobs are named by the sha256 of their bytes and sharded by the first two hex digits
(``<root>/<ab>/<abcd...>``), so writing the same value twice stores it once and a name can
be trusted to mean its content.

Why it looks like this:
- Local folders (a ``Path``, a plain path string, or a ``file://`` URL) are handled with
  plain ``os`` calls and never import fsspec: blobs are written on the engine's hot path
  and importing fsspec alone costs ~0.19 s, as much as a whole small run. Anything else
  (``memory://``, ``s3://``, chained URLs) goes through the filesystem fsspec resolves for
  the URL, imported the first time such a store is created.
- Local writes go to a temporary name in the shard folder and are renamed into place, so a
  reader never sees half a blob even when two processes write the same one; a failed write
  removes its temporary file. There is no fsync: a blob is as durable as the run records
  that point at it (the database runs with ``synchronous=NORMAL``). Remote stores rely on
  the object store's own all-or-nothing PUT; content addressing makes two writers of the
  same name harmless either way.
- Digests that come from outside (``get``, ``exists``, ``put_with_digest``; in the backend
  they arrive over HTTP) are checked to be exactly 64 lowercase hex characters *before* a
  path is built from them, so no value can name a file outside the store (``..``, ``/``,
  a temporary file). Every bad digest raises ``ValueError``, whatever its type.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit  # already loaded by pathlib

_HEX = frozenset("0123456789abcdef")


def check_digest(digest: object) -> str:
    """``digest`` if it is a sha256 hex digest (64 lowercase hex characters), else ValueError."""
    if not isinstance(digest, str) or len(digest) != 64 or not _HEX.issuperset(digest):
        raise ValueError(f"not a blob digest (64 lowercase hex characters): {digest!r}")
    return digest


class BlobStore:
    """``put``/``get`` values by content; ``root``: the local folder, None for a remote store."""

    def __init__(self, location: str | os.PathLike[str]) -> None:
        local = _local_path(location)
        self.root: Path | None = local
        self._fs: Any = None  # an fsspec AbstractFileSystem for remote stores
        if local is not None:
            local = self.root = local.absolute()  # immune to a later chdir
            self.url = local.as_uri()
            self._base = str(local)
        else:
            from fsspec.core import url_to_fs  # type: ignore[import-untyped]

            self.url = str(location)
            self._fs, base = url_to_fs(self.url)
            self._base = str(base).rstrip("/")

    def __repr__(self) -> str:
        return f"BlobStore({self.url!r})"

    def _path(self, digest: str) -> str:
        if self._fs is None:
            return os.path.join(self._base, digest[:2], digest)
        return f"{self._base}/{digest[:2]}/{digest}"

    # -- API -----------------------------------------------------------------------------
    def put(self, data: bytes) -> str:
        """Store ``data``; returns its sha256 hex digest, its name in the store."""
        digest = hashlib.sha256(data).hexdigest()
        self._write(digest, data)
        return digest

    def put_with_digest(self, digest: str, data: bytes) -> str:
        """Store ``data`` under the ``digest`` a client claims for it, after checking it."""
        check_digest(digest)
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            raise ValueError(f"blob content does not match its digest: {digest} != {actual}")
        self._write(digest, data)
        return digest

    def get(self, digest: str) -> bytes:
        path = self._path(check_digest(digest))
        try:
            if self._fs is None:
                with open(path, "rb") as f:
                    return f.read()
            return bytes(self._fs.cat_file(path))
        except FileNotFoundError:
            raise FileNotFoundError(
                f"blob {digest} is missing from {self.url}; the store may have been moved or pruned"
            ) from None

    def exists(self, digest: str) -> bool:
        path = self._path(check_digest(digest))
        if self._fs is None:
            return os.path.exists(path)
        return bool(self._fs.exists(path))

    # -- writing -------------------------------------------------------------------------
    def _write(self, digest: str, data: bytes) -> None:
        path = self._path(digest)
        if self._fs is not None:
            if not self._fs.exists(path):
                self._fs.pipe_file(path, data)
            return
        if os.path.exists(path):
            return
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".tmp-{os.getpid()}-{threading.get_ident()}-{digest[:8]}")
        try:
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _local_path(location: str | os.PathLike[str]) -> Path | None:
    """The folder ``location`` names on this machine; None when it is a remote URL."""
    if not isinstance(location, str):
        return Path(location)
    if "://" not in location:
        return Path(location)
    parts = urlsplit(location)
    if parts.scheme != "file":
        return None
    if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
        raise ValueError(f"not a local file URL: {location!r}")
    return Path(unquote(parts.path))
