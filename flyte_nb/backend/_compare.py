"""Runs side by side: inputs, outputs, durations and task versions, differences marked.

``compare`` is a plain function over recorded rows (the run, its root action and its
actions), so its rules are unit-tested without a server; ``compare_runs`` reads the rows.

Decisions:

- One row per thing compared (``section``, ``field``), one value per run, and ``differs``
  computed here, once, so the panel, the SDK and a test agree on what "different" means.
- Values are compared as *stored* (the encoded JSON): two runs that read the same file or
  the same pickled object have the same digest, so equal content compares equal without
  fetching a blob. What is shown is the plain value when it is JSON (scalars, lists and
  dicts) and a short description otherwise.
- Durations differ when the longest is more than ``DURATION_SPREAD`` times the shortest
  (and by more than ``DURATION_FLOOR`` seconds): two runs of the same work never take the
  same microseconds, and marking every duration would hide the differences that matter.
- The task version is the code the root ran: its bundle digest (a task shipped by value)
  or its module and name (by reference), with the cache version when it is cached.
- Per-task rows add up each task's actions (count and total time), which is where a slow
  or a failed step shows between two runs of a workflow.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._service import Backend

__all__ = ["DURATION_FLOOR", "DURATION_SPREAD", "MAX_RUNS", "compare", "compare_runs"]

MAX_RUNS = 10
DURATION_SPREAD = 1.1
DURATION_FLOOR = 0.05
_MISSING = {"$missing": True}


def compare_runs(backend: Backend, names: list[str]) -> dict[str, Any]:
    """Read the runs ``names`` and compare them (``BackendError`` for a bad list)."""
    from ._errors import BackendError
    from ._views import Views, run_view

    if len(names) < 2 or len(names) > MAX_RUNS:
        raise BackendError(
            400, "bad_request", f"compare takes 2 to {MAX_RUNS} runs, got {len(names)}"
        )
    if len(set(names)) != len(names):
        raise BackendError(400, "bad_request", "each run may be named once")
    views = Views(backend)
    entries = []
    for name in names:
        row = views.run_row(name)
        if row is None:
            raise BackendError(404, "not_found", f"no run named {name!r}; list runs first")
        actions = views.action_rows(name)
        root = next((a for a in actions if a["name"] == "a0"), None)
        entries.append((run_view(row), row, root, actions))
    return compare(entries)


def compare(
    entries: list[
        tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]
    ],
) -> dict[str, Any]:
    """``entries``: per run (its view, its row, its root action row or None, its action
    rows). Returns ``{"runs": [views], "rows": [{section, field, values, differs}]}``."""
    rows: list[dict[str, Any]] = []

    def add(section: str, field: str, shown: list[Any], keys: list[Any] | None = None) -> None:
        keys = shown if keys is None else keys
        first = json.dumps(keys[0], sort_keys=True)
        differs = any(json.dumps(k, sort_keys=True) != first for k in keys[1:])
        rows.append({"section": section, "field": field, "values": shown, "differs": differs})

    views = [e[0] for e in entries]
    add("run", "task", [v["task_name"] for v in views])
    add("run", "phase", [v["phase"] for v in views])
    versions = [_version(root) for _, _, root, _ in entries]
    add("run", "task version", versions)
    durations = [v.get("duration") for v in views]
    rows.append(_duration_row("run", "duration", durations))
    add("run", "actions", [v["action_count"] for v in views])
    for section in ("inputs", "outputs"):
        docs = [json.loads(e[1].get(section) or "{}") for e in entries]
        names: list[str] = []
        for doc in docs:
            names.extend(n for n in doc if n not in names)
        for name in names:
            keys = [doc.get(name, _MISSING) for doc in docs]
            add(section, name, [_shown(k) for k in keys], keys)
    per_task = [_per_task(actions) for _, _, _, actions in entries]
    tasks: list[str] = []
    for counts in per_task:
        tasks.extend(t for t in counts if t not in tasks)
    for task in tasks:
        found = [counts.get(task) for counts in per_task]
        add("tasks", f"{task}: calls", [f[0] if f else 0 for f in found])
        rows.append(_duration_row("tasks", f"{task}: time", [f[1] if f else None for f in found]))
    return {"runs": views, "rows": rows}


def _duration_row(section: str, field: str, values: list[float | None]) -> dict[str, Any]:
    known = [v for v in values if v is not None]
    differs = len(known) != len(values) and bool(known)
    if len(known) >= 2:
        low, high = min(known), max(known)
        differs = differs or (high - low > DURATION_FLOOR and high > low * DURATION_SPREAD)
    return {"section": section, "field": field, "values": values, "differs": differs, "unit": "s"}


def _version(root: dict[str, Any] | None) -> str | None:
    if root is None:
        return None
    stored = json.loads(root.get("spec") or "{}")
    spec = stored.get("spec") or {}
    ref = spec.get("ref") or {}
    if ref.get("digest"):
        code = f"bundle {ref['digest'][:12]}"
    elif ref.get("module"):
        code = f"{ref['module']}.{ref.get('qualname') or ref.get('task_name')}"
    else:
        code = str(spec.get("task") or root.get("task_name") or "?")
    cache = stored.get("cache_id")
    if isinstance(cache, list | tuple) and cache:
        code += f" (cache version {str(cache[0])[:12]})"
    return code


def _shown(encoded: Any) -> Any:
    """A stored value as the comparison shows it: plain JSON as is, the rest described."""
    if encoded is _MISSING:
        return None
    if not isinstance(encoded, dict):
        return encoded
    if "$json" in encoded:
        return encoded["$json"]
    if "$model" in encoded:
        return encoded["$model"]
    for tag, what in (("$sd", "dataframe"), ("$file", "file"), ("$dir", "folder")):
        if tag in encoded:
            return f"<{what}>"
    if "$blob" in encoded:
        return str(encoded.get("repr") or f"<{encoded.get('type') or 'value'}>")
    return f"<{encoded.get('type') or 'value'}>"


def _per_task(actions: list[dict[str, Any]]) -> dict[str, tuple[int, float]]:
    """task name -> (calls, seconds run) over a run's actions other than the root."""
    out: dict[str, tuple[int, float]] = {}
    for action in actions:
        if action["name"] == "a0":
            continue
        started, ended = action.get("started_at"), action.get("ended_at")
        took = (ended - started) if started is not None and ended is not None else 0.0
        calls, total = out.get(action["task_name"], (0, 0.0))
        out[action["task_name"]] = (calls + 1, total + took)
    return out
