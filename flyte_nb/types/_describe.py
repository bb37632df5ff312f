"""A task's inputs described as plain JSON: what a re-run form is built from.

The backend never imports user code, so to offer "re-run with edited inputs" it needs the
root task's interface as data. The SDK describes it once per run (``client/_submit.py``
adds it to the root's spec as ``interface``) and the backend checks edited values against
the description (``backend/_rerun.py``) before it encodes them the way the SDK would.

Decisions:

- Each input gets one ``kind`` a form knows how to edit: ``int``, ``float``, ``bool``,
  ``str``, ``enum`` (an ``enum.Enum`` or a ``Literal`` of scalars), ``list`` and ``dict``
  (edited as JSON; ``items`` names the members' kind when it is a scalar one) or ``other``
  (files, dataframes, dataclasses...: kept as they were, not editable). ``Optional[X]``
  is X with ``optional`` true.
- An enum's members travel already encoded (``encoded``: what ``encode_value`` makes of
  the member, a pickle in the blob store for an ``enum.Enum``), so the backend can put the
  chosen member into the new run's inputs without unpickling or importing anything. A
  ``Literal``'s choices are plain values and encode as themselves. Enums with more than
  ``MAX_CHOICES`` members are ``other``.
- Nothing here raises for an odd annotation: a type it does not know is ``other``, so
  describing can never stop a run from starting.
"""

from __future__ import annotations

import enum
import inspect
import math
import types
import typing
from typing import TYPE_CHECKING, Any

from ..models._interface import type_name
from ._codecs import PutBlob
from ._values import encode_value

if TYPE_CHECKING:
    from ..models._interface import NativeInterface

__all__ = ["MAX_CHOICES", "SCALAR_KINDS", "describe_inputs"]

MAX_CHOICES = 100
_KEPT = "_flyte_nb_described"
SCALAR_KINDS = ("int", "float", "bool", "str")
_SCALARS: dict[Any, str] = {bool: "bool", int: "int", float: "float", str: "str"}


def describe_inputs(interface: NativeInterface, put: PutBlob) -> list[dict[str, Any]]:
    """One entry per input, in signature order (see the module docstring).

    Kept on the interface when no member went to the blob store (~0.1 ms saved per
    ``fl.run``); with an ``enum.Enum`` input it is made again, so each backend a run goes
    to receives the members' blobs (the client uploads a blob once)."""
    kept: list[dict[str, Any]] | None = interface.__dict__.get(_KEPT)
    if kept is not None:
        return kept
    stored = False

    def counting(data: bytes) -> str:
        nonlocal stored
        stored = True
        return put(data)

    out: list[dict[str, Any]] = []
    for name, (annotation, default) in interface.inputs.items():
        entry: dict[str, Any] = {"name": name, "type": _safe_name(annotation)}
        entry.update(_kind(annotation, counting))
        entry["required"] = default is inspect.Parameter.empty
        out.append(entry)
    if not stored:
        interface.__dict__[_KEPT] = out
    return out


def _safe_name(annotation: Any) -> str:
    try:
        return type_name(annotation)
    except Exception:  # a broken __repr__ on an exotic annotation
        return "?"


def _strip(annotation: Any) -> tuple[Any, bool]:
    """``annotation`` without ``Annotated`` and ``None`` from a union; and if None was there."""
    optional = False
    for _ in range(4):
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin is typing.Union or isinstance(annotation, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                optional = True
                annotation = args[0]
                continue
        break
    return annotation, optional


def _scalar(annotation: Any) -> str | None:
    annotation, _ = _strip(annotation)
    return _SCALARS.get(annotation)


def _kind(annotation: Any, put: PutBlob) -> dict[str, Any]:
    annotation, optional = _strip(annotation)
    out: dict[str, Any] = {"kind": "other", "optional": optional}
    scalar = _SCALARS.get(annotation)
    if scalar is not None:
        out["kind"] = scalar
        return out
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        values = list(args)
        if values and all(_plain_scalar(v) for v in values):
            out["kind"] = "enum"
            out["choices"] = [{"label": str(v), "value": v, "encoded": v} for v in values]
        return out
    if annotation is list or origin is list:
        out["kind"] = "list"
        if args and (item := _scalar(args[0])) is not None:
            out["items"] = item
        return out
    if annotation is dict or (origin is dict and (not args or args[0] is str)):
        out["kind"] = "dict"
        if len(args) == 2 and (item := _scalar(args[1])) is not None:
            out["items"] = item
        return out
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        members = list(annotation)
        if 0 < len(members) <= MAX_CHOICES:
            try:
                choices = [_member(m, put) for m in members]
            except Exception:  # a member that cannot be pickled: not offered, never fatal
                return out
            out["kind"] = "enum"
            out["choices"] = choices
    return out


def _plain_scalar(value: Any) -> bool:
    if type(value) is float:
        return math.isfinite(value)
    return type(value) in (int, str, bool)


def _member(member: enum.Enum, put: PutBlob) -> dict[str, Any]:
    value = member.value if _plain_scalar(member.value) else repr(member.value)
    return {"label": member.name, "value": value, "encoded": encode_value(member, put)}
