"""How an annotation reads to a user, and which outputs a return annotation declares.

Plain functions over ``typing`` objects, shared by the task interface
(``models/_interface.py``), the type engine and the default decks. A foundation module
(docs/architecture.md): the decks sit below ``models`` and use these without importing it.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

__all__ = ["is_namedtuple", "outputs_from_annotation", "type_name"]

_EMPTY: Any = inspect.Parameter.empty
# Bare ``typing.Tuple`` has origin ``tuple`` like ``tuple[int, str]`` but says nothing of arity.
_BARE_TUPLE: Any = typing.Tuple  # noqa: UP006


def type_name(tp: object) -> str:
    """Short, user-facing spelling of an annotation (``int``, ``list[str]``, ``None``)."""
    if tp is type(None) or tp is None:
        return "None"
    if typing.get_origin(tp) is None and isinstance(tp, type):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


def is_namedtuple(tp: object) -> bool:
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


def outputs_from_annotation(annotation: Any) -> dict[str, type]:
    """Output name -> type: ``o0`` for a plain return, ``o0, o1`` for a tuple, a NamedTuple's
    field names; nothing for ``None`` or ``tuple[()]``."""
    if annotation is _EMPTY or annotation is None or annotation is type(None):
        return {}
    if is_namedtuple(annotation):
        hints = typing.get_type_hints(annotation, include_extras=True)
        return {f: hints.get(f, Any) for f in annotation._fields}
    if typing.get_origin(annotation) is tuple and annotation is not _BARE_TUPLE:
        args = typing.get_args(annotation)
        if not args or args == ((),):
            return {}  # ``tuple[()]``: explicitly returns nothing
        if args[-1] is not Ellipsis:
            return {f"o{i}": arg for i, arg in enumerate(args)}
    return {"o0": annotation}
