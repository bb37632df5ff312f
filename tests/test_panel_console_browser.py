"""Issue 18's console parts in a real JupyterLab in Debian's Chromium against a real backend
(see ``_panel_lab.py``): logs people can read, "Go to cell" from a run to the notebook cell
that defined its task, previews of files and tables, combined partition filters, and a
queued run that says why. Screenshots land in test-output/panel/ (git-ignored) and the
docs (docs/panel.md) use them.

The backend runs one worker, so a second run while one holds it is queued for real.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import pytest
from _backend_util import wait_for
from _panel_lab import PANEL_ID, PLUGIN, jupyter_lab, open_panel, screenshot
from playwright.sync_api import expect
from test_panel_fixes import _COLOURS_JS, _CONTRAST_JS, contrast, set_theme

import flyte_nb as fl
from flyte_nb.artifacts import Artifact, Inputs
from flyte_nb.client import _daemon
from flyte_nb.exceptions import ArtifactNotFoundError
from flyte_nb.io import FlyteFile

expect.set_options(timeout=30_000)

DOC_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
"""Screenshots docs/panel.md shows (the rest go to test-output/panel/)."""


def doc_shot(target: Any, name: str) -> None:
    """A screenshot of ``target`` (a page or an element) for the docs."""
    DOC_IMAGES.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(DOC_IMAGES / f"panel-{name}.png"))


console_env = fl.TaskEnvironment("panel_console")
Daily = Artifact(name="console-daily", partition_keys=["region", "kind"])
Frames = Artifact(name="console-frame")


@console_env.task(retries=1)
def flaky(marker: str) -> int:
    """Prints on both streams; the first attempt fails, the retry succeeds."""
    import sys

    first = not Path(marker).exists()
    print(f"starting attempt, first={first}")
    print("a warning on stderr", file=sys.stderr)
    if first:
        Path(marker).write_text("tried")
        raise ValueError("first attempt fails on purpose")
    print("the needle line")
    return 1


@console_env.task
def pipeline(marker: str) -> int:
    print("pipeline begins")
    return flaky(marker) + 1


@console_env.task
def held(gate: str) -> str:
    while not Path(gate).exists():
        time.sleep(0.05)
    return "released"


@console_env.task
def notes() -> FlyteFile:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "notes.txt"
    path.write_text("first line of the notes\nsecond line\n")
    return FlyteFile(str(path))


@console_env.task
def picture() -> FlyteFile:
    import tempfile

    from PIL import Image, ImageDraw

    path = Path(tempfile.mkdtemp()) / "plot.png"
    image = Image.new("RGB", (240, 120), (255, 255, 255))
    draw = ImageDraw.Draw(image)  # a small bar chart
    for i, height in enumerate((40, 75, 55, 100, 30, 85)):
        draw.rectangle((12 + i * 38, 115 - height, 40 + i * 38, 115), fill=(31, 119, 180))
    image.save(path)
    return FlyteFile(str(path))


@console_env.task
def daily(region: str, kind: str) -> Annotated[int, Daily(region=Inputs.region, kind=Inputs.kind)]:
    return len(region) + len(kind)


@console_env.task
def table(n: int) -> Annotated[pd.DataFrame, Frames]:
    return pd.DataFrame({"x": list(range(n)), "label": [f"row {i}" for i in range(n)]})


@pytest.fixture(scope="module")
def panel_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("panel-console-home")
    try:
        yield home
    finally:
        _daemon.stop(home)


@pytest.fixture(scope="module")
def lab(panel_home: Path) -> Iterator[Any]:
    overrides = {
        PLUGIN: {"refreshInterval": 3600},
        # the notebook's kernel starts without asking which (its kernelspec names it)
        "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True},
    }
    with jupyter_lab(panel_home, overrides=overrides) as lab:
        yield lab


@pytest.fixture
def backend(panel_home: Path, lab: Any, home: Path) -> Path:
    _daemon.ensure_server(panel_home, workers=1)
    fl.init(home=panel_home)
    return panel_home


def _row(page: Any, name: str) -> Any:
    return page.locator(f'.fnb-RunRow[data-run="{name}"]')


def _open_run(page: Any, lab: Any, name: str) -> Any:
    open_panel(page, lab)
    _row(page, name).click()
    view = page.locator(f"#flyte-nb-run-{name}")
    expect(view.locator(".fnb-RunHeader")).to_contain_text(name)
    return view


def test_logs_have_times_streams_actions_attempts_and_the_traceback_in_place(
    lab: Any, page: Any, backend: Path, tmp_path: Path
) -> None:
    run = fl.run(pipeline, str(tmp_path / "marker")).wait(timeout=120)
    assert run.phase == "SUCCEEDED", run.error
    view = _open_run(page, lab, run.name)
    view.locator('.fnb-Tab[data-tab="logs"]').click()
    logs = view.locator(".fnb-LogLines")
    expect(logs).to_contain_text("the needle line")
    lines = logs.locator(".fnb-LogLine")
    # every line has its time, its stream and (all actions) the action it came from
    first = lines.first
    expect(first.locator(".fnb-LogTs")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d\.\d{3}$"))
    expect(first.locator(".fnb-LogAction")).to_contain_text("pipeline")
    stderr = logs.locator('.fnb-LogLine[data-stream="stderr"]').first
    expect(stderr.locator(".fnb-LogStream")).to_have_text("err")
    expect(stderr).to_contain_text("a warning on stderr")
    expect(stderr.locator(".fnb-LogAction")).to_contain_text("flaky")
    # the failed first attempt's traceback sits between its lines and the retry's
    order = logs.evaluate(
        """el => Array.from(el.children).map(c =>
            c.classList.contains('fnb-LogError') ? 'error' :
            c.classList.contains('fnb-LogAttempt') ? 'attempt:' + c.textContent :
            c.textContent.includes('first=True') ? 'first' :
            c.textContent.includes('first=False') ? 'retry' : 'other')"""
    )
    error_at = order.index("error")
    assert order.index("first") < error_at, order
    separator = next(i for i, x in enumerate(order) if x.startswith("attempt:attempt 2 of flaky"))
    assert error_at < separator < order.index("retry"), order
    box = logs.locator(".fnb-LogError")
    expect(box).to_contain_text("first attempt fails on purpose")
    expect(box.locator(".fnb-LogError-tb")).to_contain_text("in flaky")  # the user's frames
    expect(box.locator(".fnb-LogError-tb")).to_contain_text("ValueError")
    screenshot(page, "console-01-logs")
    doc_shot(view, "logs")

    # search keeps the matching lines and counts them
    view.locator(".fnb-LogSearch").fill("NEEDLE")
    expect(view.locator(".fnb-LogMatches")).to_have_text("1 matching line")
    expect(logs.locator(".fnb-LogLine:visible")).to_have_count(1)
    expect(logs.locator(".fnb-LogLine:visible")).to_contain_text("the needle line")
    screenshot(page, "console-02-logs-search")
    view.locator(".fnb-LogSearch").fill("")
    expect(logs.locator(".fnb-LogLine:visible").first).to_be_visible()

    # download: the lines with their labels, the traceback in place
    with page.expect_download() as info:
        view.locator(".fnb-LogDownload").click()
    download = info.value
    assert download.suggested_filename == f"{run.name}.log"
    text = Path(download.path()).read_text()
    labelled = r"^\d\d:\d\d:\d\d\.\d{3} err \[flaky · \S+ #1\] a warning on stderr$"
    assert re.search(labelled, text, re.M), text
    assert "ValueError: first attempt fails on purpose" in text
    assert text.index("first=True") < text.index("in flaky") < text.index("first=False")

    # one action: its attempts, still separated, without the action column
    flaky_action = next(a.name for a in fl.remote.Run.get(run.name).actions() if a.name != "a0")
    view.locator('.fnb-LogsPane select[aria-label="Action"]').select_option(flaky_action)
    expect(logs.locator(".fnb-LogAttempt").first).to_contain_text("attempt 1 of flaky")
    expect(logs.locator(".fnb-LogAction")).to_have_count(0)
    expect(logs).not_to_contain_text("pipeline begins")

    # contrast of what the logs are made of, in both themes (WCAG AA: 4.5:1)
    view.locator('.fnb-LogsPane select[aria-label="Action"]').select_option("")
    expect(logs.locator(".fnb-LogAction").first).to_be_visible()
    for theme in ("JupyterLab Light", "JupyterLab Dark"):
        set_theme(page, theme)
        for selector in (
            ".fnb-LogTs",
            ".fnb-LogAction",
            ".fnb-LogStream-out",
            ".fnb-LogStream-err",
            '.fnb-LogLine[data-stream="stdout"] .fnb-LogText',
            '.fnb-LogLine[data-stream="stderr"] .fnb-LogText',
            ".fnb-LogAttempt",
            ".fnb-LogError-title",
            ".fnb-LogError-tb",
        ):
            ratio = contrast(page, logs.locator(selector).first)
            assert ratio >= 4.5, (theme, selector, ratio)
        screenshot(page, f"console-03-logs-{theme.split()[-1].lower()}")
    set_theme(page, "JupyterLab Light")


def _live_contrast(page: Any, selector: str) -> float:
    """``contrast`` of an element a live header redraws every second: found and measured in
    one step, so the element measured is the one on the page, not a detached copy."""
    colours = page.evaluate(f"sel => ({_COLOURS_JS})(document.querySelector(sel))", selector)
    return float(page.evaluate(_CONTRAST_JS, colours))


def _notebook(root: Path) -> Path:
    """A notebook whose task is defined far below the top, and run in the next cell."""

    def cell(cell_id: str, source: str) -> dict[str, Any]:
        return {
            "cell_type": "code",
            "id": cell_id,
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": source,
        }

    filler = [
        cell(f"filler-{i}", "\n".join(f"x_{i}_{j} = {j}" for j in range(12))) for i in range(8)
    ]
    define = (
        "env = fl.TaskEnvironment('notebook_cell')\n\n"
        "@env.task\n"
        "def where_task(n: int) -> int:\n"
        "    return n * 3\n"
    )
    cells = [
        cell("setup", "import flyte_nb as fl\nfl.init()"),
        *filler,
        cell("defines-the-task", define),
        cell(
            "runs-it", "run = fl.run(where_task, 5)\nrun.wait(timeout=120)\nprint('RUN', run.name)"
        ),
    ]
    doc = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = root / "where.ipynb"
    path.write_text(json.dumps(doc))
    return path


def test_go_to_cell_opens_the_notebook_at_the_cell_that_defined_the_task(
    lab: Any, page: Any, backend: Path, tmp_path: Path
) -> None:
    _notebook(lab.root)
    page.goto(lab.page_url("lab/tree/where.ipynb"))
    expect(page.locator(".jp-Notebook .jp-Cell").first).to_be_visible(timeout=60_000)
    # the preferred kernel starts (no dialog), then Run → Run All Cells, as a user does
    expect(page.locator(".jp-StatusBar-Widget", has_text="Idle")).to_have_count(1, timeout=60_000)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
    output = page.locator(".jp-Notebook .jp-Cell").last.locator(".jp-OutputArea-output")
    expect(output).to_contain_text("RUN ", timeout=90_000)
    name = output.inner_text().split("RUN ", 1)[1].split()[0]
    # the notebook scrolled back to its top, then the panel and the run's view
    page.locator(".jp-Notebook .jp-Cell").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Home")
    tab = page.locator(f'.jp-SideBar.jp-mod-left [data-id="{PANEL_ID}"]')
    if "lm-mod-current" not in (tab.get_attribute("class") or ""):
        tab.click()  # a click on the shown panel's tab would hide it
    _row(page, name).click()
    view = page.locator(f"#flyte-nb-run-{name}")
    written = view.locator(".fnb-WrittenIn")
    expect(written).to_contain_text("where.ipynb")
    expect(written).to_contain_text("In [10]")
    expect(written).to_contain_text("where_task")
    screenshot(page, "console-04-written-in")
    doc_shot(view.locator(".fnb-RunHeader"), "written-in")
    written.locator(".fnb-GoToCell").click()
    active = page.locator(".jp-NotebookPanel:visible .jp-Cell.jp-mod-active")
    expect(active).to_contain_text("def where_task")
    expect(active).to_be_in_viewport()
    expect(page.locator(".jp-Dialog")).to_have_count(0)  # the cell is as it ran
    screenshot(page, "console-05-go-to-cell")
    doc_shot(page, "go-to-cell")

    # edit the cell, then go to it again: it is shown, and a dialog says it changed
    active.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# edited after the run")
    page.keyboard.press("Escape")
    page.locator(f'.lm-TabBar-tab[data-id="flyte-nb-run-{name}"]').click()
    written.locator(".fnb-GoToCell").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("This cell has changed since the run")
    expect(dialog.locator(".fnb-RecordedSource")).to_contain_text("def where_task")
    expect(dialog.locator(".fnb-RecordedSource")).not_to_contain_text("edited after the run")
    expect(page.locator(".jp-NotebookPanel:visible .jp-Cell.jp-mod-active")).to_contain_text(
        "edited after the run"
    )
    screenshot(page, "console-06-cell-changed")
    doc_shot(page, "cell-changed")
    dialog.locator(".jp-mod-accept").click()


def test_files_show_their_text_or_image_and_tables_their_rows(
    lab: Any, page: Any, backend: Path
) -> None:
    text_run = fl.run(notes).wait(timeout=60)
    image_run = fl.run(picture).wait(timeout=60)
    frame_run = fl.run(table, 30).wait(timeout=60)
    for run in (text_run, image_run, frame_run):
        assert run.phase == "SUCCEEDED", run.error
    view = _open_run(page, lab, text_run.name)
    view.locator('.fnb-Tab[data-tab="values"]').click()
    preview = view.locator(".fnb-Preview")
    expect(preview).to_contain_text("notes.txt")
    expect(preview.locator(".fnb-Preview-text")).to_have_text(
        "first line of the notes\nsecond line\n"
    )
    screenshot(page, "console-07-text-preview")

    _row(page, image_run.name).click()
    view = page.locator(f"#flyte-nb-run-{image_run.name}")
    view.locator('.fnb-Tab[data-tab="values"]').click()
    image = view.locator("img.fnb-Preview-image")
    expect(image).to_be_visible()
    wait_for(lambda: image.evaluate("img => img.complete && img.naturalWidth > 0"), 10, "the image")
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [240, 120]
    screenshot(page, "console-08-image-preview")
    doc_shot(view.locator(".fnb-RunBody"), "file-preview")

    # the DataFrame artifact version shows its first rows
    remote = fl.UnionRemote()

    wait_for(lambda: _has(remote, Frames.query()), 30, "the frame's artifact version")
    page.locator('.fnb-Panel .fnb-Tab[data-tab="artifacts"]').click()
    page.locator('.fnb-Item[data-artifact="console-frame"]').click()
    art = page.locator("#flyte-nb-artifact-default-development-console-frame")
    rows = art.locator(".fnb-FrameTable tr")
    expect(rows).to_have_count(21)  # the header and the first 20 rows
    expect(art.locator(".fnb-FrameTable")).to_contain_text("row 19")
    screenshot(page, "console-09-frame-artifact")


def _has(remote: Any, query: Any) -> bool:
    """Whether the backend has recorded a version matching ``query`` (it records in batches)."""
    try:
        return remote.get_artifact(query=query) is not None
    except ArtifactNotFoundError:
        return False


def test_partition_filters_combine(lab: Any, page: Any, backend: Path) -> None:
    assert fl.run(table, 3).wait(timeout=60).phase == "SUCCEEDED"  # a second artifact
    for region, kind in (("eu", "daily"), ("eu", "weekly"), ("us", "daily")):
        assert fl.run(daily, region, kind).wait(timeout=60).phase == "SUCCEEDED"
    remote = fl.UnionRemote()

    last = Daily.query(region="us", kind="daily")
    wait_for(lambda: _has(remote, last), 30, "three versions")
    open_panel(page, lab)
    page.locator('.fnb-Panel .fnb-Tab[data-tab="artifacts"]').click()
    page.locator('.fnb-Item[data-artifact="console-daily"]').click()
    view = page.locator("#flyte-nb-artifact-default-development-console-daily")
    versions = view.locator(".fnb-Versions tr")
    expect(versions).to_have_count(4)  # header + 3
    view.locator('[data-partition="region=eu"]').click()
    expect(versions).to_have_count(3)
    view.locator('[data-partition="kind=daily"]').click()
    expect(versions).to_have_count(2)  # eu and daily: one version
    expect(view.locator(".fnb-Versions")).to_contain_text("region=eu")
    expect(view.locator(".fnb-Versions")).to_contain_text("kind=daily")
    expect(view.locator('[data-partition="region=eu"]')).to_have_attribute("aria-pressed", "true")
    screenshot(page, "console-10-partitions")
    doc_shot(view, "partitions")
    view.locator('[data-partition="region=eu"]').click()  # dropped: kind=daily alone
    expect(versions).to_have_count(3)
    # arrow keys move in the artifact list too (two artifacts at least: console-frame)
    wait_for(lambda: _has(remote, Frames.query()), 30, "the frame artifact")
    page.locator(".fnb-Panel .fnb-Tab[data-tab='artifacts']").click()
    items = page.locator(".fnb-Panel .fnb-Item")
    expect(items.nth(1)).to_be_visible()
    items.first.focus()
    page.keyboard.press("ArrowDown")
    focused = page.locator(".fnb-Panel .fnb-Item:focus")
    expect(focused).to_have_count(1)
    second = "document.activeElement === document.querySelectorAll('.fnb-Panel .fnb-Item')[1]"
    assert page.evaluate(second)
    # and the focus is drawn (an outline, not only a colour change). Read in one step from
    # the focused element itself: the list's 10 s poll may rebuild it in between (the
    # focus then moves to the rebuilt item, polled.ts).
    style = (
        "() => { const el = document.activeElement; const s = getComputedStyle(el);"
        " return [el.classList.contains('fnb-Item'), s.outlineStyle, s.outlineWidth]; }"
    )
    outline = page.evaluate(style)
    assert outline[0], outline
    assert outline[1] != "none", outline
    assert outline[2] != "0px", outline


def test_a_queued_run_says_why_it_waits(lab: Any, page: Any, backend: Path, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    first = fl.run(held, str(gate))
    wait_for(lambda: fl.remote.Run.get(first.name).phase == "RUNNING", 60, "the first run")
    second = fl.run(held, str(gate))  # one worker, busy: this one waits
    try:
        view = _open_run(page, lab, second.name)
        # the run has started (RUNNING) but its root action waits for the busy worker
        badge = view.locator('.fnb-ActionRow[data-action="a0"] .fnb-Phase')
        expect(badge).to_have_text("QUEUED")
        expect(badge).to_have_attribute("title", re.compile("^QUEUED: waiting for a free worker"))
        expect(badge).to_have_attribute("aria-label", re.compile("waiting for a free worker"))
        expect(view.locator(".fnb-RunHeader .fnb-Phase-why")).to_contain_text(
            "queued: waiting for a free worker"
        )
        running = view.locator(".fnb-RunHeader .fnb-Phase")
        expect(running).to_have_attribute("title", re.compile("^RUNNING: "))
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            set_theme(page, theme)
            ratio = _live_contrast(page, f"#flyte-nb-run-{second.name} .fnb-Phase-why")
            assert ratio >= 4.5, theme
        set_theme(page, "JupyterLab Light")
        screenshot(page, "console-11-queued")
    finally:
        gate.touch()
    fl.remote.Run.get(second.name).wait(timeout=60)
    expect(view.locator(".fnb-RunHeader .fnb-Phase")).to_have_text("SUCCEEDED")
    expect(view.locator(".fnb-RunHeader .fnb-Phase-why")).to_have_count(0)
