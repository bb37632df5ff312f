"""Issue 18's panel bugs, each checked in a real JupyterLab in Debian's Chromium against a
real backend (see ``_panel_lab.py``). Each test names the bug it covers (B1..B15); each
failed before its fix. Screenshots land in test-output/panel/ (git-ignored).

The lab's refresh interval is an hour, so whatever changes here without a reload came
through the live stream or the fix under test, not through polling.
"""

from __future__ import annotations

import datetime
import re
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _backend_util import wait_for
from _panel_lab import PLUGIN, jupyter_lab, open_panel, screenshot
from playwright.sync_api import expect

import flyte_nb as fl
from flyte_nb.app import AppEnvironment
from flyte_nb.client import _daemon
from flyte_nb.union import approve, workflow

expect.set_options(timeout=30_000)

fix_env = fl.TaskEnvironment("panel_fixes")


@fix_env.task
def tiny(n: int) -> int:
    return n


@fix_env.task
def slow_child(i: int, go: str = "") -> int:
    """Waits for the file ``go`` (when given) before its 0.15 s of work."""
    while go and not Path(go).exists():
        time.sleep(0.05)
    time.sleep(0.15)
    return i


@fix_env.task
def fan_out(n: int, held: int = 0, go: str = "") -> int:
    """Children one after another, so action events keep arriving for a while; the first
    ``held`` of them end at once, the rest wait for the file ``go``."""
    total = 0
    for i in range(n):
        total += tiny(i) if i < held else slow_child(i, go)
    return total


@fix_env.task
def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": list(range(n)), "word": [f"w{i}" for i in range(n)]})


@fix_env.task(report=True)
def reported(n: int) -> int:
    fl.report.log(f"<h2>report {n}</h2>")
    return n


@fix_env.task(cache="auto")
def cached_deck(n: int) -> int:
    from flyte_nb.deck import Deck

    Deck("cached deck", f"<p>deck {n}</p>")
    return n


@fix_env.task
def wide(n: int) -> int:
    """``n`` children, then one that fails (caught): its failure is past the 200-row cut."""
    total = sum(tiny(i) for i in range(n))
    try:
        fails(n)
    except Exception:
        total = -total
    return total


@workflow
def gated_review(n: int) -> int:
    return approve(tiny(n=n), name="ship-it", timeout=datetime.timedelta(hours=1))


@fix_env.task
def fails(n: int) -> int:
    raise ValueError(f"no good: {n}")


# The contrast of two CSS colours as the browser computed them (WCAG 2.x).
_CONTRAST_JS = """
([fg, bg]) => {
  const parse = c => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext('2d');
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

# The colours an element's text is drawn in and on (the first non-transparent background up
# its ancestors; the page's when none).
_COLOURS_JS = """
el => {
  const fg = getComputedStyle(el).color;
  let node = el, bg = 'rgba(0, 0, 0, 0)';
  while (node && node.nodeType === 1) {
    bg = getComputedStyle(node).backgroundColor;
    if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') break;
    node = node.parentElement;
  }
  return [fg, bg];
}
"""


def set_theme(page: Any, theme: str) -> None:
    """Settings → Theme → ``theme``, as a user picks it."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Theme$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{theme}$")).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", theme, timeout=30_000)


def contrast(page: Any, locator: Any) -> float:
    colours = locator.evaluate(_COLOURS_JS)
    return float(page.evaluate(_CONTRAST_JS, colours))


@pytest.fixture(scope="module")
def panel_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("panel-fixes-home")
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


def _row(page: Any, name: str) -> Any:
    return page.locator(f'.fnb-RunRow[data-run="{name}"]')


def test_footer_follows_the_backend_and_the_banner_covers_no_row(
    lab: Any, page: Any, panel_home: Path
) -> None:
    # B1: the footer was read only when the panel was shown: "no backend" after Start
    # backend, the old URL after the server stopped.
    _daemon.stop(panel_home)
    open_panel(page, lab)
    footer = page.locator(".fnb-Footer")
    expect(footer).to_have_text("no backend")
    page.locator(".fnb-Notice-error").get_by_role("button", name="Start backend").click()
    expect(page.locator(".fnb-Panel")).to_contain_text("No runs yet", timeout=60_000)
    info = _daemon.status(panel_home)
    assert info is not None
    expect(footer).to_contain_text(f"backend {info.url}")
    fl.init(home=panel_home)
    runs = [fl.run(tiny, i) for i in range(3)]
    for run in runs:
        run.wait(timeout=60)
    expect(_row(page, runs[0].name)).to_be_visible()
    first = page.locator(".fnb-RunRow").first
    _daemon.stop(panel_home)
    expect(footer).to_have_text("no backend")
    # B13: the backend-down banner lay over the list's first rows.
    banner = page.locator(".fnb-Banner")
    expect(banner).to_contain_text("No flyte_nb backend")
    expect(first).to_be_visible()
    banner_box, row_box = banner.bounding_box(), first.bounding_box()
    assert banner_box is not None
    assert row_box is not None
    assert banner_box["y"] + banner_box["height"] <= row_box["y"] + 0.5
    screenshot(page, "fix-01-backend-down-banner")


def test_long_list_keeps_footer_and_filters_readable(lab: Any, page: Any, backend: Path) -> None:
    # B2: a long list squashed the footer to 7 px; B15: the filters read "All pha".
    for i in range(25):
        fl.run(tiny, i)
    fl.run(tiny, 99).wait(timeout=60)
    open_panel(page, lab)
    expect(page.locator(".fnb-Summary")).to_contain_text(re.compile(r"\d+ runs"))
    box = page.locator(".fnb-Footer").bounding_box()
    assert box is not None
    assert box["height"] >= 14, box
    for cls in ("fnb-Filter-phase", "fnb-Filter-range", "fnb-Filter-sort"):
        select = page.locator(f".{cls}")
        # Wide enough for its longest option's text, plus the arrow.
        need = select.evaluate(
            """el => {
              const ctx = document.createElement('canvas').getContext('2d');
              ctx.font = getComputedStyle(el).font;
              return Math.max(...Array.from(el.options).map(o => ctx.measureText(o.text).width));
            }"""
        )
        width = select.evaluate("el => el.clientWidth")
        assert width >= need + 16, (cls, width, need)
    screenshot(page, "fix-02-long-list")
    # Arrow keys walk the list; focus is visible.
    page.locator(".fnb-RunRow").first.focus()
    page.keyboard.press("ArrowDown")
    focused = page.locator(".fnb-RunRow:focus")
    expect(focused).to_have_attribute("style", re.compile(r"top:46px"))
    outline = focused.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"


def test_links_look_like_links_and_tabs_are_reused(lab: Any, page: Any, backend: Path) -> None:
    # B3: JupyterLab's `.jp-ThemedContainer a { color: unset }` made links plain text.
    # B15: each click opened a new tab; the tab is reused and titled with the run name.
    run = fl.run(tiny, 3).wait(timeout=60)
    open_panel(page, lab)
    row = _row(page, run.name)
    row.click()
    row.click()
    tabs = page.locator(f'.lm-TabBar-tab[data-id="flyte-nb-run-{run.name}"]')
    expect(tabs).to_have_count(1)
    expect(tabs).to_contain_text(run.name)
    page.get_by_role("button", name="Copy to notebook").count()  # the view is drawn
    view = page.locator(f"#flyte-nb-run-{run.name}")
    expect(view.locator(".fnb-RunHeader")).to_contain_text("SUCCEEDED")
    probe = view.evaluate(
        """el => {
          const a = document.createElement('a');
          a.className = 'fnb-Link'; a.href = '#'; a.textContent = 'probe';
          el.querySelector('.fnb-RunHeader').appendChild(a);
          const want = document.createElement('span');
          want.style.color = 'var(--jp-content-link-color)';
          el.appendChild(want);
          const text = getComputedStyle(el).color;
          const out = [getComputedStyle(a).color, getComputedStyle(want).color, text];
          a.remove(); want.remove();
          return out;
        }"""
    )
    link, wanted, text = probe
    assert link == wanted, probe
    assert link != text, probe


def test_a_live_tree_keeps_its_scroll_position(
    lab: Any, page: Any, backend: Path, tmp_path: Path
) -> None:
    # B4: the tree of a live run was rebuilt on every event and jumped back to the top.
    # 60 children end at once (enough rows to scroll), the next wait for ``go``: the run is
    # still live when the test scrolls, however long the lab took to open (CI once saw a
    # run of 120 sleeping children end first).
    go = tmp_path / "go"
    run = fl.run(fan_out, 80, held=60, go=str(go))
    open_panel(page, lab)
    _row(page, run.name).click()
    view = page.locator(f"#flyte-nb-run-{run.name}")
    tree = view.locator(".fnb-Tree")
    expect(tree.locator(".fnb-ActionRow")).not_to_have_count(1, timeout=60_000)
    wait_for(lambda: tree.evaluate("el => el.scrollHeight > el.clientHeight + 40"), 60, "rows")
    tree.evaluate("el => { el.scrollTop = 40; }")
    height = tree.evaluate("el => el.scrollHeight")
    row = tree.locator(".fnb-ActionRow").first.evaluate("el => el.offsetHeight")
    go.touch()
    # Two more children drawn (the tree is virtualized: only the rows in view are in the
    # DOM, and its height grows a row per child): it was redrawn from events meanwhile.
    wait_for(
        lambda: tree.evaluate("el => el.scrollHeight") >= height + 2 * row,
        60,
        "two more children in the tree",
    )
    assert tree.evaluate("el => el.scrollTop") == 40
    screenshot(page, "fix-04-live-tree")
    fl.remote.Run.get(run.name).wait(timeout=120)


def test_dark_theme_error_box_and_phase_badges_read_at_aa(
    lab: Any, page: Any, backend: Path
) -> None:
    # B5: in the dark theme the error box was light text on light pink (~1.2:1); the
    # badges' white text read at 2.7-4.1:1 on the themes' warn and success colours.
    bad = fl.run(fails, 1)
    bad.wait(timeout=60)
    ok = fl.run(tiny, 1).wait(timeout=60)
    open_panel(page, lab)
    for theme in ("JupyterLab Light", "JupyterLab Dark"):
        set_theme(page, theme)
        for run in (bad, ok):
            _row(page, run.name).click()
        view = page.locator(f"#flyte-nb-run-{bad.name}")
        page.locator(f'.lm-TabBar-tab[data-id="flyte-nb-run-{bad.name}"]').click()
        box = view.locator(".fnb-RunHeader .fnb-ErrorBox-title")
        expect(box).to_contain_text("no good")
        assert contrast(page, box) >= 4.5, theme
        for badge in page.locator(".fnb-Phase").all()[:30]:
            if badge.is_visible():
                assert contrast(page, badge) >= 4.5, (theme, badge.text_content())
        screenshot(page, f"fix-05-{theme.split()[-1].lower()}")
    set_theme(page, "JupyterLab Light")


def test_a_dataframe_output_shows_its_first_rows(lab: Any, page: Any, backend: Path) -> None:
    # B10: a DataFrame value showed its internal {"$sd": ...} encoding.
    run = fl.run(frame, 40).wait(timeout=60)
    open_panel(page, lab)
    _row(page, run.name).click()
    view = page.locator(f"#flyte-nb-run-{run.name}")
    view.locator('.fnb-Tab[data-tab="values"]').click()
    table = view.locator(".fnb-FrameTable")
    expect(table).to_contain_text("word")
    expect(table.locator("tr")).to_have_count(21)  # the header and the first 20 rows
    expect(view.locator(".fnb-RunBody")).to_contain_text("first 20 of 40 rows")
    expect(view.locator(".fnb-RunBody")).to_contain_text("table: 40 rows \u00d7 2 columns")
    assert "$sd" not in view.locator(".fnb-RunBody").inner_text()
    screenshot(page, "fix-10-dataframe")


def test_the_apps_sidebar_follows_the_app_view(
    lab: Any, page: Any, backend: Path, tmp_path: Path
) -> None:
    # B14: the sidebar showed an app's old state for a refresh interval (here an hour).
    script = tmp_path / "serve.py"
    script.write_text(
        "import http.server, os\n"
        "port = int(os.environ['FLYTE_NB_APP_PORT'])\n"
        "http.server.HTTPServer(('127.0.0.1', port), http.server.SimpleHTTPRequestHandler)"
        ".serve_forever()\n"
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    remote = fl.UnionRemote()
    remote.deploy_app(AppEnvironment("fix-app", command=[sys.executable, str(script)], port=port))
    try:
        open_panel(page, lab)
        page.locator('.fnb-Panel .fnb-Tab[data-tab="apps"]').click()
        item = page.locator('.fnb-Item[data-app="fix-app"]')
        expect(item.locator(".fnb-Phase")).to_have_text("ACTIVE")
        item.click()
        view = page.locator("#flyte-nb-app-default-development-fix-app")
        view.get_by_role("button", name="Stop").click()
        page.locator(".jp-Dialog").get_by_role("button", name="Stop").click()
        expect(view.locator(".fnb-RunHeader .fnb-Phase")).to_have_text("STOPPED")
        expect(item.locator(".fnb-Phase")).to_have_text("STOPPED")
        screenshot(page, "fix-14-apps")
    finally:
        remote.stop_app("fix-app")


@pytest.mark.parametrize("kind", ["report", "cached"])
def test_finished_runs_list_their_decks_and_reports(
    lab: Any, page: Any, backend: Path, kind: str
) -> None:
    # B15: "No decks or reports yet" on finished runs that have them.
    if kind == "report":
        run = fl.run(reported, 1).wait(timeout=60)
        name, text = "report", "report 1"
    else:
        fl.run(cached_deck, 7).wait(timeout=60)
        run = fl.run(cached_deck, 7).wait(timeout=60)  # a cache hit: the first run's deck
        name, text = "cached deck", "deck 7"
    open_panel(page, lab)
    _row(page, run.name).click()
    view = page.locator(f"#flyte-nb-run-{run.name}")
    expect(view.locator(".fnb-RunHeader")).to_contain_text("SUCCEEDED")
    view.locator('.fnb-Tab[data-tab="docs"]').click()
    expect(view.locator(f'.fnb-DocTab[data-doc="{name}"]')).to_be_visible()
    expect(view.frame_locator("iframe.fnb-DocFrame").locator("body")).to_contain_text(text)
    screenshot(page, f"fix-15-docs-{kind}")


def test_after_a_reload_a_click_finds_the_restored_tab(lab: Any, page: Any, backend: Path) -> None:
    # B15: a click opened a new tab each time instead of showing the one already open.
    run = fl.run(tiny, 8).wait(timeout=60)
    open_panel(page, lab)
    _row(page, run.name).click()
    tabs = page.locator(f'.lm-TabBar-tab[data-id="flyte-nb-run-{run.name}"]')
    expect(tabs).to_have_count(1)
    saved = f"flyte-nb-run:flyte-nb-run-{run.name}"
    workspaces = lab.log.parent / "workspaces"
    wait_for(lambda: any(saved in p.read_text() for p in workspaces.glob("*")), 30, "the layout")
    open_panel(page, lab)  # JupyterLab loaded again, the view restored
    expect(tabs).to_have_count(1, timeout=60_000)
    _row(page, run.name).click()
    _row(page, run.name).click()
    expect(page.locator(f"#flyte-nb-run-{run.name} .fnb-RunHeader")).to_contain_text("SUCCEEDED")
    expect(tabs).to_have_count(1)
    expect(tabs).to_contain_text(run.name)


def test_every_action_is_reachable_in_a_wide_tree(lab: Any, page: Any, backend: Path) -> None:
    # Issue 18, "every action reachable": filter, first failure, folding, sibling indexes,
    # and nothing left behind "+ N more".
    run = fl.run(wide, 205).wait(timeout=180)
    open_panel(page, lab)
    _row(page, run.name).click()
    view = page.locator(f"#flyte-nb-run-{run.name}")
    tree = view.locator(".fnb-Tree")
    rows = tree.locator(".fnb-ActionRow[data-action]")  # those built: the tree is virtualized
    expect(tree).to_have_attribute("data-rows", "201")  # the root and the first 200 children
    expect(rows.nth(1)).to_contain_text("#0")  # children of one task are told apart
    tree.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(tree.locator(".fnb-ActionRow-hidden")).to_contain_text("+ 6 more")
    # The first failure is past the cut: the button reads every child and selects it.
    view.get_by_role("button", name="First failure").click()
    expect(view.locator(".fnb-ActionDetail")).to_contain_text("no good: 205")
    expect(tree.locator(".fnb-ActionRow.fnb-mod-selected")).to_contain_text("fails")
    expect(tree).to_have_attribute("data-rows", "207")  # every action, none hidden
    expect(tree.locator(".fnb-ActionRow-hidden")).to_have_count(0)
    # Filters: by phase, then by text.
    view.locator(".fnb-TreeFilter-phase").select_option("FAILED")
    expect(rows).to_have_count(2)  # the failure and its parent, for context
    view.locator(".fnb-TreeFilter-phase").select_option("")
    view.locator(".fnb-TreeFilter-text").fill("a0-1")
    expect(rows.first).to_contain_text("wide")
    view.locator(".fnb-TreeFilter-text").fill("")
    expect(tree).to_have_attribute("data-rows", "207")
    # Folding the root hides its children; the keyboard unfolds it.
    tree.evaluate("el => { el.scrollTop = 0; }")
    root = rows.first
    expect(root).to_have_attribute("aria-level", "1")
    root.locator(".fnb-Toggle").click()
    expect(rows).to_have_count(1)
    expect(root).to_have_attribute("aria-expanded", "false")
    rows.first.focus()
    page.keyboard.press("ArrowRight")
    expect(tree).to_have_attribute("data-rows", "207")
    page.keyboard.press("ArrowDown")
    expect(tree.locator(".fnb-ActionRow:focus")).to_contain_text("#0")
    screenshot(page, "fix-20-wide-tree")


def test_links_open_runs_actions_and_apps_through_the_router(
    lab: Any, page: Any, backend: Path
) -> None:
    # Issue 18, "links that travel": a URL per run, action, artifact and app inside
    # JupyterLab (its router), "Copy link" in each view, and the widget's "Open in panel".
    run = fl.run(fan_out, 3).wait(timeout=60)
    child = [a.name for a in run.actions() if a.parent][-1]
    page.goto(lab.page_url() + f"&flyte-nb=run/{run.name}/{child}")
    view = page.locator(f"#flyte-nb-run-{run.name}")
    expect(view.locator(".fnb-RunHeader")).to_contain_text("SUCCEEDED", timeout=60_000)
    expect(view.locator(".fnb-ActionRow.fnb-mod-selected")).to_have_attribute("data-action", child)
    expect(view.locator(".fnb-ActionDetail")).to_contain_text("Attempts")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    view.locator(".fnb-RunHeader-actions").get_by_role("button", name="Copy link").click()
    expect(page.locator(".Toastify")).to_contain_text(f"?flyte-nb=run/{run.name}")
    # The notebook widget's link, anywhere in the page: opens the view in place.
    other = fl.run(tiny, 4).wait(timeout=60)
    page.evaluate(
        """name => {
          const a = document.createElement('a');
          a.id = 'probe-link';
          a.href = '?flyte-nb=run/' + name;
          a.setAttribute('data-flyte-nb-open', 'run/' + name);
          a.textContent = 'Open in panel';
          a.style = 'position:fixed;top:300px;left:600px;z-index:10000;background:#fff';
          document.body.appendChild(a);
        }""",
        other.name,
    )
    page.evaluate("() => { window.__fnbProbe = 1; }")
    page.locator("#probe-link").click()
    expect(page.locator(f"#flyte-nb-run-{other.name} .fnb-RunHeader")).to_contain_text("SUCCEEDED")
    assert page.evaluate("() => window.__fnbProbe") == 1  # the same page: no reload
    screenshot(page, "fix-30-links")


@pytest.mark.parametrize("approved", [True, False])
def test_a_gate_is_approved_or_rejected_from_the_run_view(
    lab: Any, page: Any, backend: Path, approved: bool
) -> None:
    # Issue 18, "act on runs": a run waiting at an approval gate is answered in its view.
    remote = fl.UnionRemote()
    ex = remote.execute(gated_review, inputs={"n": 5})
    name = ex.id.name
    wait_for(lambda: any(s.state == "WAITING" for s in remote.list_signals(name)), 60, "the gate")
    open_panel(page, lab)
    _row(page, name).click()
    view = page.locator(f"#flyte-nb-run-{name}")
    gate = view.locator('.fnb-Gate[data-signal="ship-it"]')
    expect(gate).to_contain_text("Gate ship-it")
    screenshot(page, "fix-40-gate")
    verb = "Approve" if approved else "Reject"
    gate.get_by_role("button", name=verb).click()
    page.locator(".jp-Dialog").get_by_role("button", name=verb).click()
    phase = "SUCCEEDED" if approved else "FAILED"
    expect(view.locator(".fnb-RunHeader .fnb-Phase").first).to_have_text(phase, timeout=60_000)
    expect(gate).to_have_count(0)
    assert fl.remote.Run.get(name).wait(timeout=60).phase == phase
