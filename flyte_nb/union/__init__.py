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
from typing import Any

from .._lazy import lazy_getattr
from ..artifacts import Artifact
from ..io import FlyteDirectory, FlyteFile, StructuredDataset
from ._condition import ConditionalSection, conditional
from ._dynamic import DynamicTask, dynamic
from ._eager import EagerTask, eager
from ._echo import Echo
from ._execute import ConditionFailedError
from ._gates import FlyteDisapprovedException, GateNotAnsweredError, approve, sleep, wait_for_input
from ._launch_plan import LaunchPlan, LaunchPlanConflictError, LaunchPlanParameter
from ._map import MapTask, MapTaskError, map, map_task
from ._metadata import HashMethod, TaskMetadata
from ._node import NodeHandle, create_node
from ._promise import Expression, Promise, PromiseTuple
from ._schedule import CronSchedule, FixedRate
from ._task import UnionTask, task
from ._workflow import CompiledWorkflow, WorkflowFailurePolicy, WorkflowTemplate, workflow

# flytekit's name for what ``map_task`` returns.
ArrayNodeMapTask = MapTask

# More of the Union SDK's names, defined in their own packages and imported on first use
# (``flyte_nb.container`` builds on this package, so an eager import would be circular).
__getattr__ = lazy_getattr(
    __name__,
    {
        "ActorEnvironment": "..actors",
        "actor_cache": "..actors",
        "ContainerTask": "..container",
        "ImageSpec": "..image",
        "PodTemplate": "..image",
        "Resources": "..tasks",
        "Secret": "..tasks",
        # the seed's ``union.current_context()``: one context for Flyte 2 and flytekit names
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
