"""The Union/flytekit API: ``@task``, ``@workflow``, ``conditional``, ``map_task``, ``kwtypes``.

Built on the Flyte 2 layer rather than beside it: a ``@task`` is a ``TaskTemplate``, a
``@workflow`` is a ``TaskTemplate`` whose body runs its compiled graph, and each graph node
runs as a child action of the workflow's action. So workflows run with ``fl.run``, locally
and on the backend, and every node shows in the run's action tree.

``_promise`` holds promises and the compile context (``_attrpath`` their attribute paths,
``_typecheck`` the compile-time checks of what flows between nodes), ``_task`` the decorator
(``_untyped`` its ``pickle_untyped``), ``_workflow`` the workflow template and compilation,
``_execute`` running a graph, ``_condition`` the conditional builder, ``_map`` map tasks,
``_dynamic``/``_eager`` dynamic and eager workflows, ``_node`` ``create_node``,
``_overrides`` ``with_overrides``, ``_metadata`` ``TaskMetadata``/``HashMethod``/legacy cache
arguments, ``_context`` flytekit's ``current_context()`` names, ``_echo`` ``Echo``,
``_gates`` gate nodes (approve, wait_for_input, sleep), ``_launch_plan`` launch plans
(``_launch_plan_checks`` their argument checks) and ``_schedule`` schedules. ``Artifact``
is ``flyte_nb.artifacts``' (re-exported here, as ``union.Artifact`` is in the Union SDK).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from .._lazy import lazy_getattr

if TYPE_CHECKING:
    from ..artifacts import Artifact
    from ..io import FlyteDirectory, FlyteFile, StructuredDataset
    from ..schedules import CronSchedule, FixedRate
    from ._condition import ConditionalSection, conditional
    from ._dynamic import DynamicTask, dynamic
    from ._eager import EagerTask, eager
    from ._echo import Echo
    from ._execute import ConditionFailedError
    from ._gates import (
        FlyteDisapprovedException,
        GateNotAnsweredError,
        approve,
        sleep,
        wait_for_input,
    )
    from ._launch_plan import LaunchPlan, LaunchPlanConflictError, LaunchPlanParameter
    from ._map import ArrayNodeMapTask, MapTask, MapTaskError, map, map_task
    from ._metadata import HashMethod, TaskMetadata
    from ._node import NodeHandle, create_node
    from ._promise import Expression, Promise, PromiseTuple
    from ._task import UnionTask, task
    from ._workflow import CompiledWorkflow, WorkflowFailurePolicy, WorkflowTemplate, workflow

# Every name resolves on first use: ``flyte_nb.union.remote`` (UnionRemote) and a script that
# uses one decorator do not pay for conditionals, map tasks, files and artifacts, and
# ``flyte_nb.container``, which builds on this package, can import it without a cycle.
__getattr__ = lazy_getattr(
    __name__,
    {
        "Artifact": "..artifacts",
        "FlyteDirectory": "..io",
        "FlyteFile": "..io",
        "StructuredDataset": "..io",
        "ConditionalSection": "._condition",
        "conditional": "._condition",
        "DynamicTask": "._dynamic",
        "dynamic": "._dynamic",
        "EagerTask": "._eager",
        "eager": "._eager",
        "Echo": "._echo",
        "ConditionFailedError": "._execute",
        "FlyteDisapprovedException": "._gates",
        "GateNotAnsweredError": "._gates",
        "approve": "._gates",
        "sleep": "._gates",
        "wait_for_input": "._gates",
        "LaunchPlan": "._launch_plan",
        "LaunchPlanConflictError": "._launch_plan",
        "LaunchPlanParameter": "._launch_plan",
        "ArrayNodeMapTask": "._map",
        "MapTask": "._map",
        "MapTaskError": "._map",
        "map": "._map",
        "map_task": "._map",
        "HashMethod": "._metadata",
        "TaskMetadata": "._metadata",
        "NodeHandle": "._node",
        "create_node": "._node",
        "Expression": "._promise",
        "Promise": "._promise",
        "PromiseTuple": "._promise",
        "CronSchedule": "..schedules",
        "FixedRate": "..schedules",
        "UnionTask": "._task",
        "task": "._task",
        "CompiledWorkflow": "._workflow",
        "WorkflowFailurePolicy": "._workflow",
        "WorkflowTemplate": "._workflow",
        "workflow": "._workflow",
        # more of the Union SDK's names, defined in their own packages
        "ActorEnvironment": "..actors",
        "actor_cache": "..actors",
        "ContainerTask": "..container",
        "ImageSpec": "..image",
        "PodTemplate": "..image",
        "Resources": "..tasks",
        "Secret": "..tasks",
        "current_context": "..engine",
    },
)

__all__ = [
    "ActorEnvironment",
    "ArrayNodeMapTask",
    "Artifact",
    "CompiledWorkflow",
    "ConditionFailedError",
    "ConditionalSection",
    "ContainerTask",
    "CronSchedule",
    "DynamicTask",
    "EagerTask",
    "Echo",
    "Expression",
    "FixedRate",
    "FlyteDirectory",
    "FlyteDisapprovedException",
    "FlyteFile",
    "GateNotAnsweredError",
    "HashMethod",
    "ImageSpec",
    "LaunchPlan",
    "LaunchPlanConflictError",
    "LaunchPlanParameter",
    "MapTask",
    "MapTaskError",
    "NodeHandle",
    "PodTemplate",
    "Promise",
    "PromiseTuple",
    "Resources",
    "Secret",
    "StructuredDataset",
    "TaskMetadata",
    "UnionTask",
    "WorkflowFailurePolicy",
    "WorkflowTemplate",
    "actor_cache",
    "approve",
    "conditional",
    "create_node",
    "current_context",
    "dynamic",
    "eager",
    "kwtypes",
    "map",
    "map_task",
    "sleep",
    "task",
    "wait_for_input",
    "workflow",
]


def kwtypes(**kwargs: Any) -> OrderedDict[str, type]:
    """Named types in order, e.g. ``kwtypes(Name=str, Age=int)`` (flytekit's helper)."""
    return OrderedDict(kwargs)
