"""flytekit's ``Echo``: a task whose outputs are its inputs (a no-op node, e.g. a branch).

flytekit runs it without a container (the propeller's echo plugin); here it is an ordinary
task whose body hands its inputs back, so it is recorded as an action like any other. Its
name is ``<module environment>.<name>``, like ``@task`` names.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Mapping
from typing import Any

from ..exceptions import FlyteValidationException
from ._task import UnionTask, default_environment, rename

__all__ = ["Echo"]


def _echo_function(name: str, inputs: Mapping[str, Any]) -> Any:
    names = list(inputs)

    def echo(**values: Any) -> Any:
        out = [values[n] for n in names]
        return out[0] if len(out) == 1 else tuple(out)

    params = [
        inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=t)
        for n, t in inputs.items()
    ]
    types = list(inputs.values())
    returns: Any = None
    if len(types) == 1:
        returns = types[0]
    elif types:
        returns = tuple.__class_getitem__(tuple(types))
    echo.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
    echo.__annotations__ = {**dict(inputs), "return": returns}
    echo.__name__ = echo.__qualname__ = name
    return echo


class Echo(UnionTask):
    """``Echo(name="noop", inputs={"radius": float})``: outputs o0, o1... equal the inputs."""

    def __init__(self, name: str, inputs: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise FlyteValidationException(
                f"Echo(name={name!r}): the name must be a Python identifier, e.g. 'noop'"
            )
        if inputs is not None and not (
            isinstance(inputs, Mapping) and all(isinstance(k, str) for k in inputs)
        ):
            raise FlyteValidationException(
                f"Echo '{name}': inputs must be a dict of name -> type, e.g. {{'a': int}}"
            )
        if kwargs:
            raise FlyteValidationException(f"Echo '{name}' got unknown setting(s) {sorted(kwargs)}")
        module = sys._getframe(1).f_globals.get("__name__")
        env = default_environment(module)
        func = _echo_function(name, dict(inputs or {}))
        func.__module__ = module or "__main__"
        super().__init__(func, env)
        self.union_settings = {}
        rename(self, f"{env.name}.{name}")
