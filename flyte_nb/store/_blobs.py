"""A content-addressed blob folder.

Blobs are named by the sha256 of their bytes and sharded by the first two hex digits, so
writing the same value twice stores it once and a name can be trusted to mean its content.
Writes go to a temporary name and are renamed into place, so a reader never sees half a
blob even when two processes write the same one.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{digest[:8]}")
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        return digest

    def get(self, digest: str) -> bytes:
        if not digest or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a blob digest: {digest!r}")
        try:
            return self._path(digest).read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(
                f"blob {digest} is missing from {self.root}; the home folder may have been "
                "moved or pruned"
            ) from None
