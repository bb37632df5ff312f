"""``flyte-nb artifacts [list]`` and ``flyte-nb artifacts show NAME``: the home folder's
artifacts, read from its records like ``flyte-nb runs`` (a running backend of the same
home writes the same database, so its artifacts show too). ``show`` lists versions with
the run and action that made each and how many runs read it (lineage)."""

from __future__ import annotations

import argparse
import datetime
from typing import Any

__all__ = ["add_artifacts_parser"]


def _when(ts: float | None, granularity: str | None = None) -> str:
    if ts is None:
        return "-"
    when = datetime.datetime.fromtimestamp(ts, datetime.UTC)
    if granularity == "MONTH":
        return when.strftime("%Y-%m")
    if granularity == "DAY":
        return when.strftime("%Y-%m-%d")
    return when.strftime("%Y-%m-%d %H:%M")


def _partitions(view: dict[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in view["partitions"].items()]
    if view["time_partition"] is not None:
        parts.append(f"time={_when(view['time_partition'], view['granularity'])}")
    return ",".join(parts) or "-"


def _list(args: argparse.Namespace) -> int:
    from flyte_nb.artifacts._source import LocalArtifacts
    from flyte_nb.store import _artifact_queries as q
    from flyte_nb.store._artifact_rows import version_view

    entries, total = q.list_artifacts(
        LocalArtifacts().engine(), project=args.project, domain=args.domain, limit=args.limit
    )
    if not entries:
        print("no artifacts recorded yet; annotate a task output with Annotated[T, Artifact(...)]")
        return 0
    print(f"{'name':<28} {'scope':<20} {'versions':>8}  {'latest':<24} {'written':<16} value")
    for e in entries:
        latest = version_view(e["latest"])
        scope = f"{e['project']}/{e['domain']}"
        print(
            f"{e['name']:<28} {scope:<20} {e['versions']:>8}  {latest['version']:<24} "
            f"{_when(latest['created_at']):<16} {latest['preview'][:40]}"
        )
    if total > len(entries):
        print(f"... {total - len(entries)} more (--limit)")
    return 0


def _show(args: argparse.Namespace) -> int:
    from flyte_nb.artifacts._source import LocalArtifacts
    from flyte_nb.exceptions import ArtifactNotFoundError
    from flyte_nb.store import _artifact_queries as q
    from flyte_nb.store._artifact_rows import version_view

    partitions = dict(p.partition("=")[::2] for p in args.partition)
    engine = LocalArtifacts().engine()
    rows = q.search(
        engine,
        project=args.project,
        domain=args.domain,
        name=args.name,
        partitions=partitions or None,
        limit=args.limit,
    )
    if not rows:
        raise ArtifactNotFoundError(
            f"no artifact {args.name!r} in {args.project}/{args.domain}"
            + (f" with partitions {partitions}" if partitions else "")
            + "; list artifacts with `flyte-nb artifacts`"
        )
    first = version_view(rows[0])
    print(f"{first['name']} ({first['project']}/{first['domain']}), type {first['type']}")
    if first["short_description"]:
        print(f"  {first['short_description']}")
    print(
        f"{'version':<32} {'partitions':<24} {'written':<16} {'produced by':<26} {'read':>4}  value"
    )
    for row in rows:
        view = version_view(row)
        source = f"{view['run']}/{view['action']}" if view["run"] else "(created by hand)"
        readers = q.lineage(engine, view["project"], view["domain"], view["name"], view["version"])
        print(
            f"{view['version']:<32} {_partitions(view):<24} {_when(view['created_at']):<16} "
            f"{source:<26} {len(readers['consumers']):>4}  {view['preview'][:40]}"
        )
    return 0


def add_artifacts_parser(sub: Any) -> None:
    artifacts = sub.add_parser("artifacts", help="list recorded artifacts, or show one")
    artifacts.set_defaults(func=_list, project=None, domain=None, limit=50)
    inner = artifacts.add_subparsers(dest="artifacts_command")
    listing = inner.add_parser("list", help="artifacts, most recently written first")
    listing.add_argument("--project", default=None)
    listing.add_argument("--domain", default=None)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=_list)
    show = inner.add_parser("show", help="an artifact's versions, newest first")
    show.add_argument("name")
    show.add_argument("--project", default="default")
    show.add_argument("--domain", default="development")
    show.add_argument(
        "--partition", action="append", default=[], help="key=value; repeat for several keys"
    )
    show.add_argument("--limit", type=int, default=20)
    show.set_defaults(func=_show)
