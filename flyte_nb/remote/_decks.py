"""``DeckView``: a recorded deck or report of one action attempt, as a notebook shows it.

Decisions:
- A view is the docs *index* entry (names, attempt, size, digest) plus the ``Source`` it
  came from; the HTML, which can be megabytes, is fetched on the first ``html()`` call and
  kept, so listing a run's decks costs one small query however big they are.
- ``_repr_html_`` never inlines the HTML into the notebook page: it goes into a sandboxed
  iframe (``flyte_nb.deck.sandboxed_iframe``), so a deck's scripts and styles cannot touch
  the notebook or the Jupyter origin. ``flyte_nb.deck`` is imported there, on display only.
- A cache hit's docs are those of the action that filled the cache: ``source_run`` and
  ``source_action`` then name it (None for an action's own docs). ``attempt`` is the
  attempt that published it.
"""

from __future__ import annotations

from typing import Any

from ._sources import Source


class DeckView:
    """A deck (``kind == "deck"``) or report (``kind == "report"``) of an action attempt."""

    __slots__ = (
        "_html",
        "_source",
        "action_name",
        "attempt",
        "digest",
        "kind",
        "name",
        "run_name",
        "size",
        "source_action",
        "source_run",
        "updated_at",
    )

    def __init__(self, view: dict[str, Any], source: Source) -> None:
        self._source = source
        self._html: str | None = None
        self.run_name: str = view["run"]
        self.action_name: str = view["action"]
        self.attempt: int = view["attempt"]
        self.kind: str = view["kind"]
        self.name: str = view["name"]
        self.size: int = view["size"]
        self.updated_at: float = view["updated_at"]
        self.digest: str = view["digest"]
        self.source_run: str | None = view["source_run"]
        self.source_action: str | None = view["source_action"]

    def html(self) -> str:
        """The document's HTML, fetched on first use (from the database's blob store, or
        the backend) and kept."""
        if self._html is None:
            self._html = self._source.doc_html(
                self.run_name, self.action_name, self.attempt, self.kind, self.name
            )
        return self._html

    def _repr_html_(self) -> str:
        from ..deck import sandboxed_iframe

        return sandboxed_iframe(self.html(), title=self.name)

    def __repr__(self) -> str:
        cached = f" from {self.source_run}/{self.source_action}" if self.source_run else ""
        return (
            f"<DeckView {self.kind} {self.name!r} of {self.run_name}/{self.action_name} "
            f"attempt {self.attempt}{cached}, {self.size} bytes>"
        )
