"""How deep task calls may nest, and the error past that: one rule for kernel and backend.

A task that calls itself without end (``async def t(n): return await t(n + 1)``) would, on
a backend, hold one worker process per level while it waits, so it is stopped at a fixed
depth instead: ``FLYTE_NB_MAX_DEPTH`` (default 64, the root being depth 0). The error names
the chain of tasks so the runaway call is plain to see, and it is non-recoverable: retrying
a parent would only nest as deep again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from ..errors import NonRecoverableError
from ..exceptions import FlyteValidationException

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "NestingTooDeepError",
    "chain_to",
    "max_depth",
    "nesting_error",
]

# action name -> (parent's name, task short name), or None for an unknown action
Lineage = Callable[[str], "tuple[str | None, str] | None"]

DEFAULT_MAX_DEPTH = 64
ENV = "FLYTE_NB_MAX_DEPTH"


class NestingTooDeepError(NonRecoverableError):
    """Task calls nested past ``FLYTE_NB_MAX_DEPTH``: usually a task that calls itself."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="NestingTooDeepError")


def max_depth() -> int:
    """The deepest a child action may be (the root is 0), from ``FLYTE_NB_MAX_DEPTH``."""
    raw = os.environ.get(ENV)
    if raw is None or raw == "":
        return DEFAULT_MAX_DEPTH
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise FlyteValidationException(
            f"{ENV}={raw!r}: must be a whole number >= 1 (the deepest a task call may nest; "
            f"default {DEFAULT_MAX_DEPTH})"
        )
    return value


def nesting_error(chain: Sequence[str], limit: int) -> NestingTooDeepError:
    """The error for calling ``chain[-1]`` below ``chain[:-1]``, past ``limit`` levels."""
    shown = list(chain)
    if len(shown) > 8:  # the repeating middle of a runaway recursion says nothing more
        shown = [*shown[:3], f"... {len(chain) - 6} more ...", *shown[-3:]]
    return NestingTooDeepError(
        f"task calls nest deeper than {limit} levels: {' -> '.join(shown)}. A task that calls "
        f"itself needs a base case; if the depth is intended, raise {ENV} (now {limit})"
    )


def chain_to(lineage: Lineage, name: str | None, limit: int | None = None) -> list[str]:
    """Task short names from the root down to action ``name`` (at most ``limit`` of them,
    the nearest ones, when given: enough to tell whether a depth is passed)."""
    chain: list[str] = []
    while name is not None and (limit is None or len(chain) < limit):
        found = lineage(name)
        if found is None:
            break
        name, short = found
        chain.append(short)
    return chain[::-1]
