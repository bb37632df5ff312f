"""A compiled workflow described as plain JSON: what the panel's graph view draws.

Decisions:

* The description travels in the workflow action's spec (``task_spec`` / ``local_spec``
  add ``"graph"``), so it is recorded wherever the workflow runs (kernel or backend
  worker) with no new table, and a reader needs no user code to draw it: the backend never
  imports or unpickles what users wrote.
* Only structure, never values: node ids, what each node calls (task, sub-workflow, map,
  launch plan, gate or conditional), the edges as compiled (data from a node's promises,
  ordering from ``>>``, a conditional's inputs), and for a conditional its cases, written
  as their conditions. Constants bound to inputs stay out (they may be large or secret).
* Which action ran a node is recorded on the action (its spec's ``"node"``, set while the
  node's call is made, ``union/_execute.py``); this side says what could run.
"""

from __future__ import annotations

from typing import Any

from ._promise import Expression, Node, Promise, PromiseTuple

__all__ = ["GRAPH_VERSION", "describe_graph"]

GRAPH_VERSION = 1


def _kind(node: Node) -> str:
    if node.kind == "branch":
        return "branch"
    from ._launch_plan import LaunchPlan
    from ._map import MapTask
    from ._workflow import WorkflowTemplate

    entity = node.entity
    if isinstance(entity, MapTask):
        return "map"
    if isinstance(entity, WorkflowTemplate):
        return "workflow"
    if isinstance(entity, LaunchPlan):
        return "launch_plan"
    if getattr(entity, "gate_spec", None) is not None:
        return "gate"
    return "task"


def _promise_nodes(value: Any, out: list[Node]) -> None:
    """The nodes whose outputs ``value`` (promises nested in containers) reads."""
    if isinstance(value, Promise):
        if value.node is not None:
            out.append(value.node)
    elif isinstance(value, Expression):
        for side in value.promises():
            _promise_nodes(side, out)
    elif isinstance(value, (list, tuple, PromiseTuple)):
        for v in value:
            _promise_nodes(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _promise_nodes(v, out)


def _upstream(node: Node) -> list[tuple[Node, str]]:
    """(node, edge kind) for each node ``node`` waits for, each once, data first."""
    found: list[Node] = []
    _promise_nodes(list(node.inputs.values()), found)
    if node.kind == "branch":
        for case in node.entity.cases:
            if case.condition is not None:
                _promise_nodes(case.condition, found)
    edges: list[tuple[Node, str]] = []
    seen: set[int] = set()
    for up in found:
        if id(up) not in seen:
            seen.add(id(up))
            edges.append((up, "data"))
    for up in node.upstream:
        if id(up) not in seen:
            seen.add(id(up))
            edges.append((up, "order"))
    return edges


def describe_graph(nodes: list[Node], outputs: dict[str, Any]) -> dict[str, Any]:
    """The JSON description of a compiled workflow (see the module docstring)."""
    branch_ids = {id(n.entity): n.id for n in nodes if n.kind == "branch"}
    described = []
    for node in nodes:
        item: dict[str, Any] = {"id": node.id, "kind": _kind(node)}
        if node.kind == "call":
            entity = node.entity
            item["task"] = getattr(entity, "name", "")
            item["label"] = getattr(entity, "short_name", None) or item["task"]
        else:
            item["task"] = ""
            item["label"] = getattr(node.entity, "name", "conditional")
            item["cases"] = [
                {
                    "label": "else" if c.condition is None else repr(c.condition),
                    "fail": c.fail,
                }
                for c in node.entity.cases
            ]
        if node.gate is not None:
            section, index = node.gate
            item["gate"] = [branch_ids.get(id(section), ""), index]
        item["upstream"] = [[up.id, kind] for up, kind in _upstream(node)]
        described.append(item)
    found: list[Node] = []
    _promise_nodes(list(outputs.values()), found)
    return {
        "version": GRAPH_VERSION,
        "nodes": described,
        "outputs": list(dict.fromkeys(n.id for n in found)),
    }
