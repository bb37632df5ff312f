"""The decks and report of the running action attempt, and where their HTML goes.

A deck or report is created by user code deep inside a task body, so it finds its action
through the same context variable task calls do (``current_frame``). Each attempt gets
one ``ActionDocs`` the first time something asks for it (most actions never do), holding
the decks registered with ``auto_add_to_deck`` and the report. ``publish`` hands HTML to
the attempt's sink, which the controller chooses: the in-kernel recorder in local mode, a
message to the backend in a worker. Publishing is how a deck or report reaches watchers
*while* the task runs; ``finish`` publishes whatever is left when the attempt ends.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from ._context import current_frame

Publish = Callable[[str, str, str], None]
"""``publish(kind, name, html)``: kind is ``"deck"`` or ``"report"``."""


class ActionDocs:
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


def start_docs(frame: Any, task: Any) -> None:
    """A ``report=True`` task starts each attempt with an empty report."""
    if task.report:
        from ..report import Report

        docs = current_docs_of(frame)
        docs.report = Report()


def current_docs_of(frame: Any) -> ActionDocs:
    docs: ActionDocs | None = frame.docs
    if docs is None:
        docs = frame.docs = frame.controller.new_docs(frame)
    return docs


def close_docs(
    frame: Any,
    task: Any,
    values: dict[str, Any],
    result: Any,
    error: BaseException | None,
) -> None:
    """At the end of an attempt: the default decks of an ``enable_deck`` task, then every
    deck and the report as they are now.

    Never fails the task: a deck that cannot be rendered is reported on the action's
    stderr, because losing a deck must not lose the result it describes.
    """
    if frame.docs is None and not task.enable_deck:
        return
    try:
        docs = current_docs_of(frame)
        if task.enable_deck:
            from ..deck import build_default_decks, output_renderers

            outputs = task.pack_outputs(result) if error is None else None
            now = time.time()
            timeline = [(p, t) for p, t in frame.state.transitions]
            timeline.append(("FAILED" if error is not None else "SUCCEEDED", now))
            for name, html in build_default_decks(
                task,
                task.deck_fields,
                inputs=values,
                outputs=outputs,
                error=error,
                timeline=timeline,
                output_renderers=output_renderers(task.return_type),
            ):
                docs.publish("deck", name, html)
        docs.finish()
    except Exception as exc:  # a broken deck must not fail the task
        print(f"flyte_nb: could not publish the decks of {task.name}: {exc!r}", file=sys.stderr)
