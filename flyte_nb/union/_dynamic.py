"""``@dynamic``: a task whose body builds a workflow graph at run time, from real inputs.

Decisions:

* A ``DynamicTask`` is a ``UnionTask`` (same settings as ``@task``: cache, retries,
  timeout...). Its action's body runs the user's function under the workflow compiler, with
  the *values* of its inputs, so Python loops and ``if`` over inputs work, while task
  calls give promises (as in flytekit, using one as a value raises the usual explanation).
  The graph then runs like a workflow's: every node is a child action of the dynamic's
  action, in the run's action tree, locally and on a backend worker.
* The body is synchronous (flytekit's dynamic is), so from an ``@eager`` body a dynamic
  call returns its value, and from a sync task body it blocks like any task call.
* Called outside any run it runs as a local run (like a workflow) and returns plain values;
  inside a ``@workflow`` body it is a node.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from ..exceptions import FlyteMissingReturnValueException, FlyteValidationException
from ._promise import Compiler, Promise, current_compiler
from ._task import UnionTask, task_decorator

__all__ = ["DynamicTask", "bind_outputs", "dynamic"]


def bind_outputs(entity: Any, returned: Any, what: str) -> dict[str, Any]:
    """Match what a graph-building body returned with the entity's declared outputs."""
    names = entity._output_names
    void = isinstance(returned, Promise) and returned.node is not None and not returned.output
    if not names:
        if returned is None or void:
            return {}
        raise FlyteValidationException(
            f"{what} '{entity.name}' declares no outputs but returns a value; annotate its "
            "return type (e.g. -> int) or drop the return"
        )
    if returned is None or void:
        raise FlyteMissingReturnValueException(
            f"{what} '{entity.name}' declares output(s) {list(names)} but returns nothing; "
            "return the promises of the tasks that produce them"
        )
    if not entity._multi_output:
        return {names[0]: returned}
    if not isinstance(returned, tuple) or len(returned) != len(names):
        raise FlyteValidationException(
            f"{what} '{entity.name}' declares {len(names)} outputs {list(names)}; return a "
            f"tuple of {len(names)} promises or values"
        )
    return dict(zip(names, returned, strict=True))


class DynamicTask(UnionTask):
    """What ``@dynamic`` returns; see the module docstring."""

    def __init__(self, func: Callable[..., Any], env: Any, **settings: Any) -> None:
        if inspect.iscoroutinefunction(func):
            raise FlyteValidationException(
                f"@dynamic '{func.__name__}' is async: a dynamic body builds a graph; write it "
                "with `def` (for an async body that awaits tasks, use @eager)"
            )
        self.dynamic_function = func
        template = self

        def run_dynamic(**inputs: Any) -> Any:
            return template._run_graph(inputs)

        super().__init__(functools.update_wrapper(run_dynamic, func), env, **settings)

    def _run_graph(self, inputs: dict[str, Any]) -> Any:
        from ..engine import block_on
        from ._execute import execute_graph

        with Compiler(self.name) as compiler:
            returned = self.dynamic_function(**inputs)
        for section in compiler.sections:
            if not section.finished:
                raise FlyteValidationException(
                    f"Dynamic '{self.name}': conditional {section.name!r} has no else_(); "
                    "end it with .else_().then(...) or .else_().fail('message')"
                )
        outputs = bind_outputs(self, returned, "Dynamic")
        values = block_on(
            execute_graph(compiler.nodes, outputs, {}, workflow=self.name, fail_immediately=True)
        )
        return self.unpack_outputs(values)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        from ..engine import current_frame

        if current_compiler() is None and current_frame() is None:
            from ..remote._kernel_run import run_in_kernel

            return run_in_kernel(self, args, kwargs).outputs()
        return super().__call__(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<dynamic {self.name}{self.interface!r}>"


def dynamic(_task_function: Callable[..., Any] | None = None, **settings: Any) -> Any:
    """Declare a dynamic workflow (``@dynamic`` or ``@dynamic(cache=True, retries=2)``); it
    takes ``@task``'s settings."""
    from ._task import task

    defaults = _task_defaults(task)
    unknown = {k: v for k, v in settings.items() if k not in defaults}
    return task_decorator(
        DynamicTask, _task_function, {**defaults, **settings}, unknown, "@dynamic"
    )


def _task_defaults(func: Callable[..., Any]) -> dict[str, Any]:
    """``@task``'s settings and their defaults (so ``@dynamic``/``@eager`` stay in step)."""
    params = inspect.signature(func).parameters
    return {
        name: p.default
        for name, p in params.items()
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and name != "_task_function"
    }
