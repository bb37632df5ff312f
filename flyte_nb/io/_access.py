"""Where io values read and write: the blob store they travel through, and local folders.

Decisions:
- Encoding and decoding are handed the blob store as the ``put``/``get`` callables of
  ``flyte_nb.types``. When those are methods of a ``BlobStore`` (the local engine, a
  worker) files move by path: copied or cloned into the store, hard-linked out of it.
  Otherwise (the kernel talking HTTP to a backend) they move as bytes. ``BlobAccess``
  hides the difference from the value classes.
- A file a task creates (``FlyteFile.new``, ``new_remote_file``...) lives in the action's
  own folder under the run's raw data folder; a file a task receives is materialised under
  ``<that folder>/inputs`` on first use. Outside a task both go to one temporary folder per
  process, removed when the process exits.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..store import BlobStore

_scratch: Path | None = None
_owned: set[str] = set()  # folders this process made for new files (see ``store_file``)


class BlobAccess:
    """One blob store, seen from io: a ``BlobStore`` or a client's bytes callables."""

    __slots__ = ("_get", "_put", "store")

    def __init__(
        self,
        store: BlobStore | None,
        get: Callable[[str], bytes] | None = None,
        put: Callable[[bytes], str] | None = None,
    ) -> None:
        self.store = store
        self._get = get if get is not None else (store.get if store is not None else None)
        self._put = put if put is not None else (store.put if store is not None else None)

    @classmethod
    def for_put(cls, put: Callable[[bytes], str]) -> BlobAccess:
        """The access behind the ``put`` callable ``encode_value`` was given."""
        owner = getattr(put, "__self__", None)
        return cls(owner) if isinstance(owner, BlobStore) else cls(None, put=put)

    @classmethod
    def for_get(cls, get: Callable[[str], bytes]) -> BlobAccess:
        """The access behind the ``get`` callable ``decode_value`` was given."""
        owner = getattr(get, "__self__", None)
        return cls(owner) if isinstance(owner, BlobStore) else cls(None, get=get)

    @property
    def key(self) -> str | None:
        """Identifies the store, so a value already in it is not stored again."""
        return self.store.url if self.store is not None else None

    # -- writing -------------------------------------------------------------------------
    def put(self, data: bytes) -> str:
        if self._put is None:
            raise RuntimeError("this blob access can only read")
        return self._put(data)

    def put_file(self, path: str) -> str:
        if self.store is not None:
            return self.store.put_file(path)
        with open(path, "rb") as f:
            return self.put(f.read())

    def new_file_path(self) -> str:
        if self.store is not None:
            return self.store.new_file_path()
        fd, path = tempfile.mkstemp(prefix="flyte-nb-", dir=scratch_dir())
        os.close(fd)
        return path

    def store_file(self, path: str) -> str:
        """Store a local file: moved in (a read-only hard link left at ``path``) when it is
        one this process made for a task in a local store, else copied."""
        if self.store is not None and self.store.root is not None and _is_owned(path):
            return self.store.adopt_file(path, keep_link=True)
        return self.put_file(path)

    def adopt_file(self, path: str) -> str:
        """Store a file written to ``new_file_path()``; the path is gone afterwards."""
        if self.store is not None:
            return self.store.adopt_file(path)
        try:
            return self.put_file(path)
        finally:
            os.unlink(path)

    # -- reading -------------------------------------------------------------------------
    def local_path(self, digest: str) -> str | None:
        return self.store.local_path(digest) if self.store is not None else None

    def url(self, digest: str) -> str | None:
        return self.store.blob_url(digest) if self.store is not None else None

    def open(self, digest: str, mode: str = "rb", **kwargs: Any) -> IO[Any]:
        if self.store is not None:
            return self.store.open(digest, mode, **kwargs)
        import io

        data = self.get(digest)
        return io.BytesIO(data) if mode == "rb" else io.StringIO(data.decode())

    def get(self, digest: str) -> bytes:
        if self._get is None:
            raise RuntimeError("this blob access can only write")
        return self._get(digest)

    def fetch(self, digest: str, dest: str) -> None:
        os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
        if self.store is not None:
            self.store.fetch(digest, dest)
            return
        tmp = f"{dest}.part-{uuid.uuid4().hex[:8]}"
        with open(tmp, "wb") as f:
            f.write(self.get(digest))
        os.replace(tmp, dest)


def scratch_dir() -> Path:
    """This process's temporary folder for io values made outside any task."""
    global _scratch
    if _scratch is None:
        _scratch = Path(tempfile.mkdtemp(prefix="flyte-nb-io-"))
        atexit.register(shutil.rmtree, _scratch, ignore_errors=True)
    return _scratch


def _action_dir() -> Path:
    from ..action import current_frame

    frame = current_frame()
    if frame is None:
        return scratch_dir()
    return Path(frame.controller.raw_data_dir) / frame.state.name


def working_dir() -> Path:
    """Where new files and folders go: the running attempt's folder, else the scratch dir."""
    from ..action import current_frame

    frame = current_frame()
    path = _action_dir() if frame is None else _action_dir() / f"attempt-{frame.attempt}"
    path.mkdir(parents=True, exist_ok=True)
    if frame is not None:  # a task's own folder (the kernel's scratch files stay the user's)
        _owned.add(str(path.absolute()) + os.sep)
    return path


def _is_owned(path: str) -> bool:
    """Is ``path`` under a working folder made here? Files there belong to the task that
    made them and nobody writes them after it returns, so storing may move them."""
    full = os.path.abspath(path)
    return any(full.startswith(root) for root in _owned)


def input_dir(digest: str) -> Path:
    """Where a received blob is materialised: one folder per content, so two values with
    the same content and name share it."""
    return _action_dir() / "inputs" / digest[:16]


def random_name() -> str:
    return uuid.uuid4().hex[:12]


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
