"""What ``UnionRemote`` returns: executions, registered entities and their identities.

Design decisions:

* ``UnionExecution`` wraps a ``flyte_nb.remote.Run`` instead of copying its fields. The run
  handle already knows how to refresh, wait, abort and rebuild a failed task's exception; the
  execution only adds the Union SDK's spelling on top (``id.name``, ``is_done``, ``outputs``
  as a dict of named outputs, ``error.message``, ``closure.phase``), so code pasted from the
  Union SDK and code written against ``fl.remote.Run`` read the same records the same way.
* Everything else returned is a frozen dataclass of plain values: answers, not handles, and
  printing one in a notebook shows everything there is to know.
* ``closure`` is the execution itself: the seed nests ``phase`` one level down, and a
  separate object would only be one more thing to keep in sync.
* A workflow is registered exactly as a task is, so ``RegisteredWorkflow`` is a
  ``RegisteredTask`` under the name the Union SDK gives it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._args import invalid

if TYPE_CHECKING:
    from ...remote._handles import Action, Run
    from ...remote._sources import RemoteSource
    from ...wire import TaskView

__all__ = [
    "Domain",
    "ExecutionError",
    "ExecutionId",
    "LaunchPlanId",
    "Project",
    "RegisteredLaunchPlan",
    "RegisteredTask",
    "RegisteredWorkflow",
    "TaskId",
    "UnionExecution",
]


@dataclass(frozen=True)
class ExecutionId:
    """Where an execution lives: ``project``/``domain`` and its run ``name``."""

    project: str
    domain: str
    name: str


@dataclass(frozen=True)
class ExecutionError:
    """Why an execution failed: the task's exception type (``code``) and message."""

    code: str
    message: str
    traceback: str = ""


@dataclass(frozen=True)
class TaskId:
    """A registered task version: ``project``/``domain``/``name``/``version``."""

    project: str
    domain: str
    name: str
    version: str


@dataclass(frozen=True)
class RegisteredTask:
    """A task version stored on the backend (``register_task``/``fetch_task``).

    Pass it to ``UnionRemote.execute`` to run that version's code; ``ref`` says where the
    code is (an importable module, or a content-addressed bundle blob).
    """

    id: TaskId
    ref: dict[str, Any]
    spec: dict[str, Any] | None
    interface: dict[str, Any] | None
    created_at: float

    @classmethod
    def from_view(cls, view: TaskView) -> RegisteredTask:
        task_id = TaskId(view["project"], view["domain"], view["name"], view["version"])
        return cls(
            task_id, view["ref"], view.get("spec"), view.get("interface"), view["created_at"]
        )

    @property
    def name(self) -> str:
        return self.id.name

    @property
    def version(self) -> str:
        return self.id.version


@dataclass(frozen=True)
class Project:
    """A project the backend knows about (any project a run or task was recorded in)."""

    id: str
    name: str


@dataclass(frozen=True)
class Domain:
    """A domain the backend offers (development, staging, production)."""

    id: str
    name: str


@dataclass(eq=False)
class UnionExecution:
    """One run, seen the Union SDK's way; ``run`` is the ``flyte_nb.remote.Run`` behind it.

    State is a snapshot: ``UnionRemote.sync``/``wait`` refresh it. ``node_executions`` (the
    run's actions by name) is filled by a sync with ``sync_nodes=True``.
    """

    run: Run
    source: RemoteSource = field(repr=False)
    node_executions: dict[str, Action] = field(default_factory=dict, repr=False)
    _outputs: dict[str, Any] | None = field(default=None, init=False, repr=False)

    @property
    def id(self) -> ExecutionId:
        return ExecutionId(self.run.project, self.run.domain, self.run.name)

    @property
    def phase(self) -> str:
        """QUEUED, RUNNING, SUCCEEDED, FAILED, ABORTED or TIMED_OUT."""
        return self.run.phase

    @property
    def closure(self) -> UnionExecution:
        """The seed's ``execution.closure.phase`` reads ``phase`` here."""
        return self

    @property
    def is_done(self) -> bool:
        return self.run.done

    @property
    def is_successful(self) -> bool:
        return self.run.phase == "SUCCEEDED"

    @property
    def error(self) -> ExecutionError | None:
        """Set once the execution failed, timed out or was aborted."""
        data = self.run.error
        if data is None:
            if self.run.phase in ("FAILED", "TIMED_OUT", "ABORTED"):
                return ExecutionError(self.run.phase, f"the execution ended {self.run.phase}")
            return None
        return ExecutionError(
            str(data.get("type", self.run.phase)),
            str(data.get("message", "")),
            str(data.get("traceback", "")),
        )

    @property
    def inputs(self) -> dict[str, Any]:
        return self.run.inputs()

    @property
    def outputs(self) -> dict[str, Any]:
        """Named outputs (``o0``, ``o1``, ...). Before the end this raises saying to wait;
        after a failure it raises the task's own exception, as ``Run.outputs()`` does."""
        if self._outputs is None:
            if not self.is_successful:
                self.run.outputs()  # raises the right error for this phase
            self._outputs = self.source.values(self.run.name, None, "outputs")
        return self._outputs

    def __repr__(self) -> str:
        i = self.id
        return f"UnionExecution({i.project}/{i.domain}/{i.name}, {self.phase})"


@dataclass(frozen=True)
class RegisteredWorkflow(RegisteredTask):
    """A workflow version stored on the backend (``register_workflow``/``fetch_workflow``).

    A workflow is registered exactly as a task is (its code and spec), so this is a
    ``RegisteredTask`` under the name the Union SDK gives it.
    """


@dataclass(frozen=True)
class LaunchPlanId:
    """A registered launch plan version: ``project``/``domain``/``name``/``version``."""

    project: str
    domain: str
    name: str
    version: str


@dataclass(frozen=True)
class RegisteredLaunchPlan:
    """A launch plan version stored on the backend (``register_launch_plan``/
    ``fetch_launch_plan``): its workflow version, decoded inputs, schedule and settings.

    Pass it to ``UnionRemote.execute`` to run its workflow with its inputs applied.
    """

    id: LaunchPlanId
    workflow_id: TaskId
    default_inputs: dict[str, Any]
    fixed_inputs: dict[str, Any]
    schedule: Any
    labels: dict[str, str]
    annotations: dict[str, str]
    max_parallelism: int | None
    overwrite_cache: bool | None
    is_active: bool
    created_at: float

    @property
    def name(self) -> str:
        return self.id.name

    @property
    def version(self) -> str:
        return self.id.version

    def merge_inputs(self, inputs: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Defaults, then ``inputs``, then the fixed inputs; passing a fixed one is an error.
        Missing required inputs are left to the workflow's own input check."""
        fixed = sorted(set(inputs) & set(self.fixed_inputs))
        if fixed:
            values = {k: self.fixed_inputs[k] for k in fixed}
            raise invalid(
                where,
                f"launch plan {self.name!r} fixes {fixed}; they cannot be "
                f"passed (fixed values: {values!r})",
            )
        return {**self.default_inputs, **inputs, **self.fixed_inputs}
