"""Compile-time type checks between workflow nodes (flytekit's compiler does the same).

flytekit's backend compiler refuses a workflow whose node output cannot become the input
it is wired to (``List[Optional[int]]`` into ``List[int]``); here the body is compiled in
the kernel, so the check happens there, before any task runs.

The check is deliberately conservative: it refuses only what can never fit — a value that
may be ``None`` into an input that may not, a list into a non-list, a ``str`` into an
``int`` — and lets anything it cannot judge (classes, files, dataframes, ``Any``, type
variables, bare ``list``) through to the run-time checks, which know the value.
``int`` into ``float`` passes, as it does at run time.
"""

from __future__ import annotations

import datetime
import types
import typing
from typing import Any

__all__ = ["castable", "source_type"]

_NoneType = type(None)
_SCALARS: frozenset[Any] = frozenset(
    {int, float, str, bool, bytes, datetime.datetime, datetime.timedelta, datetime.date}
)
_LISTS: frozenset[Any] = frozenset({list, typing.List})  # noqa: UP006
_DICTS: frozenset[Any] = frozenset({dict, typing.Dict})  # noqa: UP006


def _strip(tp: Any) -> Any:
    """The type under ``Annotated[...]`` (``Annotated[int, x]`` is an ``int`` here)."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(tp)
    return None


def _kind(tp: Any) -> str:
    """ "none", "scalar", "list", "dict" or "other" (not judged)."""
    if tp is None or tp is _NoneType:
        return "none"
    if tp in _SCALARS:
        return "scalar"
    origin = typing.get_origin(tp)
    if origin in _LISTS and typing.get_args(tp):
        return "list"
    if origin in _DICTS and len(typing.get_args(tp)) == 2:
        return "dict"
    return "other"


def castable(upstream: Any, downstream: Any) -> bool:
    """Whether a value of type ``upstream`` can ever be bound to ``downstream``."""
    up, down = _strip(upstream), _strip(downstream)
    if up is Any or down is Any or up == down:
        return True
    up_variants = _union_args(up)
    if up_variants is not None:  # every variant the upstream may give must fit
        return all(castable(v, down) for v in up_variants)
    down_variants = _union_args(down)
    if down_variants is not None:
        return any(castable(up, v) for v in down_variants)
    up_kind, down_kind = _kind(up), _kind(down)
    if up_kind == "none" and down_kind != "none":  # None into what does not allow it
        return down is object
    if "other" in (up_kind, down_kind):
        return True
    if up_kind != down_kind:
        return False
    if up_kind == "scalar":
        return up is int and down is float
    if up_kind == "list":
        return castable(typing.get_args(up)[0], typing.get_args(down)[0])
    if up_kind == "dict":
        return castable(typing.get_args(up)[1], typing.get_args(down)[1])
    return True  # both None


def source_type(compiler: Any, promise: Any) -> Any:
    """The declared type of what ``promise`` stands for, or None when it is not known (the
    output of a conditional, a map task's list, an entity without an interface)."""
    if promise.path:  # a member of the output or input: its type was found on the way
        return promise.type
    if promise.input is not None:
        return compiler.input_types.get(promise.input)
    node = promise.node
    if node is None or node.kind != "call" or promise.output is None:
        return None
    outputs = getattr(getattr(node.entity, "interface", None), "outputs", None)
    if not isinstance(outputs, dict):
        return None
    return outputs.get(promise.output)
