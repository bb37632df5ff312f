"""Acting on runs and comparing them (issue 18), in a real JupyterLab in Debian's Chromium
against a real backend (see ``_panel_lab.py``): re-run with the same inputs, re-run with an
edited input (a bad value's message next to its box first), recover a failed run (only the
failed part runs: checked in the records and in files the tasks write), answer an input
gate (a run waiting at it says "waiting for you" in the list, the tree and the header),
and compare two runs (the differing input highlighted).

The lab's refresh interval is an hour: what changes without a reload came through the live
stream. Screenshots for docs/panel.md go to docs/images/; the rest to test-output/panel/.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _backend_util import wait_for
from _panel_lab import PLUGIN, REPO, jupyter_lab, open_panel, screenshot
from playwright.sync_api import expect

import flyte_nb as fl
from flyte_nb.client import _daemon
from flyte_nb.union import task, wait_for_input, workflow

expect.set_options(timeout=30_000)

DOC_IMAGES = REPO / "docs" / "images"
act_env = fl.TaskEnvironment("panel_actions")


class Size(enum.Enum):
    SMALL = 1
    LARGE = 100


@act_env.task
def scaled(n: int, size: Size, factor: float = 1.0) -> float:
    return n * size.value * factor


@act_env.task
def part(i: int, folder: str) -> int:
    with open(Path(folder, f"part-{i}"), "a") as f:
        f.write("x")
    return i


@act_env.task
def finish(values: list[int], folder: str) -> int:
    with open(Path(folder, "finish"), "a") as f:
        f.write("x")
    if not Path(folder, "fixed").exists():
        raise RuntimeError("the last step fails until the folder holds 'fixed'")
    return sum(values)


@act_env.task
def pipeline(n: int, folder: str) -> int:
    return finish([part(i, folder) for i in range(n)], folder)


@task
def add(a: int, b: int) -> int:
    return a + b


@workflow
def asks(n: int) -> int:
    count = wait_for_input(name="count", timeout=datetime.timedelta(hours=1), expected_type=int)
    return add(a=n, b=count)


@pytest.fixture(scope="module")
def panel_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("panel-actions-home")
    _daemon.ensure_server(home, workers=2)
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


def _open_run(page: Any, lab: Any, name: str) -> Any:
    open_panel(page, lab)
    page.locator(f'.fnb-RunRow[data-run="{name}"]').click()
    view = page.locator(f"#flyte-nb-run-{name}")
    expect(view.locator(".fnb-RunHeader h2")).to_have_text(name)
    return view


def _new_run(page: Any, old: str) -> str:
    """The run view the panel opened after starting a run (its name: the header's h2)."""
    fresh = page.locator(f".fnb-RunView:visible:not(#flyte-nb-run-{old})")
    fresh.first.wait_for(timeout=30_000)
    heading = page.locator(".fnb-RunView:visible .fnb-RunHeader h2").first
    expect(heading).not_to_have_text(old)
    return str(heading.inner_text())


def test_rerun_with_the_same_inputs(lab: Any, page: Any, backend: Path) -> None:
    first = fl.run(scaled, 3, Size.SMALL).wait(timeout=60)
    view = _open_run(page, lab, first.name)
    view.locator(".fnb-Rerun").click()
    page.locator(".jp-Dialog").get_by_role("button", name="Re-run").click()
    name = _new_run(page, first.name)
    again = fl.remote.Run.get(name).wait(timeout=60)
    assert again.outputs() == 3.0
    assert again.inputs() == {"n": 3, "size": Size.SMALL, "factor": 1.0}
    expect(page.locator(f"#flyte-nb-run-{name} .fnb-RunHeader .fnb-Phase").first).to_have_text(
        "SUCCEEDED"
    )


def test_rerun_with_an_edited_input_after_a_bad_value(lab: Any, page: Any, backend: Path) -> None:
    first = fl.run(scaled, 2, Size.SMALL).wait(timeout=60)
    view = _open_run(page, lab, first.name)
    view.locator(".fnb-RerunEdit").click()
    form = view.locator(".fnb-RerunForm")
    n = form.locator('[data-input="n"] .fnb-RerunForm-box')
    expect(n).to_have_value("2")
    expect(form.locator('[data-input="size"] select')).to_have_value("SMALL")
    n.fill("two")
    form.locator(".fnb-RerunForm-submit").click()
    error = form.locator('[data-error-for="n"]')
    expect(error).to_have_text("expects an int, got 'two'")
    expect(n).to_have_attribute("aria-invalid", "true")
    DOC_IMAGES.mkdir(parents=True, exist_ok=True)
    view.screenshot(path=str(DOC_IMAGES / "panel-rerun-form.png"))
    n.fill("7")
    form.locator('[data-input="size"] select').select_option("LARGE")
    form.locator('[data-input="factor"] .fnb-RerunForm-box').fill("0.5")
    form.locator(".fnb-RerunForm-submit").click()
    name = _new_run(page, first.name)
    edited = fl.remote.Run.get(name).wait(timeout=60)
    assert edited.inputs() == {"n": 7, "size": Size.LARGE, "factor": 0.5}
    assert edited.outputs() == 350.0
    assert fl.remote.Run.get(first.name).outputs() == 2.0  # the old run is untouched


def test_recover_a_failed_run_runs_only_the_failed_part(
    lab: Any, page: Any, backend: Path, tmp_path: Path
) -> None:
    failed = fl.run(pipeline, 3, str(tmp_path)).wait(timeout=60)
    assert failed.phase == "FAILED"
    view = _open_run(page, lab, failed.name)
    (tmp_path / "fixed").write_text("1")  # the fix the last step needed
    view.locator(".fnb-Recover").click()
    page.locator(".jp-Dialog").get_by_role("button", name="Recover").click()
    name = _new_run(page, failed.name)
    recovered = fl.remote.Run.get(name).wait(timeout=60)
    assert recovered.outputs() == 0 + 1 + 2
    # the parts ran once, in the failed run; only the failed step ran again
    assert {p.name: p.read_text() for p in tmp_path.glob("part-*")} == {
        f"part-{i}": "x" for i in range(3)
    }
    assert (tmp_path / "finish").read_text() == "xx"
    by_task = {}
    for action in recovered.actions():
        by_task.setdefault(action.short_name, []).append(action)
    assert all(a.attempt_log[0].get("recovered_from") == failed.name for a in by_task["part"])
    assert "recovered_from" not in by_task["finish"][0].attempt_log[0]
    expect(page.locator(f"#flyte-nb-run-{name} .fnb-RunHeader .fnb-Phase").first).to_have_text(
        "SUCCEEDED"
    )


def test_an_input_gate_waits_for_you_and_is_answered(lab: Any, page: Any, backend: Path) -> None:
    run = fl.run(asks, 5)
    wait_for(lambda: fl.remote.Run.get(run.name).waiting == ["count"], 60, "the gate to wait")
    open_panel(page, lab)
    row = page.locator(f'.fnb-RunRow[data-run="{run.name}"]')
    expect(row.locator(".fnb-Waiting")).to_have_text("waiting for you")
    row.click()
    view = page.locator(f"#flyte-nb-run-{run.name}")
    expect(view.locator(".fnb-RunHeader-title .fnb-Waiting")).to_have_text("waiting for you")
    gate_row = view.locator(".fnb-Tree .fnb-ActionRow", has=page.locator(".fnb-Waiting"))
    expect(gate_row).to_have_count(1)
    gate = view.locator('.fnb-Gate[data-signal="count"]')
    box = gate.locator(".fnb-GateValue")
    box.fill("four")
    gate.get_by_role("button", name="Set").click()
    expect(gate.locator(".fnb-FieldError")).to_contain_text("expects an int")
    screenshot(page, "actions-gate-input")
    box.fill("4")
    gate.get_by_role("button", name="Set").click()
    expect(view.locator(".fnb-RunHeader .fnb-Phase").first).to_have_text(
        "SUCCEEDED", timeout=60_000
    )
    expect(view.locator(".fnb-Waiting")).to_have_count(0)
    assert fl.remote.Run.get(run.name).wait(timeout=60).outputs() == 9
    expect(row.locator(".fnb-Waiting")).to_have_count(0)


def test_compare_two_runs_highlights_the_differing_input(
    lab: Any, page: Any, backend: Path
) -> None:
    a = fl.run(scaled, 2, Size.SMALL).wait(timeout=60)
    b = fl.run(scaled, 5, Size.SMALL).wait(timeout=60)
    open_panel(page, lab)
    for run in (a, b):
        page.locator(f'.fnb-RunRow[data-run="{run.name}"] .fnb-RunRow-pick').check()
    bar = page.locator(".fnb-CompareBar")
    expect(bar).to_contain_text("2 runs picked")
    bar.locator(".fnb-CompareBar-compare").click()
    view = page.locator(".fnb-CompareView:visible")
    expect(view.locator("thead th[data-run]")).to_have_count(2)
    n = view.locator('tr[data-field="inputs.n"]')
    expect(n).to_have_class("fnb-Compare-row fnb-Compare-differs")
    expect(n.locator("td")).to_have_text(["2", "5"])
    expect(view.locator('tr[data-field="inputs.size"]')).to_have_attribute("data-differs", "false")
    expect(view.locator('tr[data-field="outputs.o0"]')).to_have_class(
        "fnb-Compare-row fnb-Compare-differs"
    )
    expect(view.locator('tr[data-field="run.task version"]')).to_have_attribute(
        "data-differs", "false"
    )
    DOC_IMAGES.mkdir(parents=True, exist_ok=True)
    view.screenshot(path=str(DOC_IMAGES / "panel-compare.png"))
    view.locator(".fnb-Compare-only").check()
    expect(view.locator('tr[data-field="inputs.size"]')).to_have_count(0)
    expect(n).to_be_visible()
