"""Where artifact reads go: this machine's database, or the backend over HTTP.

The same rule as ``fl.remote.Run`` (``remote/_sources.py``): after ``fl.init()`` the
backend answers, otherwise the home folder's database is read directly. Both return the
shapes of ``store/_artifact_rows.version_view``, so ``Artifact`` is written once.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Protocol

from .. import _config
from ..exceptions import ArtifactNotFoundError, RunNotFoundError
from ..store._artifact_rows import version_view

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ..client import BackendClient

__all__ = ["ArtifactSource", "LocalArtifacts", "RemoteArtifacts", "current_source"]


class ArtifactSource(Protocol):
    project: str
    domain: str

    def search(self, **filters: Any) -> list[dict[str, Any]]: ...
    def version(self, project: str, domain: str, name: str, version: str) -> dict[str, Any]: ...
    def blob(self, digest: str) -> bytes: ...
    def where(self) -> str: ...


class LocalArtifacts:
    """The home folder's database (``fl.init(local=True)`` or no ``fl.init`` at all)."""

    project = "default"
    domain = "development"

    def engine(self) -> Engine:
        from ..store import flush_all
        from ..store._artifact_queries import local_engine

        flush_all()  # a run of this kernel may still hold rows in its batch
        return local_engine(_config.database_path())

    def where(self) -> str:
        return str(_config.database_path())

    def search(self, **filters: Any) -> list[dict[str, Any]]:
        from ..store import _artifact_queries as q

        return [version_view(r) for r in q.search(self.engine(), **filters)]

    def version(self, project: str, domain: str, name: str, version: str) -> dict[str, Any]:
        from ..store import _artifact_queries as q

        row = q.get_version(self.engine(), project, domain, name, version)
        if row is None:
            raise _missing(project, domain, name, version, self.where())
        return version_view(row)

    def blob(self, digest: str) -> bytes:
        from ..store import BlobStore

        return BlobStore(_config.blob_dir()).get(digest)

    def consumed(self, run_name: str, items: list[dict[str, Any]]) -> None:
        from ..store import _artifact_queries as q

        q.record_consumptions(self.engine(), run_name, items)


class RemoteArtifacts:
    """A backend's artifacts, in ``project``/``domain`` unless a call names others."""

    def __init__(self, client: BackendClient, project: str, domain: str) -> None:
        self.client = client
        self.project = project
        self.domain = domain

    def where(self) -> str:
        return self.client.endpoint

    def search(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.client.search_artifacts(search_params(filters)))

    def version(self, project: str, domain: str, name: str, version: str) -> dict[str, Any]:
        try:
            view = self.client.artifact_version(project, domain, name, version)
        except RunNotFoundError:  # the client's name for any 404
            raise _missing(project, domain, name, version, self.where()) from None
        return view

    def blob(self, digest: str) -> bytes:
        return self.client.get_blob(digest)

    def put_blob(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.client.put_blob(digest, data)
        return digest

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.client.create_artifact(body)


def search_params(filters: dict[str, Any]) -> dict[str, Any]:
    """``search`` filters as the HTTP query string (partitions as repeated ``key=value``)."""
    params = {k: v for k, v in filters.items() if v is not None and k != "partitions"}
    partitions = filters.get("partitions") or {}
    if partitions:
        params["partition"] = [f"{k}={v}" for k, v in sorted(partitions.items())]
    if "group_by_key" in params:
        params["group_by_key"] = "true" if params["group_by_key"] else "false"
    return params


def current_source() -> LocalArtifacts | RemoteArtifacts:
    """The backend of ``fl.init()`` when connected, else this machine's records."""
    from ..client import current

    session = current()
    if session is not None:
        return RemoteArtifacts(session.client, session.project, session.domain)
    return LocalArtifacts()


def _missing(project: str, domain: str, name: str, version: str, where: str) -> Exception:
    return ArtifactNotFoundError(
        f"artifact {name!r} has no version {version!r} in {project}/{domain} ({where}); "
        "list its versions with UnionRemote().search_artifacts(name=...) or "
        "`flyte-nb artifacts show NAME`"
    )
