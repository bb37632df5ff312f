"""Reports: ``Report``/``Tab``, the ``flyte_nb.report`` functions and their ``.aio`` twins.

The running attempt is faked by patching ``current_docs`` in ``flyte_nb.action._decks``
(where the report functions look it up) with an ``ActionDocs`` whose sink records what was
published; one test runs a real ``report=True`` task in the local engine, and one shows
a report in real Chromium inside ``sandboxed_iframe``.
"""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest

import flyte_nb as fl
from flyte_nb import report
from flyte_nb.action import _decks as _docs
from flyte_nb.action._decks import ActionDocs
from flyte_nb.deck import PlotlyRenderer, sandboxed_iframe
from flyte_nb.deck._html import PLOTLY_BEGIN
from flyte_nb.exceptions import FlyteValidationException, NotInTaskContextError
from flyte_nb.report import Report, Tab

Published = list[tuple[str, str, str]]


def fake_attempt(monkeypatch: pytest.MonkeyPatch, with_report: bool = True) -> Published:
    published: Published = []
    docs = ActionDocs(lambda kind, name, body: published.append((kind, name, body)))
    docs.report = Report() if with_report else None
    monkeypatch.setattr(_docs, "current_docs", lambda: docs)
    return published


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Published:
    return fake_attempt(monkeypatch)


def section(page: str, index: int) -> str:
    match = re.search(rf'<section id="fnb-tab-{index}"[^>]*>(.*?)</section>', page, re.S)
    assert match is not None
    return match.group(1)


# -- Report and Tab ----------------------------------------------------------------------
def test_report_starts_with_main_and_creates_tabs_in_order() -> None:
    rep = Report()
    assert list(rep.tabs) == ["Main"]
    tab = rep.get_tab("Metrics")
    assert isinstance(tab, Tab)
    assert tab.name == "Metrics"
    assert rep.get_tab("Metrics") is tab
    assert rep.get_tab("Main") is rep.tabs["Main"]
    assert list(rep.tabs) == ["Main", "Metrics"]
    with pytest.raises(FlyteValidationException, match="no tab 'Other'"):
        rep.get_tab("Other", create_if_missing=False)
    with pytest.raises(FlyteValidationException, match="non-empty str"):
        rep.get_tab("")
    with pytest.raises(TypeError):
        rep.tabs["x"] = Tab("x")  # type: ignore[index]


def test_tab_log_replace_content() -> None:
    tab = Tab("t")
    tab.log("<p>1</p>")
    tab.log("<p>2</p>")
    assert tab.content == "<p>1</p><p>2</p>"
    tab.replace("<p>3</p>")
    assert tab.content == "<p>3</p>"
    with pytest.raises(FlyteValidationException, match="render values first"):
        tab.log(3)  # type: ignore[arg-type]


def test_to_html_with_20_tabs() -> None:
    rep = Report()
    rep.get_tab("Main").log("<p>main</p>")
    for i in range(20):
        rep.get_tab(f"tab {i} <&>").log(f"<p>content {i}</p>")
    page = rep.to_html()
    assert page.startswith("<!doctype html>")
    assert page.endswith("</html>")
    buttons = re.findall(r"<button [^>]*>(.*?)</button>", page)
    assert buttons[0] == "Main"
    assert len(buttons) == 21
    assert buttons[5] == "tab 4 &lt;&amp;&gt;"
    assert section(page, 0) == "<p>main</p>"
    assert section(page, 20) == "<p>content 19</p>"
    assert 'class="fnb-tab active"' in page
    assert page.count(" active") == 1
    assert "<script>" in page
    assert "http" not in page


def test_single_tab_report_has_no_tab_bar() -> None:
    rep = Report()
    rep.get_tab("Main").log("<p>only</p>")
    page = rep.to_html()
    assert "<nav" not in page
    assert section(page, 0) == "<p>only</p>"


def test_report_carries_plotly_js_once() -> None:
    rep = Report()
    fig = go.Figure(go.Scatter(y=list(range(100))))
    for i in range(5):
        rep.get_tab(f"fig {i}").log(PlotlyRenderer().to_html(fig))
    page = rep.to_html()
    assert page.count(PLOTLY_BEGIN) == 1
    assert page.index(PLOTLY_BEGIN) < page.index("</head>")
    assert page.count('class="plotly-graph-div"') == 5
    assert rep.get_tab("fig 0").content.startswith(PLOTLY_BEGIN)  # a tab alone still draws


def test_report_repr_html_is_sandboxed() -> None:
    rep = Report()
    rep.get_tab("Main").log("<b>x</b>")
    frame = rep._repr_html_()
    assert 'sandbox="allow-scripts"' in frame
    assert "allow-same-origin" not in frame
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame)
    assert srcdoc is not None
    assert html.unescape(srcdoc.group(1)) == rep.to_html()


def test_ten_megabyte_report() -> None:
    rep = Report()
    chunk = "<p>" + "x" * 1020 + "</p>"
    tab = rep.get_tab("Big")
    for _ in range(10_000):
        tab.log(chunk)
    page = rep.to_html()
    assert len(page) > 10_000_000
    assert section(page, 1) == chunk * 10_000


# -- module functions --------------------------------------------------------------------
def test_module_functions_in_a_task(published: Published) -> None:
    report.log("<p>a</p>")
    report.log("<p>b</p>")
    rep = report.current_report()
    assert rep.tabs["Main"].content == "<p>a</p><p>b</p>"
    report.replace("<p>c</p>")
    assert rep.tabs["Main"].content == "<p>c</p>"
    report.get_tab("Other").log("<p>o</p>")
    assert list(rep.tabs) == ["Main", "Other"]
    assert published == []
    report.flush()
    assert published == [("report", "report", rep.to_html())]
    report.log("<p>d</p>", do_flush=True)
    report.replace("<p>e</p>", do_flush=True)
    assert len(published) == 3
    assert "<p>e</p>" in published[-1][2]


def test_aio_variants(published: Published) -> None:
    async def body() -> Report:
        await report.log.aio("<p>1</p>")
        await report.replace.aio("<p>2</p>")
        await report.log.aio("<p>3</p>", do_flush=True)
        tab = await report.get_tab.aio("Async")
        tab.log("<p>t</p>")
        report.log("<p>sync from async</p>")  # the plain function works in async bodies
        await report.flush.aio()
        return await report.current_report.aio()

    rep = asyncio.run(body())
    assert rep.tabs["Main"].content == "<p>2</p><p>3</p><p>sync from async</p>"
    assert [p[:2] for p in published] == [("report", "report")] * 2
    assert "<p>t</p>" in published[-1][2]
    assert report.log.aio.__qualname__ == "log.aio"


def test_functions_outside_a_task() -> None:
    with pytest.raises(NotInTaskContextError, match=r"report=True"):
        report.log("<p>x</p>")
    with pytest.raises(NotInTaskContextError):
        report.flush()
    with pytest.raises(NotInTaskContextError):
        asyncio.run(report.get_tab.aio("x"))
    with pytest.raises(NotInTaskContextError):
        report.current_report()


def test_functions_in_a_task_without_report(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_attempt(monkeypatch, with_report=False)
    for call in (
        lambda: report.log("x"),
        lambda: report.replace("x"),
        report.flush,
        lambda: report.get_tab("t"),
        report.current_report,
    ):
        with pytest.raises(FlyteValidationException, match=r"@env\.task\(report=True\)"):
            call()


def test_log_validates_content(published: Published) -> None:
    with pytest.raises(FlyteValidationException, match="takes a str of HTML"):
        report.log(42)  # type: ignore[arg-type]


def test_top_level_names() -> None:
    assert fl.report is report
    assert fl.report.Report is Report


def test_report_in_a_real_local_task(env: fl.TaskEnvironment) -> None:
    @env.task(report=True)
    async def main(n: int) -> list[str]:
        await fl.report.log.aio(f"<h2>n = {n}</h2>")
        fl.report.get_tab("Second").log("<p>2</p>")
        fl.report.flush()
        return list(fl.report.current_report().tabs)

    @env.task
    def plain() -> None:
        fl.report.log("<p>x</p>")

    assert fl.run(main, n=3).outputs() == ["Main", "Second"]
    with pytest.raises(Exception, match=r"report=True"):
        fl.run(plain).outputs()


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_report_tabs_and_figures_work_in_a_sandboxed_frame(tmp_path: Path) -> None:
    """In real Chromium: plotly.js (once, in <head>) draws inside the sandbox, and a figure
    in a tab hidden at load gets its full width when its tab is shown."""
    pwt = pytest.importorskip("playwright.sync_api")
    rep = Report()
    rep.get_tab("Main").log('<p id="main">main</p>')
    for i in range(3):
        rep.get_tab(f"Fig {i}").log(PlotlyRenderer().to_html(go.Figure(go.Bar(y=[1, 3, 2]))))
    page_html = f"<!doctype html><body>{sandboxed_iframe(rep.to_html(), height=600)}</body>"
    with pwt.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.set_content(page_html)
            frame = page.frame_locator("iframe")
            pwt.expect(frame.locator("#main")).to_be_visible()
            pwt.expect(frame.locator("#fnb-tab-2")).to_be_hidden()
            frame.locator("button", has_text="Fig 1").click()
            pwt.expect(frame.locator("#main")).to_be_hidden()
            svg = frame.locator("#fnb-tab-2 .main-svg").first
            pwt.expect(svg).to_be_visible()
            assert svg.evaluate("e => e.getBoundingClientRect().width") > 900
            page.screenshot(path=str(tmp_path / "report.png"))
        finally:
            browser.close()
