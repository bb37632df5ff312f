"""``map_task`` / ``map``: one task over lists of inputs, each item its own action.

Decisions:

* A ``MapTask`` is not an action itself: in a workflow it is a node whose execution calls
  ``task.aio`` once per item, so each item is a child action of the workflow's action, in
  the group ``map:<task>`` (what ``fl.map`` records too). That keeps the per-item cost the
  engine's per-action cost, nothing more.
* Inputs given to the call are the mapped lists (all the same length); inputs bound with
  ``functools.partial(task, x=1)`` or ``bound_inputs={"x": 1}`` go to every item as is.
* ``min_successes`` wins over ``min_success_ratio`` when both are given; with neither,
  every item must succeed. When enough items succeed, failed items come back as ``None``;
  otherwise ``MapTaskError`` lists the failures (its ``__cause__`` is the first one).
* Outside a workflow, a map task called in a running task fans out as child actions; called
  outside any run it runs the items in this process (like calling a task directly).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import inspect
import math
import typing
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from ..engine import block_on, current_frame, group
from ..exceptions import FlyteNbException, FlyteTypeException, FlyteValidationException
from ..tasks import TaskTemplate
from ._promise import contains_promise, current_compiler

__all__ = ["ArrayNodeMapTask", "MapTask", "MapTaskError", "map", "map_task"]


class MapTaskError(FlyteNbException, RuntimeError):
    """Too few items of a map task succeeded; ``failures`` maps item index to its error."""

    def __init__(self, message: str, failures: dict[int, BaseException]) -> None:
        super().__init__(message)
        self.failures = failures


class _PlanItem:
    """A launch plan seen as one mappable item: its inputs are the plan's parameters (not
    the fixed ones), and each item runs the plan's workflow with the plan's inputs merged."""

    def __init__(self, plan: Any) -> None:
        self.plan = plan
        params = plan.parameters
        self.name = plan.name
        self.short_name = plan.name
        self.input_types: dict[str, Any] = {k: p.type for k, p in params.items()}
        self.interface = _Interface(
            {
                k: (p.type, inspect.Parameter.empty if p.required else p.default)
                for k, p in params.items()
            },
            dict(plan.workflow.interface.outputs),
        )
        self._output_names = plan.workflow._output_names

    async def aio(self, **inputs: Any) -> Any:
        workflow = self.plan.workflow
        return await workflow.aio(**self.plan.merge_inputs(inputs, f"map_task({self.name})"))


class _Interface:
    """The part of ``NativeInterface`` a workflow node binding reads."""

    def __init__(
        self, inputs: dict[str, tuple[Any, Any]], outputs: dict[str, Any] | None = None
    ) -> None:
        self.inputs = inputs
        self.outputs = outputs or {}


def _check_mappable(target: Any) -> None:
    """flytekit maps plain tasks (and launch plans) with at most one output."""
    from ._dynamic import DynamicTask
    from ._eager import EagerTask

    if isinstance(target, (DynamicTask, EagerTask)):
        kind = "@dynamic" if isinstance(target, DynamicTask) else "@eager"
        raise FlyteValidationException(
            f"map_task maps @task functions and launch plans; '{target.name}' is a {kind} "
            "(as in flytekit, it cannot be mapped): loop over the inputs inside it instead"
        )
    outputs = target._output_names
    if len(outputs) > 1:
        raise FlyteValidationException(
            f"map_task: '{target.name}' has {len(outputs)} outputs {list(outputs)}; a mapped "
            "task may have one (as in flytekit): return a dataclass or a tuple type instead"
        )


def _list_output(target: Any, optional: bool) -> dict[str, Any]:
    """The map's output type: a list of the task's output (of ``Optional`` ones when items
    may fail), so what it feeds is type-checked when the workflow compiles."""
    outputs = getattr(target.interface, "outputs", None) or {}
    if not outputs:
        return {}
    item = next(iter(outputs.values()))
    return {"o0": list[typing.Optional[item]] if optional else list[item]}  # type: ignore[valid-type]  # noqa: UP045


class MapTask:
    """``map_task(task, ...)``: call it with lists, one per input not bound."""

    _multi_output = False

    def __init__(
        self,
        target: Any,
        *,
        concurrency: int | None = None,
        min_successes: int | None = None,
        min_success_ratio: float | None = None,
        bound_inputs: Mapping[str, Any] | AbstractSet[str] | None = None,
        bound_inputs_values: Mapping[str, Any] | None = None,
        run_all_sub_nodes: bool = False,
    ) -> None:
        bound: dict[str, Any] = {}
        if isinstance(target, functools.partial):
            if target.args:
                raise FlyteValidationException(
                    "map_task(functools.partial(task, ...)) binds inputs by name only; use "
                    "partial(task, x=1), not partial(task, 1)"
                )
            bound.update(target.keywords)
            target = target.func
        from ._launch_plan import LaunchPlan
        from ._workflow import WorkflowTemplate

        if isinstance(target, LaunchPlan):
            target = _PlanItem(target)
        elif isinstance(target, WorkflowTemplate):
            raise FlyteValidationException(
                f"map_task maps tasks and launch plans, not the workflow '{target.name}' "
                "itself (as in flytekit); map a launch plan of it: "
                "map_task(LaunchPlan.get_or_create(wf))"
            )
        elif not isinstance(target, TaskTemplate):
            raise FlyteValidationException(
                "map_task needs a @task, a LaunchPlan (or functools.partial of either), got "
                f"{target!r}"
            )
        _check_mappable(target)
        self.task = target
        name = target.name
        names_only = frozenset[str]()
        if isinstance(bound_inputs, (set, frozenset)):
            # flytekit's ArrayNodeMapTask: the names of inputs given one value for all items
            names_only = frozenset(bound_inputs)
            if bound_inputs_values is not None and names_only != set(bound_inputs_values):
                raise FlyteValidationException(
                    f"map_task({name}): bound_inputs and bound_inputs_values should have the "
                    f"same keys if both set, got {sorted(names_only)} and "
                    f"{sorted(bound_inputs_values)}"
                )
        elif bound_inputs is not None:
            if not isinstance(bound_inputs, Mapping):
                raise FlyteValidationException(
                    f"map_task({name}): bound_inputs must be a dict, got {bound_inputs!r}"
                )
            bound.update(bound_inputs)
        if bound_inputs_values is not None:
            if not isinstance(bound_inputs_values, Mapping):
                raise FlyteValidationException(
                    f"map_task({name}): bound_inputs_values must be a dict, got "
                    f"{bound_inputs_values!r}"
                )
            bound.update(bound_inputs_values)  # wins over a partial's value, as in flytekit
        names_only = names_only - set(bound)
        if not isinstance(run_all_sub_nodes, bool):
            raise FlyteValidationException(
                f"map_task({name}): run_all_sub_nodes must be True or False"
            )
        self.run_all_sub_nodes = run_all_sub_nodes
        unknown = sorted((set(bound) | names_only) - set(target.input_types))
        if unknown:
            raise FlyteValidationException(
                f"map_task({name}): bound input(s) {unknown} are not inputs of the task; "
                f"its inputs are {list(target.input_types)}"
            )
        if concurrency is not None and (
            isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 0
        ):
            raise FlyteValidationException(
                f"map_task({name}): concurrency must be a whole number >= 0 or None "
                f"(0 or None = unlimited), got {concurrency!r}"
            )
        if min_successes is not None and (
            isinstance(min_successes, bool) or not isinstance(min_successes, int)
        ):
            raise FlyteValidationException(
                f"map_task({name}): min_successes must be a whole number, got {min_successes!r}"
            )
        if min_success_ratio is not None and (
            isinstance(min_success_ratio, bool)
            or not isinstance(min_success_ratio, (int, float))
            or not 0 <= min_success_ratio <= 1
        ):
            raise FlyteValidationException(
                f"map_task({name}): min_success_ratio must be between 0 and 1, "
                f"got {min_success_ratio!r}"
            )
        self.bound = bound
        self.concurrency = concurrency or None
        self.min_successes = min_successes
        self.min_success_ratio = min_success_ratio
        self.name = f"map_{name}"
        self.short_name = f"map:{target.short_name}"
        mapped = {k: t for k, t in target.input_types.items() if k not in bound}
        self.input_types: dict[str, Any] = {
            k: t if k in names_only else list[t]  # type: ignore[valid-type]
            for k, t in mapped.items()
        }
        self.interface = _Interface(
            {
                k: (self.input_types[k], inspect.Parameter.empty)
                for k in mapped
                if target.interface.inputs[k][1] is inspect.Parameter.empty
            },
            _list_output(target, min_successes is not None or (min_success_ratio or 1) < 1),
        )
        self._output_names = ("o0",)
        self._broadcast: frozenset[str] = names_only  # inputs given once, to every item

    def pack_outputs(self, value: Any) -> dict[str, Any]:
        return {"o0": value}

    def _required(self, n: int) -> int:
        if self.min_successes is not None:
            return min(max(self.min_successes, 0), n)
        ratio = 1.0 if self.min_success_ratio is None else float(self.min_success_ratio)
        return math.ceil(ratio * n)

    def _items(self, inputs: dict[str, Any]) -> list[dict[str, Any]]:
        lengths = set()
        for key, value in inputs.items():
            if key in self._broadcast:
                continue
            if key not in self.input_types:
                raise FlyteValidationException(
                    f"{self.name}: '{key}' is not a mapped input; mapped inputs are "
                    f"{list(self.input_types)}"
                )
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
                raise FlyteTypeException(
                    f"{self.name}: mapped input '{key}' must be a list (one value per item), "
                    f"got {type(value).__qualname__}"
                )
            lengths.add(len(value))
        if len(lengths) > 1:
            raise FlyteValidationException(
                f"{self.name}: mapped inputs must have the same length, got {sorted(lengths)}"
            )
        n = lengths.pop() if lengths else 0
        bound = {**self.bound, **{k: inputs[k] for k in self._broadcast}}
        keys = [k for k in inputs if k not in self._broadcast]
        return [{**bound, **{k: inputs[k][i] for k in keys}} for i in range(n)]

    async def aio(self, **inputs: Any) -> list[Any]:
        """Run every item (as child actions inside a run); apply the success threshold."""
        items = self._items(inputs)
        task = self.task
        sem = asyncio.Semaphore(self.concurrency) if self.concurrency else None

        async def one(kwargs: dict[str, Any]) -> Any:
            if sem is None:
                return await task.aio(**kwargs)
            async with sem:
                return await task.aio(**kwargs)

        grouping = group(self.short_name) if current_frame() is not None else None
        with grouping or contextlib.nullcontext():
            futures = [asyncio.ensure_future(one(kw)) for kw in items]
        results = await asyncio.gather(*futures, return_exceptions=True)
        failures = {i: r for i, r in enumerate(results) if isinstance(r, BaseException)}
        if failures:
            required = self._required(len(items))
            if len(items) - len(failures) < required:
                # flytekit raises the failing item's own error; the note says how many failed.
                index, first = next(iter(failures.items()))
                listing = "; ".join(
                    f"item {i}: {type(e).__name__}: {e}" for i, e in list(failures.items())[:5]
                )
                more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
                first.add_note(
                    f"flyte_nb: {self.name}: {len(failures)} of {len(items)} items failed, but "
                    f"at least {required} must succeed (this is item {index}'s error): "
                    f"{listing}{more}. Fix the failing items or lower min_success_ratio / "
                    "min_successes"
                )
                with contextlib.suppress(AttributeError, TypeError):
                    first.map_failures = failures  # type: ignore[attr-defined]
                raise first
        return [None if isinstance(r, BaseException) else r for r in results]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        if args:
            raise FlyteValidationException(
                f"{self.name}: pass the mapped lists by name, e.g. {self.name}(x=[1, 2, 3])"
            )
        compiler = current_compiler()
        if compiler is not None:
            promised = {k: v for k, v in self.bound.items() if contains_promise(v)}
            if not promised:
                return compiler.add_call(self, (), kwargs)
            # Bound inputs that are promises (workflow inputs, task outputs) must be
            # resolved when the node runs, so they become node inputs given to every item.
            node_task = copy.copy(self)
            node_task.bound = {k: v for k, v in self.bound.items() if k not in promised}
            node_task._broadcast = self._broadcast | frozenset(promised)
            node_task.input_types = {
                **self.input_types,
                **{k: self.task.input_types[k] for k in promised},
            }
            return compiler.add_call(node_task, (), {**kwargs, **promised})
        frame = current_frame()
        if frame is not None and frame.is_async:
            return self.aio(**kwargs)
        return block_on(self.aio(**kwargs))

    def __repr__(self) -> str:
        return f"<map_task {self.task.name}>"


# flytekit's name for what ``map_task`` returns.
ArrayNodeMapTask = MapTask

_MAP_KWARGS = ("bound_inputs", "bound_inputs_values", "metadata", "run_all_sub_nodes")


def map_task(
    target: Any,
    concurrency: int | None = None,
    min_successes: int | None = None,
    min_success_ratio: float | None = None,
    **kwargs: Any,
) -> MapTask:
    """Map ``target`` (a task, a launch plan, or ``functools.partial`` of one) over lists of
    inputs. ``kwargs`` are flytekit's: ``bound_inputs``, ``bound_inputs_values``,
    ``metadata=TaskMetadata(...)`` (each item's retries, timeout and cache) and
    ``run_all_sub_nodes`` (recorded only: every item always runs here)."""
    unknown = sorted(set(kwargs) - set(_MAP_KWARGS))
    if unknown:
        raise FlyteValidationException(
            f"map_task got unknown setting(s) {unknown}; it takes {list(_MAP_KWARGS)}"
        )
    metadata = kwargs.get("metadata")
    mapped = MapTask(
        target,
        concurrency=concurrency,
        min_successes=min_successes,
        min_success_ratio=min_success_ratio,
        bound_inputs=kwargs.get("bound_inputs"),
        bound_inputs_values=kwargs.get("bound_inputs_values"),
        run_all_sub_nodes=kwargs.get("run_all_sub_nodes", False),
    )
    if metadata is not None:
        from ._metadata import apply_metadata

        apply_metadata(mapped, metadata)
    return mapped


def map(
    target: Any,
    bound_inputs: Mapping[str, Any] | None = None,
    concurrency: int | None = None,
    min_successes: int | None = None,
    min_success_ratio: float = 1.0,
    **kwargs: Any,
) -> MapTask:
    """The Union SDK's ``union.map``: ``map_task`` with ``bound_inputs`` first."""
    if kwargs:
        raise FlyteValidationException(f"map() got unknown setting(s) {sorted(kwargs)}")
    return MapTask(
        target,
        concurrency=concurrency,
        min_successes=min_successes,
        min_success_ratio=min_success_ratio,
        bound_inputs=bound_inputs,
    )
