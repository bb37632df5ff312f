"""The run view's action tree at 10,000 actions (issue 18, "every action reachable"), in a
real JupyterLab in Debian's Chromium against a real backend (see ``_panel_lab.py``).

The tree is virtualized (labextension/src/treeview.ts): only the rows in view and an
overscan on each side are in the DOM, and the tree says in ``data-rows`` how many it shows.
These check that a 10,000-action run keeps the DOM that small while search, "First
failure" and the keyboard still reach every action, also those far outside the window.

The run is written straight to the backend's SQLite store (as benchmarks/_panel_graph.py
does): running 10,000 tasks would take minutes and test the engine, not the tree.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _panel_lab import PLUGIN, jupyter_lab, screenshot
from playwright.sync_api import expect

from flyte_nb.client import _daemon

expect.set_options(timeout=30_000)

RUN = "rtree10000"
CHILDREN = 10_000
NEEDLE = 9_876  # the one child running tree.needle, deep in the list
FAILED = 7_777  # the one child that failed
ROW_HEIGHT, OVERSCAN = 28, 10  # treeview.ts


def _write_run(home: Path) -> None:
    """A finished run whose root fanned out to CHILDREN children and caught the one failure
    (so the first failure in tree order is that child, not the root)."""
    now = time.time()
    rows: list[tuple[str, str, str | None, int, str, str, str]] = [
        (RUN, "a0", None, 0, "tree.fan", "fan", "SUCCEEDED")
    ]
    for i in range(CHILDREN):
        task = "tree.needle" if i == NEEDLE else "tree.leaf"
        phase = "FAILED" if i == FAILED else "SUCCEEDED"
        rows.append((RUN, f"c{i:05d}", "a0", i + 1, task, task.split(".")[1], phase))
    db = sqlite3.connect(home / "flyte_nb.db")
    with db:
        db.execute(
            "INSERT INTO runs (name, task_name, phase, mode, created_at, started_at, ended_at,"
            " action_count) VALUES (?, 'tree.fan', 'SUCCEEDED', 'backend', ?, ?, ?, ?)",
            (RUN, now, now, now + 1, CHILDREN + 1),
        )
        db.executemany(
            "INSERT INTO actions (run_name, name, parent, seq, task_name, short_name, phase,"
            " created_at, started_at, ended_at, attempts, cache_hit, transitions, attempt_log)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?, {now}, {now}, {now + 0.01}, 1, 0, '[]', '[]')",
            rows,
        )
    db.close()


@pytest.fixture(scope="module")
def panel_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("panel-tree-home")
    _daemon.ensure_server(home, workers=1)
    try:
        _write_run(home)
        yield home
    finally:
        _daemon.stop(home)


@pytest.fixture(scope="module")
def lab(panel_home: Path) -> Iterator[Any]:
    with jupyter_lab(panel_home, overrides={PLUGIN: {"refreshInterval": 3600}}) as lab:
        yield lab


def _dom_bound(tree: Any) -> int:
    """The most rows a virtualized tree may build: those in view and the overscan."""
    height = tree.evaluate("el => el.clientHeight")
    assert height > 0
    return -(-height // ROW_HEIGHT) + 1 + 2 * OVERSCAN


def test_a_10000_action_tree_builds_only_the_rows_in_view(lab: Any, page: Any) -> None:
    page.goto(lab.page_url() + f"&flyte-nb=run/{RUN}")
    view = page.locator(f"#flyte-nb-run-{RUN}")
    tree = view.locator(".fnb-Tree")
    rows = tree.locator(".fnb-ActionRow[data-action]")
    expect(tree).to_have_attribute("data-rows", "201", timeout=60_000)  # the server's cut
    tree.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    tree.get_by_role("button", name="show all").click()
    expect(tree).to_have_attribute("data-rows", str(CHILDREN + 1), timeout=60_000)
    bound = _dom_bound(tree)
    assert 0 < rows.count() <= bound
    assert bound < 100  # the window, not the run
    # The scroll bar is as long as every row: the last one is reachable by scrolling.
    tree.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(tree.locator('[data-action="c09999"]')).to_be_visible()
    assert rows.count() <= bound

    # Search finds the needle far down the list: it and its parent are all that show.
    view.locator(".fnb-TreeFilter-text").fill("needle")
    expect(tree).to_have_attribute("data-rows", "2")
    expect(rows).to_have_count(2)
    expect(tree.locator(f'[data-action="c{NEEDLE:05d}"]')).to_be_visible()
    tree.locator(f'[data-action="c{NEEDLE:05d}"]').click()
    expect(view.locator(".fnb-ActionDetail")).to_contain_text(f"c{NEEDLE:05d}")
    view.locator(".fnb-TreeFilter-text").fill("")
    expect(tree).to_have_attribute("data-rows", str(CHILDREN + 1))

    # The keyboard walks past the window: each row it reaches is built, shown and focused.
    tree.evaluate("el => { el.scrollTop = 0; }")
    rows.first.focus()
    steps = bound + 5
    for _ in range(steps):
        page.keyboard.press("ArrowDown")
    focused = tree.locator(".fnb-ActionRow:focus")
    expect(focused).to_have_attribute("data-action", f"c{steps - 1:05d}")
    expect(focused).to_be_in_viewport()
    assert tree.evaluate("el => el.scrollTop") > 0
    page.keyboard.press("End")
    expect(focused).to_have_attribute("data-action", "c09999")
    page.keyboard.press("ArrowUp")
    expect(focused).to_have_attribute("data-action", "c09998")
    assert rows.count() <= bound

    # "First failure" scrolls the window to it, selects and focuses it.
    page.keyboard.press("Home")
    expect(focused).to_have_attribute("data-action", "a0")
    view.get_by_role("button", name="First failure").click()
    selected = tree.locator(".fnb-ActionRow.fnb-mod-selected")
    expect(selected).to_have_attribute("data-action", f"c{FAILED:05d}")
    expect(selected).to_be_in_viewport()
    expect(focused).to_have_attribute("data-action", f"c{FAILED:05d}")
    assert rows.count() <= bound
    screenshot(page, "tree-10000-first-failure")
