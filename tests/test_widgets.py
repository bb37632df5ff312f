"""``flyte_nb.widgets``: the live ``RunView``, the static ``run_html`` snapshot, and the
display hooks of ``Run``, on local runs, a live backend run and a scripted fake run."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _backend_util import running_server, wait_for

import flyte_nb as fl
from flyte_nb.deck import Deck
from flyte_nb.deck._html import PLOTLY_BEGIN
from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.remote import ActionTree
from flyte_nb.widgets import RunView, _display, run_html
from flyte_nb.widgets._decks import SNAPSHOT_MAX_BYTES
from flyte_nb.widgets._render import format_duration

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SCRIPT = "<script>alert('x')</script>"

wenv = fl.TaskEnvironment("widgets")


@wenv.task
def leaf(x: int) -> int:
    return x * 2


@wenv.task
def with_deck(n: int) -> int:
    Deck("notes", "<p>hello</p><script>document.body.append('ran')</script>")
    return sum(leaf(i) for i in range(n))


@wenv.task
def grouped() -> int:
    with fl.group(SCRIPT):
        return leaf(1)


@wenv.task
def fails() -> int:
    raise ValueError(f"bad {SCRIPT}")


@wenv.task
def huge_deck(size: int) -> int:
    Deck(f"big {SCRIPT}", "<p>" + "x" * size + "</p>")
    Deck("small", "<p>small</p>")
    return size


@wenv.task(report=True)
def big_report(size: int) -> int:
    fl.report.log("<h2>big</h2><p>" + "x" * size + "</p>")
    return size


@wenv.task
async def quick(i: int) -> int:
    await asyncio.sleep(0.02)
    return i


@wenv.task(report=True)
async def nap_then_fan_out(n: int) -> int:
    await fl.report.log.aio("<h2>started</h2>", do_flush=True)  # published mid-run
    await asyncio.sleep(1.0)
    Deck("summary", f"<p>{n} children</p>")
    return sum(await asyncio.gather(*[quick(i) for i in range(n)]))


@wenv.task(report=True)
def plotly_report(n: int) -> int:
    import plotly.graph_objects as go

    from flyte_nb.deck import PlotlyRenderer

    for i in range(n):
        fl.report.log(PlotlyRenderer().to_html(go.Figure(go.Bar(y=[i, 2, 3]))))
    Deck("second plot", PlotlyRenderer().to_html(go.Figure(go.Scatter(y=[3, 1]))))
    Deck("plain", "<p>no figures</p>")
    return n


# -- a finished local run ------------------------------------------------------------------
def test_view_of_a_finished_local_run() -> None:
    run = fl.run(with_deck, 3)
    view = RunView(run)
    assert not view.following  # nothing to follow: the cell returned with everything drawn
    assert view.join(0)
    assert (view.progress.value, view.progress.max) == (4, 4)
    assert "SUCCEEDED" in view.phase.value
    assert run.name in view.title.value
    assert view.tree.value.count("<code>leaf</code>") == 3
    assert list(view.tabs.titles) == ["notes"]
    frame = view.tabs.children[0].value
    assert 'sandbox="allow-scripts"' in frame
    assert "<script>" not in frame  # inside srcdoc, escaped
    assert view.error.layout.display == "none"
    view.close()
    view.close()  # twice is fine


def test_failed_run_shows_the_error_escaped() -> None:
    with pytest.raises(ValueError, match="bad"):
        fl.run(fails)
    (run,) = fl.remote.Run.listall(phase="FAILED")
    view = RunView(run)
    assert "FAILED" in view.phase.value
    assert view.error.layout.display == ""
    assert "ValueError" in view.error.value
    assert SCRIPT not in view.error.value
    assert "&lt;script&gt;" in view.error.value
    assert "<details>" in view.error.value  # the traceback is folded away
    html = run_html(run)
    assert SCRIPT not in html
    assert "bad &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_run_html_escapes_names() -> None:
    run = fl.run(grouped)
    html = run_html(run)
    assert "<script>" not in html
    assert "[&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;]" in html  # the group
    assert '<progress value="2" max="2"' in html
    assert "2/2 actions finished" in html


def test_tree_sums_up_wide_fan_outs() -> None:
    run = fl.run(with_deck, 250)
    view = RunView(run, max_children=100)
    assert view.tree.value.count("<code>leaf</code>") == 100
    assert "... 150 more: 150 SUCCEEDED" in view.tree.value
    assert view.progress.value == view.progress.max == 251


def test_snapshot_leaves_huge_documents_out() -> None:
    size = SNAPSHOT_MAX_BYTES + 1_000_000
    run = fl.run(huge_deck, size)
    html = run_html(run)
    assert len(html) < 100_000
    assert "3.0 MB" in html
    assert f"fl.remote.Run.get({run.name!r}).decks[0].html()" in html.replace("&#x27;", "'")
    assert "&lt;p&gt;small&lt;/p&gt;" in html  # the small one is still inlined
    assert "<script>" not in html
    # The live widget shows it (it sends it once), unless over its own limit.
    view = RunView(run)
    assert len(view.tabs.children[0].value) > size
    small = RunView(run, max_doc_bytes=1000)
    assert "more than the 1,000 bytes" in small.tabs.children[0].value
    one_tab = RunView(run, max_tabs=1)
    assert list(one_tab.tabs.titles) == [f"big {SCRIPT}", "more"]
    assert "1 more documents" in one_tab.tabs.children[1].value
    assert ".decks[1].html()" in one_tab.tabs.children[1].value.replace("&#x27;", "'")


def test_a_10_mb_report_is_shown_live_and_noted_in_the_snapshot() -> None:
    run = fl.run(big_report, 10_000_000)
    report = run.get_report()
    assert report is not None
    assert report.size > 10_000_000
    html = run_html(run)
    assert len(html) < 100_000
    assert "10.0 MB, more than the 2.0 MB a static snapshot inlines" in html
    assert f"fl.remote.Run.get({run.name!r}).get_report().html()" in html.replace("&#x27;", "'")
    view = RunView(run)
    assert list(view.tabs.titles) == ["report"]
    assert len(view.tabs.children[0].value) > 10_000_000
    assert 'sandbox="allow-scripts"' in view.tabs.children[0].value[:300]


def test_mimebundle_with_and_without_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    run = fl.run(with_deck, 2)
    assert not _display.kernel_available()  # pytest is no kernel
    bundle = run._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == repr(run)
    assert 'sandbox="allow-scripts"' in bundle["text/html"]
    assert run._repr_html_() == bundle["text/html"]
    monkeypatch.setattr(_display, "kernel_available", lambda: True)
    bundle = run._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", WIDGET_MIME}
    assert bundle[WIDGET_MIME]["model_id"]
    assert set(run._repr_mimebundle_(exclude={"text/html"})) == {"text/plain", WIDGET_MIME}
    assert set(run._repr_mimebundle_(include={"text/html"})) == {"text/plain", "text/html"}


def test_kernel_detection_reads_the_ipython_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython

    class Shell:
        kernel = object()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    assert _display.kernel_available()
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())  # a terminal IPython
    assert not _display.kernel_available()


def test_remote_and_plain_display_never_import_ipywidgets(tmp_path: Path) -> None:
    code = (
        "import sys, flyte_nb as fl\n"
        f"fl.init(home={str(tmp_path / 'h')!r}, local=True)\n"
        "env = fl.TaskEnvironment('x')\n"
        "@env.task\n"
        "def t() -> int:\n"
        "    return 1\n"
        "run = fl.run(t)\n"
        "assert 'ipywidgets' not in sys.modules\n"
        "bundle = run._repr_mimebundle_()\n"
        "print(sorted(bundle), 'ipywidgets' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['text/html', 'text/plain'] False"


# -- a scripted run: throttling, one read per update, closing -----------------------------
class FakeAction:
    def __init__(self, name: str, parent: str | None, phase: str) -> None:
        self.name, self.parent, self.phase = name, parent, phase
        self.short_name, self.group, self.attempts, self.cache_hit = "t", None, 1, False
        self.duration: float | None = None
        self.children: list[FakeAction] = []


class FakeRun:
    """A run of 100 children that finishes ``seconds`` after it was made, whose stream
    emits ``events`` events meanwhile (or, with ``block``, waits for ``release``)."""

    def __init__(self, events: int, seconds: float, block: bool = False) -> None:
        self.name, self.task_name = "fake", "fake.task"
        self.started_at: float | None = time.time()
        self.error: dict[str, Any] | None = None
        self.events, self.seconds, self.block = events, seconds, block
        self.t0 = time.monotonic()
        self.reads = 0
        self.release = threading.Event()

    @property
    def progress(self) -> float:
        return min(1.0, (time.monotonic() - self.t0) / self.seconds)

    @property
    def phase(self) -> str:
        return "SUCCEEDED" if self.progress >= 1.0 else "RUNNING"

    @property
    def ended_at(self) -> float | None:
        return None if self.progress < 1.0 else time.time()

    @property
    def done(self) -> bool:
        return self.phase == "SUCCEEDED"

    def refresh(self) -> FakeRun:
        return self

    def wait(self, timeout: float | None = None) -> FakeRun:
        deadline = time.monotonic() + (timeout or 60)
        while not self.done:
            if time.monotonic() >= deadline:
                raise TimeoutError("still running")
            time.sleep(0.01)
        return self

    def tree(self, max_children: int = 200) -> ActionTree:
        self.reads += 1
        finished = int(self.progress * 100)
        root = FakeAction("a0", None, self.phase)
        for i in range(100):
            child = FakeAction(f"c{i}", "a0", "SUCCEEDED" if i < finished else "RUNNING")
            root.children.append(child)
        counts: dict[str, int] = {}
        for a in [root, *root.children]:
            counts[a.phase] = counts.get(a.phase, 0) + 1
        return ActionTree(counts, 101, [root, *root.children], {})  # type: ignore[list-item]

    def watch(self) -> Iterator[dict[str, Any]]:
        if self.block:
            self.release.wait(10)
            yield {"kind": "log"}
            return
        for _ in range(self.events):
            time.sleep(self.seconds / self.events)
            yield {"kind": "action", "phase": "SUCCEEDED"}
        self.wait()
        yield {"kind": "run", "phase": "SUCCEEDED"}

    @property
    def decks(self) -> list[Any]:
        return []

    def get_report(self) -> None:
        return None


@pytest.mark.parametrize("stream_share", [1.0, 0.0])
def test_updates_coalesce_events_and_read_once_each(stream_share: float) -> None:
    """Streamed (the reader never gives up) or polled (it gives up at once), thousands of
    events make a few updates, each one read of the run."""
    run = FakeRun(events=5000, seconds=2.0)
    start = time.monotonic()
    view = RunView(run, stream_share=stream_share)  # type: ignore[arg-type]
    assert view.following
    assert view.join(20)
    wall = time.monotonic() - start
    assert (view.progress.value, view.progress.max) == (101, 101)
    assert "SUCCEEDED" in view.phase.value
    assert 2 <= view.updates <= 5 * wall + 1, (view.updates, wall)
    assert run.reads == view.updates + 1  # one read per update, plus the first drawing
    assert view.cpu_seconds > 0
    follower = view._follower
    assert follower is not None
    if stream_share:
        assert not follower.polling
        assert follower.events == 5001
    else:
        assert follower.polling
        assert follower.events < 5000


def test_close_stops_following() -> None:
    run = FakeRun(events=0, seconds=3600, block=True)
    view = RunView(run)  # type: ignore[arg-type]
    assert view.following
    view.close()
    run.release.set()  # the reader stops at its next event
    assert view.join(5)
    assert view.updates == 0


# -- a live backend run --------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("widgets-home")
    with running_server(home):
        yield home


def test_live_view_of_a_backend_run(server: Path, home: Path) -> None:
    fl.init(home=server)
    start = time.monotonic()
    run = fl.run(nap_then_fan_out, 50)
    view = RunView(run)
    created = time.monotonic() - start
    phase_when_tabbed: list[str] = []
    view.tabs.observe(lambda _: phase_when_tabbed.append(view.phase.value), "titles")
    assert created < 1.0  # the cell returns at once; the run goes on
    assert view.following
    assert not run.done
    assert view.join(60)
    wall = time.monotonic() - start
    assert not view.following
    assert run.phase == "SUCCEEDED"
    assert "SUCCEEDED" in view.phase.value
    assert (view.progress.value, view.progress.max) == (51, 51)
    assert view.progress.bar_style == "success"
    # Tabs keep the order documents arrived in: the report was flushed first.
    assert list(view.tabs.titles) == ["report", "summary"]
    assert "started" in view.tabs.children[0].value
    assert "50 children" in view.tabs.children[1].value  # published as the root ended
    assert "RUNNING" in phase_when_tabbed[0]  # the flushed report arrived while it ran
    assert 1 <= view.updates <= 5 * wall + 1, (view.updates, wall)
    assert view._follower is not None
    assert view._follower.events >= 50
    html = run_html(run)
    assert "51/51 actions finished" in html
    assert "summary" in html


# -- issue 18: bugs found using the panel and the widget ----------------------------------
@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.5, "500 ms"),
        (0.9996, "1.0 s"),
        (59.97, "1 min 00 s"),
        (61.2, "1 min 01 s"),
        (None, "not started"),
    ],
)
def test_durations_never_read_1000_ms(seconds: float | None, text: str) -> None:
    # B8: 0.9996 s was "1000 ms" and 59.97 s "60.0 s".
    assert format_duration(seconds) == text


def test_a_plotly_report_reaches_the_snapshot_with_plotly_js_once() -> None:
    # B7: each figure's document carried its own 4.8 MB copy of plotly.js, so a report made
    # with the default PlotlyRenderer was over the snapshot's limit and left out.
    run = fl.run(plotly_report, 3)
    report = run.get_report()
    assert report is not None
    assert report.size > SNAPSHOT_MAX_BYTES  # too big as it is stored
    html = run_html(run)
    marker = PLOTLY_BEGIN.replace("<", "&lt;").replace(">", "&gt;")
    assert html.count(marker) == 1  # one copy for the report and the deck together
    assert "documents with plotly figures: <b>second plot</b>, <b>report</b>" in html
    assert html.count("Plotly.newPlot") == 4  # three bars in the report, one scatter
    assert "more than the" not in html  # nothing left out
    assert "&lt;p&gt;no figures&lt;/p&gt;" in html  # a deck without figures: its own frame
    assert html.count("<iframe") == 2
    assert len(html) < SNAPSHOT_MAX_BYTES + 6_000_000


class _Handle:
    def __init__(self, shown: list[tuple[str, dict[str, Any]]]) -> None:
        self.shown = shown

    def update(self, bundle: dict[str, Any], raw: bool = False) -> None:
        assert raw
        self.shown.append(("update", bundle))


def test_a_live_runs_output_is_replaced_by_its_final_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # B6: displayed while live, the output kept its first snapshot, so the saved notebook
    # and its HTML said RUNNING forever.
    import IPython.display

    shown: list[tuple[str, dict[str, Any]]] = []
    ids: list[object] = []

    def display(bundle: dict[str, Any], raw: bool = False, display_id: object = None) -> Any:
        assert raw
        shown.append(("display", bundle))
        ids.append(display_id)
        return _Handle(shown) if display_id else None

    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(_display, "kernel_available", lambda: True)
    run = FakeRun(events=20, seconds=1.0)
    _display.display_run(run)  # type: ignore[arg-type]
    assert ids == [True]
    first = shown[0][1]
    assert "RUNNING" in first["text/html"]
    assert first[WIDGET_MIME]["model_id"]
    wait_for(lambda: len(shown) == 2, 30, "the final snapshot")
    kind, final = shown[1]
    assert kind == "update"
    assert "SUCCEEDED" in final["text/html"]
    assert "RUNNING" not in final["text/html"]
    assert final[WIDGET_MIME] == first[WIDGET_MIME]  # the same live widget stays
    # A finished run: shown once, no display id, nothing to update later.
    done = FakeRun(events=0, seconds=0.001)
    done.wait()
    _display.display_run(done)  # type: ignore[arg-type]
    assert ids == [True, None]
    assert len(shown) == 3
    assert "SUCCEEDED" in shown[2][1]["text/html"]


def test_when_done_checks_its_callback() -> None:
    run = FakeRun(events=0, seconds=0.001)
    run.wait()
    view = RunView(run)  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="function of no arguments"):
        view.when_done("not callable")  # type: ignore[arg-type]
    called: list[int] = []
    view.when_done(lambda: called.append(1))  # already done: at once
    assert called == [1]


def test_the_widget_links_to_the_run_in_the_panel() -> None:
    # Issue 18, "links that travel": the widget's "Open in panel" names the run's view.
    run = FakeRun(events=0, seconds=0.001)
    run.name = "r/1 <x>"
    run.wait()
    view = RunView(run)  # type: ignore[arg-type]
    link = view.open_link.value
    assert 'data-flyte-nb-open="run/r%2F1%20%3Cx%3E"' in link
    assert 'href="?flyte-nb=run/r%2F1%20%3Cx%3E"' in link
    assert "Open in panel" in link
