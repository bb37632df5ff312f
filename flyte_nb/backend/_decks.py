"""A worker's decks and reports, as the backend receives them: indexed, then announced.

The worker has already stored each document's HTML in the blob store by digest; its ``doc``
message only names it (run, action, attempt, kind, name, digest, size). Indexing it is the
recorder's job and telling watchers (the panel, ``Run.watch``) the event bus's; both are
here so the service's message loop stays one line per message kind. A name the index
refuses costs that one document, never the action: the task already finished its work.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import BatchRecorder
    from ._channel import Message
    from ._events import EventBus

__all__ = ["record_doc"]


def record_doc(recorder: BatchRecorder, events: EventBus, m: Message) -> None:
    """Index the document a worker's ``doc`` message names and publish a ``doc`` event."""
    try:
        recorder.doc_index(
            m["run"], m["action"], m["attempt"], m["kind"], m["name"], m["digest"], m["size"]
        )
    except ValueError as exc:  # a deck name the index refuses; the action goes on
        print(f"flyte_nb backend: deck of {m['action']} not kept: {exc}", file=sys.stderr)
        return
    events.publish(
        m["run"],
        {
            "kind": "doc",
            "run": m["run"],
            "action": m["action"],
            "attempt": m["attempt"],
            "doc_kind": m["kind"],
            "name": m["name"],
        },
    )
