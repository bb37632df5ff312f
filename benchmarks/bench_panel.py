"""The JupyterLab panel's figures with 10,000 recorded runs, each against a baseline
measured in the same run.

- the runs API (``GET /api/v1/runs``, the panel's page of 100) p95 (target <= 30 ms), for
  the default sort and for a phase filter, a text filter, a duration sort and a deep page;
  against a bare SQLite query of the same page and count on the same file. The same page
  through the Jupyter server extension's proxy is printed as well (the panel's real path);
- the panel's first paint: from the click on its sidebar icon to the first run row drawn
  (target <= 1 s), in JupyterLab in Chromium; against one ``fetch`` of the same page from
  the same browser page;
- scrolling the virtualized list through 10,000 runs: DOM rows minus rows that intersect
  the viewport, the worst over many scroll positions (target 0: nothing invisible is
  built);
- a 1,000-node workflow graph drawn after its data arrives (target <= 500 ms) and a
  10,000-action run's tree searched (target <= 100 ms): ``_panel_graph.py``.

``--quick`` (CI smoke) measures only the API figures: the browser figures need JupyterLab
and Chromium to start (~15 s).
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import _panel_graph
import httpx
from _common import REPO, Row, parse_args, print_table, temp_home

from flyte_nb.client import _daemon

sys.path.insert(0, str(REPO / "tests"))
N_RUNS = 10_000
PAGE = 100
PHASES = ["SUCCEEDED"] * 7 + ["FAILED", "ABORTED", "RUNNING", "QUEUED", "TIMED_OUT"]


def populate(home: Path) -> None:
    """10,000 finished-looking runs of 20 tasks over the last 30 days, written straight to
    the store's ``runs`` table (the backend migrated it at start)."""
    rng = random.Random(8)
    now = time.time()
    rows = []
    for i in range(N_RUNS):
        created = now - rng.uniform(0, 30 * 86400)
        started = created + rng.uniform(0, 2)
        phase = rng.choice(PHASES)
        ended = None if phase in ("RUNNING", "QUEUED") else started + rng.uniform(0.01, 600)
        rows.append(
            (
                f"r{i:05d}{rng.randrange(16**8):08x}",
                f"bench.task_{i % 20}",
                phase,
                "local",
                created,
                started,
                ended,
                '{"x": 1}',
                None,
                None,
                rng.randint(1, 200),
                "default",
                "development",
            )
        )
    db = sqlite3.connect(home / "flyte_nb.db")
    with db:
        db.executemany(
            "INSERT INTO runs (name, task_name, phase, mode, created_at, started_at, ended_at,"
            " inputs, outputs, error, action_count, project, domain)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
    db.close()


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


def timed_ms(fns: list[Callable[[], object]], reps: int) -> list[list[float]]:
    """Milliseconds per call of each of ``fns``, interleaved (a, b, a, b, ...) so that a
    busy spell of the machine hits the measured call and its baseline alike."""
    for fn in fns:
        fn()
    out: list[list[float]] = [[] for _ in fns]
    for _ in range(reps):
        for fn, times in zip(fns, out, strict=True):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
    return out


# The ORDER BY of flyte_nb/store/_queries.py on SQLite.
SORT_SQL = {
    "-created_at": "created_at DESC",
    "-duration": "(ended_at - started_at) IS NULL, (ended_at - started_at) DESC, name",
}


def bare_page(db: sqlite3.Connection, params: dict[str, Any]) -> Callable[[], object]:
    """The same page and count as one SQL query each, on the same file: the floor."""
    where, args = [], []
    if "phase" in params:
        where.append("phase = ?")
        args.append(params["phase"])
    if "q" in params:
        where.append("(name LIKE ? OR task_name LIKE ?)")
        args += [f"%{params['q']}%"] * 2
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    order = SORT_SQL[params.get("sort", "-created_at")]
    page = (
        f"SELECT * FROM runs{clause} ORDER BY {order} LIMIT {PAGE} OFFSET {params.get('offset', 0)}"
    )
    count = f"SELECT count(*) FROM runs{clause}"

    def run() -> object:
        rows = db.execute(page, args).fetchall()
        return rows, db.execute(count, args).fetchone()

    return run


CASES: list[tuple[str, dict[str, Any]]] = [
    ("newest first", {}),
    ("phase=FAILED", {"phase": "FAILED"}),
    ("text q=task_1", {"q": "task_1"}),
    ("sort -duration", {"sort": "-duration"}),
    ("offset 9,900", {"offset": 9900}),
]


def api_figures(info: Any, home: Path, reps: int) -> list[Row]:
    rows = []
    db = sqlite3.connect(home / "flyte_nb.db")
    with httpx.Client(
        base_url=info.url, headers={"Authorization": f"Bearer {info.token}"}, trust_env=False
    ) as client:
        for label, params in CASES:
            query = {"limit": PAGE, **params}

            def api(query: dict[str, Any] = query) -> object:
                response = client.get("/api/v1/runs", params=query)
                response.raise_for_status()
                return response.json()

            assert api()["total"] > 0, label
            measured, floor = timed_ms([api, bare_page(db, params)], reps)
            rows.append(
                Row(
                    f"runs API p95, {label}",
                    p95(measured),
                    "ms",
                    target=30.0,
                    ref=p95(floor),
                    ref_label="bare SQLite p95",
                )
            )
    db.close()
    return rows


@contextlib.contextmanager
def lab_and_browser(home: Path) -> Iterator[tuple[Any, Any]]:
    from _panel_lab import chromium, jupyter_lab

    with jupyter_lab(home) as lab, chromium() as browser:
        yield lab, browser


# Armed before the click: times from the pointer going down on the panel's icon to the
# first frame with a run row in it (Lumino switches sidebar tabs on pointerdown).
ARM_JS = """() => {
  window.__fnbPaint = new Promise(resolve => {
    let t0 = null;
    document.addEventListener('pointerdown', () => { t0 = performance.now(); },
                              { capture: true, once: true });
    const obs = new MutationObserver(() => {
      if (t0 !== null && document.querySelector('.fnb-RunRow[data-run]')) {
        obs.disconnect();
        requestAnimationFrame(() => resolve(performance.now() - t0));
      }
    });
    obs.observe(document.body, { subtree: true, childList: true });
  });
}"""
PAINTED_JS = """() => Promise.race([
  window.__fnbPaint,
  new Promise((_, reject) => setTimeout(() => reject(new Error('no run row in 30 s')), 30000)),
])"""

FETCH_JS = """async () => {
  const token = new URLSearchParams(location.search).get('token');
  const t0 = performance.now();
  const r = await fetch(`flyte-nb/api/v1/runs?limit=100&sort=-created_at&token=${token}`);
  await r.json();
  return performance.now() - t0;
}"""

# Scroll to a fraction of the list; resolve after two frames, when the scroll event has
# been handled and the rows drawn.
SCROLL_JS = """f => new Promise(resolve => {
  const l = document.querySelector('.fnb-RunList');
  l.scrollTop = f * (l.scrollHeight - l.clientHeight);
  requestAnimationFrame(() => requestAnimationFrame(() => resolve(l.scrollTop)));
})"""

# Rows in the DOM, and rows whose box intersects the list's visible box.
COUNT_JS = """() => {
  const list = document.querySelector('.fnb-RunList').getBoundingClientRect();
  const rows = [...document.querySelectorAll('.fnb-RunRow')];
  const visible = rows.filter(r => {
    const b = r.getBoundingClientRect();
    return b.bottom > list.top && b.top < list.bottom;
  });
  return [rows.length, visible.length];
}"""


def browser_figures(lab: Any, browser: Any, reps: int) -> list[Row]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    paints, fetches = [], []
    for _ in range(reps):
        page.goto(lab.page_url("lab") + "&reset")  # the default layout: the panel closed
        page.locator('.jp-SideBar.jp-mod-left [data-id="flyte-nb-panel"]').wait_for()
        page.evaluate(FETCH_JS)  # warm: the server extension has resolved the backend
        fetches.append(page.evaluate(FETCH_JS))
        page.evaluate(ARM_JS)
        page.locator('.jp-SideBar.jp-mod-left [data-id="flyte-nb-panel"]').click()
        paints.append(page.evaluate(PAINTED_JS))
    # Scroll through the list: after each jump, wait for the page's rows, then count.
    worst_extra, most_rows, positions = 0, 0, 0
    total = 0.0
    for fraction in [i / 40 for i in range(41)]:
        total = page.evaluate(SCROLL_JS, fraction)
        page.wait_for_function(
            "() => !document.querySelector('.fnb-RunRow-loading')", timeout=30_000
        )
        dom, visible = page.evaluate(COUNT_JS)
        worst_extra = max(worst_extra, dom - visible)
        most_rows = max(most_rows, dom)
        positions += 1
    page.close()
    return [
        Row(
            "panel first paint, p50",
            statistics.median(paints),
            "ms",
            target=1000.0,
            ref=statistics.median(fetches),
            ref_label="one fetch of the page, p50",
        ),
        Row("panel first paint, worst", max(paints), "ms", target=1000.0),
        Row(
            f"DOM rows beyond the visible, worst of {positions} scroll positions",
            float(worst_extra),
            "rows",
            target=0.0,
            ref=float(most_rows),
            ref_label=f"rows drawn at most (list scrolled to {total:.0f} px)",
        ),
    ]


def main() -> None:
    options = parse_args(__doc__.splitlines()[0])
    home = temp_home("panel")
    info = _daemon.ensure_server(home, workers=1)
    try:
        populate(home)
        _panel_graph.populate(home)
        rows = api_figures(info, home, options.reps(200, 30))
        notes = [f"{N_RUNS:,} runs in SQLite; pages of {PAGE}, as the panel asks"]
        if options.quick:
            notes.append("browser figures (first paint, DOM rows) only without --quick")
        else:
            with lab_and_browser(home) as (lab, browser):
                rows += proxy_figures(lab, options.reps(100, 10))
                rows += browser_figures(lab, browser, options.reps(5, 1))
                rows += _panel_graph.graph_figures(lab, browser, options.reps(5, 1))
        print_table("JupyterLab panel (10,000 runs)", rows, notes)
    finally:
        _daemon.stop(home)


def proxy_figures(lab: Any, reps: int) -> list[Row]:
    """The panel's real path: the same page through the Jupyter server extension."""
    with httpx.Client(base_url=lab.url, trust_env=False) as client:

        def proxied() -> object:
            response = client.get(
                "flyte-nb/api/v1/runs", params={"limit": PAGE, "token": lab.token}
            )
            response.raise_for_status()
            return response.json()

        (times,) = timed_ms([proxied], reps)
        return [Row("runs API p95 through Jupyter's proxy", p95(times), "ms", target=30.0)]


if __name__ == "__main__":
    main()
