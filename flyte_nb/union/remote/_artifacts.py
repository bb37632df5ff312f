"""``UnionRemote``'s artifact methods.

Decisions:
- ``create_artifact`` stores the ``python_val`` of an ``Artifact`` (``Artifact.initialize``
  or ``Artifact(name=..., python_val=...)``): the value is encoded like a run input (large
  or opaque values go to the blob store by digest), every declared partition needs a
  value, and a time-partitioned artifact without a time partition gets "now". A missing
  name is made up, as the seed says the service does.
- ``get_artifact`` takes exactly one way of naming a version: a URI
  (``flyte://av0.1/<project>/<domain>/<name>[@<version>]``, the newest version without
  ``@``), an ``artifact_key`` (anything with ``project``/``domain``/``name``: the newest
  version), an ``artifact_id`` (with ``name`` and ``version`` too, e.g. an ``Artifact``
  version) or a ``query``. Nothing found is an ``ArtifactNotFoundError`` naming what was
  asked, not ``None``: a typo should not look like an empty store.
- Every call reads the backend the remote talks to; values come back lazily, on
  ``Artifact.get()``.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._args import arg, invalid
from ._base import RemoteBase

if TYPE_CHECKING:
    from ...artifacts import Artifact, ArtifactQuery
    from ...artifacts._source import RemoteArtifacts

__all__ = ["ArtifactMethods"]


class ArtifactMethods(RemoteBase):
    """Part of ``UnionRemote`` (``_remote.py``)."""

    def _artifacts(self, method: str, project: Any = None, domain: Any = None) -> RemoteArtifacts:
        from ...artifacts._source import RemoteArtifacts

        session = self._scoped(method, project, domain)
        return RemoteArtifacts(session.client, session.project, session.domain)

    def create_artifact(self, artifact: Artifact) -> Artifact:
        """Store ``artifact``'s ``python_val`` as a new version; return that version."""
        from ...artifacts import Artifact, InputBinding
        from ...models import generate_random_name
        from ...models._interface import type_name
        from ...types import encode_value

        m = "create_artifact"
        if not isinstance(artifact, Artifact) or artifact.uri is not None:
            raise invalid(
                m,
                "artifact must be a new Artifact holding a value, e.g. "
                "Artifact.initialize(42, name='answer'), got "
                f"{artifact!r}",
            )
        if artifact.python_val is None:
            raise invalid(
                m, f"{artifact!r} holds no value; make it with Artifact.initialize(value, name=...)"
            )
        given = artifact._partitions
        missing = [k for k in artifact.partition_keys if k not in given]
        bound = [k for k, v in given.items() if isinstance(v, InputBinding)]
        if missing or bound:
            raise invalid(
                m,
                f"artifact {artifact.name!r} needs a value for partition "
                f"{(missing or bound)[0]!r}; e.g. {artifact.name}("
                f"{(missing or bound)[0]}='...')",
            )
        ts = artifact._time
        if isinstance(ts, InputBinding):
            raise invalid(
                m, f"the time partition of {artifact.name!r} is bound to {ts!r}; give a datetime"
            )
        if artifact.time_partitioned and ts is None:
            ts = time.time()
        granularity = artifact.time_partition_granularity
        source = self._artifacts(m, artifact.project, artifact.domain)
        value = artifact.python_val
        body = {
            "project": source.project,
            "domain": source.domain,
            "name": artifact.name or generate_random_name(),
            "version": artifact.version,
            "partitions": dict(given),
            "time_partition": ts,
            "granularity": granularity.value if granularity else None,
            "value": encode_value(value, source.put_blob),
            "type": type_name(artifact.python_type or type(value)),
            "short_description": artifact.short_description,
            "card": artifact.card,
        }
        return Artifact.from_view(source.create(body), source)

    def get_artifact(
        self,
        uri: str | None = None,
        artifact_key: Any = None,
        artifact_id: Any = None,
        query: ArtifactQuery | None = None,
        get_details: bool = False,
    ) -> Artifact:
        """The version named by ``uri``, ``artifact_id``, ``artifact_key`` (its newest) or
        ``query`` (its newest match); give exactly one."""
        from ...artifacts import Artifact, ArtifactQuery
        from ...exceptions import ArtifactNotFoundError
        from ...store._artifact_rows import parse_uri

        m = "get_artifact"
        arg(m, "get_details", get_details, "bool")
        ways = {
            "uri": uri,
            "artifact_key": artifact_key,
            "artifact_id": artifact_id,
            "query": query,
        }
        given = {k: v for k, v in ways.items() if v is not None}
        if len(given) != 1:
            raise invalid(
                m,
                "name the artifact one way: uri=, artifact_key=, artifact_id= or "
                f"query= (got {sorted(given) or 'none'})",
            )
        if query is not None:
            if not isinstance(query, ArtifactQuery):
                raise invalid(m, f"query must be an Artifact.query(...), got {query!r}")
            return query.fetch(self._artifacts(m, query.project, query.domain))
        project: str | None
        domain: str | None
        version: str | None
        if uri is not None:
            try:
                project, domain, name, version = parse_uri(uri)
            except ValueError as exc:
                raise invalid(m, str(exc)) from None
        else:
            ident = artifact_key if artifact_key is not None else artifact_id
            project, domain, name, version = _identity(m, ident, artifact_id is not None)
        source = self._artifacts(m, project, domain)
        if version is not None:
            view = source.version(source.project, source.domain, name, version)
            return Artifact.from_view(view, source)
        found = source.search(project=source.project, domain=source.domain, name=name, limit=1)
        if not found:
            raise ArtifactNotFoundError(
                f"UnionRemote.get_artifact: no artifact {name!r} in {source.project}/"
                f"{source.domain} ({source.where()}); list them with search_artifacts()"
            )
        return Artifact.from_view(found[0], source)

    def search_artifacts(
        self,
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        artifact_key: Any = None,
        query: ArtifactQuery | None = None,
        partitions: Mapping[str, Any] | None = None,
        time_partition: datetime.datetime | Any = None,
        group_by_key: bool = False,
        limit: int = 100,
    ) -> list[Artifact]:
        """Versions matching every filter, newest first; ``group_by_key`` keeps the newest
        of each artifact. A ``query`` or ``artifact_key`` gives the name (and partitions)."""
        from ...artifacts import Artifact, ArtifactQuery
        from ...artifacts._spec import partition_value, time_value

        m = "search_artifacts"
        arg(m, "group_by_key", group_by_key, "bool")
        limit = arg(m, "limit", limit, "limit", 100)
        if query is not None:
            if not isinstance(query, ArtifactQuery):
                raise invalid(m, f"query must be an Artifact.query(...), got {query!r}")
            source = self._artifacts(m, project or query.project, domain or query.domain)
            filters = query.filters(source)
        else:
            if artifact_key is not None:
                project, domain, name, _ = _identity(m, artifact_key, False)
            source = self._artifacts(m, project, domain)
            filters = {"project": source.project, "domain": source.domain, "name": name}
            if name is not None:
                arg(m, "name", name, "str")
        if partitions is not None:
            if not isinstance(partitions, Mapping):
                raise invalid(m, f"partitions must be a dict of key to value, got {partitions!r}")
            filters["partitions"] = {
                k: partition_value(f"UnionRemote.{m}", k, v) for k, v in partitions.items()
            }
        if time_partition is not None:
            filters["time_partition"] = time_value(f"UnionRemote.{m}", time_partition)
        found = source.search(**filters, group_by_key=group_by_key, limit=limit)
        return [Artifact.from_view(v, source) for v in found]


def _identity(
    method: str, ident: Any, versioned: bool
) -> tuple[str | None, str | None, str, str | None]:
    """(project, domain, name, version) of an artifact key or id object."""
    name = getattr(ident, "name", None)
    version = getattr(ident, "version", None)
    if not isinstance(name, str) or (versioned and not isinstance(version, str)):
        what = "artifact_id (with name and version)" if versioned else "artifact_key (with name)"
        raise invalid(
            method,
            f"{what} must name an artifact, e.g. an Artifact version from "
            f"search_artifacts(); got {ident!r}",
        )
    return (
        getattr(ident, "project", None),
        getattr(ident, "domain", None),
        name,
        version if versioned else None,
    )
