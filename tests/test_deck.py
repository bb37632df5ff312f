"""Decks and renderers, on real pandas / pyarrow / plotly / Pillow objects.

A running attempt is faked where a test needs one: ``current_docs`` is patched in
``flyte_nb.action._decks`` (where decks look it up) to return an ``ActionDocs`` whose sink
records what was published. One test runs a real task in the local engine.
"""

from __future__ import annotations

import base64
import html
import io
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import pytest
from PIL import Image

import flyte_nb as fl
from flyte_nb.action import _decks as _docs
from flyte_nb.action._decks import ActionDocs
from flyte_nb.deck import (
    DEFAULT_DECK_FIELDS,
    BoxRenderer,
    Deck,
    DeckField,
    ImageRenderer,
    MarkdownRenderer,
    PlotlyRenderer,
    Renderable,
    SourceCodeRenderer,
    TableRenderer,
    TopFrameRenderer,
    build_default_decks,
    output_renderers,
    render,
    sandboxed_iframe,
)
from flyte_nb.deck._html import PLOTLY_BEGIN
from flyte_nb.exceptions import FlyteValidationException, NotInTaskContextError
from flyte_nb.models import ActionID, RawDataPath, TaskContext

SCRIPT = "<script>alert('x')</script>"
Published = list[tuple[str, str, str]]


@pytest.fixture
def docs(monkeypatch: pytest.MonkeyPatch) -> tuple[ActionDocs, Published]:
    """A fake running attempt: its ActionDocs and the list its sink records into."""
    published: Published = []
    action_docs = ActionDocs(lambda kind, name, body: published.append((kind, name, body)))
    monkeypatch.setattr(_docs, "current_docs", lambda: action_docs)
    return action_docs, published


@pytest.fixture
def big_frame() -> pd.DataFrame:
    n = 100_000
    return pd.DataFrame({"id": range(n), "text": [SCRIPT] * n, "score": [0.5] * n})


def srcdoc_of(iframe: str) -> str:
    match = re.search(r'srcdoc="([^"]*)"', iframe)
    assert match is not None, iframe
    return html.unescape(match.group(1))


def strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


# -- renderers ---------------------------------------------------------------------------
def test_top_frame_renderer_on_100k_rows_is_small_and_says_what_it_shows(
    big_frame: pd.DataFrame,
) -> None:
    out = TopFrameRenderer().to_html(big_frame)
    assert len(out) < 50_000
    assert "showing 10 of 100,000 rows" in out
    assert out.count("<tr>") == 11  # header + 10 rows
    assert SCRIPT not in out
    assert html.escape(SCRIPT) in out


def test_top_frame_renderer_on_arrow_table_cuts_rows_and_columns(big_frame: pd.DataFrame) -> None:
    table = pa.Table.from_pandas(big_frame, preserve_index=False)
    out = TopFrameRenderer(3, max_cols=2).to_html(table)
    assert "showing 3 of 100,000 rows, 2 of 3 columns" in out
    assert "<th>id</th><th>text</th>" in out
    assert "score" not in out
    assert SCRIPT not in out


def test_top_frame_renderer_accepts_series_and_flytekit_positional_args() -> None:
    out = TopFrameRenderer(2).to_html(pd.Series([1, 2, 3], name="s"))
    assert "showing 2 of 3 rows" in out
    assert "<th>s</th>" in out


@pytest.mark.parametrize("bad", [0, -1, "10", True, 1.5])
def test_top_frame_renderer_validates_limits(bad: Any) -> None:
    with pytest.raises(FlyteValidationException, match="max_rows must be a positive int"):
        TopFrameRenderer(max_rows=bad)


def test_top_frame_renderer_refuses_non_tables() -> None:
    with pytest.raises(TypeError, match="pandas DataFrame or a pyarrow Table"):
        TopFrameRenderer().to_html([1, 2])


def test_table_renderer_shapes_and_escaping() -> None:
    rows = TableRenderer().to_html([{"a": 1, "b": SCRIPT}, {"c": 3}])
    assert "<th>a</th><th>b</th><th>c</th>" in rows
    assert SCRIPT not in rows
    assert html.escape(SCRIPT) in rows
    cols = TableRenderer(max_rows=1).to_html({"x": [1, 2], "y": ["<b>"]})
    assert "&lt;b&gt;" in cols
    assert "showing 1 of 2 rows" in cols
    frame = TableRenderer().to_html(pd.DataFrame({"k": [SCRIPT] * 3}))
    assert frame.count(html.escape(SCRIPT)) == 3
    assert SCRIPT not in frame
    with pytest.raises(TypeError, match="list of dicts"):
        TableRenderer().to_html(42)


def test_markdown_renderer_escapes_raw_html_by_default() -> None:
    text = f"# Title\n\n{SCRIPT}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[x](javascript:alert(1))"
    out = MarkdownRenderer().to_html(text)
    assert "<h1>Title</h1>" in out
    assert "<table>" in out
    assert SCRIPT not in out
    assert "&lt;script&gt;" in out
    assert 'href="javascript' not in out
    assert SCRIPT in MarkdownRenderer(allow_html=True).to_html(text)
    with pytest.raises(TypeError):
        MarkdownRenderer().to_html(3)
    with pytest.raises(FlyteValidationException, match="allow_html"):
        MarkdownRenderer(allow_html="yes")  # type: ignore[arg-type]


def small_figure() -> go.Figure:
    return go.Figure(go.Scatter(y=list(range(100))))


def test_plotly_renderer_inline_and_cdn() -> None:
    inline = PlotlyRenderer().to_html(small_figure())
    assert inline.startswith(PLOTLY_BEGIN)
    assert "plotly-graph-div" in inline
    assert len(inline) > 1_000_000  # plotly.js itself: works offline
    cdn = PlotlyRenderer(include_plotlyjs="cdn").to_html(small_figure())
    assert "cdn.plot.ly" in cdn
    assert len(cdn) < 100_000
    assert "plotly-graph-div" in PlotlyRenderer().to_html({"data": [{"type": "bar", "y": [1]}]})
    with pytest.raises(FlyteValidationException, match="include_plotlyjs"):
        PlotlyRenderer(include_plotlyjs="require")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="plotly figure"):
        PlotlyRenderer().to_html("fig")


def test_box_renderer_draws_a_column(big_frame: pd.DataFrame) -> None:
    out = BoxRenderer("score", include_plotlyjs=False).to_html(big_frame)
    assert '"type":"box"' in out
    assert '"name":"score"' in out
    arrow = BoxRenderer("id", include_plotlyjs=False).to_html(pa.table({"id": [1, 2, 3]}))
    assert '"type":"box"' in arrow
    with pytest.raises(FlyteValidationException, match="no column 'nope'; columns: id, text"):
        BoxRenderer("nope").to_html(big_frame)


def decoded_image(tag: str) -> tuple[str, Image.Image]:
    match = re.search(r'src="data:(image/[a-z+]+);base64,([^"]+)"', tag)
    assert match is not None, tag[:200]
    return match.group(1), Image.open(io.BytesIO(base64.b64decode(match.group(2))))


def test_image_renderer_pil_path_bytes(tmp_path: Path) -> None:
    img = Image.new("RGB", (40, 20), "red")
    mime, back = decoded_image(ImageRenderer().to_html(img))
    assert mime == "image/png"
    assert back.size == (40, 20)

    path = tmp_path / "a.jpg"
    img.save(path, format="JPEG")
    mime, back = decoded_image(ImageRenderer().to_html(path))
    assert mime == "image/jpeg"
    assert back.size == (40, 20)
    mime, _ = decoded_image(ImageRenderer().to_html(str(path)))
    assert mime == "image/jpeg"
    mime, _ = decoded_image(ImageRenderer().to_html(path.read_bytes()))
    assert mime == "image/jpeg"


def test_image_renderer_shrinks_large_images_and_passes_urls() -> None:
    big = Image.new("RGB", (2000, 1000), "blue")
    _, back = decoded_image(ImageRenderer(max_size=100).to_html(big))
    assert back.size == (100, 50)
    buf = io.BytesIO()
    big.save(buf, format="PNG")
    _, back = decoded_image(ImageRenderer(max_size=100).to_html(buf.getvalue()))
    assert back.size == (100, 50)
    url = ImageRenderer().to_html('https://example.com/a.png?x=1&y="2"')
    assert 'src="https://example.com/a.png?x=1&amp;y=&quot;2&quot;"' in url


def test_image_renderer_errors(tmp_path: Path) -> None:
    with pytest.raises(FlyteValidationException, match="could not tell the image format"):
        ImageRenderer().to_html(b"not an image")
    with pytest.raises(FlyteValidationException, match="cannot read"):
        ImageRenderer().to_html(tmp_path / "missing.png")
    with pytest.raises(TypeError, match="file path, bytes, a PIL image"):
        ImageRenderer().to_html(3)


def test_source_code_renderer_colours_and_keeps_the_text() -> None:
    source = "@decorator\ndef f(x: int) -> str:\n    # a <comment>\n    return 'a<b' + str(1)\n"
    out = SourceCodeRenderer().to_html(source)
    assert '<span class="k">def</span>' in out
    assert '<span class="c">' in out
    assert "<comment>" not in out
    assert "&lt;comment&gt;" in out
    code = re.search(r"<code>(.*)</code>", out, re.S)
    assert code is not None
    assert strip_tags(code.group(1)) == source
    broken = SourceCodeRenderer().to_html('x = """never closed\n<tag>')
    assert "&lt;tag&gt;" in broken
    assert "small_figure" in SourceCodeRenderer().to_html(small_figure)
    with pytest.raises(FlyteValidationException, match="source"):
        SourceCodeRenderer().to_html(42)


def test_renderers_are_renderable() -> None:
    for renderer in (
        TopFrameRenderer(),
        TableRenderer(),
        MarkdownRenderer(),
        PlotlyRenderer(),
        BoxRenderer("a"),
        ImageRenderer(),
        SourceCodeRenderer(),
    ):
        assert isinstance(renderer, Renderable)


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("boom")


def test_render_picks_a_renderer(big_frame: pd.DataFrame) -> None:
    assert "plotly-graph-div" in render(small_figure())
    assert "showing 10 of 100,000 rows" in render(big_frame)
    assert "showing 10 of 100,000 rows" in render(pa.Table.from_pandas(big_frame))
    assert "showing 3 of 3 rows" in render(pd.Series([1, 2, 3]))
    assert "data:image/png;base64," in render(Image.new("L", (5, 5)))
    assert html.escape(SCRIPT) in render(SCRIPT)
    assert SCRIPT not in render(SCRIPT)
    long = render("x" * 50_000)
    assert len(long) < 11_000
    assert "40,000 more characters" in long
    many = render(list(range(1_000_000)))
    assert len(many) < 1_000
    assert "..." in many
    assert "BadRepr instance at" in render(BadRepr())  # reprlib survives a broken repr
    assert render({"k": "<v>"}).count("&lt;v&gt;") == 1


def test_sandboxed_iframe_isolates_and_round_trips() -> None:
    body = f"<p class=\"x\">a & b 'c'</p>{SCRIPT}&amp;"
    frame = sandboxed_iframe(body, title='t"1', height=300)
    assert frame.startswith("<iframe ")
    assert frame.endswith("></iframe>")
    assert 'sandbox="allow-scripts"' in frame
    assert "allow-same-origin" not in frame
    assert "width:100%" in frame
    assert "height:300px" in frame
    assert "border:none" in frame
    assert 'title="t&quot;1"' in frame
    assert srcdoc_of(frame) == body
    for bad in ({"html": 3}, {"html": "", "height": 0}, {"html": "", "title": 1}):
        with pytest.raises(FlyteValidationException):
            sandboxed_iframe(**bad)


# -- Deck ---------------------------------------------------------------------------------
def test_deck_accumulates_and_shows_itself_sandboxed() -> None:
    deck = Deck("demo", "<h1>a</h1>")
    assert deck.append("<p>b</p>").append("<p>c</p>") is deck
    assert deck.name == "demo"
    assert deck.html == "<h1>a</h1><p>b</p><p>c</p>"
    frame = deck._repr_html_()
    assert 'sandbox="allow-scripts"' in frame
    assert srcdoc_of(frame) == deck.html
    assert Deck("empty", None).html == ""
    assert fl.Deck is Deck
    assert fl.deck.Deck is Deck


def test_deck_carries_plotly_js_once() -> None:
    deck = Deck("figs")
    for _ in range(3):
        deck.append(PlotlyRenderer().to_html(small_figure()))
    assert deck.html.count(PLOTLY_BEGIN) == 1
    assert deck.html.count("plotly-graph-div") == 3
    assert deck.html.startswith(PLOTLY_BEGIN)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": ""}, "Deck name must be a non-empty str"),
        ({"name": 3}, "Deck name must be a non-empty str"),
        ({"name": "d", "html": 3}, "html must be a str of HTML"),
        ({"name": "d", "auto_add_to_deck": "yes"}, "auto_add_to_deck must be True or False"),
    ],
)
def test_deck_validates(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(FlyteValidationException, match=match):
        Deck(**kwargs)


def test_deck_append_validates() -> None:
    with pytest.raises(FlyteValidationException, match="render values first"):
        Deck("d").append(pd.DataFrame())  # type: ignore[arg-type]


def test_deck_publish_outside_a_task_says_why() -> None:
    with pytest.raises(NotInTaskContextError, match=r"Deck\('d'\)\.publish\(\)"):
        Deck("d").publish()


def test_deck_in_a_task_registers_and_publishes(docs: tuple[ActionDocs, Published]) -> None:
    action_docs, published = docs
    deck = Deck("live", "<b>1</b>")
    assert action_docs.decks == {"live": deck}
    deck.publish()
    assert published == [("deck", "live", "<b>1</b>")]
    Deck("private", auto_add_to_deck=False)
    assert list(action_docs.decks) == ["live"]


def make_context() -> TaskContext:
    return TaskContext(
        action=ActionID(name="a0", run_name="r"),
        version="v",
        raw_data_path=RawDataPath(path="/tmp"),
        output_path="",
        run_base_dir="",
    )


def test_default_deck_is_one_deck_per_attempt(docs: tuple[ActionDocs, Published]) -> None:
    action_docs, _ = docs
    first = make_context().default_deck
    assert first.name == "default"
    assert action_docs.decks["default"] is first
    assert make_context().default_deck is first


def test_default_deck_outside_a_task() -> None:
    with pytest.raises(NotInTaskContextError, match="default_deck"):
        _ = make_context().default_deck


def test_decks_in_a_real_local_task(env: fl.TaskEnvironment) -> None:
    @env.task
    def t() -> list[str]:
        Deck("mine", "<b>x</b>")
        fl.current_context().default_deck.append("<i>y</i>")
        docs = _docs.current_docs()
        assert docs is not None
        return [f"{name}={deck.html}" for name, deck in docs.decks.items()]

    assert fl.run(t).outputs() == ["mine=<b>x</b>", "default=<i>y</i>"]


# -- output renderers --------------------------------------------------------------------
class Pair(NamedTuple):
    table: Annotated[pd.DataFrame, TopFrameRenderer(3)]
    count: int


def test_output_renderers_from_annotated() -> None:
    top = TopFrameRenderer(5)
    assert output_renderers(Annotated[pd.DataFrame, "doc", top]) == {"o0": top}
    assert output_renderers(tuple[int, Annotated[str, top]]) == {"o1": top}
    found = output_renderers(Pair)
    assert list(found) == ["table"]
    assert isinstance(found["table"], TopFrameRenderer)
    assert output_renderers(pd.DataFrame) == {}
    assert output_renderers(None) == {}
    with pytest.raises(FlyteValidationException, match=r"TopFrameRenderer\(\)"):
        output_renderers(Annotated[pd.DataFrame, TopFrameRenderer])


def test_output_renderer_keys_match_the_task_outputs(env: fl.TaskEnvironment) -> None:
    @env.task
    def t() -> tuple[int, Annotated[str, MarkdownRenderer()]]:
        return 1, "# hi"

    found = output_renderers(t.return_type)
    assert set(found) <= set(t._output_names)
    assert list(found) == ["o1"]


# -- default decks -----------------------------------------------------------------------
def sample_task(frame: pd.DataFrame, note: str) -> pd.DataFrame:
    """A module-level function: its source is available."""
    return frame


class FakeTask:
    func: Callable[..., Any] = staticmethod(sample_task)


def build(
    fields: Any = DEFAULT_DECK_FIELDS,
    *,
    inputs: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
    error: BaseException | None = None,
    renderers: dict[str, Renderable] | None = None,
    task: Any = None,
) -> dict[str, str]:
    decks = build_default_decks(
        task or FakeTask(),
        fields,
        inputs=inputs or {},
        outputs=outputs,
        error=error,
        timeline=[("QUEUED", 1000.0), ("RUNNING", 1000.25), ("SUCCEEDED", 1002.0)],
        output_renderers=renderers or {},
    )
    return dict(decks)


def test_deck_fields() -> None:
    assert [f.value for f in DeckField] == [
        "input",
        "output",
        "source_code",
        "timeline",
        "dependencies",
    ]
    assert set(DEFAULT_DECK_FIELDS) == set(DeckField)
    assert DeckField("timeline") is DeckField.TIMELINE


def test_build_default_decks_all_fields(big_frame: pd.DataFrame) -> None:
    decks = build(inputs={"frame": big_frame, "note": SCRIPT}, outputs={"o0": big_frame})
    assert list(decks) == ["Source Code", "Dependencies", "Timeline", "Input", "Output"]
    for body in decks.values():
        assert len(body) < 50_000
        assert SCRIPT not in body
    assert "showing 10 of 100,000 rows" in decks["Input"]
    assert html.escape(SCRIPT) in decks["Input"]
    assert "<td>note</td>" in decks["Input"]
    assert "showing 10 of 100,000 rows" in decks["Output"]
    assert "<h3>o0</h3>" in decks["Output"]
    assert "sample_task" in decks["Source Code"]
    assert "A module-level function" in decks["Source Code"]
    assert "<td>python</td>" in decks["Dependencies"]
    assert "<td>flyte_nb</td>" in decks["Dependencies"]
    assert f"<td>pandas</td><td>{pd.__version__}</td>" in decks["Dependencies"]
    assert "<td>pytest</td>" in decks["Dependencies"]
    timeline = decks["Timeline"]
    assert "RUNNING" in timeline
    assert "250.0 ms" in timeline
    assert "1.750 s" in timeline
    assert "total 2.000 s" in timeline
    assert "(final)" in timeline


def test_build_default_decks_input_types_from_a_real_task(env: fl.TaskEnvironment) -> None:
    @env.task
    def t(x: int, names: list[str]) -> int:
        return x

    decks = build(["input"], inputs={"x": 3, "names": ["<a>"]}, task=t)
    assert list(decks) == ["Input"]
    assert "<td>list[str]</td>" in decks["Input"]
    assert "&lt;a&gt;" in decks["Input"]
    assert "def t(x: int" in strip_tags(build("source_code", task=t)["Source Code"])


def test_build_default_decks_output_uses_annotated_renderer(big_frame: pd.DataFrame) -> None:
    decks = build(
        [DeckField.OUTPUT], outputs={"o0": big_frame}, renderers={"o0": TopFrameRenderer(2)}
    )
    assert "showing 2 of 100,000 rows" in decks["Output"]


class Broken:
    def to_html(self, value: Any) -> str:
        raise RuntimeError("renderer broke")


def test_build_default_decks_survives_a_broken_renderer() -> None:
    decks = build(["output"], outputs={"o0": 5}, renderers={"o0": Broken()})
    assert "Broken failed (renderer broke)" in decks["Output"]
    assert ">5</pre>" in decks["Output"]


def test_build_default_decks_for_a_failed_attempt() -> None:
    try:
        raise ValueError(f"bad value {SCRIPT}")
    except ValueError as exc:
        error = exc
    decks = build(["output", "input"], inputs={"a": 1}, error=error)
    out = decks["Output"]
    assert "<b>ValueError</b>" in out
    assert "Traceback" in out
    assert SCRIPT not in out
    assert html.escape(SCRIPT) in out
    assert "<td>a</td>" in decks["Input"]


def test_build_default_decks_without_source_or_values() -> None:
    namespace: dict[str, Any] = {}
    exec(compile("def hidden(): pass", "<generated>", "exec"), namespace)

    class NoSource:
        func = namespace["hidden"]

    decks = build(["source_code", "input", "output"], task=NoSource())
    assert "is not available here" in decks["Source Code"]
    assert "takes no inputs" in decks["Input"]
    assert "returned no outputs" in decks["Output"]


def test_build_default_decks_carries_plotly_js_once() -> None:
    fig = small_figure()
    decks = build(["input", "output"], inputs={"a": fig, "b": fig}, outputs={"o0": fig})
    assert decks["Input"].count(PLOTLY_BEGIN) == 1
    assert decks["Output"].count(PLOTLY_BEGIN) == 1


def test_build_default_decks_rejects_unknown_fields() -> None:
    with pytest.raises(FlyteValidationException, match="unknown deck field 'inputs'"):
        build(["inputs"])


def test_importing_deck_loads_no_heavy_dependency() -> None:
    import subprocess

    code = (
        "import sys, flyte_nb.deck, flyte_nb.report; print(sorted(m for m in "
        "('pandas','pyarrow','PIL','plotly','markdown_it','flyte_nb.engine') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
