"""The seed's ``Artifact`` methods around identity, provenance and reading, which flytekit
defines over protobuf messages; here over plain dicts (``_artifact.py`` holds the rest).

Decisions:

* ``to_id_idl()`` is the artifact's identity as a dict (project, domain, name, version,
  partitions, time partition, URI); ``from_flyte_idl`` reads that dict back, or any object
  with those fields.
* The "resolver" ``set_resolver`` takes is what ``get()`` reads a version's value through:
  an artifact source (the local records or a backend's), as flytekit's ``LiteralsResolver``
  turns literals into values.
* ``set_source`` records where a version came from (run, action, output); ``source`` then
  reports it (for a version read back, the records' own run and action).
* Trigger queries (``embed_as_query``) and protobuf requests (``to_create_request``) belong
  to Union's artifact service: ``NotAvailableHereError`` says what to use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._unavailable import not_available_here
from ..exceptions import FlyteValidationException

if TYPE_CHECKING:
    from ._artifact import Artifact

__all__ = ["ArtifactSeedMethods"]

_ID_FIELDS = ("project", "domain", "name", "version")


def _a(mixin: object) -> Artifact:
    return mixin  # type: ignore[return-value]


class ArtifactSeedMethods:
    """Mixed into ``Artifact``."""

    def to_id_idl(self) -> dict[str, Any]:
        """The artifact's identity: project, domain, name, version, partitions, time
        partition (epoch seconds) and URI (None until it is a stored version)."""
        a = _a(self)
        partitions = a.partitions
        return {
            "project": a.project,
            "domain": a.domain,
            "name": a.name,
            "version": a.version,
            "partitions": dict(partitions) if partitions is not None else {},
            "time_partition": a._time if a.time_partitioned else None,
            "uri": a.uri,
        }

    @classmethod
    def from_flyte_idl(cls, pb2: Any) -> Artifact:
        """An ``Artifact`` (a definition naming that version) from ``to_id_idl()``'s dict,
        or from an object with its fields."""
        from ._artifact import Artifact

        if isinstance(pb2, Mapping):
            data = dict(pb2)
        elif all(hasattr(pb2, f) for f in _ID_FIELDS):
            data = {f: getattr(pb2, f) for f in (*_ID_FIELDS, "partitions", "time_partition")}
        else:
            raise FlyteValidationException(
                "Artifact.from_flyte_idl expects to_id_idl()'s dict or an object with project, "
                f"domain, name and version, got {pb2!r}"
            )
        unknown = sorted(set(data) - {*_ID_FIELDS, "partitions", "time_partition", "uri"})
        if unknown:
            raise FlyteValidationException(f"Artifact.from_flyte_idl: unknown fields {unknown}")
        partitions = dict(data.get("partitions") or {})
        ts = data.get("time_partition")
        return Artifact(
            project=data.get("project") or None,
            domain=data.get("domain") or None,
            name=data.get("name") or None,
            version=data.get("version") or None,
            partition_keys=sorted(partitions) or None,
            partitions=partitions or None,
            time_partitioned=ts is not None,
            time_partition=ts,
        )

    def set_resolver(self, resolver: Any) -> None:
        """Read this artifact's versions through ``resolver``: an artifact source, such as
        ``UnionRemote``'s or the local records (what ``get()`` uses)."""
        if not all(callable(getattr(resolver, m, None)) for m in ("version", "search", "blob")):
            raise FlyteValidationException(
                "Artifact.set_resolver: resolver must be an artifact source (with version(), "
                f"search() and blob()), got {resolver!r}"
            )
        _a(self)._source = resolver

    def set_source(self, source: Any) -> None:
        """Record where this artifact's value came from: a dict (or object) with any of
        ``run``, ``action``, ``output``, as ``source`` then reports."""
        keys = ("run", "action", "output")
        if isinstance(source, Mapping):
            found = {k: source.get(k) for k in keys}
        else:
            found = {k: getattr(source, k, None) for k in keys}
        unknown = sorted(set(source) - set(keys)) if isinstance(source, Mapping) else []
        if unknown or not any(v is not None for v in found.values()):
            raise FlyteValidationException(
                "Artifact.set_source: source must name the run, action and/or output it came "
                f"from, e.g. {{'run': 'r1', 'action': 'a0', 'output': 'o0'}}; got {source!r}"
            )
        self._provenance = {k: v for k, v in found.items() if v is not None}

    @property
    def source(self) -> dict[str, Any] | None:
        """Where the value came from (``set_source``, or the records' run and action)."""
        given = getattr(self, "_provenance", None)
        if given is not None:
            return dict(given)
        view = _a(self)._view
        if view is None:
            return None
        picked = {k: view.get(k) for k in ("run", "action", "output")}
        return {k: v for k, v in picked.items() if v is not None} or None

    @not_available_here(
        "trigger queries are evaluated by Union's artifact service when an artifact lands",
        "a schedule (LaunchPlan(schedule=...)) or Artifact.query(...) in a workflow input",
    )
    def embed_as_query(
        self,
        partition: str | None = None,
        bind_to_time_partition: bool | None = None,
        expr: str | None = None,
        op: Any = None,
    ) -> Any:
        raise AssertionError

    @staticmethod
    @not_available_here(
        "to_create_request builds the protobuf request of Union's artifact service",
        "UnionRemote().create_artifact(Artifact.initialize(value, name=...))",
    )
    def to_create_request(a: Artifact) -> Any:
        raise AssertionError
