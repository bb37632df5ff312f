"""Fitting a value to a task's annotation when it enters or leaves the task.

``flyte_nb.types._check`` asks here for any annotation that mentions a file, folder or
dataframe type; the converter it gets both checks and adapts, flytekit-style:
- ``FlyteFile`` / ``FlyteDirectory`` accept the object, a path or a URL (a task may
  ``return "out.csv"``); a local path must exist and be the right kind.
- ``pd.DataFrame``, ``pa.Table`` and ``StructuredDataset`` accept each other (a dataset's
  parquet can be read as either), and ``Annotated[..., kwtypes(Name=str)]`` selects those
  columns, in that order, after checking they exist and hold the declared kind of value.
- ``list[X]``, ``dict[str, X]``, ``tuple[X, ...]``, ``X | None`` and NamedTuples of them
  convert member by member.
Converters raise ``TypeError`` (wrong kind of value) or ``ValueError`` (a missing file or
column); ``_check`` turns those into errors that name the task and the argument.
"""

from __future__ import annotations

import copy
import datetime
import os
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from ._dataset import ARROW, PANDAS, StructuredDataset, convert_frame, frame_kind, kind_of_type
from ._directory import FlyteDirectory
from ._file import FlyteFile, PathValue
from ._flyte2 import Flyte2Value, inner_of

Converter = Callable[[Any], Any]


def converter_for(annotation: Any, recurse: Callable[[Any], Converter | None]) -> Converter | None:
    """The converter for ``annotation``; ``recurse`` finds (cached) ones for its members."""
    columns: dict[str, Any] | None = None
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extras = typing.get_args(annotation)
        columns = next((dict(e) for e in extras if _is_columns(e)), None)
        annotation = base
    if isinstance(annotation, type):
        if issubclass(annotation, Flyte2Value):
            flyte2_type = annotation
            return lambda value: _to_flyte2(value, flyte2_type, columns)
        if issubclass(annotation, PathValue):
            path_type = annotation
            return lambda value: _to_path_value(value, path_type)
        if issubclass(annotation, StructuredDataset):
            return lambda value: _to_dataset(value, columns)
        kind = kind_of_type(annotation)
        if kind is not None:
            return lambda value: _to_frame(value, kind, columns)
        if issubclass(annotation, tuple) and hasattr(annotation, "_fields"):
            hints = typing.get_type_hints(annotation)
            return _fixed_tuple([hints.get(f, Any) for f in annotation._fields], recurse)
    return _container(annotation, recurse)


def _is_columns(extra: object) -> bool:
    return isinstance(extra, Mapping) and bool(extra) and all(isinstance(k, str) for k in extra)


def _container(annotation: Any, recurse: Callable[[Any], Converter | None]) -> Converter | None:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is tuple and args and args[-1] is not Ellipsis:
        return _fixed_tuple(list(args), recurse)
    if origin in (typing.Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        inner = recurse(real[0]) if len(real) == 1 else None
        return None if inner is None else _optional(inner)
    member = (
        recurse(args[0])
        if origin in (list, tuple) and args
        else recurse(args[1])
        if origin is dict and len(args) == 2
        else None
    )
    if member is None:
        return None
    convert: Converter = member

    def each(value: Any) -> Any:
        if origin is list and isinstance(value, list):
            return [convert(v) for v in value]
        if origin is tuple and isinstance(value, tuple):
            return tuple(convert(v) for v in value)
        if origin is dict and isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value  # the strict type check reports the mismatch

    return each


def _optional(inner: Converter) -> Converter:
    return lambda value: None if value is None else inner(value)


def _fixed_tuple(
    members: list[Any], recurse: Callable[[Any], Converter | None]
) -> Converter | None:
    converters = [recurse(m) for m in members]
    if not any(converters):
        return None

    def convert(value: Any) -> Any:
        if not isinstance(value, tuple) or len(value) != len(converters):
            return value  # the strict type check reports the mismatch
        items = [c(v) if c is not None else v for c, v in zip(converters, value, strict=True)]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)

    return convert


# -- files and folders -------------------------------------------------------------------------
def _to_path_value(value: Any, cls: type[PathValue]) -> PathValue:
    """A ``FlyteFile`` / ``FlyteDirectory`` (``cls``) for ``value``, checked on the way."""
    value = inner_of(value)  # a Flyte 2 File / Dir where a FlyteFile / FlyteDirectory is declared
    is_file = issubclass(cls, FlyteFile)
    noun, other_noun = ("file", "folder") if is_file else ("folder", "file")
    other: type[PathValue] = FlyteDirectory if is_file else FlyteFile
    if isinstance(value, other):
        raise TypeError(
            f"got a {other_noun}, {value!r}, where a {noun} is expected; pass a {cls.__name__} "
            f"(or a path to a {noun}), or annotate it as {other.__name__}"
        )
    if isinstance(value, (str, os.PathLike)) and not isinstance(value, cls):
        value = cls(value)  # type: ignore[call-arg]
    if not isinstance(value, cls):
        raise TypeError(
            f"expected a {noun} (a {cls.__name__}, a path or a URL), got "
            f"{type(value).__qualname__} ({value!r:.60})"
        )
    if value._is_local():
        path = value.path
        if not os.path.exists(path):
            verb = "write" if is_file else "create"
            raise ValueError(f"{noun} {path!r} does not exist; {verb} it first, or fix the path")
        if os.path.isdir(path) != (not is_file):
            raise TypeError(
                f"{path!r} is a {other_noun}, not a {noun}; pass {other.__name__}({path!r}) and "
                f"annotate it as {other.__name__}, or pass a {noun}"
            )
    return value


# -- Flyte 2's File, Dir, DataFrame (see _flyte2.py) ------------------------------------------
def _to_flyte2(value: Any, cls: type[Flyte2Value], columns: dict[str, Any] | None) -> Any:
    """``cls`` for ``value``: the matching Flyte 2 value as it is, or a Union value (or a
    path, or a frame) converted by the Union rules and wrapped."""
    root = _flyte2_root(cls)
    if isinstance(value, Flyte2Value) and not isinstance(value, root):
        raise TypeError(f"expected a {root.__name__}, got a {type(value).__name__} ({value!r:.60})")
    if root.__name__ == "DataFrame":
        inner: Any = _to_dataset(value, columns)
    else:
        union_type = FlyteFile if root.__name__ == "File" else FlyteDirectory
        inner = _to_path_value(value, union_type)
    if isinstance(value, root) and inner is value._inner:
        if not value.format:  # File["csv"] declared: an untagged File takes the tag
            value.format = getattr(cls, "_format", "")
        return value
    return cls._from_inner(inner, value._flyte2_extra() if isinstance(value, root) else None)


def _flyte2_root(cls: type[Flyte2Value]) -> type[Flyte2Value]:
    """``File`` for ``File["csv"]``: formats are tags, not separate types."""
    from ._flyte2 import _KINDS

    return _KINDS.get(cls._tag, cls)


# -- dataframes --------------------------------------------------------------------------------
def _to_dataset(value: Any, columns: dict[str, Any] | None) -> StructuredDataset:
    value = inner_of(value)
    if frame_kind(value) is not None:
        value = StructuredDataset(dataframe=value)
    if not isinstance(value, StructuredDataset):
        raise TypeError(
            "expected a StructuredDataset, a pandas.DataFrame or a pyarrow.Table, got "
            f"{type(value).__qualname__}"
        )
    if columns is None:
        return value
    from ._dataset import check_columns

    check_columns(value.column_names_unselected(), list(columns), "dataset")
    if value._dataframe is not None:
        _check_kinds(value._dataframe, columns)
    selected = copy.copy(value)
    selected._select = list(columns)
    return selected


def _to_frame(value: Any, kind: str, columns: dict[str, Any] | None) -> Any:
    wanted = list(columns) if columns is not None else None
    value = inner_of(value)
    if isinstance(value, StructuredDataset):
        if value._dataframe is not None:
            value = value._dataframe
        else:
            selected = _to_dataset(value, columns) if columns else value
            return selected._materialise(kind)
    if frame_kind(value) is None:
        name = "pandas.DataFrame" if kind == PANDAS else "pyarrow.Table"
        raise TypeError(
            f"expected a {name} (or a StructuredDataset), got {type(value).__qualname__} "
            f"({value!r:.60})"
        )
    frame = convert_frame(value, kind, wanted)
    if columns is not None:
        _check_kinds(frame, columns)
    return frame


_KINDS: dict[Any, tuple[str, ...]] = {
    int: ("integer",),
    float: ("floating", "integer"),
    str: ("string",),
    bool: ("boolean",),
    datetime.datetime: ("timestamp",),
}


def _check_kinds(frame: Any, columns: dict[str, Any]) -> None:
    """Each declared column holds the declared kind of value (int, float, str, bool,
    datetime; other declared types are not checked)."""
    for name, declared in columns.items():
        accepted = _KINDS.get(declared)
        if accepted is None:
            continue
        found = _column_kind(frame, name)
        if found is not None and found not in accepted:
            raise TypeError(
                f"column {name!r} holds {found} values, but kwtypes declares "
                f"{getattr(declared, '__name__', declared)}"
            )


def _column_kind(frame: Any, name: str) -> str | None:
    if frame_kind(frame) == ARROW:
        import pyarrow as pa  # type: ignore[import-untyped]

        t = frame.schema.field(name).type
        checks = (
            ("boolean", pa.types.is_boolean),
            ("integer", pa.types.is_integer),
            ("floating", pa.types.is_floating),
            ("string", lambda t: pa.types.is_string(t) or pa.types.is_large_string(t)),
            ("timestamp", pa.types.is_timestamp),
        )
    else:
        import pandas as pd  # type: ignore[import-untyped]

        t = frame[name].dtype
        checks = (
            ("boolean", pd.api.types.is_bool_dtype),
            ("integer", pd.api.types.is_integer_dtype),
            ("floating", pd.api.types.is_float_dtype),
            ("string", lambda t: pd.api.types.is_string_dtype(t) or t.kind == "O"),
            ("timestamp", pd.api.types.is_datetime64_any_dtype),
        )
    return next((label for label, test in checks if test(t)), str(t))
