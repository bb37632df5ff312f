"""Routes for artifacts: list them, their versions, partitions and lineage; create one.

Decisions:
- An artifact is addressed as ``/api/v1/artifacts/{project}/{domain}/{name}``, a version
  under ``.../versions/{version}``: the parts of its URI, each a path segment (names and
  versions never hold a ``/``).
- Partition filters are repeated ``partition=key=value`` query parameters; a time
  partition is epoch seconds and matches the version whose partition holds that time.
- ``GET /api/v1/runs/{name}/artifacts`` is lineage from a run's side (what it produced and
  read). It is routed here, and must be added before the run routes, whose
  ``/runs/{name}/{which}`` would otherwise take it.
- The handlers only touch the store, so they are plain functions (the thread pool); the
  logic is ``backend/_artifacts.py``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query

from ..backend import Backend, Views
from ..backend import _artifacts as arts
from . import _artifact_schemas as s
from ._common import ERRORS, Epoch, Offset, run_or_404

ARTIFACT = "/api/v1/artifacts/{project}/{domain}/{name}"
Limit = Annotated[int, Query(ge=1, le=1000)]
PartitionFilter = Annotated[
    list[str] | None, Query(description="key=value; repeat for several keys")
]


def add_artifact_routes(app: FastAPI, backend: Backend, views: Views) -> None:
    @app.get("/api/v1/artifacts", response_model=s.ArtifactList, responses=ERRORS)
    def list_artifacts(
        project: str | None = None,
        domain: str | None = None,
        q: Annotated[str | None, Query(description="part of the name")] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Artifacts (one entry per name), most recently written first, with their newest
        version."""
        items, total = arts.list_artifacts(
            backend, project=project, domain=domain, text=q, limit=limit, offset=offset
        )
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    @app.post(
        "/api/v1/artifacts",
        status_code=201,
        response_model=s.ArtifactVersionModel,
        responses=ERRORS,
    )
    def create_artifact(body: s.CreateArtifact) -> dict[str, Any]:
        """Store a version made by hand (its value's blobs uploaded first)."""
        return arts.create_version(backend, body.model_dump())

    @app.get("/api/v1/artifacts/search", response_model=s.ArtifactVersionList, responses=ERRORS)
    def search_artifacts(
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        partition: PartitionFilter = None,
        time_partition: Epoch = None,
        group_by_key: bool = False,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Versions matching every filter, newest first (``group_by_key``: the newest of
        each artifact)."""
        filters = {"project": project, "domain": domain, "name": name, "group_by_key": group_by_key}
        return _versions(backend, filters, partition, time_partition, limit, offset)

    @app.get(ARTIFACT + "/versions", response_model=s.ArtifactVersionList, responses=ERRORS)
    def list_versions(
        project: str,
        domain: str,
        name: str,
        partition: PartitionFilter = None,
        time_partition: Epoch = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """An artifact's versions, newest first."""
        filters = {"project": project, "domain": domain, "name": name}
        return _versions(backend, filters, partition, time_partition, limit, offset)

    @app.get(ARTIFACT + "/partitions", response_model=s.ArtifactPartitions, responses=ERRORS)
    def list_partitions(project: str, domain: str, name: str) -> dict[str, Any]:
        """The partition values (and time partitions) an artifact's versions have."""
        return arts.partitions(backend, project, domain, name)

    @app.get(
        ARTIFACT + "/versions/{version}", response_model=s.ArtifactVersionModel, responses=ERRORS
    )
    def get_version(project: str, domain: str, name: str, version: str) -> dict[str, Any]:
        """One version, with its encoded value."""
        return arts.version(backend, project, domain, name, version)

    @app.get(ARTIFACT + "/versions/{version}/lineage", response_model=s.Lineage, responses=ERRORS)
    def get_lineage(project: str, domain: str, name: str, version: str) -> dict[str, Any]:
        """The run and action that produced a version, and the runs that consumed it."""
        return arts.lineage(backend, project, domain, name, version)

    @app.get("/api/v1/runs/{name}/artifacts", response_model=s.RunArtifacts, responses=ERRORS)
    async def run_artifacts(name: str) -> dict[str, Any]:
        """The versions a run produced and the ones its inputs were read from."""
        run_or_404(views, name)
        return arts.run_artifacts(backend, name)


def _versions(
    backend: Backend,
    filters: dict[str, Any],
    partition: list[str] | None,
    time_partition: float | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    partitions = arts.parse_partitions(partition)
    return {
        "items": arts.search(
            backend,
            **filters,
            partitions=partitions,
            time_partition=time_partition,
            limit=limit,
            offset=offset,
        )
    }
