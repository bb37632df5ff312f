"""``run_html``: a run as one static HTML document, for ``_repr_html_`` and saved notebooks.

The snapshot carries the same information as the live widget (header, progress, action
tree, error, decks and report) but needs no kernel and no JavaScript, so it survives
nbconvert, GitHub's notebook viewer and a notebook opened without its kernel: a
``<progress>`` element instead of a progress widget, one ``<details>`` block per document
instead of tabs. Documents are shown in sandboxed iframes, within the size limits
explained in ``_decks.py``. It is read once, at display time: a running run shows the
state it had then (the live widget is what follows it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._decks import SNAPSHOT_MAX_BYTES, SNAPSHOT_TOTAL_BYTES, snapshot_docs
from ._render import (
    MAX_CHILDREN,
    capture,
    elapsed_html,
    esc,
    progress_text,
    status_html,
    title_html,
)

if TYPE_CHECKING:
    from ..remote import Run


def run_html(
    run: Run,
    *,
    refresh: bool = True,
    max_doc_bytes: int = SNAPSHOT_MAX_BYTES,
    max_total_bytes: int = SNAPSHOT_TOTAL_BYTES,
    max_children: int = MAX_CHILDREN,
) -> str:
    """``run`` as static HTML: header, progress, action tree, error, decks and report.

    ``refresh`` re-reads an unfinished run first (one request), so the header and the
    tree agree. A document larger than ``max_doc_bytes`` (or past ``max_total_bytes`` in
    all) is replaced by a note with its size and the code that opens it.
    """
    if refresh and not run.done:
        run.refresh()
    state = capture(run, run.tree(max_children))
    total = max(state.total, 1)
    docs = snapshot_docs(run, state.short_names, state.root, max_doc_bytes, max_total_bytes)
    return (
        '<div class="flyte-nb-run" style="font-family:var(--jp-ui-font-family,sans-serif);'
        'font-size:13px;line-height:1.5">'
        f"<div>{title_html(state)} {status_html(state)} {elapsed_html(state)}</div>"
        f'<div><progress value="{state.finished}" max="{total}" style="width:16em"></progress>'
        f" {esc(progress_text(state))}</div>"
        f"{state.error}"
        '<details open><summary style="cursor:pointer">actions</summary>'
        f"{state.tree}</details>"
        f"{docs}</div>"
    )
