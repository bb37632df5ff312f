"""The decks and report of the running action attempt, and where their HTML goes.

A deck or report is created by user code deep inside a task body, so it finds its action
through the same context variable task calls do (``current_frame``). Each attempt gets
one ``ActionDocs`` the first time something asks for it (most actions never do), holding
the decks registered with ``auto_add_to_deck`` and the report. ``publish`` hands HTML to
the attempt's sink, which the controller chooses: the in-kernel recorder in local mode, a
message to the backend in a worker. Publishing is how a deck or report reaches watchers
*while* the task runs; ``finish`` publishes whatever is left when the attempt ends.

Here, below ``deck`` and ``report``, because both look the running attempt up; rendering
the default decks at the end of an attempt is the engine's (``engine/_decks.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._frame import current_frame

Publish = Callable[[str, str, str], None]
"""``publish(kind, name, html)``: kind is ``"deck"`` or ``"report"``."""


class ActionDocs:
    """The decks and the report of one action attempt."""

    __slots__ = ("_publish", "decks", "report")

    def __init__(self, publish: Publish) -> None:
        self._publish = publish
        self.decks: dict[str, Any] = {}  # name -> Deck, in creation order
        self.report: Any = None  # the flyte_nb.report.Report of a report=True task

    def add_deck(self, deck: Any) -> None:
        """Keep ``deck`` to publish when the attempt ends (a later deck of the same name wins)."""
        self.decks[deck.name] = deck

    def publish(self, kind: str, name: str, html: str) -> None:
        self._publish(kind, name, html)

    def finish(self) -> None:
        """Publish every registered deck and the report, as they are now."""
        for deck in list(self.decks.values()):
            self._publish("deck", deck.name, deck.html)
        if self.report is not None:
            self._publish("report", "report", self.report.to_html())


def current_docs() -> ActionDocs | None:
    """The running attempt's docs, created on first use; None outside a task."""
    frame = current_frame()
    if frame is None:
        return None
    return current_docs_of(frame)


def current_docs_of(frame: Any) -> ActionDocs:
    docs: ActionDocs | None = frame.docs
    if docs is None:
        docs = frame.docs = frame.controller.new_docs(frame)
    return docs
