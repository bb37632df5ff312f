"""The typed signature of a task: named inputs with defaults, named outputs.

Design decisions:

* Inputs are ``name -> (type, default)`` with ``inspect.Parameter.empty`` meaning "required",
  the same sentinel ``inspect`` uses, so no second notion of "missing" leaks to callers.
* Outputs are always *named*: a plain return is ``o0``, a ``tuple[A, B]`` is ``o0, o1`` and a
  ``NamedTuple`` keeps its field names. Variadic ``tuple[int, ...]`` is one output (a list-like
  value), because its arity is unknown until run time.
* Every parameter must be annotated and named (no ``*args``/``**kwargs``): inputs are recorded,
  cached and shown by name and type, so a guess here would surface later as a confusing
  serialization error far from the user's code.
* ``convert_to_kwargs`` runs once per task call. It uses a name tuple and a defaults dict
  precomputed in ``__post_init__`` instead of ``inspect.Signature.bind`` (which is ~10x slower).
  The cache is rebuilt only on construction; treat ``inputs`` as read-only afterwards.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flyte_nb._annotations import is_namedtuple, type_name
from flyte_nb._annotations import outputs_from_annotation as _outputs_from_annotation
from flyte_nb.exceptions import FlyteTypeException, FlyteValidationException

__all__ = ["NativeInterface", "is_namedtuple", "type_name"]

_EMPTY: Any = inspect.Parameter.empty


class _Unset:
    """Default of ``return_annotation``: not ``inspect.Parameter.empty`` itself, which
    ``inspect.signature(NativeInterface)`` would read as "no default" and then fail."""

    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Any = _Unset()
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


@dataclass(repr=False)
class NativeInterface:
    """A task's Python-level signature, independent of how values are serialized."""

    inputs: dict[str, tuple[type, Any]]
    outputs: dict[str, type]
    docstring: str | None = None
    # Kept so output validation can compare what came back with what was declared
    # (e.g. a NamedTuple class), which the flattened ``outputs`` alone loses.
    return_annotation: Any = field(default=_UNSET, compare=False)
    _names: tuple[str, ...] = field(init=False, compare=False)
    _defaults: dict[str, Any] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if self.return_annotation is _UNSET:
            self.return_annotation = _EMPTY
        if not isinstance(self.inputs, dict):
            raise FlyteValidationException(
                f"NativeInterface inputs must be a dict of name -> (type, default), "
                f"got {type(self.inputs).__name__}"
            )
        if not isinstance(self.outputs, dict):
            raise FlyteValidationException(
                f"NativeInterface outputs must be a dict of name -> type, "
                f"got {type(self.outputs).__name__}"
            )
        for name, spec in self.inputs.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise FlyteValidationException(
                    f"NativeInterface input name {name!r} is not a valid Python identifier"
                )
            if not isinstance(spec, tuple) or len(spec) != 2:
                raise FlyteValidationException(
                    f"NativeInterface input {name!r} must be a (type, default) tuple, got "
                    f"{spec!r}; use inspect.Parameter.empty as the default for required inputs"
                )
        self._names = tuple(self.inputs)
        self._defaults = {n: d for n, (_, d) in self.inputs.items() if d is not _EMPTY}

    @classmethod
    def from_callable(cls, func: Callable[..., Any]) -> NativeInterface:
        """Read the interface off a (sync or async) function's annotations."""
        fname = getattr(func, "__name__", repr(func))
        try:
            hints = typing.get_type_hints(func, include_extras=True)
        except Exception as e:  # NameError for unresolvable forward references, mostly
            raise FlyteValidationException(
                f"Could not resolve the type annotations of function '{fname}': {e}. "
                "Make sure every annotated type is importable at module level."
            ) from e
        sig = inspect.signature(func)
        inputs: dict[str, tuple[type, Any]] = {}
        for pname, param in sig.parameters.items():
            if param.kind in _VARIADIC:
                star = "*" if param.kind is inspect.Parameter.VAR_POSITIONAL else "**"
                raise FlyteValidationException(
                    f"Function '{fname}' parameter '{star}{pname}' is variadic; tasks need "
                    f"named, annotated inputs, e.g. replace it with `{pname}: list[int]`"
                )
            if pname not in hints:
                raise FlyteValidationException(
                    f"Function '{fname}' parameter '{pname}' has no type annotation; "
                    f"annotate it, e.g. `{pname}: int`"
                )
            inputs[pname] = (hints[pname], param.default)
        ret = hints.get("return", _EMPTY)
        return cls(
            inputs=inputs,
            outputs=_outputs_from_annotation(ret),
            docstring=inspect.getdoc(func),
            return_annotation=ret,
        )

    @classmethod
    def from_types(
        cls,
        inputs: dict[str, Any],
        outputs: dict[str, type],
    ) -> NativeInterface:
        """Build an interface for tasks that have no Python function (containers, remotes).

        Input values may be a bare type (required) or a ``(type, default)`` pair.
        """
        normalized: dict[str, tuple[type, Any]] = {}
        for name, spec in inputs.items():
            if isinstance(spec, tuple) and len(spec) == 2:
                normalized[name] = (spec[0], spec[1])
            else:
                normalized[name] = (spec, _EMPTY)
        return cls(inputs=normalized, outputs=dict(outputs))

    def convert_to_kwargs(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Turn a call's ``(*args, **kwargs)`` into one ``name -> value`` dict in input order.

        Inputs are stored, cached and displayed by name, so positional calls are normalized
        here once instead of every consumer re-binding them.
        """
        __tracebackhide__ = True  # errors point at the caller, not this frame
        names = self._names
        n_args = len(args)
        if n_args > len(names):
            raise FlyteTypeException(
                f"Got {n_args} positional arguments but only {len(names)} inputs are "
                f"declared; expected inputs: {self._expected()}"
            )
        result = dict(zip(names, args, strict=False))
        if n_args == len(names) and not kwargs:
            return result
        consumed = 0
        missing: list[str] = []
        defaults = self._defaults
        for name in names[n_args:]:
            if name in kwargs:
                result[name] = kwargs[name]
                consumed += 1
            elif name in defaults:
                result[name] = defaults[name]
            else:
                missing.append(name)
        # Report a misspelled/duplicated keyword before the "missing" it usually causes.
        if consumed != len(kwargs):
            for key in kwargs:
                if key not in self.inputs:
                    raise FlyteTypeException(
                        f"Unexpected input '{key}'; expected inputs: {self._expected()}"
                    )
                if names.index(key) < n_args:
                    raise FlyteTypeException(
                        f"Input '{key}' was given both positionally and as a keyword; "
                        f"expected inputs: {self._expected()}"
                    )
        if missing:
            listed = ", ".join(f"'{m}'" for m in missing)
            raise FlyteTypeException(
                f"Missing required input {listed}; expected inputs: {self._expected()}"
            )
        return result

    def _expected(self) -> str:
        return self._signature_str() or "(none)"

    def _signature_str(self) -> str:
        parts = []
        for name, (tp, default) in self.inputs.items():
            text = f"{name}: {type_name(tp)}"
            if default is not _EMPTY:
                text += f" = {default!r}"
            parts.append(text)
        return ", ".join(parts)

    def get_input_types(self) -> dict[str, type]:
        """Input types without defaults: what type engines and UIs need."""
        return {name: tp for name, (tp, _) in self.inputs.items()}

    def has_outputs(self) -> bool:
        """``False`` lets callers skip output handling entirely for side-effect tasks."""
        return bool(self.outputs)

    def num_required_inputs(self) -> int:
        """How many inputs a caller must supply (the rest have defaults)."""
        return len(self._names) - len(self._defaults)

    def __repr__(self) -> str:
        outs = ", ".join(f"{n}: {type_name(t)}" for n, t in self.outputs.items())
        return f"({self._signature_str()}) -> ({outs})"
