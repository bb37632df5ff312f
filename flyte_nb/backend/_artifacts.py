"""The backend's side of artifacts: versions workers report, runs that consume versions, and
what the HTTP API reads and writes (``server/_artifact_routes.py`` stays a thin layer).

Decisions:
- A worker reports the versions its action produced with the action's result (claims,
  see ``flyte_nb.artifacts._produce``); they are written on the backend's loop *before*
  the action is marked succeeded, so whoever sees the run finish sees its artifacts. A
  store error then is printed to the server's log and the action still succeeds: its
  value is in its outputs either way, and losing the index row must not lose the result.
- Consumption (lineage) arrives with the run it belongs to (``RunOptions.artifacts``: the
  kernel resolved the queries) and is written when the run is created, so a run never
  exists without its lineage.
- Every read flushes the recorder first: the action and run rows that lineage joins may
  still be in its batch for 0.2 s.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from ..store._artifact_rows import (
    name_problem,
    partitions_problem,
    produced_rows,
    version_problem,
    version_row,
    version_view,
)
from ._errors import BackendError

if TYPE_CHECKING:
    from ..engine._state import RunState
    from ._records import ActionRecord
    from ._service import Backend

__all__ = [
    "create_version",
    "lineage",
    "list_artifacts",
    "parse_partitions",
    "partitions",
    "record_consumed",
    "record_produced",
    "run_artifacts",
    "search",
    "version",
]


def _q() -> Any:
    from ..store import _artifact_queries

    return _artifact_queries


# -- hooks of the run and action life cycle ---------------------------------------------------
def record_produced(
    backend: Backend, rec: ActionRecord, claims: list[dict[str, Any]] | None
) -> None:
    """Store the versions a worker reported for the successful action ``rec``."""
    if not claims:
        return
    run = rec.run.state
    try:
        rows = produced_rows(claims, run, rec.name, time.time())
        _q().insert_versions(backend.engine, rows)
    except Exception as exc:  # the action's own result stands; see the module docstring
        print(
            f"flyte_nb backend: artifacts of {run.name}/{rec.name} not kept: {exc}", file=sys.stderr
        )
        return
    for row in rows:
        backend.events.publish(
            run.name,
            {
                "kind": "artifact",
                "run": run.name,
                "action": rec.name,
                "name": row["name"],
                "version": row["version"],
                "project": row["project"],
                "domain": row["domain"],
            },
        )


def record_consumed(backend: Backend, state: RunState, options: dict[str, Any]) -> None:
    """Note the artifact versions a new run's inputs were read from (its lineage)."""
    items = options.get("artifacts") or []
    if items:
        _q().record_consumptions(backend.engine, state.name, items, state.created_at)


# -- what the HTTP API asks ---------------------------------------------------------------
def parse_partitions(pairs: list[str] | None) -> dict[str, str] | None:
    """``["region=dubai", ...]`` (the ``partition`` query parameter) as a dict."""
    if not pairs:
        return None
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise _bad(f"partition {pair!r} must be key=value, e.g. region=dubai")
        out[key] = value
    problem = partitions_problem(out)
    if problem:
        raise _bad(problem)
    return out


def create_version(backend: Backend, body: dict[str, Any]) -> dict[str, Any]:
    """Store a version made by hand (``UnionRemote.create_artifact``); 409 if its version
    exists with another value."""
    from ..models import generate_random_name

    for problem in (
        name_problem(body["name"]),
        version_problem(body["version"]) if body.get("version") else None,
        partitions_problem(body.get("partitions") or {}),
    ):
        if problem:
            raise _bad(problem)
    _check_value(backend, body["value"])
    granularity = body.get("granularity")
    ts = body.get("time_partition")
    if (ts is None) != (granularity is None):
        raise _bad("time_partition and granularity are given together or not at all")
    version = body.get("version") or generate_random_name()
    row = version_row(body, version=version, created_at=time.time())
    try:
        (stored,) = _q().insert_versions(backend.engine, [row])
    except ValueError as exc:
        raise BackendError(409, "conflict", str(exc)) from None
    return version_view(stored)


def _check_value(backend: Backend, value: Any) -> None:
    """A blob-stored value must name a blob the store has: a version never points nowhere."""
    digest = value.get("$blob") if isinstance(value, dict) else None
    if digest is None:
        return
    from ..store._blobs import check_digest

    try:
        exists = backend.recorder.blobs.exists(check_digest(digest))
    except ValueError as exc:
        raise _bad(f"value: {exc}") from None
    if not exists:
        raise BackendError(
            400, "bad_request", f"value: no blob {digest}; upload it first (PUT /api/v1/blobs/...)"
        )


def search(backend: Backend, **filters: Any) -> list[dict[str, Any]]:
    return [version_view(r) for r in _q().search(backend.engine, **filters)]


def list_artifacts(backend: Backend, **filters: Any) -> tuple[list[dict[str, Any]], int]:
    entries, total = _q().list_artifacts(backend.engine, **filters)
    items = []
    for entry in entries:
        latest = version_view(entry["latest"])
        items.append(
            {
                "project": entry["project"],
                "domain": entry["domain"],
                "name": entry["name"],
                "versions": entry["versions"],
                "partition_keys": entry["partition_keys"],
                "time_partitioned": latest["time_partition"] is not None,
                "latest": latest,
            }
        )
    return items, total


def version(backend: Backend, project: str, domain: str, name: str, ver: str) -> dict[str, Any]:
    row = _q().get_version(backend.engine, project, domain, name, ver)
    if row is None:
        raise _missing(project, domain, name, ver)
    return version_view(row)


def partitions(backend: Backend, project: str, domain: str, name: str) -> dict[str, Any]:
    found = _q().list_partitions(backend.engine, project, domain, name)
    if (
        not found["keys"]
        and not found["time_partitions"]
        and not _q().search(backend.engine, project=project, domain=domain, name=name, limit=1)
    ):
        raise _missing(project, domain, name, None)
    return dict(found)


def lineage(backend: Backend, project: str, domain: str, name: str, ver: str) -> dict[str, Any]:
    backend.recorder.flush()  # the producing action's row may still be in the batch
    try:
        return dict(_q().lineage(backend.engine, project, domain, name, ver))
    except LookupError:
        raise _missing(project, domain, name, ver) from None


def run_artifacts(backend: Backend, run_name: str) -> dict[str, Any]:
    found = _q().run_artifacts(backend.engine, run_name)
    return {
        "produced": [version_view(r) for r in found["produced"]],
        "consumed": [
            {"input": r["consumed_input"], "artifact": version_view(r)} for r in found["consumed"]
        ],
    }


def _bad(message: str) -> Exception:
    return BackendError(400, "bad_request", message)


def _missing(project: str, domain: str, name: str, ver: str | None) -> Exception:
    which = f"no version {ver!r} of artifact {name!r}" if ver else f"no artifact {name!r}"
    return BackendError(
        404,
        "not_found",
        f"{which} in {project}/{domain}; list artifacts with GET /api/v1/artifacts",
    )
