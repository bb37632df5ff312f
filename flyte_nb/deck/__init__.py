"""Decks: named pages of HTML attached to a task's action (flytekit's ``flytekit.deck``).

    from flyte_nb.deck import Deck, MarkdownRenderer, TopFrameRenderer

    @env.task
    def t(df: pd.DataFrame) -> Annotated[pd.DataFrame, TopFrameRenderer(10)]:
        Deck("notes", MarkdownRenderer().to_html("# Hello"))   # published when t ends
        fl.current_context().default_deck.append("<p>more</p>")
        return df

Renderers turn values into HTML (data always escaped); ``render`` picks one for any value;
``build_default_decks`` is what the engine calls for the Input, Output, Source Code,
Timeline and Dependencies decks; ``sandboxed_iframe`` is the only way deck and report HTML
is shown (scripts run, but cannot reach the notebook). Importing this package imports
none of pandas, pyarrow, PIL or plotly: they load when a value needs drawing.
"""

from ._auto import output_renderers, render
from ._deck import Deck
from ._default import DEFAULT_DECK_FIELDS, DeckField, build_default_decks
from ._html import sandboxed_iframe
from ._image import ImageRenderer
from ._renderers import (
    BoxRenderer,
    MarkdownRenderer,
    PlotlyRenderer,
    Renderable,
    SourceCodeRenderer,
    TableRenderer,
    TopFrameRenderer,
)

__all__ = [
    "DEFAULT_DECK_FIELDS",
    "BoxRenderer",
    "Deck",
    "DeckField",
    "ImageRenderer",
    "MarkdownRenderer",
    "PlotlyRenderer",
    "Renderable",
    "SourceCodeRenderer",
    "TableRenderer",
    "TopFrameRenderer",
    "build_default_decks",
    "output_renderers",
    "render",
    "sandboxed_iframe",
]
