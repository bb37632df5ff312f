"""``UnionRemote``'s projects, domains and files: what the backend offers, and moving
files in and out of its blob store.

Uploads go to the backend's content-addressed blob store, shared by all projects (the same
bytes are stored once); ``upload_file`` still returns the seed's ``(md5 bytes, uri)``, with
URIs of the form ``flyte-nb://blobs/<sha256>``, which ``download`` takes back.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...exceptions import RunNotFoundError
from ._args import MAX_LIMIT, arg, invalid, no_filters, required
from ._base import RemoteBase
from ._models import Domain, Project

if TYPE_CHECKING:
    from ...client import BackendClient

__all__ = ["BLOB_URI", "DataMethods", "download_blobs", "upload_blob"]

BLOB_URI = "flyte-nb://blobs/"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class DataMethods(RemoteBase):
    """Projects, domains and the blob store (part of ``UnionRemote``)."""

    def list_projects(
        self, limit: int | None = 100, filters: Any = None, sort_by: Any = None
    ) -> list[Project]:
        """Projects with a run or a registered task, plus ``default``; sorted by name."""
        no_filters("list_projects", filters=filters, sort_by=sort_by)
        count = arg("list_projects", "limit", limit, "limit", MAX_LIMIT)
        return [Project(id=n, name=n) for n in self.client.projects()["projects"][:count]]

    def get_domains(self) -> list[Domain]:
        """The domains runs and tasks can be recorded in."""
        return [Domain(id=d, name=d) for d in self.client.projects()["domains"]]

    def upload_file(
        self,
        to_upload: pathlib.Path,
        project: str | None = None,
        domain: str | None = None,
        filename_root: str | None = None,
    ) -> tuple[bytes, str]:
        """Store a file in the backend's blob store: ``(md5 digest bytes, uri)``. Blobs are
        content-addressed and shared by all projects: the same bytes are stored once."""
        m = "upload_file"
        path = pathlib.Path(required(m, "to_upload", to_upload, "path", "Path('data.csv')"))
        if not path.is_file():
            raise invalid(m, f"to_upload {str(path)!r} is not a file; pass an existing file's path")
        arg(m, "project", project, "scope")
        arg(m, "domain", domain, "scope")
        arg(m, "filename_root", filename_root, "str")
        return upload_blob(self.client, path)

    def download(
        self,
        data: str | Mapping[str, str],
        download_to: str | os.PathLike[str],
        recursive: bool = True,
    ) -> pathlib.Path:
        """Write a blob (a ``flyte-nb://blobs/<sha256>`` URI or digest) to ``download_to``
        (into it, named by digest, when that is a folder). With ``recursive``, a dict of
        name to URI becomes one file per name in the folder ``download_to``."""
        m = "download"
        target = pathlib.Path(required(m, "download_to", download_to, "path", "'out.bin'"))
        if not arg(m, "recursive", recursive, "bool") and isinstance(data, Mapping):
            raise invalid(m, "a dict of blobs needs recursive=True (one file per name)")
        return download_blobs(self.client, data, target)


def upload_blob(client: BackendClient, path: pathlib.Path) -> tuple[bytes, str]:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    client.put_blob(digest, data)
    return hashlib.md5(data).digest(), BLOB_URI + digest


def _digest_of(data: Any) -> str:
    text = data[len(BLOB_URI) :] if isinstance(data, str) and data.startswith(BLOB_URI) else data
    if not isinstance(text, str) or not _DIGEST.match(text):
        raise invalid(
            "download",
            f"data must be a '{BLOB_URI}<sha256>' URI (from upload_file) "
            f"or a blob digest (64 hex digits), got {data!r}",
        )
    return text


def download_blobs(client: BackendClient, data: Any, target: pathlib.Path) -> pathlib.Path:
    """Write one blob to ``target`` (into it when a folder), or a dict of name to blob as
    files in the folder ``target``; returns the file or folder written."""
    if isinstance(data, Mapping):
        files = {target / pathlib.Path(str(k)).name: _digest_of(v) for k, v in data.items()}
        target.mkdir(parents=True, exist_ok=True)
    else:
        digest = _digest_of(data)
        files = {target / digest if target.is_dir() else target: digest}
    for path, digest in files.items():
        try:
            content = client.get_blob(digest)
        except RunNotFoundError:
            raise RunNotFoundError(
                f"UnionRemote.download: no blob {digest} on {client.endpoint}; upload files "
                "with remote.upload_file(path)"
            ) from None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return target if isinstance(data, Mapping) else next(iter(files))
