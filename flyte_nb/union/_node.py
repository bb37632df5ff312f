"""``create_node(entity, **inputs)``: a workflow node as an object, flytekit style.

In a ``@workflow`` or ``@dynamic`` body it adds the node (exactly as calling the entity
would) and returns a ``NodeHandle``: outputs as attributes (``.o0``, named outputs) and in
``.outputs``, ordering with ``runs_before`` / ``>>`` (also against promises), and
``with_overrides``. Outside a graph body (a plain call in a running task, or at the top
level) it runs the entity and returns its outputs as a named tuple, so ``.o0`` still works,
as flytekit's local execution does.
"""

from __future__ import annotations

import collections
from typing import Any

from ..exceptions import FlyteValidationException
from ..tasks import TaskTemplate
from ._promise import Node, PromiseTuple, current_compiler, node_of

__all__ = ["NodeHandle", "create_node"]


class NodeHandle:
    """A node of the graph being built; see the module docstring."""

    def __init__(self, node: Node, outputs: dict[str, Any]) -> None:
        self.graph_node = node
        self.outputs = outputs
        for name, promise in outputs.items():
            if name in _RESERVED:
                raise FlyteValidationException(
                    f"create_node: output {name!r} of '{node.label}' clashes with a node "
                    "attribute; read it as node.outputs[{name!r}]"
                )
            setattr(self, name, promise)

    @property
    def id(self) -> str:
        return self.graph_node.id

    @property
    def name(self) -> str:
        return self.graph_node.id

    def runs_before(self, other: Any) -> None:
        """``other`` starts only after this node succeeded (same as ``self >> other``)."""
        downstream = node_of(other)
        if self.graph_node not in downstream.upstream:
            downstream.upstream.append(self.graph_node)

    def __rshift__(self, other: Any) -> Any:
        self.runs_before(other)
        return other

    def with_overrides(self, **overrides: Any) -> NodeHandle:
        from ._overrides import apply_overrides

        apply_overrides(self.graph_node, overrides)
        return self

    def __repr__(self) -> str:
        return f"<node {self.graph_node.id} ({self.graph_node.label})>"


_RESERVED = frozenset(dir(NodeHandle)) | {"graph_node", "outputs"}


def create_node(entity: Any, *args: Any, **kwargs: Any) -> Any:
    """Add ``entity(**kwargs)`` as a node and return it (see the module docstring)."""
    if args:
        raise FlyteValidationException(
            f"create_node takes the inputs by name only, got {len(args)} positional; "
            "e.g. create_node(t1, a=1)"
        )
    if not isinstance(entity, TaskTemplate) and not (
        hasattr(entity, "_output_names") and hasattr(entity, "input_types")
    ):
        raise FlyteValidationException(
            f"create_node needs a task, workflow, launch plan or map task, got {entity!r}"
        )
    compiler = current_compiler()
    if compiler is None:
        return _run_now(entity, kwargs)
    result = entity(**kwargs)
    node = node_of(result)
    names = node.output_names
    if not names:
        return NodeHandle(node, {})
    if isinstance(result, PromiseTuple) or len(names) > 1:
        return NodeHandle(node, dict(zip(names, result, strict=True)))
    return NodeHandle(node, {names[0]: result})


def _run_now(entity: Any, kwargs: dict[str, Any]) -> Any:
    names = tuple(entity._output_names)
    result = entity(**kwargs)
    if not names:
        return result
    if isinstance(result, tuple) and len(names) > 1:
        if hasattr(result, "_fields"):
            return result
        return collections.namedtuple("Outputs", names)(*result)
    return collections.namedtuple("Outputs", names)(result)
