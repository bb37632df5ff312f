"""Promises and the compile context: what a ``@workflow`` body handles instead of values.

A workflow body runs once, to *describe* a graph. Each task call in it records a ``Node``
(the entity, its bound inputs, ordering edges, the conditional case it sits in) and gives
back a ``Promise`` for the node's output. Promises carry no value, so every way of using
one as a value (``if p:``, ``range(p)``, ``int(p)``, ``len(p)``, iterating) raises a
``FlyteValidationException`` that says why and what to do instead. Comparisons build
``Expression`` objects that ``conditional`` evaluates when the workflow runs.

Multi-output nodes give a ``PromiseTuple``: a real tuple of promises (so ``x, y = t()``
unpacks) that also answers its output names as attributes (``out.named1``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import FlyteTypeException, FlyteValidationException
from ..tasks._template import compiling

__all__ = [
    "Compiler",
    "Expression",
    "Node",
    "Promise",
    "PromiseTuple",
    "current_compiler",
]

_compiler = compiling  # shared with every TaskTemplate (tasks/_template.py)


def current_compiler() -> Compiler | None:
    return _compiler.get()


@dataclass(eq=False)
class Node:
    """One node of a compiled workflow: ``kind`` is "call" (a task, workflow or map task)
    or "branch" (a conditional, whose ``entity`` is the list of its cases)."""

    id: str
    kind: str
    entity: Any
    inputs: dict[str, Any]
    output_names: tuple[str, ...]
    gate: tuple[Any, int] | None  # (the conditional's builder, case index) it runs under
    upstream: list[Node] = field(default_factory=list)

    @property
    def label(self) -> str:
        return getattr(self.entity, "name", "conditional") if self.kind == "call" else "branch"


def _misuse(what: str, desc: str) -> FlyteValidationException:
    return FlyteValidationException(
        f"{desc} was used as a plain value ({what}) inside a @workflow body. A workflow body "
        "runs once, at definition, to build a graph: task outputs there are promises, not "
        "values. Do the computation in a @task that takes the promise as an input, or "
        "branch with conditional(...).if_(...)"
    )


class _Unusable:
    """Every use as a plain value raises an explanation instead of a confusing TypeError."""

    def _desc(self) -> str:
        raise NotImplementedError

    def __bool__(self) -> bool:
        raise _misuse("truth test, `if`/`and`/`or`", self._desc())

    def __iter__(self) -> Iterator[Any]:
        raise _misuse("iteration", self._desc())

    def __len__(self) -> int:
        raise _misuse("len()", self._desc())

    def __index__(self) -> int:
        raise _misuse("range() or indexing", self._desc())

    def __int__(self) -> int:
        raise _misuse("int()", self._desc())

    def __float__(self) -> float:
        raise _misuse("float()", self._desc())

    def __contains__(self, item: object) -> bool:
        raise _misuse("`in`", self._desc())

    def __getitem__(self, item: object) -> Any:
        raise _misuse("subscript", self._desc())

    def __add__(self, other: object) -> Any:
        raise _misuse("arithmetic", self._desc())

    __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __add__
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = __add__
    __matmul__ = __divmod__ = __lshift__ = __xor__ = __add__

    def __neg__(self) -> Any:
        raise _misuse("arithmetic", self._desc())

    __pos__ = __abs__ = __invert__ = __round__ = __floor__ = __ceil__ = __trunc__ = __neg__


class Promise(_Unusable):
    """A node output (``node``, ``output``) or a workflow input (``input``), or a node with
    no outputs (``output`` None), only good for ordering with ``>>``."""

    __slots__ = ("input", "node", "output", "path", "type")
    __hash__ = object.__hash__

    def __init__(
        self,
        node: Node | None = None,
        output: str | None = None,
        input: str | None = None,
        *,
        type: Any = None,
        path: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        self.node = node
        self.output = output
        self.input = input
        self.type = type  # the declared type (of the member, with a path), None if unknown
        self.path = path  # flytekit's attribute path: ``out.field``, ``out[0]`` (_attrpath)

    def _desc(self) -> str:
        from ._attrpath import render

        if self.input is not None:
            return f"Workflow input '{self.input}'{render(self.path)}"
        assert self.node is not None
        return f"The output of node {self.node.id} ({self.node.label}){render(self.path)}"

    def __repr__(self) -> str:
        from ._attrpath import render

        if self.input is not None:
            return f"Promise(input={self.input!r}){render(self.path)}"
        assert self.node is not None
        return f"Promise({self.node.id}.{self.output or '<no output>'}){render(self.path)}"

    def _member(self, kind: str, key: Any, what: str) -> Promise:
        from ._attrpath import member_type

        member = member_type(self.type, kind, key)
        if member is None:
            raise _misuse(what, self._desc())
        path = (*self.path, (kind, key))
        return Promise(self.node, self.output, self.input, type=member, path=path)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._member("attr", name, f"attribute `.{name}`")

    def __getitem__(self, key: object) -> Any:
        return self._member("item", key, "subscript")

    def __rshift__(self, other: Any) -> Any:
        return order(self, other)

    def with_overrides(self, *args: Any, **overrides: Any) -> Promise:
        """Change the settings of the node this promise comes from (see ``_overrides``)."""
        return _override(self, args, overrides)

    # -- conditions --------------------------------------------------------------------
    def __eq__(self, other: object) -> Expression:  # type: ignore[override]
        return Expression(operator.eq, "==", self, other)

    def __ne__(self, other: object) -> Expression:  # type: ignore[override]
        return Expression(operator.ne, "!=", self, other)

    def __lt__(self, other: object) -> Expression:
        return Expression(operator.lt, "<", self, other)

    def __le__(self, other: object) -> Expression:
        return Expression(operator.le, "<=", self, other)

    def __gt__(self, other: object) -> Expression:
        return Expression(operator.gt, ">", self, other)

    def __ge__(self, other: object) -> Expression:
        return Expression(operator.ge, ">=", self, other)

    def is_true(self) -> Expression:
        return Expression(lambda v, _: v is True, "is True", self, None)

    def is_false(self) -> Expression:
        return Expression(lambda v, _: v is False, "is False", self, None)

    def is_none(self) -> Expression:
        return Expression(lambda v, _: v is None, "is None", self, None)


class PromiseTuple(tuple[Any, ...]):
    """The promises of a multi-output node: unpack it, index it, or use ``.<output name>``."""

    _node: Node

    def __new__(cls, node: Node, promises: list[Promise]) -> PromiseTuple:
        self = super().__new__(cls, promises)
        self._node = node
        return self

    def __getattribute__(self, name: str) -> Any:
        # Output names win over tuple methods: a NamedTuple output may well have a field
        # called ``count`` or ``index`` (``__getattr__`` alone would never see those).
        if not name.startswith("_"):
            names = object.__getattribute__(self, "_node").output_names
            if name in names:
                return self[names.index(name)]
        return super().__getattribute__(name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        names = self._node.output_names
        if name in names:
            return self[names.index(name)]
        raise FlyteValidationException(
            f"Node {self._node.id} ({self._node.label}) has no output '{name}'; "
            f"its outputs are {list(names)}"
        )

    def __rshift__(self, other: Any) -> Any:
        return order(self, other)

    def with_overrides(self, *args: Any, **overrides: Any) -> PromiseTuple:
        """Change the settings of the node these promises come from (see ``_overrides``)."""
        return _override(self, args, overrides)


def _override(value: Any, args: tuple[Any, ...], overrides: dict[str, Any]) -> Any:
    from ._overrides import apply_overrides

    if args:
        raise FlyteValidationException("with_overrides takes settings by name, e.g. retries=3")
    if isinstance(value, Promise) and value.node is None:
        raise FlyteValidationException(
            f"with_overrides: {value._desc()} is a workflow input, not a task call"
        )
    apply_overrides(node_of(value), overrides)
    return value


def node_of(value: Any) -> Node:
    if isinstance(value, PromiseTuple):
        return value._node
    # create_node's NodeHandle (a Promise answers every attribute with an error, so skip it)
    handle = None if isinstance(value, Promise) else getattr(value, "graph_node", None)
    if isinstance(handle, Node):
        return handle
    if isinstance(value, Promise) and value.node is not None:
        return value.node
    raise FlyteValidationException(
        f"`a >> b` orders two task or workflow calls of a @workflow body; got {value!r}"
    )


def order(first: Any, second: Any) -> Any:
    """``first >> second``: ``second``'s node runs only after ``first``'s succeeded."""
    node_of(second).upstream.append(node_of(first))
    return second


class Expression:
    """A condition over promises and constants, evaluated when the workflow runs."""

    __slots__ = ("left", "op", "right", "symbol")

    def __init__(self, op: Callable[[Any, Any], bool], symbol: str, left: Any, right: Any) -> None:
        self.op = op
        self.symbol = symbol
        self.left = left
        self.right = right

    def __and__(self, other: Expression) -> Expression:
        return Expression(lambda a, b: a and b, "&", self, _expr(other))

    def __or__(self, other: Expression) -> Expression:
        return Expression(lambda a, b: a or b, "|", self, _expr(other))

    def __bool__(self) -> bool:
        raise FlyteValidationException(
            f"The condition {self!r} has no value while a @workflow body is being built: "
            "combine conditions with & and | (not and/or) and pass them to "
            "conditional(...).if_(...)"
        )

    def evaluate(self, resolve: Callable[[Any], Any]) -> bool:
        left = self.left.evaluate(resolve) if isinstance(self.left, Expression) else None
        right = self.right.evaluate(resolve) if isinstance(self.right, Expression) else None
        if self.symbol in ("&", "|"):
            return bool(self.op(left, right))
        return bool(self.op(resolve(self.left), resolve(self.right)))

    def promises(self) -> list[Any]:
        out: list[Any] = []
        for side in (self.left, self.right):
            out.extend(side.promises() if isinstance(side, Expression) else [side])
        return out

    def __repr__(self) -> str:
        if self.right is None and self.symbol.startswith("is"):
            return f"({self.left!r} {self.symbol})"
        return f"({self.left!r} {self.symbol} {self.right!r})"


def _expr(value: object) -> Expression:
    if isinstance(value, Expression):
        return value
    raise FlyteValidationException(
        f"& and | combine conditions (comparisons of promises), got {value!r}"
    )


class Compiler:
    """The graph a workflow body is building; current while the body runs."""

    def __init__(self, workflow_name: str) -> None:
        self.workflow_name = workflow_name
        self.nodes: list[Node] = []
        self.gate: tuple[Any, int] | None = None  # the conditional case being filled
        self.sections: list[Any] = []  # every conditional started, to check they all end
        self.input_types: dict[str, Any] = {}  # the workflow's, to check what they feed

    def __enter__(self) -> Compiler:
        self._token = _compiler.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _compiler.reset(self._token)

    def add_node(
        self, kind: str, entity: Any, inputs: dict[str, Any], output_names: tuple[str, ...]
    ) -> Node:
        node = Node(f"n{len(self.nodes)}", kind, entity, inputs, output_names, self.gate)
        self.nodes.append(node)
        return node

    def add_call(self, entity: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Record ``entity(*args, **kwargs)`` as a node; return its output promise(s)."""
        inputs = bind_inputs(entity, args, kwargs)
        check_bindings(self, entity, inputs)
        node = self.add_node("call", entity, inputs, tuple(entity._output_names))
        return outputs_of(node, multi=entity._multi_output)


def outputs_of(node: Node, *, multi: bool) -> Any:
    names = node.output_names
    if not names:
        return Promise(node, None)
    outputs = getattr(getattr(node.entity, "interface", None), "outputs", None)
    types = outputs if isinstance(outputs, dict) and node.kind == "call" else {}
    promises = [Promise(node, n, type=types.get(n)) for n in names]
    return PromiseTuple(node, promises) if multi else promises[0]


def contains_promise(value: Any) -> bool:
    if isinstance(value, Promise):
        return True
    if isinstance(value, (list, tuple)):
        return any(contains_promise(v) for v in value)
    if isinstance(value, dict):
        return any(contains_promise(v) for v in value.values())
    return False


def bind_inputs(entity: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Name the inputs of a call in a workflow body; check the constant ones now."""
    from ..types import check_input

    names = list(entity.input_types)
    if len(args) > len(names):
        raise FlyteValidationException(
            f"'{entity.name}' takes {len(names)} input(s) {names}, got {len(args)} positional"
        )
    bound = dict(zip(names, args, strict=False))
    for key, value in kwargs.items():
        if key not in entity.input_types:
            raise FlyteValidationException(
                f"'{entity.name}' has no input '{key}'; its inputs are {names}"
            )
        if key in bound:
            raise FlyteValidationException(f"'{entity.name}' got input '{key}' twice")
        bound[key] = value
    for key, (_, default) in entity.interface.inputs.items():
        if key not in bound and default is _empty():
            raise FlyteValidationException(
                f"'{entity.name}' is missing input '{key}' in the workflow body; pass it "
                f"as {key}=..."
            )
    for key, value in bound.items():
        if not contains_promise(value):
            check_input(entity.name, key, entity.input_types[key], value)
    return bound


def check_bindings(compiler: Compiler, entity: Any, inputs: dict[str, Any]) -> None:
    """Refuse, while the body compiles, what could only fail when the workflow runs: the
    "output" of a node that has none, and an output whose type cannot be the input's."""
    from ._typecheck import castable, source_type

    for key, value in inputs.items():
        for promise in _promises_in(value):
            if promise.node is not None and promise.output is None:
                raise FlyteValidationException(
                    f"'{entity.name}' input '{key}' is given the result of node "
                    f"{promise.node.id} ({promise.node.label}), which has no outputs; pass "
                    f"a value, or order the two calls with `a >> b` instead"
                )
        if not isinstance(value, Promise):
            continue
        upstream = source_type(compiler, value)
        downstream = entity.input_types.get(key)
        if upstream is None or downstream is None or castable(upstream, downstream):
            continue
        from ..models._interface import type_name

        raise FlyteTypeException(
            f"'{entity.name}' input '{key}' expects {type_name(downstream)}, but "
            f"{_lower_first(value._desc())} is {type_name(upstream)}; make the types match (a "
            "task in between can convert the value)"
        )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _promises_in(value: Any) -> Iterator[Promise]:
    if isinstance(value, Promise):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _promises_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _promises_in(v)


def _empty() -> Any:
    import inspect

    return inspect.Parameter.empty
