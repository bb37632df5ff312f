"""The run graph and the lineage graph (issue 18, "the graph"), in a real JupyterLab in
Debian's Chromium against a real backend (see ``_panel_lab.py``).

A workflow with a conditional and a map task shows its compiled nodes and edges, the case
taken and the one skipped, and the map as one node that expands; a Flyte 2 fan-out is one
group per task and ``group``; a click (or Enter) on a node opens its action's detail; an
artifact version's lineage is drawn with the same renderer. The screenshots of the graph
go to docs/images/ (docs/panel.md shows them); the rest to test-output/panel/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from _backend_util import wait_for
from _panel_lab import PLUGIN, REPO, jupyter_lab
from playwright.sync_api import expect
from test_panel_fixes import set_theme

import flyte_nb as fl
from flyte_nb.artifacts import Artifact, Inputs
from flyte_nb.client import _daemon
from flyte_nb.exceptions import ArtifactNotFoundError
from flyte_nb.union import conditional, map_task, task, workflow

expect.set_options(timeout=30_000)

DOC_IMAGES = REPO / "docs" / "images"

graph_env = fl.TaskEnvironment("panel_graph")
Lengths = Artifact(name="graph-lengths", partition_keys=["kind"])


@task
def prepare(x: int) -> int:
    return x + 1


@task
def big(x: int) -> int:
    return x * 100


@task
def small(x: int) -> int:
    return x


@task
def square(x: int) -> int:
    return x * x


@task
def combine(xs: list[int], y: int) -> int:
    return sum(xs) + y


@workflow
def pipeline(x: int) -> int:
    y = prepare(x=x)
    picked = conditional("size").if_(y > 2).then(big(x=y)).else_().then(small(x=y))
    squares = map_task(square)(x=[1, 2, 3, 4])
    return combine(xs=squares, y=picked)


@graph_env.task
def leaf(i: int) -> int:
    return i


@graph_env.task
def summary(n: int) -> int:
    return n


@graph_env.task
def fan(n: int) -> int:
    """Flyte 2 style: a fan-out in a group, another task's children, and one more child."""
    with fl.group("squares"):
        total = sum(leaf(i) for i in range(n))
    total += sum(leaf(100 + i) for i in range(3))
    return summary(total)


@graph_env.task
def held(gate: str) -> int:
    """Runs one child, waits for ``gate`` to exist, then runs another."""
    first = leaf(1)
    while not Path(gate).exists():
        time.sleep(0.05)
    return first + summary(2)


@graph_env.task
def measure(kind: str) -> Annotated[int, Lengths(kind=Inputs.kind)]:
    return len(kind)


@graph_env.task
def read_length(n: int = Lengths.query(kind="ab")) -> int:
    return n * 2


@pytest.fixture(scope="module")
def panel_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("panel-graph-home")
    try:
        yield home
    finally:
        _daemon.stop(home)


@pytest.fixture(scope="module")
def lab(panel_home: Path) -> Iterator[Any]:
    with jupyter_lab(panel_home, overrides={PLUGIN: {"refreshInterval": 3600}}) as lab:
        yield lab


@pytest.fixture
def backend(panel_home: Path, lab: Any, home: Path) -> Path:
    _daemon.ensure_server(panel_home, workers=2)
    fl.init(home=panel_home)
    return panel_home


def open_graph(page: Any, lab: Any, run: str, phase: str = "SUCCEEDED") -> Any:
    """The run's view (through its link), on the Graph tab; returns the view."""
    page.goto(lab.page_url() + f"&flyte-nb=run/{run}")
    view = page.locator(f"#flyte-nb-run-{run}")
    expect(view.locator(".fnb-RunHeader")).to_contain_text(phase, timeout=60_000)
    view.locator('.fnb-Tab[data-tab="graph"]').click()
    expect(view.locator(".fnb-GraphSvg")).to_be_visible()
    return view


def node(view: Any, compiled: str) -> Any:
    return view.locator(f'.fnb-GraphNode[data-node="{compiled}"]')


def shot(page: Any, name: str) -> None:
    DOC_IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOC_IMAGES / f"{name}.png"))


_CONTRAST_JS = """
([fg, bg]) => {
  const parse = c => {
    const ctx = Object.assign(document.createElement('canvas'), {width: 1, height: 1})
      .getContext('2d');
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 1, 1);
    ctx.fillStyle = c; ctx.fillRect(0, 0, 1, 1);
    return Array.from(ctx.getImageData(0, 0, 1, 1).data).slice(0, 3);
  };
  const lum = rgb => {
    const [r, g, b] = rgb.map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(parse(fg)), lum(parse(bg))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


def node_contrast(page: Any, box: Any) -> float:
    """The contrast of a graph node's title against its box, as the browser drew them."""
    colours = box.evaluate(
        """g => [getComputedStyle(g.querySelector('.fnb-GraphNode-title')).fill,
                 getComputedStyle(g.querySelector('.fnb-GraphNode-box')).fill]"""
    )
    return float(page.evaluate(_CONTRAST_JS, colours))


def test_a_workflow_graph_shows_the_compiled_nodes_the_case_taken_and_the_map(
    lab: Any, page: Any, backend: Path
) -> None:
    run = fl.run(pipeline, x=3).wait(timeout=90)
    assert run.phase == "SUCCEEDED", run.error
    view = open_graph(page, lab, run.name)
    # every compiled node, the one in the case not taken included
    for compiled in ("n0", "n1", "n2", "n3", "n4", "n5"):
        expect(node(view, compiled)).to_have_count(1)
    expect(node(view, "n0")).to_have_attribute("data-phase", "SUCCEEDED")
    expect(node(view, "n1")).to_have_attribute("data-skipped", "false")  # y = 4 > 2: big
    expect(node(view, "n1")).to_have_attribute("data-phase", "SUCCEEDED")
    expect(node(view, "n2")).to_have_attribute("data-skipped", "true")  # else_: small
    expect(node(view, "n2")).to_have_attribute("data-phase", "")
    expect(node(view, "n3")).to_have_attribute("data-kind", "branch")
    expect(node(view, "n3")).to_contain_text("took n0.o0 > 2")
    # the edges as compiled: data, and the conditional's cases marked taken / skipped
    n = {c: f"a0/{c}" for c in ("n0", "n1", "n2", "n3", "n4", "n5")}
    taken = view.locator(f'.fnb-GraphEdge[data-source="{n["n3"]}"][data-target="{n["n1"]}"]')
    expect(taken).to_have_attribute("data-taken", "true")
    skipped = view.locator(f'.fnb-GraphEdge[data-source="{n["n3"]}"][data-target="{n["n2"]}"]')
    expect(skipped).to_have_attribute("data-taken", "false")
    expect(skipped).to_contain_text("else · skipped")
    for source, target in (("n0", "n3"), ("n4", "n5"), ("n3", "n5")):
        edge = view.locator(f'.fnb-GraphEdge[data-source="{n[source]}"][data-target="{n[target]}"]')
        expect(edge).to_have_attribute("data-kind", "data")
    # the map: one node with its members counted, that expands into them and folds again
    mapped = node(view, "n4")
    expect(mapped).to_have_attribute("data-kind", "map")
    expect(mapped).to_contain_text("4 items · 4 ok")
    expect(view.locator('.fnb-GraphNode[data-kind="item"]')).to_have_count(0)
    shot(page, "panel-graph-workflow")
    mapped.locator("[data-toggle]").click()
    items = view.locator('.fnb-GraphNode[data-kind="item"]')
    expect(items).to_have_count(4)
    expect(node(view, "n4")).to_have_attribute("aria-expanded", "true")
    shot(page, "panel-graph-map-expanded")
    # a member's detail: the action's own (attempts, inputs, outputs)
    items.nth(2).click()
    detail = view.locator(".fnb-GraphDetail")
    expect(detail).to_contain_text("Attempts")
    expect(detail).to_contain_text("square")
    # keyboard: focus a node, Enter opens its detail; - folds the map again
    node(view, "n0").focus()
    page.keyboard.press("Enter")
    expect(detail).to_contain_text("prepare")
    expect(node(view, "n0")).to_have_class(re.compile("fnb-mod-selected"))
    node(view, "n4").focus()
    page.keyboard.press("-")
    expect(items).to_have_count(0)
    # a node that never ran: a summary that says why
    node(view, "n2").click()
    expect(detail).to_contain_text("Skipped")
    node(view, "n3").click()
    expect(detail.locator('li[data-taken="true"]')).to_contain_text("n0.o0 > 2")
    # contrast: white on each phase fill, theme text on unfilled boxes (WCAG AA), in the
    # light and the dark theme (then back: the lab's settings outlive this test)
    light, dark = "JupyterLab Light", "JupyterLab Dark"
    for shown, then in ((light, dark), (dark, light)):
        for compiled in ("n0", "n2", "n3", "n5"):
            assert node_contrast(page, node(view, compiled)) >= 4.5, (shown, compiled)
        set_theme(page, then)


def test_a_flyte2_fanout_is_grouped_by_task_and_group(lab: Any, page: Any, backend: Path) -> None:
    run = fl.run(fan, 40).wait(timeout=90)
    assert run.phase == "SUCCEEDED", run.error
    view = open_graph(page, lab, run.name)
    groups = view.locator('.fnb-GraphNode[data-kind="group"]')
    expect(groups).to_have_count(2)  # 40 leaves in "squares", 3 leaves outside it
    in_group = groups.filter(has_text="(squares)")
    expect(in_group).to_contain_text("40 items · 40 ok")
    expect(groups.filter(has_text="3 items · 3 ok")).to_have_count(1)
    expect(view.locator('.fnb-GraphNode[data-kind="action"]')).to_contain_text("summary")
    # 1 root + 2 groups + summary: 43 children drawn as 4 nodes
    expect(view.locator(".fnb-GraphNode")).to_have_count(4)
    shot(page, "panel-graph-fanout")
    in_group.click()  # a group's click expands it
    expect(view.locator('.fnb-GraphNode[data-kind="item"]')).to_have_count(40)
    view.locator('.fnb-GraphNode[data-kind="item"]').first.click()
    expect(view.locator(".fnb-GraphDetail")).to_contain_text("leaf")
    view.locator(".fnb-GraphTools").get_by_role("button", name="Collapse groups").click()
    expect(view.locator('.fnb-GraphNode[data-kind="item"]')).to_have_count(0)


def test_an_artifact_version_draws_its_lineage_as_a_graph(
    lab: Any, page: Any, backend: Path
) -> None:
    made = fl.run(measure, "ab").wait(timeout=60)
    remote = fl.UnionRemote()

    def recorded() -> bool:
        try:
            return remote.get_artifact(query=Lengths.query(kind="ab")) is not None
        except ArtifactNotFoundError:  # the backend records versions in batches
            return False

    wait_for(recorded, 30, "the artifact version")
    read = fl.run(read_length).wait(timeout=60)
    assert read.phase == "SUCCEEDED", read.error
    page.goto(lab.page_url() + "&flyte-nb=artifact/default/development/graph-lengths")
    view = page.locator("#flyte-nb-artifact-default-development-graph-lengths")
    view.locator("tr[data-version]").first.click()
    graph = view.locator(".fnb-Lineage-graph")
    producer = graph.locator(f'.fnb-GraphNode[data-kind="producer"][data-run="{made.name}"]')
    expect(producer).to_have_attribute("data-phase", "SUCCEEDED")
    expect(graph.locator('.fnb-GraphNode[data-kind="version"]')).to_contain_text("graph-lengths")
    consumer = graph.locator(f'.fnb-GraphNode[data-kind="consumer"][data-run="{read.name}"]')
    expect(consumer).to_be_visible()
    expect(graph.locator(".fnb-GraphEdge")).to_have_count(2)
    shot(page, "panel-graph-lineage")
    consumer.click()  # opens the run that read it
    expect(page.locator(f"#flyte-nb-run-{read.name} .fnb-RunHeader")).to_contain_text("SUCCEEDED")


def test_a_big_graph_is_windowed_and_the_keyboard_reaches_every_node(
    lab: Any, page: Any, backend: Path
) -> None:
    """From 300 nodes on only the part near the visible one is in the DOM (graph.ts); the
    arrow keys still reach a node far outside it, which is then drawn and focused."""
    run = fl.run(fan, 350).wait(timeout=180)
    assert run.phase == "SUCCEEDED", run.error
    view = open_graph(page, lab, run.name)
    group = view.locator('.fnb-GraphNode[data-kind="group"]').filter(has_text="(squares)")
    group.click()
    svg = view.locator(".fnb-GraphSvg")
    expect(svg).to_have_attribute("data-windowed", "true")
    expect(svg).to_have_attribute("data-total", "354")  # root, 2 groups, summary, 350 items
    drawn = view.locator(".fnb-GraphNode").count()
    assert 0 < drawn < 200, drawn
    items = view.locator('.fnb-GraphNode[data-kind="item"]')
    items.first.focus()
    page.keyboard.press("End")  # the last node of the items' column, far below
    focused = view.locator(".fnb-GraphNode:focus")
    expect(focused).to_contain_text("leaf #349")
    page.keyboard.press("Enter")
    expect(view.locator(".fnb-GraphDetail")).to_contain_text("leaf")


def test_a_live_runs_graph_follows_its_phases(
    lab: Any, page: Any, backend: Path, tmp_path: Path
) -> None:
    """The lab re-reads nothing by itself (refresh interval: an hour): what changes comes
    through the run's event stream."""
    gate = tmp_path / "gate"
    run = fl.run(held, str(gate))
    wait_for(lambda: len(run.actions()) >= 2, 60, "the first child")
    view = open_graph(page, lab, run.name, "RUNNING")
    root = view.locator('.fnb-GraphNode[data-kind="root"]')
    expect(root).to_have_attribute("data-phase", "RUNNING")
    expect(view.locator(".fnb-GraphNode")).to_have_count(2)  # the root and its first child
    gate.write_text("go")
    expect(root).to_have_attribute("data-phase", "SUCCEEDED")
    expect(view.locator(".fnb-GraphNode")).to_have_count(3)  # the second child appeared
    expect(
        view.locator('.fnb-GraphNode[data-kind="action"]').filter(has_text="summary")
    ).to_have_attribute("data-phase", "SUCCEEDED")
