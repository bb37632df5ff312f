"""Naming the captured value behind a failed or oversized pickle.

Design decision: pickling the whole task is one call and, when it works and fits, nothing
here runs. Only when it fails, or the bundle is over the limit, is each capture pickled on
its own, so the error can name the variable, its type and the task instead of pickle's bare
``cannot pickle '_thread.lock' object`` (which names neither the variable nor the task), or
list which globals make a bundle big. Callers run these inside ``pickled_by_value`` so each
value pickles exactly as it would inside the bundle.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from ._capture import CODE_LIKE, Capture, dumps


def _pickle_error(value: Any) -> BaseException | None:
    try:
        dumps(value)
    except Exception as exc:  # anything pickle can raise: TypeError, PicklingError, ...
        return exc
    return None


def _inner_culprit(value: Any, path: str, depth: int) -> tuple[str, Any]:
    """Narrow a failing container or object down to the part that fails (``['lock']``)."""
    if depth <= 0:
        return path, value
    items: Iterable[tuple[str, Any]]
    if isinstance(value, dict):
        items = ((f"{path}[{k!r}]", v) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    elif hasattr(value, "__dict__") and not isinstance(value, CODE_LIKE):
        items = ((f"{path}.{k}", v) for k, v in vars(value).items())
    else:
        return path, value
    for sub_path, item in list(items)[:1000]:
        if _pickle_error(item) is not None:
            return _inner_culprit(item, sub_path, depth - 1)
    return path, value


def find_unpicklable(captures: list[Capture]) -> tuple[Capture, str, Any, BaseException] | None:
    """The capture that cannot be pickled, with the path to the failing part inside it.

    Plain values are tried before functions, classes and tasks: a function fails *because*
    of what it captures, and naming that value is what tells the user what to move.
    """
    ordered = sorted(captures, key=lambda c: isinstance(c.value, CODE_LIKE))
    for cap in ordered:
        error = _pickle_error(cap.value)
        if error is not None:
            path, part = _inner_culprit(cap.value, "", 4)
            return cap, path, part, error
    return None


def capture_sizes(captures: list[Capture]) -> list[tuple[Capture, int]]:
    """Pickled size of each captured value, biggest first (code-like values are skipped:
    their weight is the weight of their own captures, listed separately)."""
    sizes: list[tuple[Capture, int]] = []
    seen: set[int] = set()
    for cap in captures:
        if isinstance(cap.value, CODE_LIKE) or id(cap.value) in seen:
            continue
        seen.add(id(cap.value))
        with suppress(Exception):
            sizes.append((cap, len(dumps(cap.value))))
    sizes.sort(key=lambda item: item[1], reverse=True)
    return sizes
