"""The blob store of the value being encoded or decoded here.

A value that stores its bytes as blobs (a ``FlyteFile``, a dataframe) may sit inside a
dataclass or pydantic model that the type engine writes as JSON; its own serializer then
needs the blob callables of the value around it. ``flyte_nb.types`` sets them for the
duration of such an encode or decode (``ENCODING_PUT``/``DECODING_GET``), and
``flyte_nb.io`` reads them. A foundation module (docs/architecture.md) so that ``io``, which
the type engine calls, does not import the type engine back.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable

__all__ = ["DECODING_GET", "ENCODING_PUT", "GetBlob", "PutBlob", "decoding_get", "encoding_put"]

PutBlob = Callable[[bytes], str]
"""Store bytes, get their digest."""
GetBlob = Callable[[str], bytes]
"""The bytes of a digest."""

ENCODING_PUT: contextvars.ContextVar[PutBlob | None] = contextvars.ContextVar(
    "flyte_nb_put", default=None
)
DECODING_GET: contextvars.ContextVar[GetBlob | None] = contextvars.ContextVar(
    "flyte_nb_get", default=None
)


def encoding_put() -> PutBlob | None:
    """The blob sink of the value being encoded here, if any."""
    return ENCODING_PUT.get()


def decoding_get() -> GetBlob | None:
    """The blob source of the value being decoded here, if any."""
    return DECODING_GET.get()
