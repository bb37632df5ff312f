"""The error a parent sees when a child task fails: the child's own type *and* Flyte 2's.

``except ValueError`` must keep working (flyte_nb always re-raised the child's own exception),
and Flyte 2 code does ``except flyte.errors.RuntimeUserError as e: if e.code == "ValueError"``.
Virtual registration (``ABC.register``) cannot serve the second: ``except`` clauses test real
subclassing and never consult ``__subclasscheck__``. So the exception is re-made as an
instance of a class derived from both its own type and ``RuntimeUserError`` (one such class per
original type, created on first use). The class keeps the original's name, module and
qualified name, so tracebacks and records read exactly as before; only ``type(e) is
ValueError`` tells the difference.

Builtin exception instances cannot change ``__class__``, so the instance is rebuilt:
``__new__`` with the same ``args`` (``__init__`` is not called: user constructors rarely take
their ``args`` back), then the original's attributes, traceback, cause, context and notes.
An exception that cannot be rebuilt this way is returned unchanged.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import Any

from ._classes import (
    _HEAPTYPE,
    BaseRuntimeError,
    RuntimeSystemError,
    RuntimeUserError,
    new_exception,
)

__all__ = ["as_task_error", "original_type"]

_MARKED: weakref.WeakKeyDictionary[type, dict[type, type]] = weakref.WeakKeyDictionary()


def _rebuild(original: type[BaseException], base: type, args: tuple[Any, ...], state: dict) -> Any:
    marked = _marked_class(original, base)
    exc = new_exception(marked, args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


def _reduce(self: BaseException) -> tuple[Any, ...]:
    cls: Any = type(self)
    return (_rebuild, (cls._flyte_nb_original, cls._flyte_nb_base, self.args, dict(self.__dict__)))


def _marked_class(original: type[BaseException], base: type) -> type:
    per_base = _MARKED.setdefault(original, {})
    cls = per_base.get(base)
    if cls is not None:
        return cls
    namespace: dict[str, Any] = {
        "__module__": original.__module__,
        "__qualname__": original.__qualname__,
        "__doc__": original.__doc__,
        "__reduce__": _reduce,
        "_flyte_nb_original": original,
        "_flyte_nb_base": base,
    }
    # The original's own ``code`` (an HTTP status, an exit code) wins over Flyte's.
    if not hasattr(original, "code"):
        namespace["code"] = original.__name__
    if not hasattr(original, "kind"):
        namespace["kind"] = "system" if issubclass(base, RuntimeSystemError) else "user"
    if not hasattr(original, "worker"):
        namespace["worker"] = None
    try:
        cls = type(original.__name__, (original, base), namespace)
    except TypeError:  # e.g. the original is itself a RuntimeError: put Flyte's base first
        cls = type(original.__name__, (base, original), namespace)
    per_base[base] = cls
    return cls


def as_task_error(
    exc: BaseException, *, code: str | None = None, base: type = RuntimeUserError
) -> BaseException:
    """``exc`` as its parent should see it: also an instance of ``base`` (see module doc).

    Flyte's own errors, and what is not an ``Exception`` (``KeyboardInterrupt``,
    ``CancelledError``), pass through unchanged. ``code`` overrides the type name as the code
    (for errors rebuilt from a record, whose type is ours but whose code is the user's).
    """
    if isinstance(exc, BaseRuntimeError) or not isinstance(exc, Exception):
        return exc
    original = type(exc)
    try:
        marked = _marked_class(original, base)
        new = new_exception(marked, exc.args)
        new.args = exc.args
        if not original.__flags__ & _HEAPTYPE:  # builtin: its C fields come from __init__
            with contextlib.suppress(Exception):
                original.__init__(new, *exc.args)
        new.__dict__.update(exc.__dict__)
    except Exception:  # an exotic type (custom __new__, not subclassable): keep it as it is
        return exc
    if code is not None:
        new.code = code
    new.__traceback__ = exc.__traceback__
    new.__cause__ = exc.__cause__
    new.__context__ = exc.__context__
    new.__suppress_context__ = exc.__suppress_context__
    return new


def original_type(exc: BaseException) -> type[BaseException]:
    """The user's own exception type behind a marked error (``type(exc)`` otherwise)."""
    return getattr(type(exc), "_flyte_nb_original", type(exc))
