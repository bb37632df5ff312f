"""Route for a run's graph (``GET /api/v1/runs/{name}/graph``): thin over ``_run_graph.py``.

The graph is built from the same action rows the tree reads, so a live run's graph is as
fresh as its tree; the panel re-reads it on the run's action events.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query
from pydantic import BaseModel, Field

from ..backend import Views
from ._common import ERRORS, run_or_404
from ._run_graph import build_graph

NodeKind = Literal[
    "root", "action", "task", "workflow", "map", "launch_plan", "gate", "branch", "group"
]


class GraphItem(BaseModel):
    """One member of a map node or a group: its action, its index, its phase."""

    action: str
    label: str
    phase: str


class GraphCase(BaseModel):
    """One case of a conditional: its condition (``else``), whether it was the one taken
    (``null`` while that cannot be told), and the message of a ``.fail(...)`` case."""

    label: str
    fail: str | None
    taken: bool | None


class GraphNode(BaseModel):
    id: str = Field(description="unique in this graph; stable across re-reads")
    kind: NodeKind
    label: str
    task_name: str
    node: str | None = Field(description="the compiled workflow node id (n0, n1...), if any")
    action: str | None = Field(description="the action that ran it (none for a group)")
    phase: str | None = Field(description="null: not run (yet), or skipped")
    skipped: bool = Field(description="in a case of a conditional that was not taken")
    group: str | None
    counts: dict[str, int] = Field(description="a map node or a group: members per phase")
    total: int = Field(description="a map node or a group: how many members")
    items: list[GraphItem] = Field(description="a map node or a group: its first members")
    cases: list[GraphCase] = Field(description="a conditional: its cases")


class GraphEdge(BaseModel):
    source: str
    target: str
    kind: Literal["data", "order", "case", "child"] = Field(
        description="data: reads its output; order: >>; case: runs in that case; child: "
        "called by it"
    )
    label: str | None


class RunGraph(BaseModel):
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    total_actions: int
    truncated: bool = Field(description="nodes past max_nodes were left out")


def add_graph_routes(app: FastAPI, views: Views) -> None:
    @app.get("/api/v1/runs/{name}/graph", response_model=RunGraph, responses=ERRORS)
    async def run_graph(
        name: str,
        max_items: Annotated[int, Query(ge=0, le=10_000)] = 1000,
        max_nodes: Annotated[int, Query(ge=1, le=20_000)] = 5000,
    ) -> dict[str, Any]:
        """The run as a graph: compiled workflow nodes and edges, conditionals with the case
        taken, map nodes and fan-outs grouped (members listed up to ``max_items``)."""
        run_or_404(views, name)
        return build_graph(views.action_rows(name), max_items, max_nodes)
