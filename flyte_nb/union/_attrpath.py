"""Promise attribute paths: ``out.field``, ``out[0]``, ``out["key"]`` in a workflow body.

flytekit lets a workflow pass one field of a dataclass output, or one item of a list or
dict output, straight to the next task (``t2(a=f.a)``, ``t2(a=l[0])``). The promise keeps
the path and the value is read when the node that needs it runs.

Only paths the declared type allows are accepted (a dataclass or pydantic field, a
NamedTuple field, an ``int`` index into a list or tuple, a ``str`` key into a dict): on
anything else (an ``int`` output, an unknown type) the promise keeps refusing to be used as
a value, with the explanation of why, so a typo or a misunderstanding still fails at
definition rather than inside a run.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from ..exceptions import FlyteValidationException

__all__ = ["follow", "member_type", "render"]

Path = tuple[tuple[str, Any], ...]

_LISTS: frozenset[Any] = frozenset({list, typing.List, tuple, typing.Tuple})  # noqa: UP006
_DICTS: frozenset[Any] = frozenset({dict, typing.Dict})  # noqa: UP006


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _fields(tp: Any) -> dict[str, Any]:
    """The named fields of a dataclass, pydantic model or NamedTuple (else none)."""
    if not isinstance(tp, type):
        return {}
    try:
        hints = typing.get_type_hints(tp)
    except Exception:  # unresolvable annotations: fields still exist, types unknown
        hints = {}
    if dataclasses.is_dataclass(tp):
        return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(tp)}
    model_fields = getattr(tp, "model_fields", None)
    if isinstance(model_fields, dict):
        return {name: hints.get(name, Any) for name in model_fields}
    if issubclass(tp, tuple) and hasattr(tp, "_fields"):
        return {name: hints.get(name, Any) for name in tp._fields}
    return {}


def member_type(tp: Any, kind: str, key: Any) -> Any:
    """The type of ``tp``'s attribute (``kind`` "attr") or item ("item") ``key``, ``Any``
    where allowed but not known, or None where the declared type has no such member."""
    tp = _strip(tp)
    if tp is None or tp is Any:
        return None
    if kind == "attr":
        return _fields(tp).get(key) if isinstance(key, str) else None
    origin = typing.get_origin(tp) or tp
    args = typing.get_args(tp)
    if origin in _LISTS and isinstance(key, int) and not isinstance(key, bool):
        if origin in (tuple, typing.Tuple) and args and args[-1] is not Ellipsis:  # noqa: UP006
            return args[key] if -len(args) <= key < len(args) else None
        return args[0] if args else Any
    if origin in _DICTS and isinstance(key, str):
        return args[1] if len(args) == 2 else Any
    return None


def render(path: Path) -> str:
    return "".join(f".{key}" if kind == "attr" else f"[{key!r}]" for kind, key in path)


def follow(value: Any, path: Path, desc: str) -> Any:
    """Read ``path`` off ``value`` (when the node that needs it runs)."""
    for kind, key in path:
        try:
            value = getattr(value, key) if kind == "attr" else value[key]
        except (AttributeError, KeyError, IndexError, TypeError) as exc:
            raise FlyteValidationException(
                f"{desc}{render(path)}: could not read {render(((kind, key),))} of the value "
                f"({type(value).__qualname__}): {exc!r}"
            ) from None
    return value
