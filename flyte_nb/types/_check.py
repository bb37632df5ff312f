"""Checking values against task annotations.

Checks are strict: a value must already be of the annotated type (``"3"`` is not an
``int``, ``True`` is not an ``int``, an ``int`` is a ``float``). Coercing silently would
record one value and run with another.

Scalars are checked with ``type()``/``isinstance`` because they are most of what flows
through a fan-out and a pydantic call costs more than the rest of the action. Anything
else (containers, unions, dataclasses, pydantic models, ``Literal``...) is checked by a
pydantic ``TypeAdapter`` in strict mode, built on first use and cached per annotation, so
pydantic is imported only by programs that need it.

Files, folders and dataframes are not just checked but *fitted* to their annotation
(``converter_for``; the converters live in ``flyte_nb.io._adapt``): a path becomes a
``FlyteFile``, a ``StructuredDataset`` read as the ``pd.DataFrame`` a task declares,
``Annotated[pd.DataFrame, kwtypes(...)]`` selects its columns. So ``check_input`` and
``check_output`` return the value the task should see. Annotations are recognised as
such by module name, so nothing of pandas, pyarrow or ``flyte_nb.io`` is imported for
tasks that do not use them.

``untyped_part`` says which part of an annotation can only travel pickled; the Union-style
``@task`` refuses those unless ``pickle_untyped=True`` (flytekit's rule).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import decimal
import enum
import sys
import types
import typing
from collections.abc import Callable
from typing import Any

from ..exceptions import FlyteError, FlyteTypeException, FlyteValidationException
from ..models._interface import type_name

Checker = Callable[[Any], "str | None"]
"""Returns None when the value fits, else a short description of the mismatch."""

Converter = Callable[[Any], Any]
"""Returns the value fitted to an annotation; raises TypeError or ValueError if it cannot."""

_NoneType = type(None)
_cache: dict[Any, Checker] = {}
_converters: dict[Any, Converter | None] = {}
_IO_PACKAGES = frozenset({"pandas", "pyarrow"})


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


def _is_typeddict(annotation: Any) -> bool:
    """A TypedDict class of ``typing`` or of ``typing_extensions`` (its own, before 3.13)."""
    return typing.is_typeddict(annotation) or type(annotation).__name__ == "_TypedDictMeta"


def _typeddict_fields(annotation: Any) -> tuple[dict[str, Any], frozenset[str]]:
    """Field types and required keys. ``Required``/``NotRequired`` are read from the hints
    themselves, since ``typing.TypedDict`` ignores ``typing_extensions``' before 3.13."""
    hints = typing.get_type_hints(annotation, include_extras=True)
    required = set(getattr(annotation, "__required_keys__", hints))
    fields: dict[str, Any] = {}
    for key, hint in hints.items():
        while True:
            origin = typing.get_origin(hint)
            name = getattr(origin, "_name", None) or getattr(origin, "__name__", "")
            if name == "NotRequired":
                required.discard(key)
            elif name == "Required":
                required.add(key)
            elif name != "ReadOnly":
                break
            hint = typing.get_args(hint)[0]
        fields[key] = hint
    return fields, frozenset(required)


def _typeddict(annotation: Any) -> Checker:
    """A TypedDict, checked here: pydantic refuses ``typing.TypedDict`` before Python 3.12
    (it wants ``typing_extensions``'), and Flyte 2 code uses ``typing``'s. The field
    checkers are built on first use, so a TypedDict may refer to itself."""
    parts: list[Any] = []

    def check(value: Any) -> str | None:
        if not parts:
            hints, required = _typeddict_fields(annotation)
            parts.extend([hints, required, {k: checker_for(v) for k, v in hints.items()}])
        hints, required, fields = parts
        if not isinstance(value, dict):
            return "expected a dict"
        missing = sorted(required - value.keys())
        if missing:
            return f"missing key(s) {missing}"
        extra = sorted(str(k) for k in value.keys() - fields.keys())
        if extra:
            return f"unexpected key(s) {extra}"
        for key, item in value.items():
            problem = fields[key](item)
            if problem is not None:
                detail = f": {problem}" if problem else ""
                return f"[{key}] expects {type_name(hints[key])}{detail}"
        return None

    return check


def _generic_fallback(annotation: Any) -> Checker | None:
    """Containers and unions of what pydantic cannot describe (a TypedDict inside a list),
    checked element by element."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [checker_for(a) for a in args]
        return lambda v: None if any(c(v) is None for c in options) else ""
    if origin in (list, set, frozenset) and len(args) == 1:
        item = checker_for(args[0])
        return lambda v: None if isinstance(v, origin) and all(item(x) is None for x in v) else ""
    if origin is dict and len(args) == 2:
        key, val = checker_for(args[0]), checker_for(args[1])
        return lambda v: (
            None
            if isinstance(v, dict) and all(key(k) is None and val(x) is None for k, x in v.items())
            else ""
        )
    if origin is tuple and args and args[-1] is not Ellipsis:
        parts = [checker_for(a) for a in args]
        return lambda v: (
            None
            if isinstance(v, tuple)
            and len(v) == len(parts)
            and all(c(x) is None for c, x in zip(parts, v, strict=True))
            else ""
        )
    return None


def _pydantic(annotation: Any) -> Checker:
    from pydantic import ConfigDict, TypeAdapter, ValidationError

    if _is_typeddict(annotation):
        return _typeddict(annotation)
    try:
        adapter: Any = TypeAdapter(annotation, config=ConfigDict(arbitrary_types_allowed=True))
    except Exception:
        # pydantic cannot describe this annotation (a bare TypeVar, an exotic generic, a
        # TypedDict inside a list): check containers item by item, else isinstance on the
        # origin class, or accept what we cannot check.
        fallback = _generic_fallback(annotation)
        if fallback is not None:
            return fallback
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


def _mentions_io(annotation: Any, depth: int = 0) -> bool:
    if depth > 6:
        return False
    if isinstance(annotation, type):
        module = annotation.__module__
        if module.startswith("flyte_nb.io.") or module.partition(".")[0] in _IO_PACKAGES:
            return True
        if issubclass(annotation, tuple) and hasattr(annotation, "_fields"):
            hints = getattr(annotation, "__annotations__", {})
            return any(_mentions_io(h, depth + 1) for h in hints.values())
        return False
    return any(_mentions_io(a, depth + 1) for a in typing.get_args(annotation))


def converter_for(annotation: Any) -> Converter | None:
    """The converter for an annotation that mentions files, folders or dataframes, else
    None (cached per annotation where it can be)."""
    try:
        return _converters[annotation]
    except KeyError:
        pass
    except TypeError:  # unhashable, e.g. Annotated[pd.DataFrame, kwtypes(...)]
        return _io_converter(annotation)
    converter = _converters[annotation] = _io_converter(annotation)
    return converter


def _io_converter(annotation: Any) -> Converter | None:
    if not _mentions_io(annotation):
        return None
    from ..io._adapt import converter_for as io_converter_for

    return io_converter_for(annotation, converter_for)


def _fit(convert: Converter, value: Any, where: str) -> Any:
    __tracebackhide__ = True
    try:
        return convert(value)
    except TypeError as exc:
        raise FlyteTypeException(f"{where}: {exc}") from None
    except ValueError as exc:
        raise FlyteValidationException(f"{where}: {exc}") from None


def check_input(task: str, name: str, annotation: Any, value: Any) -> Any:
    """Check ``value`` against the argument's annotation; returns it, fitted (see above)."""
    __tracebackhide__ = True  # IPython and pytest show the user's call, not this frame
    convert = converter_for(annotation)
    if convert is not None:
        return _fit(convert, value, f"Task '{task}': argument '{name}'")
    problem = checker_for(annotation)(value)
    if problem is not None:
        raise FlyteTypeException(
            f"Task '{task}': argument '{name}' expects {type_name(annotation)}, "
            f"got {value_type_name(value)} ({_preview(value)})"
            + (f": {problem}" if problem else "")
            + f". Pass a value of type {type_name(annotation)}, "
            f"or change the annotation of '{name}'."
        )
    return value


def check_output(task: str, annotation: Any, value: Any) -> Any:
    """Check a task's result against its return annotation; returns it, fitted."""
    __tracebackhide__ = True
    convert = converter_for(annotation)
    if convert is not None:
        return _fit(
            convert,
            value,
            f"Task '{task}' returned a value that does not fit its "
            f"return annotation {type_name(annotation)}",
        )
    problem = checker_for(annotation)(value)
    if problem is not None:
        raise FlyteTypeException(
            f"Task '{task}' returned {value_type_name(value)} ({_preview(value)}) but its "
            f"return annotation is {type_name(annotation)}"
            + (f": {problem}" if problem else "")
            + ". Return a value of that type, or change the return annotation."
        )
    return value


# -- what can only travel pickled --------------------------------------------------------------
_TYPED_LEAVES = (
    int,
    float,
    str,
    bool,
    bytes,
    _NoneType,
    datetime.datetime,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    decimal.Decimal,
    list,
    dict,
    set,
    frozenset,
    tuple,
    FlyteError,
)
_TYPED_ORIGINS = (list, dict, set, frozenset, tuple, typing.Union, typing.Literal)


def untyped_part(annotation: Any, depth: int = 0) -> str | None:
    """The part of ``annotation`` that flyte_nb can only store by pickling, or None.

    ``Any`` inside a container (``dict[str, Any]``) counts as typed, as a bare ``dict``
    does: flytekit passes such containers as JSON. ``Any`` on its own does not."""
    if annotation is None or annotation is _NoneType or depth > 8:
        return None
    if depth > 0 and annotation in (Any, object):
        return None
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return untyped_part(typing.get_args(annotation)[0], depth + 1)
    if origin is typing.Literal:
        return None
    if origin in _TYPED_ORIGINS or type(annotation).__name__ == "UnionType":
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis and (part := untyped_part(arg, depth + 1)) is not None:
                return part
        return None
    if not isinstance(annotation, type):
        return type_name(annotation)
    if annotation in _TYPED_LEAVES or _mentions_io(annotation):
        return None
    if issubclass(annotation, enum.Enum) or dataclasses.is_dataclass(annotation):
        return None
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and issubclass(annotation, pydantic.BaseModel):
        return None
    if issubclass(annotation, tuple) and hasattr(annotation, "_fields"):
        for hint in getattr(annotation, "__annotations__", {}).values():
            if (part := untyped_part(hint, depth + 1)) is not None:
                return part
        return None
    if f"{annotation.__module__}.{annotation.__qualname__}" == "numpy.ndarray":
        return None
    return type_name(annotation)


def require_typed(task: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
    """Refuse annotations whose values could only be pickled (``pickle_untyped=False``)."""
    for kind, declared in (("input", inputs), ("output", outputs)):
        for name, annotation in declared.items():
            part = untyped_part(annotation)
            if part is not None:
                raise FlyteValidationException(
                    f"Task '{task}': {kind} '{name}' is annotated {type_name(annotation)}, "
                    f"and {part} values can only be passed between tasks by pickling them. "
                    "Annotate it with a type flyte_nb stores (int, str, list[...], a dataclass, "
                    "a pydantic model, FlyteFile, pd.DataFrame, ...), or allow pickling with "
                    "@task(pickle_untyped=True)"
                )


def _preview(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        return "<unrepresentable>"
    return text if len(text) <= 60 else text[:57] + "..."
