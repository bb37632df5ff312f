"""Renderers: objects with ``to_html(value) -> str`` that turn one kind of value into HTML.

Design decisions:

* Names and constructor parameters follow flytekit (``TopFrameRenderer(10)``,
  ``BoxRenderer("sepal_length")``), so ``Annotated[pd.DataFrame, TopFrameRenderer(10)]``
  pasted from the Union SDK works unchanged.
* pandas, pyarrow, PIL and plotly are optional and slow to import, so no renderer imports
  them to *recognise* a value: ``is_dataframe`` & co. look in ``sys.modules`` (a value of a
  type whose module was never imported cannot exist). They are imported only to draw.
* Bounded by default: ``TopFrameRenderer`` slices before it formats anything (``head`` on
  pandas, zero-copy ``slice`` on pyarrow), so a 100k-row frame costs what 10 rows cost.
* ``MarkdownRenderer`` escapes raw HTML inside the Markdown unless ``allow_html=True``:
  Markdown in decks is often built from data with f-strings, and a stray ``<script>`` or
  unclosed ``<div>`` from the data should show as text, not reshape the deck. Links with
  ``javascript:`` URLs are refused by markdown-it in either mode.
* ``PlotlyRenderer`` inlines plotly.js by default (``include_plotlyjs=True``): notebooks,
  the sandboxed frame and the test machines may all be offline, and a deck must still draw
  there. It costs ~4.8 MB per *document*, not per figure (see ``_html.HtmlParts``).
  ``include_plotlyjs="cdn"`` makes the HTML small but needs the network when viewed.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from itertools import zip_longest
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from ..exceptions import FlyteTypeException, FlyteValidationException
from ._html import esc, note, plotly_bundle, table
from ._source import highlight_python

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@runtime_checkable
class Renderable(Protocol):
    """Anything that can draw a value as HTML (flytekit's ``Renderable``)."""

    def to_html(self, value: Any) -> str: ...


def _loaded_type(module: str, name: str) -> type | None:
    mod = sys.modules.get(module)
    cls = getattr(mod, name, None) if mod is not None else None
    return cls if isinstance(cls, type) else None


def is_dataframe(value: object) -> bool:
    cls = _loaded_type("pandas", "DataFrame")
    return cls is not None and isinstance(value, cls)


def is_series(value: object) -> bool:
    cls = _loaded_type("pandas", "Series")
    return cls is not None and isinstance(value, cls)


def is_arrow_table(value: object) -> bool:
    cls = _loaded_type("pyarrow", "Table")
    return cls is not None and isinstance(value, cls)


def is_pil_image(value: object) -> bool:
    cls = _loaded_type("PIL.Image", "Image")
    return cls is not None and isinstance(value, cls)


def is_plotly_figure(value: object) -> bool:
    cls = _loaded_type("plotly.basedatatypes", "BaseFigure")
    return cls is not None and isinstance(value, cls)


def _graph_objects() -> Any:
    """``plotly.graph_objects``, imported on first use (plotly ships no type hints)."""
    return importlib.import_module("plotly.graph_objects")


def positive(owner: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise FlyteValidationException(f"{owner} {name} must be a positive int, got {value!r}")
    return value


def _frame_rows(value: Any, max_rows: int | None, max_cols: int | None) -> tuple[list, list, str]:
    """(header, rows, note) of the first rows/columns of a pandas or pyarrow table."""
    if is_dataframe(value):
        n_rows, n_cols = value.shape
        frame = value.iloc[:max_rows, :max_cols]
        index_name = frame.index.name if frame.index.name is not None else ""
        header = [index_name, *frame.columns]
        shown_cols = len(header) - 1
        rows = [
            [idx, *vals]
            for idx, vals in zip(frame.index, frame.itertuples(index=False, name=None), strict=True)
        ]
    elif is_arrow_table(value):
        n_rows, n_cols = value.num_rows, value.num_columns
        cols = value.column_names[:max_cols]
        part = value.select(cols).slice(0, max_rows)
        header = list(cols)
        shown_cols = len(header)
        rows = [list(r.values()) for r in part.to_pylist()]
    else:
        raise FlyteTypeException(
            f"expected a pandas DataFrame or a pyarrow Table, got {type(value).__qualname__}"
        )
    text = f"showing {len(rows):,} of {n_rows:,} rows"
    if shown_cols < n_cols:
        text += f", {shown_cols:,} of {n_cols:,} columns"
    return header, rows, text


class TopFrameRenderer:
    """The first ``max_rows`` rows (and ``max_cols`` columns) of a DataFrame or Arrow Table."""

    def __init__(self, max_rows: int = 10, max_cols: int = 100) -> None:
        self.max_rows = positive("TopFrameRenderer", "max_rows", max_rows)
        self.max_cols = positive("TopFrameRenderer", "max_cols", max_cols)

    def to_html(self, value: Any) -> str:
        if is_series(value):
            value = value.to_frame()
        header, rows, text = _frame_rows(value, self.max_rows, self.max_cols)
        return table(header, rows) + note(text)


class TableRenderer:
    """A whole table, escaped: a list of dicts, a dict of lists, a DataFrame or Arrow Table.

    ``max_rows=None`` (the default) shows every row; set it for values of unknown size.
    """

    def __init__(self, max_rows: int | None = None) -> None:
        if max_rows is not None:
            positive("TableRenderer", "max_rows", max_rows)
        self.max_rows = max_rows

    def to_html(self, value: Any) -> str:
        limit = self.max_rows
        if is_dataframe(value) or is_arrow_table(value):
            header, rows, text = _frame_rows(value, limit, None)
            return table(header, rows) + note(text)
        if isinstance(value, dict) and all(isinstance(v, list | tuple) for v in value.values()):
            header = list(value)
            total = max((len(v) for v in value.values()), default=0)
            rows = [list(r) for r in zip_longest(*value.values(), fillvalue="")][:limit]
        elif isinstance(value, list | tuple) and all(isinstance(r, dict) for r in value):
            header = list(dict.fromkeys(k for r in value for k in r))
            total = len(value)
            rows = [[r.get(k, "") for k in header] for r in value[:limit]]
        else:
            raise FlyteTypeException(
                "TableRenderer takes a list of dicts, a dict of lists, a pandas DataFrame or "
                f"a pyarrow Table, got {type(value).__qualname__}"
            )
        html = table(header, rows)
        if len(rows) < total:
            html += note(f"showing {len(rows):,} of {total:,} rows")
        return html


class PlotlyRenderer:
    """A plotly figure. ``include_plotlyjs``: True (inline, offline), "cdn" or False."""

    def __init__(self, include_plotlyjs: bool | Literal["cdn"] = True) -> None:
        if include_plotlyjs not in (True, False, "cdn"):
            raise FlyteValidationException(
                f"PlotlyRenderer include_plotlyjs must be True (inline, works offline), "
                f"'cdn' (small, needs the network) or False, got {include_plotlyjs!r}"
            )
        self.include_plotlyjs = include_plotlyjs

    def to_html(self, value: Any) -> str:
        if isinstance(value, dict):
            value = _graph_objects().Figure(value)
        if not is_plotly_figure(value):
            raise FlyteTypeException(
                f"PlotlyRenderer takes a plotly figure, got {type(value).__qualname__}"
            )
        if self.include_plotlyjs is True:
            return plotly_bundle() + value.to_html(full_html=False, include_plotlyjs=False)
        html: str = value.to_html(full_html=False, include_plotlyjs=self.include_plotlyjs)
        return html


class BoxRenderer:
    """A plotly box plot of one column of a DataFrame or Arrow Table."""

    def __init__(self, column_name: str, include_plotlyjs: bool | Literal["cdn"] = True) -> None:
        if not isinstance(column_name, str) or not column_name:
            raise FlyteValidationException(
                f"BoxRenderer column_name must be a non-empty str, got {column_name!r}"
            )
        self.column_name = column_name
        self._plotly = PlotlyRenderer(include_plotlyjs)

    def to_html(self, value: Any) -> str:
        if is_dataframe(value):
            columns = list(value.columns)
        elif is_arrow_table(value):
            columns = value.column_names
        else:
            raise FlyteTypeException(
                f"BoxRenderer takes a pandas DataFrame or a pyarrow Table, got "
                f"{type(value).__qualname__}"
            )
        if self.column_name not in columns:
            raise FlyteValidationException(
                f"BoxRenderer: no column {self.column_name!r}; columns: "
                f"{', '.join(map(str, columns[:20]))}"
            )
        go = _graph_objects()
        data = value[self.column_name]
        ys = data.to_numpy() if is_dataframe(value) else data.to_pylist()
        fig = go.Figure(go.Box(y=ys, name=self.column_name))
        return self._plotly.to_html(fig)


class SourceCodeRenderer:
    """Python source (a string, or a function/class/module to read it from), coloured."""

    def __init__(self, title: str = "Source Code") -> None:
        self.title = title

    def to_html(self, value: Any) -> str:
        if not isinstance(value, str):
            try:
                value = inspect.getsource(value)
            except (OSError, TypeError) as exc:
                raise FlyteValidationException(
                    f"SourceCodeRenderer takes source text or a function, class or module "
                    f"whose source is available; {type(value).__qualname__}: {exc}"
                ) from None
        return f'<div aria-label="{esc(self.title)}">{highlight_python(value)}</div>'


class MarkdownRenderer:
    """Markdown (CommonMark plus tables and strikethrough) as HTML; raw HTML escaped."""

    def __init__(self, allow_html: bool = False) -> None:
        if not isinstance(allow_html, bool):
            raise FlyteValidationException(
                f"MarkdownRenderer allow_html must be True or False, got {allow_html!r}"
            )
        self.allow_html = allow_html
        self._md: MarkdownIt | None = None

    def to_html(self, value: Any) -> str:
        if not isinstance(value, str):
            raise FlyteTypeException(
                f"MarkdownRenderer takes a str of Markdown, got {type(value).__qualname__}"
            )
        if self._md is None:
            from markdown_it import MarkdownIt

            self._md = MarkdownIt("commonmark", {"html": self.allow_html}).enable(
                ["table", "strikethrough"]
            )
        return self._md.render(value)
