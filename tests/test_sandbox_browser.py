"""Deck HTML in a real browser (Debian's Chromium, driven by Playwright): a script inside
``sandboxed_iframe`` runs, but cannot reach the page around it, in a bare page and in a
``run_html`` snapshot. A control frame without the sandbox shows the probe does detect an
escape. Screenshots go to pytest's tmp_path, for a look when a test fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import flyte_nb as fl
from flyte_nb.deck import Deck, sandboxed_iframe
from flyte_nb.widgets import run_html

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# The deck: proves its own scripts run, then tries to reach the notebook page around it
# and writes what happened into its own body.
PROBE = """<p id="ran">script did not run</p><p id="out">pending</p>
<script>
document.getElementById('ran').textContent = 'script ran';
var results = [];
try {
  window.parent.document.body.innerHTML = 'pwned';
  results.push('body: written');
} catch (e) { results.push('body blocked: ' + e.name); }
try {
  results.push('title: read ' + window.parent.document.title);
} catch (e) { results.push('title blocked: ' + e.name); }
document.getElementById('out').textContent = results.join('; ');
</script>"""

PAGE = (
    "<!doctype html><html><head><title>notebook</title></head><body>"
    '<div id="marker">the notebook</div>{body}</body></html>'
)

from playwright import sync_api as pwt  # noqa: E402 (after the probe, which documents it)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    # Not a skip: .ci/run installs it, and a browser check that silently skips proves nothing.
    assert CHROMIUM.exists(), "needs Debian's chromium: apt-get install -y chromium"
    with pwt.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def tab(chromium: object) -> Iterator[object]:
    """A fresh page (named apart from pytest-playwright's ``browser``/``page`` fixtures)."""
    page = chromium.new_page()  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        page.close()


def _assert_contained(page: object, frame_selector: str, shot: Path) -> None:
    expect = pwt.expect
    frame = page.frame_locator(frame_selector)  # type: ignore[attr-defined]
    expect(frame.locator("#ran")).to_have_text("script ran")  # scripts are allowed
    expect(frame.locator("#out")).to_contain_text("body blocked: SecurityError")
    expect(frame.locator("#out")).to_contain_text("title blocked: SecurityError")
    page.screenshot(path=str(shot), full_page=True)  # type: ignore[attr-defined]
    assert page.title() == "notebook"  # type: ignore[attr-defined]
    expect(page.locator("#marker")).to_have_text("the notebook")  # type: ignore[attr-defined]
    assert page.evaluate("document.body.innerText").strip() != "pwned"  # type: ignore[attr-defined]


def test_sandboxed_iframe_runs_scripts_but_keeps_them_out(tab: object, tmp_path: Path) -> None:
    page = tab
    body = sandboxed_iframe(PROBE, title="probe", height=200)
    page.set_content(PAGE.format(body=body))  # type: ignore[attr-defined]
    _assert_contained(page, "iframe", tmp_path / "sandbox.png")


def test_the_probe_detects_an_unsandboxed_frame(tab: object, tmp_path: Path) -> None:
    """Control: the same deck in a frame without ``sandbox`` does take over the page."""
    page = tab
    unsafe = sandboxed_iframe(PROBE, title="probe").replace('sandbox="allow-scripts"', "")
    assert "sandbox" not in unsafe
    page.set_content(PAGE.format(body=unsafe))  # type: ignore[attr-defined]
    pwt.expect(page.locator("body")).to_have_text("pwned")  # type: ignore[attr-defined]
    page.screenshot(path=str(tmp_path / "control.png"))  # type: ignore[attr-defined]


env = fl.TaskEnvironment("sandbox_browser")


@env.task
def probed(n: int) -> int:
    Deck("probe", PROBE)
    return n


def test_run_html_keeps_deck_scripts_in_their_sandbox(tab: object, tmp_path: Path) -> None:
    page = tab
    run = fl.run(probed, 1)
    html = run_html(run)
    page.set_content(PAGE.format(body=html))  # type: ignore[attr-defined]
    _assert_contained(page, "iframe[title=probe]", tmp_path / "run_html.png")
    pwt.expect(page.locator(".flyte-nb-run")).to_contain_text("SUCCEEDED")  # type: ignore[attr-defined]
