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
- Files (``put_file``, ``adopt_file``, ``fetch``; used by ``flyte_nb.io`` for FlyteFile,
  FlyteDirectory and dataframes) never pass through memory whole, and are named by the
  BLAKE3 hash of their content instead of SHA-256: same length, same strength, but
  multi-threaded and SIMD, so hashing 1 GiB takes a fraction of copying it (SHA-256 took
  2-3 times as long as the copy here). Blobs written from bytes keep SHA-256, which
  ``put_with_digest`` checks for uploads; the same content stored both ways is merely
  stored twice. A local ``put_file`` hashes first (content already stored is not copied at
  all), then clones the file when the filesystem can (reflink: no bytes copied) or copies
  it in the kernel (``shutil.copyfile``). Hashing while copying, in two threads, was no
  faster on a 2-core machine: the two fight for the same cores and memory bandwidth.
  ``fetch`` hard-links a local blob to where a task wants it, so receiving a file costs
  nothing; blobs handed out that way are made read-only (mode 0444), because writing
  through the link would change them.
- Big existing files (``IDENTITY_MIN`` bytes and up) that a local ``put_file`` stores are
  named by their *identity* instead: a BLAKE3 digest of (device, inode, size, mtime in
  ns). On 2 cores hashing 1 GiB costs as much as copying it, which would make passing a
  user's big file cost twice a copy. The same unchanged file stored again is still found
  (same identity: no copy); a changed file gets a new name (its mtime moved); the price is
  that two *different* big files with equal content are stored twice. Small files, files
  a task wrote (``adopt_file``) and remote stores keep pure content names.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import threading
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit  # already loaded by pathlib

_HEX = frozenset("0123456789abcdef")
_CHUNK = 1 << 22
IDENTITY_MIN = 64 << 20  # see the module docstring: big files are named by identity
_FICLONE = 0x40049409  # linux/fs.h: clone a file's extents (btrfs, xfs, ...)


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
            if getattr(self._fs, "auto_mkdir", None) is False:  # local:// etc. (shard folders)
                self._fs.auto_mkdir = True
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

    # -- files ---------------------------------------------------------------------------
    def put_file(self, path: str | os.PathLike[str]) -> str:
        """Store the file at ``path`` (it is left in place); returns its digest."""
        src = os.fspath(path)
        if self._fs is not None:
            digest = file_digest(src)
            dest = self._path(digest)
            if not self._fs.exists(dest):
                self._fs.put_file(src, dest)
            return digest
        before = _stamp(src)
        digest = identity_digest(src) if before[0] >= IDENTITY_MIN else file_digest(src)
        if os.path.exists(self._path(digest)):
            return digest
        tmp = self._incoming()
        try:
            _clone_or_copy(src, tmp)
            if _stamp(src) != before:
                raise RuntimeError(f"{src!r} changed while it was being stored; store it again")
            self._settle(tmp, digest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return digest

    def adopt_file(self, path: str | os.PathLike[str], keep_link: bool = False) -> str:
        """Move a file nobody else will write into the store: a rename, no copy, when it is
        on the store's filesystem. ``keep_link`` leaves a read-only hard link to the blob
        at ``path`` (so the file is still there, and costs no space)."""
        src = os.fspath(path)
        digest = file_digest(src)
        if self._fs is not None:
            dest = self._path(digest)
            if not self._fs.exists(dest):
                self._fs.put_file(src, dest)
            if not keep_link:
                os.unlink(src)
            return digest
        try:
            self._settle(src, digest)
        except OSError:  # another filesystem: copy instead
            digest = self.put_file(src)
            if not keep_link:
                os.unlink(src)
            return digest
        if keep_link:
            self.fetch(digest, src)
        return digest

    def new_file_path(self) -> str:
        """A fresh path to write a file to before ``adopt_file``: inside a local store, so
        adopting it is a rename; in the temp folder for a remote one."""
        if self._fs is None:
            return self._incoming()
        import tempfile

        fd, path = tempfile.mkstemp(prefix="flyte-nb-")
        os.close(fd)
        return path

    def local_path(self, digest: str) -> str | None:
        """The blob's file on this machine, None for a remote store."""
        return self._path(check_digest(digest)) if self._fs is None else None

    def touch(self, digest: str) -> None:
        """Mark a local blob as just used (its mtime): a client found it already stored and
        will not upload it again, so ``flyte-nb gc`` must not take it as old."""
        path = self.local_path(digest)
        if path is not None:
            with contextlib.suppress(OSError):
                os.utime(path)

    def blob_url(self, digest: str) -> str:
        """Where the blob lives, as an fsspec URL."""
        path = self._path(check_digest(digest))
        if self._fs is None:
            return Path(path).as_uri()
        protocol = self._fs.protocol
        scheme = protocol[0] if isinstance(protocol, (tuple, list)) else protocol
        return f"{scheme}://{path}" if "://" not in path else path

    def open(self, digest: str, mode: str = "rb", **kwargs: Any) -> IO[Any]:
        """Stream the blob (``kwargs`` go to fsspec's ``open`` for remote stores)."""
        if mode not in ("rb", "r"):
            raise ValueError(f"blobs are read-only; cannot open one with mode {mode!r}")
        path = self._path(check_digest(digest))
        try:
            if self._fs is None:
                return open(path, mode)
            return self._fs.open(path, mode, **kwargs)
        except FileNotFoundError:
            raise FileNotFoundError(f"blob {digest} is missing from {self.url}") from None

    def fetch(self, digest: str, dest: str | os.PathLike[str]) -> None:
        """Put the blob's content at ``dest``: a read-only hard link when the store is a
        local folder on the same filesystem, else a copy or a download."""
        path = self._path(check_digest(digest))
        target = os.fspath(dest)
        if self._fs is not None:
            self._fs.get_file(path, target)
            return
        if not os.path.exists(path):
            raise FileNotFoundError(f"blob {digest} is missing from {self.url}")
        with contextlib.suppress(OSError):
            os.chmod(path, 0o444)
        try:
            os.link(path, target)
        except OSError:  # another filesystem, or links not allowed: copy
            shutil.copyfile(path, target)

    def size(self, digest: str) -> int:
        path = self._path(check_digest(digest))
        if self._fs is None:
            return os.path.getsize(path)
        return int(self._fs.size(path))

    def _incoming(self) -> str:
        assert self.root is not None
        os.makedirs(self.root, exist_ok=True)
        return os.path.join(
            self._base, f".tmp-{os.getpid()}-{threading.get_ident()}-{os.urandom(4).hex()}"
        )

    def _settle(self, tmp: str, digest: str) -> None:
        """Rename a finished local temp file to its digest (or drop it: already stored)."""
        path = self._path(digest)
        if os.path.exists(path):
            os.unlink(tmp)
            self.touch(digest)  # stored again: in use now (see ``touch``)
            return
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.replace(tmp, path)

    def receive(self, digest: str) -> BlobReceiver:
        """A writer for a blob that arrives in pieces (an HTTP upload): written to a
        temporary file and hashed as it comes, stored under ``digest`` by ``commit`` only
        if its content matches; never held in memory whole."""
        return BlobReceiver(self, check_digest(digest))

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


class BlobReceiver:
    """See ``BlobStore.receive``: ``write`` pieces, then ``commit`` (or ``abort``)."""

    def __init__(self, store: BlobStore, digest: str) -> None:
        import tempfile

        self.store = store
        self.digest = digest
        self.size = 0
        self._hash = hashlib.sha256()
        if store.root is not None:
            self._tmp = store._incoming()
            self._file: IO[bytes] = open(self._tmp, "wb")  # noqa: SIM115 - closed in commit/abort
        else:  # a remote store: spool locally, then one upload
            handle, self._tmp = tempfile.mkstemp(prefix="flyte-nb-blob-")
            self._file = os.fdopen(handle, "wb")

    def write(self, data: bytes) -> None:
        self._hash.update(data)
        self._file.write(data)
        self.size += len(data)

    def commit(self) -> str:
        """Store the blob; ``ValueError`` (and nothing stored) if its content does not
        match the digest it was announced with."""
        self._file.close()
        actual = self._hash.hexdigest()
        if actual != self.digest:
            self.abort()
            raise ValueError(f"blob content does not match its digest: {self.digest} != {actual}")
        store = self.store
        if store._fs is None:
            store._settle(self._tmp, self.digest)
            return self.digest
        try:
            path = store._path(self.digest)
            if not store._fs.exists(path):
                store._fs.put_file(self._tmp, path)
        finally:
            self.abort()
        return self.digest

    def abort(self) -> None:
        self._file.close()
        with contextlib.suppress(OSError):
            os.unlink(self._tmp)


def file_digest(path: str) -> str:
    """The BLAKE3 hex digest of a file's content (memory-mapped, on all cores)."""
    import blake3

    h = blake3.blake3(max_threads=blake3.blake3.AUTO)
    if os.path.getsize(path) < _CHUNK:
        with open(path, "rb") as f:
            h.update(f.read())
    else:
        h.update_mmap(path)
    return str(h.hexdigest())


def identity_digest(path: str) -> str:
    """A digest naming the file at ``path`` as it is now, without reading it: its device,
    inode, size and mtime (ns). Tagged so it can never equal a content digest by design."""
    import blake3

    st = os.stat(path)
    key = f"flyte_nb-file-identity\0{st.st_dev}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}"
    return str(blake3.blake3(key.encode()).hexdigest())


def _stamp(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _clone_or_copy(src: str, dest: str) -> None:
    """A reflink clone of ``src`` at ``dest`` where the filesystem has them, else a copy."""
    with open(src, "rb") as s, open(dest, "wb") as d:
        try:
            import fcntl

            fcntl.ioctl(d.fileno(), _FICLONE, s.fileno())
            return
        except (ImportError, OSError):
            pass
    # Copy into a *new* file: re-opening the empty one with O_TRUNC would make ext4
    # (auto_da_alloc) flush the whole copy to disk on close, doubling its cost.
    os.unlink(dest)
    shutil.copyfile(src, dest)


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
