"""Running a compiled workflow graph inside the workflow's own action.

Each node becomes one asyncio task that awaits what it needs (its input promises, its
``>>`` predecessors, the decision of the conditional it sits in), then calls its entity
with ``await entity.aio(**inputs)``. Inside a running action that call is a child action
of the workflow's action, so every node is recorded, cached and retried by the engine
that already exists, locally and on a backend worker, with no workflow-specific engine.
Independent nodes therefore run concurrently, and a node starts as soon as its own
inputs are ready (no waves).

Failure policies: ``FAIL_IMMEDIATELY`` cancels the running nodes at the first failure;
``FAIL_AFTER_EXECUTABLE_NODES_COMPLETE`` lets every node that does not depend on a failed
one finish. Either way the first node failure (in time) is raised, as its own exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ..engine._action_spec import given_hashes
from ..engine._context import node_scope, reset_node
from ..exceptions import FlyteNbException, FlyteValidationException
from ._condition import ConditionalSection, case_values
from ._metadata import output_hashers
from ._promise import Expression, Node, Promise, PromiseTuple

__all__ = ["ConditionFailedError", "NodeFailure", "execute_graph"]

_SKIPPED: Any = object()


class ConditionFailedError(FlyteNbException, ValueError, RuntimeError):
    """A conditional chose a case written as ``.fail("message")``. A ``ValueError``, as
    flytekit's is (code catches that), and a ``RuntimeError``, as it was here first."""


class NodeFailure(Exception):
    """Internal: the first failed node and its exception (the workflow re-raises ``error``)."""

    def __init__(self, node: Node, error: BaseException) -> None:
        super().__init__(str(error))
        self.node = node
        self.error = error


class _UpstreamFailed(Exception):
    """A node did not run because something it needs failed."""


class _Execution:
    def __init__(self, nodes: Sequence[Node], inputs: dict[str, Any], workflow: str) -> None:
        self.nodes = nodes
        self.inputs = inputs
        self.workflow = workflow
        self.failures: list[NodeFailure] = []
        loop = asyncio.get_running_loop()
        self.decisions: dict[int, asyncio.Future[int]] = {
            id(n.entity): loop.create_future() for n in nodes if n.kind == "branch"
        }
        self.tasks: dict[int, asyncio.Future[Any]] = {}

    # -- values ----------------------------------------------------------------------
    async def _node_result(self, node: Node) -> Any:
        try:
            return await self.tasks[id(node)]
        except asyncio.CancelledError:
            raise
        except BaseException:
            raise _UpstreamFailed() from None

    async def value(self, promise: Promise) -> Any:
        value = await self._value(promise)
        if promise.path:
            from ._attrpath import follow

            value = follow(value, promise.path, f"Workflow '{self.workflow}': {promise!r}")
        return value

    async def _value(self, promise: Promise) -> Any:
        if promise.input is not None:
            return self.inputs[promise.input]
        assert promise.node is not None
        result = await self._node_result(promise.node)
        if result is _SKIPPED:
            raise FlyteValidationException(
                f"Workflow '{self.workflow}' uses the output of node {promise.node.id} "
                f"({promise.node.label}), which sits in a conditional case that was not "
                "chosen; use the conditional's own output instead"
            )
        if promise.output is None:
            raise FlyteValidationException(
                f"Node {promise.node.id} ({promise.node.label}) has no outputs; it can only "
                "order other nodes with >>"
            )
        return result[promise.output]

    async def resolve(self, value: Any) -> Any:
        """``value`` with every promise in it (nested in lists, tuples, dicts) replaced."""
        if isinstance(value, Promise):
            return await self.value(value)
        if isinstance(value, PromiseTuple):
            return tuple([await self.resolve(v) for v in value])
        if isinstance(value, list):
            return [await self.resolve(v) for v in value]
        if isinstance(value, tuple):
            return tuple([await self.resolve(v) for v in value])
        if isinstance(value, dict):
            return {k: await self.resolve(v) for k, v in value.items()}
        return value

    # -- nodes -------------------------------------------------------------------------
    async def run_node(self, node: Node) -> Any:
        if node.gate is not None:
            section, index = node.gate
            if await self.decisions[id(section)] != index:
                if node.kind == "branch":
                    self.decisions[id(node.entity)].set_result(-1)
                return _SKIPPED
        if node.kind == "branch":
            try:
                return await self._run_branch(node)
            finally:
                decision = self.decisions[id(node.entity)]
                if not decision.done():
                    decision.set_result(-1)
        for up in node.upstream:
            await self._node_result(up)
        inputs = {k: await self.resolve(v) for k, v in node.inputs.items()}
        hashed = _given_hashes(node, inputs)
        token = given_hashes.set((node.entity, hashed)) if hashed else None
        node_token = node_scope(node.id)  # this task's calls are this node's actions
        try:
            result = await node.entity.aio(**inputs)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.failures.append(NodeFailure(node, exc))
            raise
        finally:
            reset_node(node_token)
            if token is not None:
                given_hashes.reset(token)
        return node.entity.pack_outputs(result)

    async def _run_branch(self, node: Node) -> Any:
        section: ConditionalSection = node.entity
        for index, case in enumerate(section.cases):
            if case.condition is not None and not await self._evaluate(case.condition):
                continue
            self.decisions[id(section)].set_result(index)
            if case.fail is not None:
                exc = ConditionFailedError(
                    f"Workflow '{self.workflow}': conditional {section.name!r} chose a case "
                    f"that fails: {case.fail}"
                )
                self.failures.append(NodeFailure(node, exc))
                raise exc
            names = node.output_names
            if not names:  # the case may still run a node; wait for it, use no value
                for p in _promises(case.value):
                    if p.node is not None:
                        await self._node_result(p.node)
                return {}
            return case_values(case.value, await self.resolve(case.value), names)
        raise AssertionError("a conditional always ends with else_")  # pragma: no cover

    async def _evaluate(self, condition: Expression) -> bool:
        values: dict[int, Any] = {}
        for p in condition.promises():
            if isinstance(p, Promise):
                values[id(p)] = await self.value(p)
        return condition.evaluate(lambda v: values[id(v)] if isinstance(v, Promise) else v)

    # -- the whole graph -------------------------------------------------------------
    async def run(self, fail_immediately: bool) -> None:
        for node in self.nodes:
            self.tasks[id(node)] = asyncio.ensure_future(self.run_node(node))
        tasks = list(self.tasks.values())
        if not tasks:  # a workflow of constants and inputs only: asyncio.wait refuses none
            return
        if fail_immediately:
            _done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            if pending:
                for t in pending:
                    t.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
        else:
            await asyncio.gather(*tasks, return_exceptions=True)
        for node, task in zip(self.nodes, tasks, strict=True):
            if task.cancelled():
                continue
            exc = task.exception()
            known = any(f.error is exc for f in self.failures)
            if exc is not None and not isinstance(exc, _UpstreamFailed) and not known:
                self.failures.append(NodeFailure(node, exc))
        if self.failures:
            raise self.failures[0]


def _given_hashes(node: Node, inputs: dict[str, Any]) -> dict[str, str]:
    """Inputs that are outputs annotated ``Annotated[T, HashMethod(fn)]`` -> ``fn(value)``."""
    out: dict[str, str] = {}
    for key, bound in node.inputs.items():
        if isinstance(bound, Promise) and bound.node is not None and bound.output:
            method = output_hashers(bound.node.entity).get(bound.output)
            if method is not None:
                out[key] = method.calculate(inputs[key])
    return out


def _promises(value: Any) -> list[Promise]:
    if isinstance(value, Promise):
        return [value]
    if isinstance(value, (list, tuple)):
        return [p for v in value for p in _promises(v)]
    if isinstance(value, dict):
        return [p for v in value.values() for p in _promises(v)]
    return []


async def execute_graph(
    nodes: Sequence[Node],
    outputs: dict[str, Any],
    inputs: dict[str, Any],
    *,
    workflow: str,
    fail_immediately: bool,
) -> dict[str, Any]:
    """Run ``nodes`` with the workflow's ``inputs``; return its named output values."""
    execution = _Execution(nodes, inputs, workflow)
    await execution.run(fail_immediately)
    return {name: await execution.resolve(value) for name, value in outputs.items()}
