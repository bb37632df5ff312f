"""A run's decks and report, as the widget's tabs and the snapshot's blocks list them.

Decks and reports are HTML written by task code, so they are never inlined into the
notebook page: each one is shown through ``flyte_nb.deck.sandboxed_iframe`` (an iframe
with ``sandbox="allow-scripts"`` and no ``allow-same-origin``: its scripts run, but in an
opaque origin that cannot reach the notebook, its cookies or the kernel).

An attempt that is retried publishes its decks again, and a running task may republish a
report as it grows; only the latest attempt of each (action, kind, name) is listed.

Size: the live widget sends a document to the browser once, so a 10 MB report is fine
there (up to ``WIDGET_MAX_BYTES``). A static snapshot (``run_html``: nbconvert, GitHub,
a saved notebook) is different: it is stored in the notebook file and re-sent on every
open, so it inlines at most ``SNAPSHOT_MAX_BYTES`` per document and
``SNAPSHOT_TOTAL_BYTES`` in all. A larger document is not even downloaded (its size is in
the index); the snapshot shows its size and the line of code that opens it instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._render import esc

if TYPE_CHECKING:
    from ..remote import Run

SNAPSHOT_MAX_BYTES = 2_000_000
"""A static snapshot inlines documents up to this size (bytes of HTML) ..."""
SNAPSHOT_TOTAL_BYTES = 8_000_000
"""... and this much in all; the rest are listed with how to open them."""
WIDGET_MAX_BYTES = 64_000_000
"""The live widget shows documents up to this size; beyond it, the same note."""
MAX_TABS = 20
"""Documents the widget gives a tab of their own; the rest are listed in a last tab."""

DocKey = tuple[str, str, str]
"""(action name, kind, name): one document, whatever its attempt."""


@dataclass(frozen=True)
class DocRef:
    """One document of a run: a ``DeckView`` with its title and how to open it in code."""

    key: DocKey
    version: tuple[Any, ...]  # (attempt, size, updated_at): a republished document differs
    size: int
    title: str
    opener: str
    view: Any

    def html(self) -> str:
        return str(self.view.html())


def list_docs(run: Run, short_names: dict[str, str], root: str | None) -> list[DocRef]:
    """The run's decks, then its report, latest attempt of each (one ``run.decks`` read)."""
    views: list[tuple[Any, str]] = []
    decks = list(run.decks)
    handle = f"fl.remote.Run.get({run.name!r})"
    for i, view in enumerate(decks):
        views.append((view, f"{handle}.decks[{i}].html()"))
    if not any(v.kind == "report" for v in decks):
        report = run.get_report()
        if report is not None:
            views.append((report, f"{handle}.get_report().html()"))
    latest: dict[DocKey, DocRef] = {}
    for view, opener in views:
        key: DocKey = (str(view.action_name), str(view.kind), str(view.name))
        old = latest.get(key)
        if old is not None and old.version[0] > view.attempt:
            continue
        title = str(view.name)
        if view.action_name != root:
            title = f"{title} ({short_names.get(view.action_name, view.action_name)})"
        version = (int(view.attempt), int(view.size), getattr(view, "updated_at", None))
        latest[key] = DocRef(key, version, int(view.size), title, opener, view)
    return sorted(latest.values(), key=lambda d: d.key[1] == "report")


def format_size(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.0f} kB"
    return f"{size / 1_000_000:.1f} MB"


def too_large(doc: DocRef, why: str) -> str:
    """The note shown instead of a document too large to show (``why`` says which limit)."""
    return (
        '<div class="flyte-nb-doc-note" style="color:#666;padding:0.4em">'
        f"{esc(doc.key[1])} <b>{esc(doc.title)}</b> is {esc(format_size(doc.size))}, "
        f"{esc(why)}. Open it with "
        f"<code>{esc(doc.opener)}</code> (the HTML; write it to a file and open that in a "
        "browser), or display the run in a live kernel.</div>"
    )


def framed(doc: DocRef, html: str, height: int = 400) -> str:
    """The document in a sandboxed iframe: its scripts run, cut off from the notebook."""
    from ..deck import sandboxed_iframe

    return sandboxed_iframe(html, title=doc.title, height=height)


def snapshot_docs(
    run: Run,
    short_names: dict[str, str],
    root: str | None,
    max_bytes: int = SNAPSHOT_MAX_BYTES,
    total_bytes: int = SNAPSHOT_TOTAL_BYTES,
) -> str:
    """Every document as a ``<details>`` block (the first one open), within the limits."""
    try:
        docs = list_docs(run, short_names, root)
    except Exception as exc:  # decks are extras: never lose the run's view over them
        return f'<div style="color:#666">could not list the decks: {esc(repr(exc))}</div>'
    blocks: list[str] = []
    plotly: list[tuple[DocRef, str]] = []  # documents whose figures need plotly.js
    plotly_at = -1  # the block that shows them all, with one copy of plotly.js
    spent = 0
    for i, doc in enumerate(docs):
        body: str | None = None
        if doc.size > max_bytes + PLOTLY_ALLOWANCE:
            why = f"more than the {format_size(max_bytes)} a static snapshot inlines"
            body = too_large(doc, why)
        else:
            html, needs_plotly = _without_plotly(doc.html())
            size = len(html.encode())
            extra = _plotly_size() if needs_plotly and plotly_at < 0 else 0
            if size > max_bytes:
                why = f"more than the {format_size(max_bytes)} a static snapshot inlines"
                body = too_large(doc, why)
            elif spent + size + extra > total_bytes:
                left = format_size(max(total_bytes - spent, 0))
                body = too_large(doc, f"more than the {left} left of this snapshot's budget")
            else:
                spent += size + extra
                if not needs_plotly:
                    body = framed(doc, html)
                else:
                    plotly.append((doc, html))
                    if plotly_at >= 0:
                        continue
                    plotly_at = len(blocks)
        blocks.append(
            f'<details{" open" if i == 0 else ""}><summary style="cursor:pointer">'
            f"{esc(doc.key[1])}: <b>{esc(doc.title)}</b> "
            f'<span style="color:#999">{esc(format_size(doc.size))}</span></summary>'
            f"{body}</details>"
            if body is not None
            else ""
        )
    if plotly:
        blocks[plotly_at] = _plotly_block(plotly, open_=plotly_at == 0)
    return "".join(blocks)


PLOTLY_ALLOWANCE = 6_000_000
"""plotly.js's size, roughly: a document up to ``max_bytes`` plus this is read, because
without its copy of plotly.js it may fit."""


def _without_plotly(html: str) -> tuple[str, bool]:
    from ..deck._html import split_plotly

    return split_plotly(html)


def _plotly_size() -> int:
    from ..deck._html import plotly_bundle

    return len(plotly_bundle().encode())


def _plotly_block(docs: list[tuple[DocRef, str]], *, open_: bool) -> str:
    """The documents with plotly figures, in one sandboxed frame that carries plotly.js once.

    A report made with the default ``PlotlyRenderer`` inlines plotly.js (~4.8 MB, so it
    works offline); one frame per document would store a copy per document and pushed the
    snapshot past its budget, so the report never reached it. Frames cannot share a
    script (each is its own opaque origin), hence one frame for all of them: plotly.js
    once per notebook output, each document under its own heading.
    """
    from ..deck._html import plotly_bundle

    titles = ", ".join(f"<b>{esc(doc.title)}</b>" for doc, _ in docs)
    sections = "".join(
        f'<section><h4 style="font:600 13px system-ui,sans-serif;margin:8px 0 4px">'
        f"{esc(doc.key[1])}: {esc(doc.title)}</h4>{html}</section>"
        for doc, html in docs
    )
    frame = framed(docs[0][0], plotly_bundle() + sections, height=min(450 * len(docs), 1800))
    return (
        f'<details{" open" if open_ else ""}><summary style="cursor:pointer">'
        f"{'document' if len(docs) == 1 else 'documents'} with plotly figures: {titles} "
        '<span style="color:#999">(plotly.js included once)</span></summary>'
        f"{frame}</details>"
    )
