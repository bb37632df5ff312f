"""flytekit's ``pickle_untyped``: unannotated parameters (and return) are ``Any``, pickled.

flytekit refuses a task or workflow parameter without an annotation
(``FlyteMissingTypeException``) unless ``pickle_untyped=True``, in which case the value
travels pickled. Our interfaces are read from annotations, so with the flag on we hand
them a copy of the function whose missing annotations read ``typing.Any``. A copy, not the
user's function with its ``__annotations__`` edited, so the function stays as written
(it may be decorated twice, or called on its own); the copy shares its code, globals,
closure and defaults, so it runs the same.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from typing import Any

from ..exceptions import FlyteMissingTypeException

__all__ = ["fill_untyped"]

_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def fill_untyped(func: Callable[..., Any], pickle_untyped: bool, label: str) -> Callable[..., Any]:
    """``func`` if every parameter is annotated; else, with ``pickle_untyped``, a copy whose
    missing annotations (the return's too) are ``Any``; else ``FlyteMissingTypeException``."""
    if not isinstance(func, types.FunctionType):
        return func
    annotations = dict(getattr(func, "__annotations__", None) or {})
    params = inspect.signature(func).parameters.values()
    missing = [p.name for p in params if p.kind not in _VARIADIC and p.name not in annotations]
    if not missing and (not pickle_untyped or "return" in annotations):
        return func
    if missing and not pickle_untyped:
        raise FlyteMissingTypeException(
            f"'{label}': parameter(s) {missing} have no type annotation; annotate them "
            f"(e.g. `{missing[0]}: int`), or pass pickle_untyped=True to send them pickled"
        )
    for name in missing:
        annotations[name] = Any
    annotations.setdefault("return", Any)
    copy = types.FunctionType(
        func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__
    )
    copy.__kwdefaults__ = func.__kwdefaults__
    copy.__qualname__ = func.__qualname__
    copy.__module__ = func.__module__
    copy.__doc__ = func.__doc__
    copy.__dict__.update(func.__dict__)
    copy.__annotations__ = annotations
    return copy
