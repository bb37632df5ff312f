"""Choosing a renderer: ``render`` for any value, ``output_renderers`` from annotations.

Design decisions:

* ``render`` never fails and never grows without bound: it is what the Input and Output
  decks call on arbitrary user values, so a value it does not know becomes an escaped,
  ``reprlib``-shortened repr (a million-element list shows its first twenty items; the
  full repr is never built for containers), and a renderer that raises falls back to that.
* Output keys come from ``_annotations.outputs_from_annotation``, the function that
  names a task's outputs (``o0``, ``o1``, NamedTuple fields), so a renderer attached with
  ``Annotated[T, renderer]`` lands on exactly the output the engine records under that name.
* A renderer *class* in ``Annotated`` (``Annotated[df, TopFrameRenderer]``) is a mistake
  that would otherwise be silently ignored; it is refused with the fix in the message.
"""

from __future__ import annotations

import reprlib
import typing
from typing import Annotated, Any

from ..exceptions import FlyteValidationException
from ._html import cut, esc
from ._image import ImageRenderer
from ._renderers import (
    PlotlyRenderer,
    Renderable,
    TopFrameRenderer,
    is_arrow_table,
    is_dataframe,
    is_pil_image,
    is_plotly_figure,
    is_series,
)

MAX_VALUE_CHARS = 10_000
"""The most characters of text or repr ``render`` shows for one value."""

IMAGE_MAX_SIZE = 800
"""Pixels: images rendered automatically are shrunk to this, to keep decks small."""


def _short_repr() -> reprlib.Repr:
    r = reprlib.Repr()
    r.maxlevel = 3
    r.maxlist = r.maxtuple = r.maxset = r.maxfrozenset = r.maxdeque = r.maxarray = 20
    r.maxdict = 20
    r.maxstring = 200
    r.maxlong = 100
    r.maxother = 2_000
    return r


_REPR = _short_repr()


def _pre(text: str) -> str:
    return (
        '<pre style="margin:0;white-space:pre-wrap;font:12px/1.4 ui-monospace,monospace">'
        f"{esc(cut(text, MAX_VALUE_CHARS))}</pre>"
    )


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return _pre(value)
    try:
        text = _REPR.repr(value)
    except Exception as exc:  # a broken __repr__ must not break the deck
        text = f"<{type(value).__qualname__}: repr failed: {exc}>"
    return _pre(text)


def render(value: Any) -> str:
    """HTML for any value: a figure, a table's first rows, an image, else escaped text."""
    try:
        if is_plotly_figure(value):
            return PlotlyRenderer().to_html(value)
        if is_dataframe(value) or is_arrow_table(value) or is_series(value):
            return TopFrameRenderer().to_html(value)
        if is_pil_image(value):
            return ImageRenderer(max_size=IMAGE_MAX_SIZE).to_html(value)
    except Exception:
        pass  # a value its renderer cannot draw is still worth showing as text
    return _plain(value)


def output_renderers(return_annotation: Any) -> dict[str, Renderable]:
    """Output name -> the renderer given with ``Annotated[T, renderer]`` for that output."""
    from .._annotations import outputs_from_annotation

    found: dict[str, Renderable] = {}
    for name, tp in outputs_from_annotation(return_annotation).items():
        if typing.get_origin(tp) is not Annotated:
            continue
        for meta in typing.get_args(tp)[1:]:
            if isinstance(meta, type) and issubclass(meta, Renderable):
                raise FlyteValidationException(
                    f"output {name!r} is annotated with the renderer class "
                    f"{meta.__qualname__}; pass an instance, e.g. "
                    f"Annotated[..., {meta.__qualname__}()]"
                )
            if isinstance(meta, Renderable):
                found[name] = meta
                break
    return found
