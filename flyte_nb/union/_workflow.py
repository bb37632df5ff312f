"""``@workflow``: a function whose body describes a graph of task calls.

Decisions:

* A ``WorkflowTemplate`` *is* a ``TaskTemplate`` whose body is an async function that runs
  the compiled graph (``_execute``). So ``fl.run(wf)``, the local engine, the backend,
  bundling by reference or by value and the records all work unchanged: the workflow is
  the parent action and every node is a child action under it.
* The body is compiled once, lazily, on first use (call, ``fl.run``, ``compile()``), like
  flytekit: the seed's tests define workflows whose bodies are wrong and expect the error
  when the workflow is called, and a workflow nested in another's body is compiled when
  the outer one is.
* Calling a workflow outside any run runs it in this process as a local run (nodes are
  recorded like any run's actions) and returns plain Python values, NamedTuples rebuilt.
  Inside a running task it is a child action; inside a workflow body, a node.
* ``on_failure`` gets the workflow's inputs it declares plus ``err: FlyteError`` (flytekit's
  local behaviour: ``failed_node_id`` is the failure node's id, ``"fn0"``, and the message
  names the task that failed); the workflow then fails with the original exception.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, overload

from ..exceptions import (
    FlyteError,
    FlyteFailureNodeInputMismatchException,
    FlyteMissingReturnValueException,
    FlyteValidationException,
    FlyteValueException,
)
from ..tasks import TaskTemplate
from ._execute import NodeFailure, execute_graph
from ._promise import Compiler, Node, Promise, current_compiler
from ._task import default_environment, fix_tuple_return, rename, stable_name
from ._untyped import fill_untyped

__all__ = ["CompiledWorkflow", "WorkflowFailurePolicy", "WorkflowTemplate", "workflow"]


class WorkflowFailurePolicy(enum.Enum):
    """What a workflow does when a node fails (flytekit's values)."""

    FAIL_IMMEDIATELY = 0
    FAIL_AFTER_EXECUTABLE_NODES_COMPLETE = 1


@dataclass
class CompiledWorkflow:
    """The graph: nodes in definition order (``n0``, ``n1``...) and output bindings."""

    nodes: list[Node]
    outputs: dict[str, Any]


def _make_body(template: WorkflowTemplate, func: Callable[..., Any]) -> Callable[..., Any]:
    async def run_workflow(**inputs: Any) -> Any:
        return await template._execute(inputs)

    # The body looks like the user's function to inspect, typing, bundling and docs.
    return functools.update_wrapper(run_workflow, func)


class WorkflowTemplate(TaskTemplate):
    """What ``@workflow`` returns; see the module docstring."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        failure_policy: WorkflowFailurePolicy | None = None,
        interruptible: bool = False,
        on_failure: TaskTemplate | None = None,
        docs: str | None = None,
        pickle_untyped: bool = False,
        default_options: Any = None,
    ) -> None:
        if not callable(func) or not inspect.isfunction(func):
            raise FlyteValidationException(f"@workflow decorates a function, got {func!r}")
        if inspect.iscoroutinefunction(func):
            raise FlyteValidationException(
                f"@workflow '{func.__name__}' is async: a workflow body only describes the "
                "graph (it runs once, at definition); write it with `def`"
            )
        policy = failure_policy or WorkflowFailurePolicy.FAIL_IMMEDIATELY
        if not isinstance(policy, WorkflowFailurePolicy):
            raise FlyteValidationException(
                f"failure_policy must be a WorkflowFailurePolicy, got {failure_policy!r}"
            )
        for name, flag in (("interruptible", interruptible), ("pickle_untyped", pickle_untyped)):
            if not isinstance(flag, bool):
                raise FlyteValidationException(f"@workflow {name} must be True or False")
        if on_failure is not None and not isinstance(on_failure, TaskTemplate):
            raise FlyteValidationException(
                f"on_failure must be a @task or @workflow, got {on_failure!r}"
            )
        fix_tuple_return(func)  # flytekit's ``-> (int, str)``
        env = default_environment(getattr(func, "__module__", None))
        func = fill_untyped(func, pickle_untyped, stable_name(env, func))
        super().__init__(_make_body(self, func), env, docs=docs)
        self.workflow_function = func
        self.failure_policy = policy
        self.on_failure = on_failure
        self.union_settings: dict[str, Any] = {
            "interruptible": interruptible,
            "pickle_untyped": pickle_untyped,
            "default_options": default_options,
        }
        self._compiled: CompiledWorkflow | None = None
        self._graph_spec: dict[str, Any] | None = None
        self._compiling = False
        if on_failure is not None:
            self._check_on_failure(on_failure)
        rename(self, stable_name(env, func))

    def _check_on_failure(self, handler: TaskTemplate) -> None:
        """flytekit's rule: the handler takes every workflow input (it is called with all of
        them); any other input of its own is ``err`` or optional."""
        for key, (_, default) in handler.interface.inputs.items():
            if key == "err" or default is not inspect.Parameter.empty:
                continue
            if key not in self.input_types:
                raise FlyteFailureNodeInputMismatchException(
                    f"Mismatched Inputs Detected: workflow '{self.name}': on_failure "
                    f"'{handler.name}' needs input '{key}', "
                    f"which the workflow does not have; give it a default or drop it (the "
                    f"handler gets the workflow's inputs {list(self.input_types)} and err: "
                    "FlyteError | None)"
                )
        missing = [k for k in self.input_types if k not in handler.input_types]
        if missing:
            raise FlyteFailureNodeInputMismatchException(
                f"Mismatched Inputs Detected: on_failure '{handler.name}' of workflow "
                f"'{self.name}' must take every input of the workflow, but lacks {missing}; "
                f"give it the parameters {list(self.input_types)} (and optionally "
                "err: FlyteError | None)"
            )

    # -- compiling -----------------------------------------------------------------------
    @property
    def nodes(self) -> list[Node]:
        return self.compile().nodes

    def compile(self) -> CompiledWorkflow:
        """Run the body once to build the graph (done on first use; cached)."""
        if self._compiled is not None:
            return self._compiled
        if self._compiling:
            raise FlyteValidationException(
                f"Workflow '{self.name}' calls itself; workflows cannot recurse"
            )
        self._compiling = True
        try:
            with Compiler(self.name) as compiler:
                compiler.input_types = dict(self.input_types)
                promises = {
                    name: Promise(input=name, type=tp) for name, tp in self.input_types.items()
                }
                returned = self.workflow_function(**promises)
            for section in compiler.sections:
                if not section.finished:
                    raise FlyteValidationException(
                        f"Workflow '{self.name}': conditional {section.name!r} has no else_(); "
                        "end it with .else_().then(...) or .else_().fail('message')"
                    )
            self._compiled = CompiledWorkflow(compiler.nodes, self._bind_outputs(returned))
        finally:
            self._compiling = False
        return self._compiled

    def _bind_outputs(self, returned: Any) -> dict[str, Any]:
        names = self._output_names
        void = isinstance(returned, Promise) and returned.node is not None and not returned.output
        if not names:
            if returned is None or void:
                return {}
            raise FlyteValueException(
                returned,
                f"Workflow '{self.name}' declares no outputs but its body returns a value; "
                "annotate its return type (e.g. -> int) or drop the return",
            )
        if returned is None or void:
            raise FlyteMissingReturnValueException(
                f"Failed to bind output(s) {list(names)} of workflow '{self.name}': its body "
                "returns nothing; return the promises of the tasks that produce them"
            )
        if not self._multi_output:
            return {names[0]: returned}
        if not isinstance(returned, tuple) or len(returned) != len(names):
            raise FlyteValueException(
                returned,
                f"Workflow '{self.name}' declares {len(names)} outputs {list(names)}; return "
                f"a tuple of {len(names)} promises or values",
            )
        return dict(zip(names, returned, strict=True))

    _PICKLED_UNSET: ClassVar[dict[str, Any]] = {
        **TaskTemplate._PICKLED_UNSET,
        "_compiled": None,
        "_graph_spec": None,
        "_compiling": False,
    }

    @property
    def graph_spec(self) -> dict[str, Any] | None:
        """The compiled graph as JSON (``_graph_spec.py``), recorded in the workflow action's
        spec for the panel's graph view; None while the body does not compile (that error
        comes, as before, when the workflow is called)."""
        try:
            compiled = self.compile()
        except Exception:
            return None
        if self._graph_spec is None:
            from ._graph_spec import describe_graph

            self._graph_spec = describe_graph(compiled.nodes, compiled.outputs)
        return self._graph_spec

    # -- running -------------------------------------------------------------------------
    async def _execute(self, inputs: dict[str, Any]) -> Any:
        compiled = self.compile()
        values = dict(inputs)
        for key, (_, default) in self.interface.inputs.items():
            if key not in values and default is not inspect.Parameter.empty:
                values[key] = default
        failure: NodeFailure | None = None
        try:
            outputs = await execute_graph(
                compiled.nodes,
                compiled.outputs,
                values,
                workflow=self.name,
                fail_immediately=self.failure_policy is WorkflowFailurePolicy.FAIL_IMMEDIATELY,
            )
        except NodeFailure as exc:
            failure = exc
        if failure is not None:
            # Raised outside the except block, so the user's exception keeps its own cause.
            error = failure.error
            error.add_note(
                # flytekit's wording ("Error encountered while executing"), which code matches
                f"flyte_nb: Error encountered while executing '{failure.node.label}' (node "
                f"{failure.node.id} of workflow '{self.name}')"
            )
            if self.on_failure is not None:
                await self._handle_failure(values, failure)
            raise error
        return self.unpack_outputs(outputs)

    async def _handle_failure(self, values: dict[str, Any], failure: NodeFailure) -> None:
        handler = self.on_failure
        assert handler is not None
        kwargs = {k: v for k, v in values.items() if k in handler.input_types}
        if "err" in handler.input_types:
            kwargs["err"] = FlyteError(
                message=f"Error encountered while executing '{failure.node.label}':\n  "
                f"{failure.error}",  # flytekit's wording, which handlers may parse
                failed_node_id="fn0",
            )
        try:
            await handler.aio(**kwargs)
        except Exception as exc:
            failure.error.add_note(f"flyte_nb: on_failure '{handler.name}' also failed: {exc!r}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        from ..engine import current_frame

        compiler = current_compiler()
        if compiler is not None:
            self.compile()
            return compiler.add_call(self, args, kwargs)
        if current_frame() is not None:
            from ._eager import in_eager_body

            if in_eager_body():  # flytekit: a workflow called in an @eager body gives its value
                from ..engine import block_on

                return block_on(self.aio(*args, **kwargs))
            return super().__call__(*args, **kwargs)
        self.compile()
        from ..remote._kernel_run import run_in_kernel

        return run_in_kernel(self, args, kwargs).outputs()

    def __repr__(self) -> str:
        return f"<workflow {self.name}{self.interface!r}>"


@overload
def workflow(_workflow_function: Callable[..., Any]) -> WorkflowTemplate: ...


@overload
def workflow(
    _workflow_function: None = None,
    *,
    failure_policy: WorkflowFailurePolicy | None = None,
    interruptible: bool = False,
    on_failure: TaskTemplate | None = None,
    docs: str | None = None,
    pickle_untyped: bool = False,
    default_options: Any = None,
) -> Callable[[Callable[..., Any]], WorkflowTemplate]: ...


def workflow(
    _workflow_function: Callable[..., Any] | None = None,
    *,
    failure_policy: WorkflowFailurePolicy | None = None,
    interruptible: bool = False,
    on_failure: TaskTemplate | None = None,
    docs: str | None = None,
    pickle_untyped: bool = False,
    default_options: Any = None,
) -> WorkflowTemplate | Callable[[Callable[..., Any]], WorkflowTemplate]:
    """Declare a workflow (``@workflow`` or ``@workflow(on_failure=clean_up)``)."""

    def decorate(func: Callable[..., Any]) -> WorkflowTemplate:
        return WorkflowTemplate(
            func,
            failure_policy=failure_policy,
            interruptible=interruptible,
            on_failure=on_failure,
            docs=docs,
            pickle_untyped=pickle_untyped,
            default_options=default_options,
        )

    if _workflow_function is None:
        return decorate
    return decorate(_workflow_function)
