"""``actor_cache``: compute something once per process (a model, a client) and reuse it.

On the backend an actor's replicas are long-lived worker processes, so a function decorated
with ``@actor_cache`` runs once per replica and argument set, and every later task on that
replica gets the stored result. In the kernel (local mode) the kernel is the process, so it
memoizes there until the kernel restarts.

Decisions:

* **The memo is keyed by the function's identity, not the function object.** A task shipped
  to a worker by value is unpickled again whenever its code bundle changes, and then the
  decorated helper is a new object; keying by ``(module, qualified name, bytecode hash)``
  keeps one memo for the same code, and a changed function body starts a fresh one.
* **The memo never travels.** Pickling a decorated function pickles only the function, so a
  model loaded in the kernel is not shipped to workers inside the task's bundle.
* **One computation per key.** Concurrent first calls (threads) wait for the first one;
  async functions are awaited once per key and their *result* is stored (caching the
  coroutine would fail on its second await). Arguments must be hashable, as for
  ``functools.cache``.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import threading
import types
from collections.abc import Callable, Hashable
from typing import Any

from ..exceptions import FlyteValidationException

__all__ = ["actor_cache"]

_memo: dict[tuple[str, str, str], dict[Hashable, Any]] = {}
_locks: dict[tuple[Any, ...], threading.Lock] = {}
_guard = threading.Lock()


def _code_digest(code: types.CodeType, h: Any) -> None:
    """Feed what defines ``code`` into ``h``: bytecode, names and constants, nested code too
    (``marshal`` would not do: its output depends on reference counts)."""
    h.update(code.co_code)
    h.update(
        repr(
            (
                code.co_name,
                code.co_names,
                code.co_varnames,
                code.co_freevars,
                code.co_argcount,
                code.co_kwonlyargcount,
            )
        ).encode()
    )
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_digest(const, h)
        else:
            h.update(repr(const).encode())


def _identity(func: Callable[..., Any]) -> tuple[str, str, str]:
    code = getattr(func, "__code__", None)
    body = ""
    if isinstance(code, types.CodeType):
        h = hashlib.sha256()
        _code_digest(code, h)
        body = h.hexdigest()
    module = getattr(func, "__module__", None) or "?"
    return module, getattr(func, "__qualname__", repr(func)), body


def _key(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
    key = (args, tuple(sorted(kwargs.items()))) if kwargs else args
    try:
        hash(key)
    except TypeError:
        raise TypeError(
            f"actor_cache: {name}() was called with an unhashable argument; cached functions "
            "take hashable arguments (str, int, tuple...), like functools.cache"
        ) from None
    return key


class _ActorCached:
    """The decorated function: call it like the original."""

    def __init__(self, func: Callable[..., Any]) -> None:
        functools.update_wrapper(self, func)
        self._func = func
        self._identity = _identity(func)
        self._is_async = inspect.iscoroutinefunction(func)

    def _store(self) -> dict[Hashable, Any]:
        with _guard:
            return _memo.setdefault(self._identity, {})

    def _lock(self, key: Hashable) -> threading.Lock:
        with _guard:
            return _locks.setdefault((self._identity, key), threading.Lock())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = _key(self._func.__name__, args, kwargs)
        store = self._store()
        if key in store:
            return _ready(store[key]) if self._is_async else store[key]
        if self._is_async:
            return self._call_async(store, key, args, kwargs)
        with self._lock(key):
            if key not in store:
                store[key] = self._func(*args, **kwargs)
            return store[key]

    async def _call_async(
        self, store: dict[Hashable, Any], key: Hashable, args: tuple[Any, ...], kwargs: Any
    ) -> Any:
        if key not in store:
            value = await self._func(*args, **kwargs)
            store.setdefault(key, value)
        return store[key]

    def cache_clear(self) -> None:
        """Forget every stored result of this function, in this process."""
        with _guard:
            _memo.pop(self._identity, None)

    def cache_size(self) -> int:
        """How many argument sets have a stored result in this process."""
        return len(_memo.get(self._identity, {}))

    def __reduce__(self) -> tuple[Any, ...]:
        return (actor_cache, (self._func,))

    def __repr__(self) -> str:
        return f"<actor_cache {self._identity[0]}.{self._identity[1]}>"


async def _ready(value: Any) -> Any:
    return value


def actor_cache(f: Callable[..., Any]) -> Callable[..., Any]:
    """Cache ``f``'s results between actor executions (once per process and argument set)."""
    if isinstance(f, _ActorCached):
        return f
    if not callable(f) or isinstance(f, type):
        raise FlyteValidationException(
            f"@actor_cache decorates a function, got {f!r}; put it above a `def`"
        )
    if inspect.isgeneratorfunction(f) or inspect.isasyncgenfunction(f):
        raise FlyteValidationException(
            f"@actor_cache cannot cache the generator function {f.__name__}: a generator is "
            "consumed once; return a list instead"
        )
    return _ActorCached(f)
