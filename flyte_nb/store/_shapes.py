"""Records shaped for readers: the one JSON shape of a run, of an action and of a doc.

The HTTP API returns these shapes and the SDK's ``Run``/``Action`` handles read them,
whether the records came from the local database or over HTTP, so both sources look the
same to users. JSON text columns (error, transitions, attempt log) are parsed here, once.
"""

from __future__ import annotations

import json
from typing import Any

SORT_KEYS = ("created_at", "started_at", "ended_at", "name", "task_name", "phase", "duration")
"""What run lists can be sorted by (``-key`` for descending)."""


def _json(text: str | None) -> Any:
    return json.loads(text) if text else None


def run_view(row: dict[str, Any]) -> dict[str, Any]:
    started, ended = row["started_at"], row["ended_at"]
    return {
        "name": row["name"],
        "task_name": row["task_name"],
        "project": row.get("project", "default"),
        "domain": row.get("domain", "development"),
        "phase": row["phase"],
        "mode": row["mode"],
        "created_at": row["created_at"],
        "started_at": started,
        "ended_at": ended,
        "duration": (ended - started) if started is not None and ended is not None else None,
        "action_count": row["action_count"],
        "error": _json(row["error"]),
    }


def action_view(row: dict[str, Any]) -> dict[str, Any]:
    attempt_log = _json(row["attempt_log"]) or []
    if not attempt_log and row["attempts"] == 1:  # one clean attempt lives in the row itself
        attempt_log = [
            {
                "attempt": 1,
                "started_at": row["started_at"],
                "ended_at": row["ended_at"],
                "phase": row["phase"],
            }
        ]
    view = action_summary_view(row)
    view["transitions"] = _json(row["transitions"]) or []
    view["attempt_log"] = attempt_log
    view["resources"] = _resources(row.get("spec"))
    return view


def _resources(spec: str | None) -> dict[str, Any] | None:
    """The ``Resources`` an action ran with (the user's values), from its ``spec`` column."""
    if not spec or '"resources"' not in spec:
        return None
    resources = (json.loads(spec).get("spec") or {}).get("resources")
    return resources if isinstance(resources, dict) else None


def doc_view(row: dict[str, Any]) -> dict[str, Any]:
    """A docs index row (``_queries.list_docs``) as the API and the SDK show it."""
    return {
        "run": row["run_name"],
        "action": row["action_name"],
        "attempt": row["attempt"],
        "kind": row["kind"],
        "name": row["name"],
        "size": row["size"],
        "updated_at": row["updated_at"],
        "digest": row["digest"],
        "source_run": row["source_run"],
        "source_action": row["source_action"],
    }


def action_summary_view(row: dict[str, Any]) -> dict[str, Any]:
    """``action_view`` without the phase transitions and attempt log: what a live view
    redraws from, at half the bytes (and no JSON columns to parse) per action."""
    return {
        "run": row["run_name"],
        "name": row["name"],
        "parent": row["parent"],
        "task_name": row["task_name"],
        "short_name": row["short_name"],
        "group": row["group_name"],
        "phase": row["phase"],
        "attempts": row["attempts"],
        "cache_hit": bool(row["cache_hit"]),
        "created_at": row["created_at"],
        "started_at": row["started_at"],
        "ended_at": row["ended_at"],
        "transitions": [],
        "attempt_log": [],
        "error": _json(row["error"]),
    }


def tree_view(rows: list[dict[str, Any]], max_children: int) -> dict[str, Any]:
    """A run's action tree cut for display: every root, and at most ``max_children``
    children under each shown action; the rest are counted by phase per parent.

    A live view redraws from this several times a second, so it must not grow with the
    run: a 100 000-action fan-out is 1 root, 200 rows and one line of counts.
    """
    counts: dict[str, int] = {}
    children: dict[str, list[dict[str, Any]]] = {}
    roots = []
    for row in rows:
        counts[row["phase"]] = counts.get(row["phase"], 0) + 1
        parent = row["parent"]
        if parent is None:
            roots.append(row)
        else:
            children.setdefault(parent, []).append(row)
    items: list[dict[str, Any]] = []
    hidden: dict[str, dict[str, int]] = {}
    stack = list(reversed(roots))
    while stack:
        row = stack.pop()
        items.append(action_summary_view(row))
        kids = children.get(row["name"], [])
        for kid in kids[max_children:]:
            phases = hidden.setdefault(row["name"], {})
            phases[kid["phase"]] = phases.get(kid["phase"], 0) + 1
        stack.extend(reversed(kids[:max_children]))
    return {"counts": counts, "total": len(rows), "items": items, "hidden": hidden}
