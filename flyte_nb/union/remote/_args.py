"""How every ``UnionRemote`` method checks its arguments, and words what is wrong.

Arguments are checked against one table of rules (``RULES``), so every method words its
errors the same way: ``UnionRemote.<method>: <parameter> must be <what>, got <value>``.
``None`` means "not given" everywhere (the seed's defaults), so a rule only sees values the
caller passed; ``required`` is for parameters the seed makes optional in its signature but
that a call cannot do without.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from ...exceptions import FlyteValidationException

__all__ = [
    "MAX_LIMIT",
    "RULES",
    "EntityNotSupportedError",
    "arg",
    "invalid",
    "no_filters",
    "required",
]

MAX_LIMIT = 1000
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_SCOPE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def _str_map(v: Any) -> bool:
    return isinstance(v, Mapping) and all(
        isinstance(k, str) and k and isinstance(x, str) for k, x in v.items()
    )


RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "scope": (
        lambda v: isinstance(v, str) and bool(_SCOPE.match(v)),
        "lowercase letters, digits, '-' or '_' (e.g. 'default')",
    ),
    "run": (
        lambda v: isinstance(v, str) and bool(_NAME.match(v)),
        "a run name: 1-63 lowercase letters, digits or '-' (e.g. 'train-1')",
    ),
    "str": (lambda v: isinstance(v, str) and bool(v.strip()), "a non-empty str"),
    "bool": (lambda v: isinstance(v, bool), "True or False"),
    "limit": (lambda v: type(v) is int and 1 <= v <= MAX_LIMIT, f"an int from 1 to {MAX_LIMIT}"),
    "seconds": (
        lambda v: isinstance(v, datetime.timedelta) or (type(v) in (int, float) and v > 0),
        "seconds > 0 (int, float or timedelta)",
    ),
    "url": (
        lambda v: isinstance(v, str) and v.startswith(("http://", "https://")),
        "an http(s):// URL",
    ),
    "path": (lambda v: isinstance(v, str | os.PathLike), "a path (str or pathlib.Path)"),
    "inputs": (
        lambda v: isinstance(v, Mapping) and all(isinstance(k, str) for k in v),
        "a dict of input name to value (e.g. {'x': 3})",
    ),
    "envs": (_str_map, "a dict of str to str"),
}


class EntityNotSupportedError(FlyteValidationException, NotImplementedError):
    """``execute`` got something other than a task (a workflow or launch plan, say)."""


def invalid(method: str, message: str) -> FlyteValidationException:
    return FlyteValidationException(f"UnionRemote.{method}: {message}")


def arg(method: str, param: str, value: Any, rule: str, default: Any = None) -> Any:
    """``value`` checked against ``RULES[rule]``; ``None`` gives ``default``."""
    if value is None:
        return default
    check, hint = RULES[rule]
    if not check(value):
        raise invalid(method, f"{param} must be {hint}, got {value!r}")
    return value


def required(method: str, param: str, value: Any, rule: str, example: str) -> Any:
    if value is None:
        raise invalid(method, f"{param} is required, e.g. {example}")
    return arg(method, param, value, rule)


def no_filters(method: str, **given: Any) -> None:
    for param, value in given.items():
        if value is not None:
            raise invalid(
                method,
                f"{param} takes flytekit filter models, which flyte_nb does not have; filter "
                "by project/domain or use fl.remote.Run.listall()",
            )
