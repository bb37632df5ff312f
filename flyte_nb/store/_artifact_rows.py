"""Artifact rows without SQL: their rules, how a produced version becomes a row, and the one
JSON shape readers get.

Kept apart from ``_artifact_queries.py`` (SQLAlchemy) because the kernel and the worker
need these rules on paths that must not import SQLAlchemy: a worker turns what a task
declared into claims, the backend turns claims into rows, and both SDK sources (local
file, HTTP) show a version as ``version_view`` returns it.

Decisions:
- A version produced by a task is named after where it came from: the run's name for the
  run's root action (what Union does: an execution's artifacts carry its name), else
  ``<run>.<action>``. So every action of a run makes a distinct version, and an action that
  reports again (a backend resuming a run) names the same version, which is then kept.
- Time partitions are epoch seconds in UTC, truncated to the artifact's granularity when
  the row is made, so equal partitions compare equal as floats. Naive datetimes are UTC.
- Partition values are strings (as in Flyte); keys are identifiers, because they are also
  keyword arguments (``MyArtifact(region=...)``, ``query(region=...)``).
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

GRANULARITIES = ("MINUTE", "HOUR", "DAY", "MONTH")
MAX_PARTITIONS = 10
KEY_MAX = 64
VALUE_MAX = 256
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,255}$"
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
URI_PREFIX = "flyte://av0.1/"
TIME_PARTITION_KEY = "time_partition"

_NAME = re.compile(NAME_PATTERN)
_VERSION = re.compile(VERSION_PATTERN)
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_UTC = datetime.UTC


def name_problem(name: object) -> str | None:
    if isinstance(name, str) and _NAME.match(name):
        return None
    return (
        f"an artifact name is 1-256 letters, digits, '.', '_' or '-', starting with a letter "
        f"or digit; got {name!r}"
    )


def version_problem(version: object) -> str | None:
    if isinstance(version, str) and _VERSION.match(version):
        return None
    return (
        f"an artifact version is 1-128 letters, digits, '.', '_' or '-', starting with a "
        f"letter or digit; got {version!r}"
    )


def key_problem(key: object) -> str | None:
    if isinstance(key, str) and _KEY.match(key) and key != TIME_PARTITION_KEY:
        return None
    return (
        f"a partition key is a Python identifier of at most {KEY_MAX} characters, other than "
        f"{TIME_PARTITION_KEY!r}; got {key!r}"
    )


def partitions_problem(partitions: object) -> str | None:
    """None when ``partitions`` is a valid dict of partition key -> value."""
    if not isinstance(partitions, dict):
        return f"partitions must be a dict of str to str, got {partitions!r}"
    if len(partitions) > MAX_PARTITIONS:
        return f"an artifact has at most {MAX_PARTITIONS} partitions, got {len(partitions)}"
    for key, value in partitions.items():
        problem = key_problem(key)
        if problem:
            return problem
        if not isinstance(value, str) or not value or len(value) > VALUE_MAX:
            return (
                f"partition {key!r} must be a non-empty string of at most {VALUE_MAX} "
                f"characters, got {value!r}"
            )
    return None


def to_epoch(when: datetime.datetime | datetime.date) -> float:
    """Epoch seconds of a datetime (naive means UTC) or a date (its midnight, UTC)."""
    if not isinstance(when, datetime.datetime):
        when = datetime.datetime(when.year, when.month, when.day)
    if when.tzinfo is None:
        when = when.replace(tzinfo=_UTC)
    return when.timestamp()


def from_epoch(ts: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ts, _UTC)


def truncate_time(ts: float, granularity: str) -> float:
    """``ts`` floored to the start of its MINUTE, HOUR, DAY or MONTH (UTC)."""
    when = from_epoch(ts)
    if granularity == "MINUTE":
        when = when.replace(second=0, microsecond=0)
    elif granularity == "HOUR":
        when = when.replace(minute=0, second=0, microsecond=0)
    elif granularity == "DAY":
        when = when.replace(hour=0, minute=0, second=0, microsecond=0)
    elif granularity == "MONTH":
        when = when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    else:
        raise ValueError(f"granularity must be one of {GRANULARITIES}, got {granularity!r}")
    return when.timestamp()


def artifact_uri(project: str, domain: str, name: str, version: str | None = None) -> str:
    """``flyte://av0.1/<project>/<domain>/<name>[@<version>]`` (Union's artifact URI form)."""
    base = f"{URI_PREFIX}{project}/{domain}/{name}"
    return f"{base}@{version}" if version else base


def parse_uri(uri: str) -> tuple[str, str, str, str | None]:
    """(project, domain, name, version or None) of an artifact URI; ValueError if it is not one."""
    body = uri[len(URI_PREFIX) :] if isinstance(uri, str) and uri.startswith(URI_PREFIX) else ""
    parts = body.split("/")
    if len(parts) == 3 and all(parts):
        name, _, version = parts[2].partition("@")
        if not name_problem(name) and (not version or not version_problem(version)):
            return parts[0], parts[1], name, version or None
    raise ValueError(
        f"{uri!r} is not an artifact URI; they look like "
        f"'{URI_PREFIX}<project>/<domain>/<name>@<version>' (the version may be left out)"
    )


def produced_version(run_name: str, action_name: str) -> str:
    return run_name if action_name == "a0" else f"{run_name}.{action_name}"


def produced_rows(
    claims: list[dict[str, Any]], run: Any, action_name: str, now: float
) -> list[dict[str, Any]]:
    """Rows for the versions one successful action of ``run`` (a ``RunState``: name,
    project, domain, started_at) produced; ``claims``: see ``flyte_nb.artifacts._produce``.
    A claim whose time partition comes from the run takes the run's start time."""
    started = run.started_at if run.started_at is not None else run.created_at
    return [
        version_row(
            {
                **claim,
                "project": claim.get("project") or run.project,
                "domain": claim.get("domain") or run.domain,
                "time_partition": started
                if claim.get("time_from_run")
                else claim.get("time_partition"),
            },
            version=produced_version(run.name, action_name),
            created_at=now,
            source=(run.name, action_name, claim["output"]),
        )
        for claim in claims
    ]


def version_row(
    fields: dict[str, Any],
    *,
    version: str,
    created_at: float,
    source: tuple[str | None, str | None, str | None] = (None, None, None),
) -> dict[str, Any]:
    """An ``artifacts`` row from a version's fields (``project``, ``domain``, ``name``,
    ``partitions``, ``time_partition`` in epoch seconds, ``granularity``, the encoded
    ``value``, ``type``, ``short_description``, ``card``) and where it came from (run,
    action, output; None for one made by hand)."""
    granularity = fields.get("granularity")
    ts = fields.get("time_partition")
    run_name, action_name, output = source
    return {
        "project": fields["project"],
        "domain": fields["domain"],
        "name": fields["name"],
        "version": version,
        "partitions": dumps_partitions(fields.get("partitions") or {}),
        "time_partition": truncate_time(ts, granularity)
        if granularity and ts is not None
        else None,
        "granularity": granularity,
        "value": json.dumps(fields["value"], separators=(",", ":")),
        "type": fields["type"],
        "run_name": run_name,
        "action_name": action_name,
        "output": output,
        "created_at": created_at,
        "short_description": fields.get("short_description"),
        "card": fields.get("card"),
    }


def dumps_partitions(partitions: dict[str, str]) -> str:
    return json.dumps(dict(sorted(partitions.items())), separators=(",", ":"))


def version_view(row: dict[str, Any]) -> dict[str, Any]:
    """One artifact version as the HTTP API returns it and the SDK reads it."""
    value = json.loads(row["value"])
    return {
        "project": row["project"],
        "domain": row["domain"],
        "name": row["name"],
        "version": row["version"],
        "uri": artifact_uri(row["project"], row["domain"], row["name"], row["version"]),
        "partitions": json.loads(row["partitions"]),
        "time_partition": row["time_partition"],
        "granularity": row["granularity"],
        "type": row["type"],
        "value": value,
        "preview": preview(value),
        "run": row["run_name"],
        "action": row["action_name"],
        "output": row["output"],
        "created_at": row["created_at"],
        "short_description": row["short_description"],
        "card": row["card"],
    }


def preview(encoded: Any, limit: int = 120) -> str:
    """A short text of an encoded value for lists and panels (never reads a blob). Tagged
    encodings are described from the keys they carry, so a tag this code does not know
    still reads sensibly."""
    if isinstance(encoded, dict) and "$json" in encoded:
        text = json.dumps(encoded["$json"], ensure_ascii=False)
    elif isinstance(encoded, dict):
        text = _describe(encoded)
    else:
        text = json.dumps(encoded, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(encoded: dict[str, Any]) -> str:
    if isinstance(encoded.get("repr"), str):
        return str(encoded["repr"])
    size = f", {encoded['size']} bytes" if isinstance(encoded.get("size"), int) else ""
    if "$sd" in encoded:
        rows = f"{encoded['rows']} rows, " if isinstance(encoded.get("rows"), int) else ""
        columns = ", ".join(str(c) for c in encoded.get("columns") or [])
        return f"table ({rows}columns: {columns or '?'})"
    if "$file" in encoded:
        return f"file {encoded.get('name') or encoded.get('uri') or ''}{size}".strip()
    if "$dir" in encoded:
        files = f"{encoded['files']} files" if isinstance(encoded.get("files"), int) else "folder"
        return f"folder ({files}{size})"
    return f"<{encoded.get('type', 'value')}>"
