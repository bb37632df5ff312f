"""Checking values against task annotations.

Checks are strict: a value must already be of the annotated type (``"3"`` is not an
``int``, ``True`` is not an ``int``, an ``int`` is a ``float``). Coercing silently would
record one value and run with another.

Scalars are checked with ``type()``/``isinstance`` because they are most of what flows
through a fan-out and a pydantic call costs more than the rest of the action. Anything
else (containers, unions, dataclasses, pydantic models, ``Literal``...) is checked by a
pydantic ``TypeAdapter`` in strict mode, built on first use and cached per annotation, so
pydantic is imported only by programs that need it.
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Callable
from typing import Any

from ..exceptions import FlyteTypeException
from ..models._interface import type_name

Checker = Callable[[Any], "str | None"]
"""Returns None when the value fits, else a short description of the mismatch."""

_NoneType = type(None)
_cache: dict[Any, Checker] = {}


def value_type_name(value: Any) -> str:
    return type(value).__qualname__


def _exact(expected: type) -> Checker:
    def check(value: Any) -> str | None:
        if type(value) is expected or (isinstance(value, expected) and not isinstance(value, bool)):
            return None
        return ""

    return check


def _float(value: Any) -> str | None:
    t = type(value)
    if t is float or t is int or (isinstance(value, (int, float)) and t is not bool):
        return None
    return ""


def _bool(value: Any) -> str | None:
    return None if type(value) is bool else ""


def _none(value: Any) -> str | None:
    return None if value is None else ""


def _anything(value: Any) -> str | None:
    return None


def _pydantic(annotation: Any) -> Checker:
    from pydantic import ConfigDict, TypeAdapter, ValidationError

    try:
        adapter: Any = TypeAdapter(annotation, config=ConfigDict(arbitrary_types_allowed=True))
    except Exception:
        # pydantic cannot describe this annotation (a bare TypeVar, an exotic generic):
        # fall back to isinstance on its origin class, or accept what we cannot check.
        origin = typing.get_origin(annotation) or annotation
        if isinstance(origin, type):
            return lambda v: None if isinstance(v, origin) else ""
        return _anything

    def check(value: Any) -> str | None:
        try:
            adapter.validate_python(value, strict=True)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            return f"{first.get('msg', 'invalid')}" + (f" at [{where}]" if where else "")
        return None

    return check


def checker_for(annotation: Any) -> Checker:
    """The (cached) checker for one annotation."""
    try:
        return _cache[annotation]
    except (KeyError, TypeError):
        pass
    if annotation is Any or annotation is typing.Any or annotation is object:
        checker: Checker = _anything
    elif annotation is float:
        checker = _float
    elif annotation is bool:
        checker = _bool
    elif annotation is None or annotation is _NoneType:
        checker = _none
    elif annotation in (int, str, bytes):
        checker = _exact(annotation)
    else:
        checker = _pydantic(annotation)
    with contextlib.suppress(TypeError):  # unhashable annotation: just don't cache it
        _cache[annotation] = checker
    return checker


def check_input(task: str, name: str, annotation: Any, value: Any) -> None:
    __tracebackhide__ = True  # IPython and pytest show the user's call, not this frame
    problem = checker_for(annotation)(value)
    if problem is not None:
        raise FlyteTypeException(
            f"Task '{task}': argument '{name}' expects {type_name(annotation)}, "
            f"got {value_type_name(value)} ({_preview(value)})"
            + (f": {problem}" if problem else "")
            + f". Pass a value of type {type_name(annotation)}, "
            f"or change the annotation of '{name}'."
        )


def check_output(task: str, annotation: Any, value: Any) -> None:
    __tracebackhide__ = True
    problem = checker_for(annotation)(value)
    if problem is not None:
        raise FlyteTypeException(
            f"Task '{task}' returned {value_type_name(value)} ({_preview(value)}) but its "
            f"return annotation is {type_name(annotation)}"
            + (f": {problem}" if problem else "")
            + ". Return a value of that type, or change the return annotation."
        )


def _preview(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        return "<unrepresentable>"
    return text if len(text) <= 60 else text[:57] + "..."
