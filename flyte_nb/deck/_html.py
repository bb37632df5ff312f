"""HTML building blocks every deck and report shares: escaping, tables, the sandbox frame.

Design decisions:

* Data is escaped, always. Everything that came from a value (a cell, a name, a repr) goes
  through ``html.escape`` here; only HTML a user or a renderer deliberately produced is
  passed through. A ``<script>`` inside a DataFrame cell is text, not code.
* Deck and report HTML is untrusted: it is shown only through ``sandboxed_iframe``, a
  ``srcdoc`` frame with ``sandbox="allow-scripts"`` and *without* ``allow-same-origin``.
  Scripts may run (plotly needs them) but in an opaque origin, so they cannot read the
  notebook's DOM, cookies or JupyterLab's APIs. One function, so the policy lives in one
  place.
* plotly.js is ~4.8 MB. ``PlotlyRenderer`` wraps the inline bundle in two marker comments
  (``PLOTLY_BEGIN``/``PLOTLY_END``); ``HtmlParts`` lifts marked bundles out as HTML is
  appended and puts one copy back at the front when the document is assembled, so a deck
  or report with twenty figures carries the library once, not twenty times. The stripping
  happens on append (one ``str.find`` per part), so the parts never hold the copies.
* Styles travel with the fragment (a small ``<style>`` per table) because a deck's HTML is
  stored and shown on its own, with no page stylesheet around it.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Iterable, Sequence

from ..exceptions import FlyteValidationException

PLOTLY_BEGIN = "<!--flyte-nb:plotly.js-->"
PLOTLY_END = "<!--/flyte-nb:plotly.js-->"

MAX_CELL_CHARS = 200
"""A table cell longer than this is cut: tables are for overviews, not for whole texts."""

TABLE_STYLE = (
    "<style>.fnb-table{border-collapse:collapse;font:13px/1.4 system-ui,sans-serif;"
    "margin:4px 0}.fnb-table th,.fnb-table td{border-bottom:1px solid #ddd;padding:3px 8px;"
    "text-align:left;vertical-align:top}.fnb-table th{background:#f5f5f5}"
    ".fnb-note{color:#666;font:12px system-ui,sans-serif;margin:2px 0 8px}"
    ".fnb-value{margin:0;white-space:pre-wrap;font:12px/1.4 ui-monospace,monospace}</style>"
)


def esc(value: object) -> str:
    """``value`` as text that is safe anywhere in HTML, attribute values included."""
    return html.escape(str(value), quote=True)


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def cell_text(value: object) -> str:
    """A cell's display text: compact floats, ``str`` otherwise, never unbounded."""
    if isinstance(value, float):
        return f"{value:.6g}"
    try:
        text = str(value)
    except Exception as exc:  # a broken __str__ must not break the whole deck
        text = f"<unprintable {type(value).__name__}: {exc}>"
    return cut(text, MAX_CELL_CHARS)


def note(text: str) -> str:
    return f'<p class="fnb-note">{esc(text)}</p>'


def table(
    header: Sequence[object], rows: Iterable[Sequence[object]], *, raw_columns: Sequence[int] = ()
) -> str:
    """An escaped HTML table; the columns listed in ``raw_columns`` hold ready-made HTML."""
    raw = set(raw_columns)
    out = [TABLE_STYLE, '<table class="fnb-table"><thead><tr>']
    out.extend(f"<th>{esc(h)}</th>" for h in header)
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for i, value in enumerate(row):
            out.append(f"<td>{value}</td>" if i in raw else f"<td>{esc(cell_text(value))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def sandboxed_iframe(html: str, *, title: str = "", height: int = 400) -> str:
    """Show untrusted deck/report HTML: scripts run, but in an opaque origin.

    ``sandbox="allow-scripts"`` without ``allow-same-origin`` gives the frame a unique
    origin: its scripts cannot touch the embedding page, its storage or its cookies, and it
    cannot navigate the top window. ``srcdoc`` keeps the HTML inline (no server round trip,
    works offline); ``html.escape(quote=True)`` makes it a valid attribute value, so
    ``html.unescape`` of the attribute gives back exactly ``html``.
    """
    if not isinstance(html, str):
        raise FlyteValidationException(
            f"sandboxed_iframe html must be a str of HTML, got {type(html).__name__}; "
            "render values first, e.g. flyte_nb.deck.render(value)"
        )
    if not isinstance(title, str):
        raise FlyteValidationException(
            f"sandboxed_iframe title must be a str, got {type(title).__name__}"
        )
    if isinstance(height, bool) or not isinstance(height, int) or height <= 0:
        raise FlyteValidationException(
            f"sandboxed_iframe height must be a positive int of pixels, got {height!r}"
        )
    return (
        f'<iframe sandbox="allow-scripts" referrerpolicy="no-referrer" title="{esc(title)}" '
        f'style="width:100%;height:{height}px;border:none" '
        f'srcdoc="{esc(html)}"></iframe>'
    )


_bundle: str | None = None


def plotly_bundle() -> str:
    """plotly.js inline, between the markers ``HtmlParts`` looks for (read once per process)."""
    global _bundle
    if _bundle is None:
        plotlyjs = importlib.import_module("plotly.offline").get_plotlyjs()
        _bundle = (
            f"{PLOTLY_BEGIN}<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>"
            f"<script>{plotlyjs}</script>{PLOTLY_END}"
        )
    return _bundle


def split_plotly(part: str) -> tuple[str, bool]:
    """``part`` without its marked plotly.js bundles, and whether it had any."""
    if _bundle is not None and part.startswith(_bundle):
        # PlotlyRenderer's output: one memcmp instead of scanning 4.8 MB for the end marker
        return split_plotly(part[len(_bundle) :])[0], True
    start = part.find(PLOTLY_BEGIN)
    if start < 0:
        return part, False
    pieces = []
    pos = 0
    while start >= 0:
        end = part.find(PLOTLY_END, start)
        if end < 0:  # an unterminated marker: leave the rest as it is
            break
        pieces.append(part[pos:start])
        pos = end + len(PLOTLY_END)
        start = part.find(PLOTLY_BEGIN, pos)
    pieces.append(part[pos:])
    return "".join(pieces), True


class HtmlParts:
    """An append-only HTML body that carries plotly.js at most once.

    Parts are kept in a list and joined only when the HTML is asked for, so building a
    10 MB report by many small appends stays linear.
    """

    __slots__ = ("needs_plotly", "parts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.needs_plotly = False

    def append(self, part: str) -> None:
        body, had_bundle = split_plotly(part)
        self.needs_plotly = self.needs_plotly or had_bundle
        self.parts.append(body)

    def html(self) -> str:
        """The parts as one self-contained fragment (plotly.js first if any part needs it)."""
        body = "".join(self.parts)
        return plotly_bundle() + body if self.needs_plotly else body
