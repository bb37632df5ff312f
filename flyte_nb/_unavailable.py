"""Marking seed APIs that only a hosted Union/Flyte service gives meaning to.

Such a method keeps the seed's signature, so code that merely refers to it imports and
type-checks, and raises ``NotAvailableHereError`` when called, saying why and what to use
instead. The marker attribute lets ``tests/test_seeds_surface.py`` count these items apart
from the ones that behave as the seed says.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from .exceptions import NotAvailableHereError

__all__ = ["not_available_here"]

_F = TypeVar("_F", bound=Callable[..., Any])


def not_available_here(why: str, instead: str) -> Callable[[_F], _F]:
    def decorate(fn: _F) -> _F:
        @functools.wraps(fn)
        def raiser(*args: Any, **kwargs: Any) -> Any:
            raise NotAvailableHereError(f"{fn.__qualname__}: {why}. Instead: {instead}")

        raiser.__flyte_nb_unavailable__ = True  # type: ignore[attr-defined]
        return raiser  # type: ignore[return-value]

    return decorate
