"""Cache-version policies: how a task's code turns into the version part of its cache key."""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import inspect
import textwrap
import types
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from flyte_nb.exceptions import FlyteValidationException

__all__ = ["CachePolicy", "FunctionBodyPolicy", "VersionParameters"]


@dataclass(frozen=True)
class VersionParameters:
    """What a policy may look at; image and pod template matter on a backend, not locally."""

    func: Callable[..., Any]
    container_image: Any = None
    pod_template: Any = None
    pod_template_name: str | None = None


@runtime_checkable
class CachePolicy(Protocol):
    """Anything with ``get_version(salt, params) -> str``; a protocol so no base class is needed."""

    def get_version(self, salt: str, params: VersionParameters) -> str: ...


# Salt-independent digest per function object: the policy runs on every task call.
_MEMO: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def _code_target(func: Any) -> Any:
    """The plain function behind partials, bound methods and callable instances."""
    while isinstance(func, functools.partial):
        func = func.func
    func = inspect.unwrap(func)
    if isinstance(func, types.MethodType):
        func = func.__func__
    if not isinstance(func, types.FunctionType) and not hasattr(func, "__code__"):
        call = inspect.getattr_static(type(func), "__call__", None)
        if isinstance(call, types.FunctionType):
            return call
    return func


def _strip(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
    node.decorator_list = []
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        node.body = body[1:]
    return node


def _source_digest(func: Any) -> str | None:
    """Digest of the function's AST, or None when the source cannot be read or parsed."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    name = getattr(func, "__name__", None)
    target: ast.AST = tree  # lambdas: the whole statement they were written in
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            target = _strip(node)
            break
    dumped = ast.dump(target, annotate_fields=True, include_attributes=False)
    return "src:" + hashlib.sha256(dumped.encode("utf-8")).hexdigest()


def _feed_const(h: Any, value: object) -> None:
    """Hash a constant by value only: never ``repr`` of arbitrary objects (addresses leak)."""
    if isinstance(value, types.CodeType):
        h.update(b"code(")
        _feed_code(h, value)
        h.update(b")")
    elif isinstance(value, tuple):
        h.update(b"tuple(")
        for item in value:
            _feed_const(h, item)
        h.update(b")")
    elif isinstance(value, frozenset):
        # Set iteration order depends on PYTHONHASHSEED, so sort the members' digests.
        parts = []
        for item in value:
            sub = hashlib.sha256()
            _feed_const(sub, item)
            parts.append(sub.hexdigest())
        h.update(b"frozenset(" + ",".join(sorted(parts)).encode() + b")")
    elif (
        value is None
        or value is Ellipsis
        or isinstance(value, (str, bytes, int, float, complex, bool))
    ):
        h.update(type(value).__name__.encode() + b":" + repr(value).encode("utf-8") + b";")
    else:
        h.update(b"obj:" + type(value).__qualname__.encode() + b";")


def _feed_code(h: Any, code: types.CodeType) -> None:
    h.update(b"co_code:" + code.co_code)
    h.update(b"co_names:" + "\0".join(code.co_names).encode("utf-8"))
    h.update(b"co_consts:")
    for const in code.co_consts:
        _feed_const(h, const)


def _code_digest(func: Any) -> str:
    code = getattr(func, "__code__", None)
    if not isinstance(code, types.CodeType):
        raise FlyteValidationException(
            f"Cannot compute a cache version for {func!r}: its source is unavailable and it has "
            'no code object. Give the cache an explicit version, e.g. Cache(version="1").'
        )
    h = hashlib.sha256()
    _feed_code(h, code)
    return "code:" + h.hexdigest()


def function_digest(func: Callable[..., Any]) -> str:
    """Salt-free digest of ``func``'s code, memoized per function object."""
    target = _code_target(func)
    try:
        cached = _MEMO.get(target)
    except TypeError:  # not weak-referenceable
        cached = None
    if cached is not None:
        return cached
    digest = _source_digest(target) or _code_digest(target)
    with contextlib.suppress(TypeError):  # not weak-referenceable: just not memoized
        _MEMO[target] = digest
    return digest


@dataclass(frozen=True)
class FunctionBodyPolicy:
    """Default policy: the version follows the function's code, not its formatting.

    The AST (decorators and docstring dropped) is hashed, so comments, blank lines, docstring
    and decorator edits keep the cache, while any change to what the body does invalidates it.
    Without source (``exec``'d or cloudpickled functions) the code object is hashed instead,
    which is still stable across processes but does change with the docstring. Both digests
    depend on the Python version (AST layout and bytecode differ between releases).
    """

    def get_version(self, salt: str, params: VersionParameters) -> str:
        func = params.func
        if func is None or not callable(func):
            raise FlyteValidationException(
                f"FunctionBodyPolicy needs VersionParameters(func=<the task function>), "
                f"got func={func!r}"
            )
        digest = function_digest(func)
        return hashlib.sha256(f"{salt}\0{digest}".encode()).hexdigest()
