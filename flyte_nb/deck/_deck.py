"""``Deck``: a named page of HTML that a task attaches to its action (flytekit's ``Deck``).

Design decisions:

* A deck finds its action through ``action._decks.current_docs()`` (the same context
  variable task calls use), so ``Deck("x")`` deep inside helper code needs no handle.
  With ``auto_add_to_deck=True`` it registers itself there and the engine publishes it
  when the attempt ends; ``publish()`` sends it *now*, for watchers of a long task.
* Outside a task a deck is still a useful object (build it, show it in the notebook); only
  ``publish`` has nothing to publish to, and says so.
* The running attempt is looked up only if ``action._decks`` was ever imported (the engine
  and a backend worker import it): no task can be running otherwise, and building a deck
  in a plain notebook need not import anything more.
* HTML accumulates in ``HtmlParts``: appends are O(1) and plotly.js is carried once per
  deck however many figures are appended.
* Shown inline only through ``sandboxed_iframe``; the deck's HTML is never put into the
  notebook's own DOM.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ..exceptions import FlyteValidationException, NotInTaskContextError
from ._html import HtmlParts, sandboxed_iframe

if TYPE_CHECKING:
    from ..action._decks import ActionDocs


def running_docs() -> ActionDocs | None:
    """The running attempt's ``ActionDocs``, or None outside a task."""
    if "flyte_nb.action._decks" not in sys.modules:
        return None  # no engine or worker loaded it in this process: no task is running
    from ..action import _decks  # the module, not the function: tests patch it there

    return _decks.current_docs()


def _check_html(owner: str, value: object) -> str:
    if not isinstance(value, str):
        raise FlyteValidationException(
            f"{owner} html must be a str of HTML, got {type(value).__name__}; render values "
            "first, e.g. flyte_nb.deck.TopFrameRenderer().to_html(df) or "
            "flyte_nb.deck.render(value)"
        )
    return value


class Deck:
    """A named page of HTML in a task's action; ``append`` to it, ``publish`` it early."""

    __slots__ = ("_name", "_parts")

    def __init__(self, name: str, html: str | None = "", auto_add_to_deck: bool = True) -> None:
        if not isinstance(name, str) or not name.strip():
            raise FlyteValidationException(
                f"Deck name must be a non-empty str, got {name!r}; e.g. Deck('metrics')"
            )
        if not isinstance(auto_add_to_deck, bool):
            raise FlyteValidationException(
                f"Deck auto_add_to_deck must be True or False, got {auto_add_to_deck!r}"
            )
        self._name = name
        self._parts = HtmlParts()
        if html is not None and _check_html(f"Deck({name!r})", html):
            self._parts.append(html)
        if auto_add_to_deck:
            docs = running_docs()
            if docs is not None:
                docs.add_deck(self)

    @property
    def name(self) -> str:
        return self._name

    @property
    def html(self) -> str:
        """Everything appended so far, as one self-contained HTML fragment."""
        return self._parts.html()

    def append(self, html: str) -> Deck:
        """Add HTML at the end; returns the deck so appends can chain."""
        self._parts.append(_check_html(f"Deck({self._name!r}).append", html))
        return self

    def publish(self) -> None:
        """Send the deck as it is now to the running action, so watchers see it before the
        task ends (the engine publishes registered decks again when the attempt ends)."""
        docs = running_docs()
        if docs is None:
            raise NotInTaskContextError(
                f"Deck({self._name!r}).publish() sends the deck to the running task's "
                "action, and no task is running here; call it inside an @env.task body, or "
                "show the deck in the notebook instead (make it a cell's last expression)"
            )
        docs.publish("deck", self._name, self.html)

    def _repr_html_(self) -> str:
        return sandboxed_iframe(self.html, title=self._name)

    def __repr__(self) -> str:
        return f"Deck({self._name!r}, {sum(map(len, self._parts.parts)):,} characters of HTML)"
