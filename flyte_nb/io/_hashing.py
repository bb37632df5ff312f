"""Flyte 2's ``HashFunction``: a user-chosen cache key for a file, folder or dataframe.

Our cache already keys files and tables by their content (the blob digest), so a hash
method never changes *whether* two values match; it only fills the value's ``hash``
attribute, which travels with the value to the next task, as Flyte 2 users expect to read
it there. A method is anything with ``update(data)`` and ``result()`` (Flyte 2's
``HashMethod`` protocol), so ``hashlib`` wrappers work as well as ``HashFunction``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class HashMethod(Protocol):
    def update(self, data: Any, /) -> None: ...

    def result(self) -> str: ...


class HashFunction:
    """A hash method built from one function: each ``update`` replaces the value with
    ``fn(data)`` (Flyte 2's semantics: the function sees the whole value, e.g. a
    DataFrame, not a running stream)."""

    def __init__(self, fn: Callable[[Any], str]) -> None:
        if not callable(fn):
            raise TypeError(
                f"HashFunction needs a function taking the data and returning a str, got {fn!r}"
            )
        self._fn = fn
        self._value: str | None = None

    @classmethod
    def from_fn(cls, fn: Callable[[Any], str]) -> HashFunction:
        return cls(fn)

    def update(self, data: Any, /) -> None:
        value = self._fn(data)
        if not isinstance(value, str):
            raise TypeError(
                f"HashFunction: {getattr(self._fn, '__name__', self._fn)!r} returned "
                f"{type(value).__qualname__}; a hash function must return a str"
            )
        self._value = value

    def result(self) -> str:
        if self._value is None:
            raise ValueError("HashFunction.result(): nothing was hashed yet; call update(data)")
        return self._value

    def reset(self) -> None:
        self._value = None

    def __repr__(self) -> str:
        return f"HashFunction({getattr(self._fn, '__name__', self._fn)!r})"


def check_hash_method(value: object, where: str) -> tuple[str | None, HashMethod | None]:
    """Flyte 2's ``hash_method`` argument: a precomputed key (str) or a method."""
    if value is None:
        return None, None
    if isinstance(value, str):
        if not value:
            raise ValueError(f"{where}(hash_method=...) must not be an empty string")
        return value, None
    if isinstance(value, HashMethod):
        return None, value
    raise TypeError(
        f"{where}(hash_method=...) must be a str (a precomputed key) or a HashFunction "
        f"(HashFunction.from_fn(fn)), got {type(value).__qualname__}"
    )


def hash_chunks(method: HashMethod, chunks: Iterable[bytes]) -> str:
    for chunk in chunks:
        method.update(chunk)
    return method.result()
