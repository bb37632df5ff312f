"""The run graph (server/_run_graph.py): compiled workflows, conditionals, maps, fan-outs.

Rows are what the store records (``actions`` columns); the last tests record a real
workflow run in this process and build its graph from the database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _backend_util import http, running_server

import flyte_nb as fl
from flyte_nb import _config
from flyte_nb.server._run_graph import build_graph
from flyte_nb.union import conditional, map_task, task, workflow

_seq = iter(range(1_000_000))


def row(name: str, parent: str | None, task_name: str, phase: str = "SUCCEEDED", **kw: Any) -> dict:
    spec: dict[str, Any] = {}
    if "graph" in kw:
        spec["graph"] = kw.pop("graph")
    if "node" in kw:
        spec["node"] = kw.pop("node")
    return {
        "name": name,
        "parent": parent,
        "seq": next(_seq),
        "task_name": task_name,
        "short_name": task_name.rsplit(".", 1)[-1],
        "group_name": kw.pop("group", None),
        "phase": phase,
        "spec": json.dumps({"spec": spec}) if spec else None,
    }


def by_id(graph: dict) -> dict[str, dict]:
    return {n["id"]: n for n in graph["nodes"]}


def edges(graph: dict) -> set[tuple[str, str, str]]:
    return {(e["source"], e["target"], e["kind"]) for e in graph["edges"]}


GRAPH = {
    "version": 1,
    "nodes": [
        {"id": "n0", "kind": "task", "task": "m.a", "label": "a", "upstream": []},
        {
            "id": "n1",
            "kind": "task",
            "task": "m.b",
            "label": "b",
            "gate": ["n3", 0],
            "upstream": [["n0", "data"]],
        },
        {
            "id": "n2",
            "kind": "task",
            "task": "m.a",
            "label": "a",
            "gate": ["n3", 1],
            "upstream": [["n0", "data"]],
        },
        {
            "id": "n3",
            "kind": "branch",
            "task": "",
            "label": "pick",
            "cases": [
                {"label": "(Promise(n0.o0) > 2)", "fail": None},
                {"label": "else", "fail": None},
            ],
            "upstream": [["n0", "data"]],
        },
        {"id": "n4", "kind": "map", "task": "map_m.b", "label": "map:b", "upstream": []},
        {
            "id": "n5",
            "kind": "task",
            "task": "m.c",
            "label": "c",
            "upstream": [["n4", "data"], ["n3", "order"]],
        },
    ],
    "outputs": ["n5"],
}


def test_a_workflow_is_drawn_as_compiled_with_the_case_taken_and_the_map_counted() -> None:
    rows = [
        row("a0", None, "m.wf", "RUNNING", graph=GRAPH),
        row("x0", "a0", "m.a", node="n0"),
        row("x1", "a0", "m.b", node="n1"),
        row("m0", "a0", "m.b", group="map:b", node="n4"),
        row("m1", "a0", "m.b", "FAILED", group="map:b", node="n4"),
        row("m2", "a0", "m.b", "RUNNING", group="map:b", node="n4"),
    ]
    g = build_graph(rows)
    nodes = by_id(g)
    assert set(nodes) == {"a0", "a0/n0", "a0/n1", "a0/n2", "a0/n3", "a0/n4", "a0/n5"}
    assert nodes["a0/n0"]["action"] == "x0"
    assert nodes["a0/n0"]["phase"] == "SUCCEEDED"
    # the case taken ran; the other case's node is skipped, never run
    assert nodes["a0/n1"]["action"] == "x1"
    assert not nodes["a0/n1"]["skipped"]
    assert nodes["a0/n2"]["skipped"]
    assert nodes["a0/n2"]["action"] is None
    branch = nodes["a0/n3"]
    assert [(c["label"], c["taken"]) for c in branch["cases"]] == [
        ("n0.o0 > 2", True),
        ("else", False),
    ]
    # the map: one node, members by phase, listed in call order
    m = nodes["a0/n4"]
    assert m["kind"] == "map"
    assert m["total"] == 3
    assert m["counts"] == {"SUCCEEDED": 1, "FAILED": 1, "RUNNING": 1}
    assert m["phase"] == "RUNNING"
    assert [i["action"] for i in m["items"]] == ["m0", "m1", "m2"]
    # not run yet: no action, no phase, not skipped
    assert nodes["a0/n5"]["phase"] is None
    assert not nodes["a0/n5"]["skipped"]
    assert edges(g) == {
        ("a0", "a0/n0", "child"),
        ("a0/n0", "a0/n1", "data"),
        ("a0/n3", "a0/n1", "case"),
        ("a0/n0", "a0/n2", "data"),
        ("a0/n3", "a0/n2", "case"),
        ("a0/n0", "a0/n3", "data"),
        ("a0", "a0/n4", "child"),
        ("a0/n4", "a0/n5", "data"),
        ("a0/n3", "a0/n5", "order"),
    }


def test_an_undecided_conditional_says_so_and_skips_nothing() -> None:
    g = build_graph([row("a0", None, "m.wf", "RUNNING", graph=GRAPH)])
    nodes = by_id(g)
    assert [c["taken"] for c in nodes["a0/n3"]["cases"]] == [None, None]
    assert nodes["a0/n3"]["phase"] is None
    assert not nodes["a0/n1"]["skipped"]
    assert not nodes["a0/n2"]["skipped"]


def test_a_case_without_nodes_was_taken_when_the_workflow_went_past_it() -> None:
    graph = {
        "version": 1,
        "nodes": [
            {
                "id": "n0",
                "kind": "task",
                "task": "m.a",
                "label": "a",
                "gate": ["n1", 0],
                "upstream": [],
            },
            {
                "id": "n1",
                "kind": "branch",
                "label": "c",
                "cases": [{"label": "x", "fail": None}, {"label": "else", "fail": None}],
                "upstream": [],
            },
        ],
    }
    g = build_graph([row("a0", None, "m.wf", "SUCCEEDED", graph=graph)])
    nodes = by_id(g)
    assert [c["taken"] for c in nodes["a0/n1"]["cases"]] == [False, True]
    assert nodes["a0/n0"]["skipped"]


def test_a_flyte2_fanout_is_grouped_by_task_and_group() -> None:
    rows = [row("a0", None, "m.main", "RUNNING")]
    rows += [row(f"s{i}", "a0", "m.square", group="squares") for i in range(50)]
    rows += [row(f"c{i}", "a0", "m.cube", "FAILED" if i == 3 else "SUCCEEDED") for i in range(5)]
    rows += [row("one", "a0", "m.report")]
    # each square calls a helper: the helpers are one group under the squares
    rows += [row(f"h{i}", f"s{i}", "m.helper") for i in range(50)]
    g = build_graph(rows, max_items=10)
    nodes = by_id(g)
    groups = [n for n in g["nodes"] if n["kind"] == "group"]
    assert len(g["nodes"]) == 5  # root, squares, cubes, report, helpers
    squares = next(n for n in groups if n["task_name"] == "m.square")
    assert squares["group"] == "squares"
    assert squares["total"] == 50
    assert len(squares["items"]) == 10  # listed up to max_items, counted in full
    cubes = next(n for n in groups if n["task_name"] == "m.cube")
    assert cubes["counts"] == {"SUCCEEDED": 4, "FAILED": 1}
    assert cubes["phase"] == "FAILED"
    helpers = next(n for n in groups if n["task_name"] == "m.helper")
    assert ("a0", squares["id"], "child") in edges(g)
    assert (squares["id"], helpers["id"], "child") in edges(g)
    assert nodes["one"]["action"] == "one"


def test_node_limit_truncates_and_bad_limits_are_refused() -> None:
    rows = [row("a0", None, "m.main")] + [row(f"x{i}", "a0", f"m.t{i}") for i in range(20)]
    g = build_graph(rows, max_nodes=5)
    assert len(g["nodes"]) == 5
    assert g["truncated"]
    with pytest.raises(ValueError, match="max_nodes"):
        build_graph(rows, max_nodes=0)


@task
def add_one(x: int) -> int:
    return x + 1


@task
def double(x: int) -> int:
    return x * 2


@task
def total(xs: list[int]) -> int:
    return sum(xs)


@workflow
def branchy(x: int) -> int:
    y = add_one(x=x)
    conditional("pick").if_(y > 2).then(double(x=y)).else_().then(add_one(x=y))
    return total(xs=map_task(double)(x=[1, 2, 3]))


def _rows(run: str) -> list[dict[str, Any]]:
    from flyte_nb.store._recorder import flush_all

    flush_all()
    con = sqlite3.connect(_config.database_path())
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("select * from actions where run_name = ?", (run,))]
    finally:
        con.close()


def test_a_real_workflow_run_records_its_graph_and_each_nodes_action() -> None:
    run = fl.run(branchy, x=3)
    assert run.outputs() == 12
    g = build_graph(_rows(run.name))
    nodes = {n["node"]: n for n in g["nodes"] if n["node"]}
    assert nodes["n0"]["kind"] == "task"
    assert nodes["n0"]["phase"] == "SUCCEEDED"
    assert nodes["n1"]["action"]
    assert not nodes["n1"]["skipped"]
    assert nodes["n2"]["skipped"]
    assert nodes["n2"]["action"] is None
    assert [c["taken"] for c in nodes["n3"]["cases"]] == [True, False]
    assert nodes["n4"]["kind"] == "map"
    assert nodes["n4"]["counts"] == {"SUCCEEDED": 3}
    assert nodes["n5"]["phase"] == "SUCCEEDED"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    home = tmp_path_factory.mktemp("graph-backend-home")
    with running_server(home) as info:
        yield home, info


def test_the_backend_records_the_graph_and_serves_it(server: tuple[Path, Any]) -> None:
    """On a backend the workflow runs in a worker: the graph travels in the run's spec and
    the node ids in the specs its calls send; GET .../graph answers with the drawn graph."""
    fl.init(home=server[0])
    run = fl.run(branchy, x=0)
    assert run.wait(timeout=60).outputs() == 12
    with http(server[1]) as client:
        answer = client.get(f"/api/v1/runs/{run.name}/graph")
        assert answer.status_code == 200, answer.text
        missing = client.get("/api/v1/runs/nope/graph")
    g = answer.json()
    nodes = {n["node"]: n for n in g["nodes"] if n["node"]}
    assert nodes["n1"]["skipped"]  # y = 1: else_ taken
    assert nodes["n2"]["phase"] == "SUCCEEDED"
    assert [c["taken"] for c in nodes["n3"]["cases"]] == [False, True]
    assert nodes["n4"]["total"] == 3
    assert g["total_actions"] == 7
    assert missing.status_code == 404
