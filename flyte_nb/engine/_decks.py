"""Rendering the decks and report of an action attempt: at its start and at its end.

Which attempt is running and its ``ActionDocs`` (the decks and report collected so far, and
the sink they go to) are ``flyte_nb.action._decks``', below ``deck`` and ``report``, which
look them up. This module is what the engine and a backend worker call around an attempt:
``start_docs`` gives a ``report=True`` task its empty report, ``close_docs`` renders the
default decks of an ``enable_deck`` task and publishes everything that is left.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from ..action._decks import ActionDocs, current_docs_of

__all__ = ["ActionDocs", "close_docs", "start_docs"]


def start_docs(frame: Any, task: Any) -> None:
    """A ``report=True`` task starts each attempt with an empty report."""
    if task.report:
        from ..report import Report

        docs = current_docs_of(frame)
        docs.report = Report()


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
