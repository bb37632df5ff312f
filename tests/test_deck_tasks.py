"""Decks and reports produced by real task runs, in the kernel and on the backend."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from _backend_util import running_server, wait_for

import flyte_nb as fl
from flyte_nb.deck import DeckField, MarkdownRenderer
from flyte_nb.exceptions import FlyteValidationException, NotInTaskContextError
from flyte_nb.tasks._template import DECK_FIELDS

dk = fl.TaskEnvironment("dk")


@dk.task(report=True)
def sync_report(x: int) -> int:
    fl.report.log(f"<h1>total {x}</h1>")
    fl.report.get_tab("Details").log("<p>details here</p>")
    return x


@dk.task(report=True)
async def async_report(x: int) -> int:
    await fl.report.log.aio(f"<h2>async {x}</h2>")
    await fl.report.flush.aio()
    fl.report.replace(f"<h2>final {x}</h2>")
    return x


@dk.task
def user_decks() -> str:
    fl.Deck("mine", "<p>first</p>").append("<p>second</p>")
    fl.current_context().default_deck.append("<p>default body</p>")
    return "ok"


@dk.task(enable_deck=True)
def with_defaults(n: int) -> Annotated[str, MarkdownRenderer()]:
    return f"# heading {n}"


@dk.task(enable_deck=True, deck_fields=["input"])
def only_input(n: int) -> int:
    return n


@dk.task(enable_deck=True, cache="auto")
def cached_decks(n: int) -> int:
    return n * 2


@dk.task
def no_report_declared() -> int:
    fl.report.log("nope")
    return 1


@dk.task
def live_deck(gate: str) -> str:
    fl.Deck("live", "<p>step 1</p>").publish()
    while not Path(gate).exists():
        time.sleep(0.05)
    return "done"


def _names(run: fl.remote.Run) -> set[str]:
    return {d.name for d in run.decks}


def test_deck_fields_match_the_task_layer() -> None:
    assert {f.value for f in DeckField} == set(DECK_FIELDS)


def test_reports_from_sync_and_async_bodies_locally() -> None:
    report = fl.run(sync_report, 3).get_report()
    assert report is not None
    html = report.html()
    assert "total 3" in html
    assert "Details" in html
    assert "details here" in html
    report = fl.run(async_report, 4).get_report()
    assert report is not None
    assert "final 4" in report.html()
    assert "async 4" not in report.html()  # replace() replaced the main tab


def test_user_decks_and_the_default_deck() -> None:
    run = fl.run(user_decks)
    decks = {d.name: d for d in run.decks}
    assert "<p>first</p><p>second</p>" in decks["mine"].html()
    assert "default body" in decks["default"].html()


def test_default_decks_and_an_annotated_output_renderer() -> None:
    run = fl.run(with_defaults, 7)
    decks = {d.name: d for d in run.decks}
    assert {"Input", "Output", "Source Code", "Timeline", "Dependencies"} <= set(decks)
    assert "<h1>heading 7</h1>" in decks["Output"].html()
    assert "with_defaults" in decks["Source Code"].html()
    assert _names(fl.run(only_input, 1)) == {"Input"}


def test_a_cache_hit_shows_the_decks_of_the_run_that_filled_it() -> None:
    first = fl.run(cached_decks, 5)
    second = fl.run(cached_decks, 5)
    assert second.actions()[0].cache_hit
    decks = second.decks
    assert {"Input", "Output"} <= {d.name for d in decks}
    assert {d.source_run for d in decks} == {first.name}


def test_bad_deck_settings_and_report_misuse() -> None:
    def body() -> int:
        return 1

    with pytest.raises(FlyteValidationException, match="enable_deck must be True or False"):
        dk.task(enable_deck="yes")(body)  # type: ignore[call-overload]
    with pytest.raises(FlyteValidationException, match="unknown deck field 'bogus'"):
        dk.task(deck_fields=["bogus"])(body)
    with pytest.raises(NotInTaskContextError):
        fl.report.log("outside any task")
    with pytest.raises(FlyteValidationException, match="report=True"):
        fl.run(no_report_declared)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("decks-home")
    with running_server(home):
        yield home


def test_reports_and_decks_on_the_backend(server: Path) -> None:
    fl.init(home=server)
    run = fl.run(sync_report, 8).wait(timeout=30)
    report = run.get_report()
    assert report is not None
    assert "total 8" in report.html()
    run = fl.run(async_report, 9).wait(timeout=30)
    report = run.get_report()
    assert report is not None
    assert "final 9" in report.html()
    run = fl.run(with_defaults, 2).wait(timeout=30)
    decks = {d.name: d for d in run.decks}
    assert "<h1>heading 2</h1>" in decks["Output"].html()


def test_a_published_deck_is_seen_before_the_task_ends(server: Path, tmp_path: Path) -> None:
    fl.init(home=server)
    gate = tmp_path / "gate"
    run = fl.run(live_deck, str(gate))
    try:
        wait_for(lambda: "live" in _names(run), 20, "the published deck")
        assert not run.refresh().done
        (live,) = [d for d in run.decks if d.name == "live"]
        assert "step 1" in live.html()
    finally:
        gate.write_text("open")
    assert run.wait(timeout=30).outputs() == "done"


def test_watchers_get_doc_events(server: Path, tmp_path: Path) -> None:
    fl.init(home=server)
    gate = tmp_path / "gate2"
    run = fl.run(live_deck, str(gate))
    safety = threading.Timer(20, gate.write_text, ("open",))  # never hang the suite
    safety.start()
    kinds = []
    try:
        for event in run.watch():
            kinds.append(event["kind"])
            if event["kind"] == "doc" and not gate.exists():
                kinds.append("opened by the doc event")
                gate.write_text("open")
    finally:
        safety.cancel()
    # The deck was announced while the task still waited for it (not by the safety timer).
    assert "opened by the doc event" in kinds
