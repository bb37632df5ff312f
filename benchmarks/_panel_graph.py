"""bench_panel's graph and tree-search figures, each against a baseline measured in the same
run (issue 18):

- a 1,000-node workflow graph drawn after the data arrives (target <= 500 ms): from the
  moment the panel has read the body of ``GET runs/<name>/graph`` to the first frame with
  every node in the SVG (layout, markup, parse and paint), in JupyterLab in Chromium;
  against one ``fetch`` of the same graph from the same page;
- a 10,000-action run's tree searched (target <= 100 ms): from the search being applied
  (the end of the search box's 200 ms typing pause) to the first frame with only the
  matches drawn; against one ``fetch`` of the same tree. The time from the keystroke, the
  pause included, is printed too.

The runs are written straight to the store (a real compiled workflow's graph, ``graph_spec``,
and its node ids in the action specs), so the figures time the panel, not 11,000 task runs.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from _common import Row

from flyte_nb.union import task, workflow

GRAPH_RUN = "rbenchgraph1000"
TREE_RUN = "rbenchtree10000"
WIDTH, DEPTH = 25, 40  # 25 x 40 nodes, and one that sums the last layer: 1,001 nodes


@task
def start(x: int) -> int:
    return x


@task
def step(a: int, b: int) -> int:
    return a + b


@task
def total(xs: list[int]) -> int:
    return sum(xs)


@workflow
def wide_and_deep(x: int) -> int:
    layer = [start(x=x) for _ in range(WIDTH)]
    for _ in range(DEPTH - 1):
        layer = [step(a=layer[i], b=layer[(i + 1) % WIDTH]) for i in range(WIDTH)]
    return total(xs=layer)


def _action(run: str, name: str, parent: str | None, seq: int, task_name: str, spec: Any) -> tuple:
    now = time.time()
    return (
        run,
        name,
        parent,
        seq,
        task_name,
        task_name.rsplit(".", 1)[-1],
        None,
        "SUCCEEDED",
        now,
        now,
        now + 0.01,
        1,
        False,
        None,
        "{}",
        "{}",
        None,
        "[]",
        "[]",
        json.dumps({"spec": spec}) if spec else None,
    )


def populate(home: Path) -> None:
    """A finished run of a 1,001-node workflow and a finished 10,000-child fan-out."""
    graph = wide_and_deep.graph_spec
    assert graph is not None
    nodes = graph["nodes"]
    actions = [_action(GRAPH_RUN, "a0", None, 0, wide_and_deep.name, {"graph": graph})]
    for i, n in enumerate(nodes):
        actions.append(_action(GRAPH_RUN, f"a{i + 1}", "a0", i + 1, n["task"], {"node": n["id"]}))
    actions.append(_action(TREE_RUN, "a0", None, 0, "bench.fan", None))
    for i in range(10_000):
        name = "bench.needle" if i % 1000 == 999 else "bench.leaf"
        actions.append(_action(TREE_RUN, f"c{i:05d}", "a0", i + 1, name, None))
    now = time.time()
    runs = [
        (
            GRAPH_RUN,
            wide_and_deep.name,
            "SUCCEEDED",
            "backend",
            now,
            now,
            now + 1,
            "{}",
            "{}",
            None,
            len(nodes) + 1,
            "default",
            "development",
        ),
        (
            TREE_RUN,
            "bench.fan",
            "SUCCEEDED",
            "backend",
            now,
            now,
            now + 1,
            "{}",
            "{}",
            None,
            10_001,
            "default",
            "development",
        ),
    ]
    db = sqlite3.connect(home / "flyte_nb.db")
    with db:
        db.executemany(
            "INSERT INTO runs (name, task_name, phase, mode, created_at, started_at, ended_at,"
            " inputs, outputs, error, action_count, project, domain)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            runs,
        )
        db.executemany(
            "INSERT INTO actions (run_name, name, parent, seq, task_name, short_name,"
            " group_name, phase, created_at, started_at, ended_at, attempts, cache_hit,"
            " cache_key, inputs, outputs, error, transitions, attempt_log, spec)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            actions,
        )
    db.close()


# Before the page's own scripts: note when a graph body has been read (the panel's client
# reads every answer with Response.text()), and when the tree's search pause ends (the
# search box's 200 ms timer fires).
INIT_JS = """
(() => {
  const text = Response.prototype.text;
  Response.prototype.text = async function () {
    const body = await text.call(this);
    if (this.url.includes('/graph')) { window.__fnbGraphRead = performance.now(); }
    return body;
  };
  const later = window.setTimeout;
  window.setTimeout = function (fn, ms, ...rest) {
    if (ms === 200 && typeof fn === 'function' && window.__fnbSearchArmed) {
      const inner = fn;
      fn = () => { window.__fnbSearchApplied = performance.now(); inner(); };
    }
    return later.call(window, fn, ms, ...rest);
  };
})();
"""

# Resolves with (read -> drawn) once the view has a new graph of `n` nodes, painted. A big
# graph is windowed (graph.ts): the SVG holds the visible part, and says its size.
GRAPH_ARM_JS = """([n, view]) => {
  window.__fnbGraphRead = null;
  window.__fnbGraphDrawn = new Promise((resolve, reject) => {
    const fresh = () => {
      const svg = document.querySelector(`${view} .fnb-GraphSvg`);
      return svg && !svg.dataset.seen && Number(svg.dataset.total) >= n &&
        svg.querySelector('.fnb-GraphNode') ? svg : null;
    };
    const obs = new MutationObserver(() => {
      const svg = window.__fnbGraphRead !== null && fresh();
      if (svg) {
        obs.disconnect();
        svg.dataset.seen = '1';
        requestAnimationFrame(() => resolve([performance.now() - window.__fnbGraphRead,
          svg.querySelectorAll('.fnb-GraphNode').length]));
      }
    });
    obs.observe(document.body, { subtree: true, childList: true });
    setTimeout(() => reject(new Error('no graph in 60 s')), 60000);
  });
}"""

FETCH_JS = """async path => {
  const token = new URLSearchParams(location.search).get('token');
  const t0 = performance.now();
  const r = await fetch(`flyte-nb/api/v1/${path}${path.includes('?') ? '&' : '?'}token=${token}`);
  await r.json();
  return performance.now() - t0;
}"""

# Resolves with [applied -> drawn, keystroke -> drawn] when the view's tree shows `n` rows
# (the view's: JupyterLab restores the other run's view too). The virtualized tree builds
# only the rows in view and says how many it shows in data-rows; ROWS_JS counts them.
SEARCH_ARM_JS = """([n, view]) => {
  window.__fnbSearchArmed = true;
  window.__fnbSearchApplied = null;
  let typed = null;
  document.addEventListener('input', () => { typed = performance.now(); },
                            { capture: true, once: true });
  window.__fnbSearched = new Promise(resolve => {
    const rows = () => {
      const tree = document.querySelector(`${view} .fnb-Tree`);
      return tree && tree.dataset.rows !== undefined ? Number(tree.dataset.rows)
        : document.querySelectorAll(`${view} .fnb-Tree .fnb-ActionRow[data-action]`).length;
    };
    const obs = new MutationObserver(() => {
      if (window.__fnbSearchApplied !== null && rows() === n) {
        obs.disconnect();
        requestAnimationFrame(() => {
          const now = performance.now();
          window.__fnbSearchArmed = false;
          resolve([now - window.__fnbSearchApplied, now - typed]);
        });
      }
    });
    obs.observe(document.body, { subtree: true, childList: true, attributes: true,
                                 attributeFilter: ['data-rows'] });
  });
}"""

# The rows the view's tree shows, and those in its DOM (the old tree drew every one).
ROWS_JS = """v => {
  const tree = document.querySelector(`${v} .fnb-Tree`);
  const dom = document.querySelectorAll(`${v} .fnb-Tree .fnb-ActionRow[data-action]`).length;
  return [tree && tree.dataset.rows !== undefined ? Number(tree.dataset.rows) : dom, dom];
}"""


def graph_figures(lab: Any, browser: Any, reps: int) -> list[Row]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(INIT_JS)
    page = context.new_page()
    page.goto(lab.page_url() + f"&flyte-nb=run/{GRAPH_RUN}")
    view = page.locator(f"#flyte-nb-run-{GRAPH_RUN}")
    view.locator(".fnb-RunHeader").wait_for(timeout=60_000)
    nodes = len(wide_and_deep.graph_spec["nodes"]) + 1  # type: ignore[index]
    drawn, fetched, dom_nodes = [], [], 0
    for _ in range(reps):
        view.locator('.fnb-Tab[data-tab="actions"]').click()
        view.locator(".fnb-Tree").wait_for(timeout=60_000)
        fetched.append(page.evaluate(FETCH_JS, f"runs/{GRAPH_RUN}/graph"))
        page.evaluate(GRAPH_ARM_JS, [nodes, f"#flyte-nb-run-{GRAPH_RUN}"])
        view.locator('.fnb-Tab[data-tab="graph"]').click()
        ms, in_dom = page.evaluate("() => window.__fnbGraphDrawn")
        drawn.append(ms)
        dom_nodes = max(dom_nodes, in_dom)
    searched, typed, tree_fetch = [], [], []
    page.goto(lab.page_url() + f"&flyte-nb=run/{TREE_RUN}")
    view = page.locator(f"#flyte-nb-run-{TREE_RUN}")
    tree = view.locator(".fnb-Tree")
    tree.wait_for(timeout=60_000)
    tree.evaluate("el => { el.scrollTop = el.scrollHeight; }")  # to the "+ N more" line
    view.get_by_role("button", name="show all").click()  # every child, not the first 200
    tree_view = f"#flyte-nb-run-{TREE_RUN}"
    page.wait_for_function(f"v => ({ROWS_JS})(v)[0] >= 10001", arg=tree_view, timeout=120_000)
    tree_dom_rows = page.evaluate(ROWS_JS, tree_view)[1]
    search = view.locator(".fnb-TreeFilter-text")
    for _ in range(reps):
        tree_fetch.append(page.evaluate(FETCH_JS, f"runs/{TREE_RUN}/tree?max_children=10000"))
        page.evaluate(SEARCH_ARM_JS, [11, tree_view])  # 10 needles and their parent
        search.fill("needle")
        applied, keystroke = page.evaluate("() => window.__fnbSearched")
        searched.append(applied)
        typed.append(keystroke)
        page.evaluate(SEARCH_ARM_JS, [10_001, tree_view])
        search.fill("")
        page.evaluate("() => window.__fnbSearched")
    context.close()
    return [
        Row(
            f"run graph of {nodes:,} nodes drawn after its data, p50",
            statistics.median(drawn),
            "ms",
            target=500.0,
            ref=statistics.median(fetched),
            ref_label="one fetch of the graph, p50",
        ),
        Row("run graph drawn, worst", max(drawn), "ms", target=500.0),
        Row(
            "graph nodes in the DOM (windowed)",
            float(dom_nodes),
            "nodes",
            ref=float(nodes),
            ref_label="nodes in the graph",
        ),
        Row(
            "10,000-action tree searched (applied -> drawn), p50",
            statistics.median(searched),
            "ms",
            target=100.0,
            ref=statistics.median(tree_fetch),
            ref_label="one fetch of the tree, p50",
        ),
        Row(
            "tree searched, keystroke -> drawn (200 ms typing pause included), p50",
            statistics.median(typed),
            "ms",
        ),
        Row(
            "tree rows in the DOM (virtualized)",
            float(tree_dom_rows),
            "rows",
            ref=10_001.0,
            ref_label="rows in the tree",
        ),
    ]


def main() -> None:
    """These figures alone (``python benchmarks/_panel_graph.py``); bench_panel prints them
    with the rest."""
    from _common import parse_args, print_table, temp_home
    from bench_panel import lab_and_browser

    from flyte_nb.client import _daemon

    options = parse_args("the panel's graph and tree-search figures")
    home = temp_home("panel-graph")
    _daemon.ensure_server(home, workers=1)
    try:
        populate(home)
        with lab_and_browser(home) as (lab, browser):
            rows = graph_figures(lab, browser, options.reps(5, 1))
        print_table("JupyterLab panel: graph and tree search", rows)
    finally:
        _daemon.stop(home)


if __name__ == "__main__":
    main()
