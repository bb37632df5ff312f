"""The wire shapes (``flyte_nb.wire``) as pydantic sees them, for the OpenAPI document.

``flyte_nb.wire`` uses the standard library's ``TypedDict`` so that workers and the kernel
import it for nothing; pydantic on Python 3.11 wants ``typing_extensions.TypedDict``. This
module rebuilds each shape as one, key for key (``NotRequired`` kept), so the server's
routes document exactly the types the rest of flyte_nb builds and reads: the server
generates its event schemas from them instead of keeping a copy.
"""

from __future__ import annotations

import functools
import types
from typing import Any, NotRequired, Union, get_args, get_origin, get_type_hints

import typing_extensions

from .. import wire


@functools.cache
def for_pydantic(shape: Any) -> Any:
    """``shape`` with every stdlib ``TypedDict`` in it rebuilt as a pydantic-ready one."""
    if typing_extensions.is_typeddict(shape):
        hints = get_type_hints(shape)
        fields = {
            key: (
                for_pydantic(hint)
                if key in shape.__required_keys__
                else NotRequired[for_pydantic(hint)]
            )
            for key, hint in hints.items()
        }
        make: Any = typing_extensions.TypedDict  # the name is not a literal: mypy can't check
        rebuilt: Any = make(shape.__name__, fields)
        rebuilt.__doc__ = shape.__doc__
        rebuilt.__module__ = shape.__module__
        return rebuilt
    origin, args = get_origin(shape), get_args(shape)
    if origin in (Union, types.UnionType):
        return Union[tuple(for_pydantic(a) for a in args)]  # noqa: UP007  (built from a tuple)
    if origin in (list, dict, tuple) and args:
        return origin[tuple(for_pydantic(a) for a in args)]
    return shape


def event_stream_model() -> Any:
    """The events ``GET /api/v1/events`` sends (one ``data:`` document each): the wire's
    events, and the run's whole view, which a watcher of one run gets first (and again
    when it missed events) as its ``run`` event."""
    return for_pydantic(wire.Event | wire.RunView)
