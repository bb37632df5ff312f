"""A run as a graph: the panel's graph view, built from the run's action records.

Decisions:

* Two sources, one shape. A workflow action (flytekit-style ``@workflow``) carries its
  compiled graph in its spec (``union/_graph_spec.py``) and each of its node's actions
  carries the node id (``"node"``), so its part of the graph is the graph as compiled:
  every node, even one that never ran (a skipped case, a node after a failure), with the
  edges between nodes. Any other action (a Flyte 2 task, a ``@dynamic``, an ``@eager``)
  has no compiled graph: its children hang under it, and siblings that run the same task
  in the same ``group`` (a fan-out, a ``fl.map``) are one *group* node.
* A map node and a group are one node with per-phase counts and their members (up to
  ``max_items``) listed, so the panel expands them without another request; their
  members' own children are grouped again under the group, so a fan-out of fan-outs stays
  two nodes, not thousands.
* A conditional is a ``branch`` node with its cases. The case taken is the one whose
  nodes ran; when none of its nodes ran and the workflow went on past it (it succeeded,
  or a node reading the conditional's output ran), every case with nodes was skipped and
  a single case without nodes was the one taken. Undecided cases say ``taken: null``.
* Pure functions over action rows (as ``Views.action_rows`` returns them): no I/O, so the
  route stays thin and the rules are unit-tested on plain dicts. Specs are parsed only
  when they can hold a graph or a node id (a 10,000-action fan-out parses none).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["build_graph"]

Row = dict[str, Any]
LIVE = ("QUEUED", "RUNNING")


def _spec(row: Row) -> dict[str, Any]:
    text = row.get("spec")
    if not text or ('"graph"' not in text and '"node"' not in text):
        return {}
    try:
        spec = json.loads(text).get("spec")
    except (ValueError, AttributeError):
        return {}
    return spec if isinstance(spec, dict) else {}


def _case_label(label: str) -> str:
    """``(Promise(n0.o0) > 2)`` reads as ``n0.o0 > 2``."""
    label = re.sub(r"Promise\(([^()]*)\)", r"\1", label)
    if label.startswith("(") and label.endswith(")"):
        label = label[1:-1]
    return label


class _Builder:
    def __init__(self, rows: list[Row], max_items: int, max_nodes: int) -> None:
        self.children: dict[str | None, list[Row]] = {}
        for row in sorted(rows, key=lambda r: r.get("seq", 0)):
            self.children.setdefault(row["parent"], []).append(row)
        self.max_items = max_items
        self.max_nodes = max_nodes
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []
        self.truncated = False

    # -- output --------------------------------------------------------------------------
    def node(self, gid: str, kind: str, label: str, **fields: Any) -> bool:
        if len(self.nodes) >= self.max_nodes:
            self.truncated = True
            return False
        self.nodes.append(
            {
                "id": gid,
                "kind": kind,
                "label": label,
                "task_name": fields.get("task_name", ""),
                "node": fields.get("node"),
                "action": fields.get("action"),
                "phase": fields.get("phase"),
                "skipped": fields.get("skipped", False),
                "group": fields.get("group"),
                "counts": fields.get("counts", {}),
                "total": fields.get("total", 0),
                "items": fields.get("items", []),
                "cases": fields.get("cases", []),
            }
        )
        return True

    def edge(self, source: str, target: str, kind: str, label: str | None = None) -> None:
        self.edges.append({"source": source, "target": target, "kind": kind, "label": label})

    def action_node(self, row: Row, gid: str, kind: str = "action", **fields: Any) -> bool:
        label = fields.pop("label", None) or row["short_name"] or row["task_name"]
        merged = {"task_name": row["task_name"], "group": row.get("group_name"), **fields}
        return self.node(gid, kind, label, action=row["name"], phase=row["phase"], **merged)

    # -- walking ---------------------------------------------------------------------------
    def expand(self, row: Row, gid: str) -> None:
        """Draw what ``row`` (drawn as ``gid``) did: its workflow graph or its children."""
        kids = self.children.get(row["name"], [])
        graph = _spec(row).get("graph")
        if isinstance(graph, dict) and isinstance(graph.get("nodes"), list):
            kids = self.workflow(row, gid, graph, kids)
        self.fanout(gid, kids)

    def fanout(self, gid: str, kids: list[Row]) -> None:
        """Children under ``gid``: one node each, or one per (task, group) they share."""
        by_key: dict[tuple[str, str | None], list[Row]] = {}
        for kid in kids:
            by_key.setdefault((kid["task_name"], kid.get("group_name")), []).append(kid)
        for (task, group), members in by_key.items():
            if len(members) == 1:
                kid = members[0]
                if self.action_node(kid, kid["name"]):
                    self.edge(gid, kid["name"], "child")
                    self.expand(kid, kid["name"])
                continue
            label = members[0]["short_name"] or task
            sub = f"{gid}/{group or ''}/{task}"
            if self.group_node(sub, "group", label, members, task_name=task, group=group):
                self.edge(gid, sub, "child")
                self.fanout(sub, [k for m in members for k in self.children.get(m["name"], [])])

    def group_node(
        self, gid: str, kind: str, label: str, members: list[Row], **fields: Any
    ) -> bool:
        counts: dict[str, int] = {}
        for m in members:
            counts[m["phase"]] = counts.get(m["phase"], 0) + 1
        items = [
            {"action": m["name"], "label": f"#{i}", "phase": m["phase"]}
            for i, m in enumerate(members[: self.max_items])
        ]
        phase = _group_phase(counts)
        return self.node(
            gid, kind, label, counts=counts, total=len(members), items=items, phase=phase, **fields
        )

    def workflow(self, row: Row, gid: str, graph: dict[str, Any], kids: list[Row]) -> list[Row]:
        """The compiled nodes of workflow action ``row``; returns the children no node
        claims (an ``on_failure`` handler, records made before nodes were tagged)."""
        specs = [n for n in graph["nodes"] if isinstance(n, dict) and "id" in n]
        by_node: dict[str, list[Row]] = {}
        rest: list[Row] = []
        for kid in kids:
            node = _spec(kid).get("node")
            (by_node.setdefault(node, []) if node else rest).append(kid)
        gids = {n["id"]: f"{gid}/{n['id']}" for n in specs}
        taken = _decisions(specs, by_node, row["phase"])
        for n in specs:
            self.compiled_node(n, gids[n["id"]], by_node.get(n["id"], []), taken)
        drawn = {x["id"] for x in self.nodes}
        for n in specs:
            target = gids[n["id"]]
            if target not in drawn:
                continue
            ups = [(u[0], u[1]) for u in n.get("upstream", []) if u[0] in gids]
            for up, kind in ups:
                if gids[up] in drawn:
                    self.edge(gids[up], target, kind)
            gate = n.get("gate")
            if gate and gate[0] in gids and gids[gate[0]] in drawn:
                cases = _cases_of(specs, gate[0])
                label = cases[gate[1]] if gate[1] < len(cases) else None
                self.edge(gids[gate[0]], target, "case", label)
            elif not ups:
                self.edge(gid, target, "child")
        return rest

    def compiled_node(
        self, n: dict[str, Any], gid: str, actions: list[Row], taken: dict[str, int | None]
    ) -> None:
        kind = n.get("kind", "task")
        fields: dict[str, Any] = {"node": n["id"], "task_name": n.get("task", "")}
        skipped = _skipped(n, taken)
        if kind == "branch":
            decided = taken.get(n["id"])
            cases = [
                {
                    "label": _case_label(str(c.get("label", ""))),
                    "fail": c.get("fail"),
                    "taken": None if decided is None else i == decided,
                }
                for i, c in enumerate(n.get("cases", []))
            ]
            phase = "SUCCEEDED" if decided is not None and decided >= 0 else None
            label = n.get("label") or "conditional"
            phase = None if skipped else phase
            self.node(gid, "branch", label, cases=cases, phase=phase, skipped=skipped, **fields)
            return
        label = n.get("label") or n.get("task") or n["id"]
        if kind == "map":
            self.group_node(gid, "map", label, actions, **fields)
            if actions:
                self.fanout(gid, [k for m in actions for k in self.children.get(m["name"], [])])
            return
        if len(actions) == 1:
            if self.action_node(actions[0], gid, kind, label=label, **fields):
                self.expand(actions[0], gid)
            return
        if len(actions) > 1:  # a node whose entity made several calls
            self.group_node(gid, kind, label, actions, **fields)
            return
        self.node(gid, kind, label, skipped=skipped, **fields)


def _group_phase(counts: dict[str, int]) -> str | None:
    """One phase for a group: live while any member is, failed if any failed, else done."""
    for phase in ("RUNNING", "QUEUED", "FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED"):
        if counts.get(phase):
            return phase
    return None


def _cases_of(specs: list[dict[str, Any]], branch: str) -> list[str]:
    for n in specs:
        if n["id"] == branch:
            return [_case_label(str(c.get("label", ""))) for c in n.get("cases", [])]
    return []


def _decisions(
    specs: list[dict[str, Any]], by_node: dict[str, list[Row]], phase: str
) -> dict[str, int | None]:
    """Per conditional: the index of the case taken, or None while it cannot be told."""
    ran: dict[str, bool] = {n["id"]: bool(by_node.get(n["id"])) for n in specs}
    taken: dict[str, int | None] = {}
    for n in specs:  # a conditional comes after the nodes of its cases (and inner ones)
        if n.get("kind") != "branch":
            continue
        cases = n.get("cases", [])
        gated: dict[int, list[str]] = {i: [] for i in range(len(cases))}
        for m in specs:
            gate = m.get("gate")
            if gate and gate[0] == n["id"] and gate[1] in gated:
                gated[gate[1]].append(m["id"])
        decided = [i for i, ids in gated.items() if any(ran.get(x) for x in ids)]
        choice: int | None = decided[0] if decided else None
        if choice is None and _went_past(n["id"], specs, ran, phase):
            empty = [i for i, ids in gated.items() if not ids]
            choice = empty[0] if len(empty) == 1 else -1
        taken[n["id"]] = choice
        ran[n["id"]] = choice is not None
    for n in reversed(specs):  # a conditional inside a case not taken took no case
        if n.get("kind") == "branch" and _skipped(n, taken):
            taken[n["id"]] = -1
    return taken


def _went_past(
    branch: str, specs: Iterable[dict[str, Any]], ran: dict[str, bool], phase: str
) -> bool:
    if phase == "SUCCEEDED":
        return True
    return any(
        ran.get(m["id"]) and any(u[0] == branch for u in m.get("upstream", [])) for m in specs
    )


def _skipped(n: dict[str, Any], taken: dict[str, int | None]) -> bool:
    """A node in a case that was not taken (or under a conditional that was skipped)."""
    gate = n.get("gate")
    if not gate:
        return False
    decided = taken.get(gate[0])
    return decided is not None and decided != gate[1]


def build_graph(rows: list[Row], max_items: int = 1000, max_nodes: int = 5000) -> dict[str, Any]:
    """The graph of a run whose actions are ``rows`` (see the module docstring)."""
    if max_items < 0 or max_nodes < 1:
        raise ValueError("max_items must be >= 0 and max_nodes >= 1")
    builder = _Builder(rows, max_items, max_nodes)
    for root in builder.children.get(None, []):
        if builder.action_node(root, root["name"], "root"):
            builder.expand(root, root["name"])
    return {
        "nodes": builder.nodes,
        "edges": builder.edges,
        "total_actions": len(rows),
        "truncated": builder.truncated,
    }
