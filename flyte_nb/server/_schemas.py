"""The HTTP API's request and response models: the source of ``/openapi.json``.

The JupyterLab panel's TypeScript types are generated from that document, so every
response is a declared model, and every request body is validated here before the
backend sees it (a bad body is a 400 with the one error shape, never a 500).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
SCOPE = r"^[a-z0-9][a-z0-9_-]{0,62}$"
DIGEST = r"^[0-9a-f]{64}$"


# The longest interval a request may name (a schedule's rate, a timeout): ten years. Longer
# ones overflow the event loop's timers and the datetime arithmetic of schedules.
MAX_SECONDS = 10 * 365 * 24 * 3600.0


class Strict(BaseModel):
    """Request bodies: an unknown field is a mistake worth a 400, not silence; NaN and
    infinities too (Python's JSON parser accepts them, SQLite and timers do not)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Out(BaseModel):
    """Responses."""


class ErrorBody(Out):
    code: str = Field(description="machine-readable: bad_request, unauthorized, not_found, ...")
    message: str = Field(description="what was wrong and how to fix it")


class ErrorResponse(Out):
    error: ErrorBody


class CodeRefModel(Strict):
    kind: Literal["module", "bundle"]
    task_name: str
    module: str | None = None
    qualname: str | None = None
    digest: str | None = Field(default=None, pattern=DIGEST)


class TaskSpec(Strict):
    """Everything the backend needs to schedule a task, computed by the SDK."""

    task: str = Field(min_length=1, max_length=256)
    short: str = Field(min_length=1, max_length=256)
    ref: CodeRefModel
    retries: tuple[int, float, float, float | None] | tuple[int, float, float] = Field(
        default=(0, 0.0, 1.0, None),
        description="RetryStrategy.wire(): count, first delay, factor, cap (None: no cap)",
    )
    timeout: float | None = Field(default=None, gt=0, le=MAX_SECONDS)
    cache: dict[str, Any] | None = None
    env: dict[str, str] = {}
    sys_path: list[str] | None = Field(
        default=None,
        description="a registered task's import path, for runs the backend starts itself "
        "(schedules): where a worker imports a task shipped by module reference from",
    )
    resources: dict[str, Any] | None = Field(default=None, description="Resources.to_dict()")
    secrets: list[dict[str, Any]] | None = Field(
        default=None, description="Secret references (never values); resolved by the backend"
    )
    pod_template: dict[str, Any] | None = None
    actor: dict[str, Any] | None = Field(
        default=None, description="the actor environment whose warm workers run the task"
    )
    graph: dict[str, Any] | None = Field(
        default=None,
        description="a workflow's compiled graph (union/_graph_spec.py), for graph views",
    )
    interface: list[dict[str, Any]] | None = Field(
        default=None,
        description="a run's root task inputs as data (types/_describe.py): re-run forms",
    )


class ConsumedArtifact(Strict):
    """An artifact version one input of a new run was read from (its lineage)."""

    input: str = Field(min_length=1, max_length=128)
    project: str = Field(pattern=SCOPE)
    domain: str = Field(pattern=SCOPE)
    name: str = Field(min_length=1, max_length=256)
    version: str = Field(min_length=1, max_length=128)


class SourceLocation(Strict):
    """Where a run's task was written (``flyte_nb/tasks/_where.py``): a notebook cell, or a
    module and line."""

    kind: Literal["cell", "module"]
    function: str = Field(max_length=512)
    notebook: str | None = Field(default=None, max_length=4096, description="absolute path")
    cell_id: str | None = Field(default=None, max_length=256)
    execution_count: int | None = None
    cell_source: str | None = Field(default=None, max_length=20_000)
    module: str | None = Field(default=None, max_length=512)
    file: str | None = Field(default=None, max_length=4096)
    line: int | None = None


class RunSource(Out):
    source: SourceLocation | None = Field(
        description="where the run's task was defined; null when not recorded"
    )


class RunOptions(Strict):
    overwrite_cache: bool = False
    max_action_concurrency: int | None = Field(default=None, ge=1)
    env_vars: dict[str, str] = {}
    sys_path: list[str] = Field(default=[], description="import path entries workers add")
    artifacts: list[ConsumedArtifact] = Field(
        default=[], description="artifact versions the run's inputs were resolved from"
    )
    source: SourceLocation | None = Field(
        default=None, description="where the run's task was defined (kept with the run)"
    )


class CreateRun(Strict):
    name: str | None = Field(default=None, pattern=NAME)
    project: str = Field(default="default", pattern=SCOPE)
    domain: str = Field(default="development", pattern=SCOPE)
    spec: TaskSpec
    inputs: str = Field(description="the encoded inputs document (flyte_nb.types)")
    cache: tuple[str, str] | None = Field(default=None, description="(version, key) when cached")
    options: RunOptions = Field(default_factory=RunOptions)


class RunModel(Out):
    name: str
    task_name: str
    project: str
    domain: str
    phase: str
    mode: str
    created_at: float
    started_at: float | None
    ended_at: float | None
    duration: float | None
    action_count: int
    error: dict[str, Any] | None
    waiting: list[str] = Field(
        default=[], description="gates of a live run waiting for an answer (their names)"
    )


WAIT_OUTPUTS = (
    "also answer the outputs of a run that SUCCEEDED (saves the GET of /outputs that "
    "follows every wait)"
)


class RunWaitModel(RunModel):
    outputs: dict[str, Any] | None = Field(
        default=None,
        description="with outputs=true, a SUCCEEDED run's encoded outputs (as /outputs)",
    )


class RunList(Out):
    items: list[RunModel]
    total: int
    offset: int
    limit: int


class ActionModel(Out):
    run: str
    name: str
    parent: str | None
    task_name: str
    short_name: str
    group: str | None
    phase: str
    attempts: int
    cache_hit: bool
    created_at: float
    started_at: float | None
    ended_at: float | None
    transitions: list[list[Any]]
    attempt_log: list[dict[str, Any]]
    error: dict[str, Any] | None
    resources: dict[str, Any] | None = Field(
        default=None, description="the Resources the action ran with (full views only)"
    )


class ActionList(Out):
    items: list[ActionModel]


class ActionTree(Out):
    counts: dict[str, int] = Field(description="actions per phase, over the whole run")
    total: int
    items: list[ActionModel] = Field(description="shown actions, parents before children")
    hidden: dict[str, dict[str, int]] = Field(
        description="per parent: phases of the children past max_children"
    )


class Values(Out):
    values: dict[str, Any] = Field(description="encoded values: scalars, $json or $blob tags")


class LogLine(Out):
    id: int
    run_name: str
    action_name: str
    attempt: int
    stream: str
    ts: float
    text: str


class LogList(Out):
    items: list[LogLine]
    next_after: int = Field(description="pass as after= to read only newer lines")


class RegisterTask(Strict):
    project: str = Field(default="default", pattern=SCOPE)
    domain: str = Field(default="development", pattern=SCOPE)
    name: str = Field(min_length=1, max_length=256)
    version: str = Field(min_length=1, max_length=128)
    spec: TaskSpec
    interface: dict[str, Any] | None = None


class TaskModel(Out):
    project: str
    domain: str
    name: str
    version: str
    ref: dict[str, Any]
    spec: dict[str, Any] | None
    interface: dict[str, Any] | None
    created_at: float


class TaskList(Out):
    items: list[TaskModel]


class Health(Out):
    status: str
    version: str
    pid: int
    workers: int


class Projects(Out):
    projects: list[str]
    domains: list[str]


class DocModel(Out):
    """The index entry of a deck or report of one action attempt (its HTML is a blob)."""

    run: str
    action: str
    attempt: int = Field(
        description="the attempt that published it (the filler's, for a cache hit)"
    )
    kind: Literal["deck", "report"]
    name: str
    size: int = Field(description="bytes of UTF-8 HTML")
    updated_at: float = Field(description="when it was last published (epoch seconds)")
    digest: str = Field(description="sha256 of the HTML: its name in the blob store")
    source_run: str | None = Field(description="a cache hit's docs: the run that filled the cache")
    source_action: str | None = Field(description="... and the action in it; None otherwise")


class DocList(Out):
    items: list[DocModel]


class DocContent(DocModel):
    html: str = Field(
        description="the document, to be shown in a sandboxed iframe (srcdoc), never as a page"
    )


# -- launch plans ------------------------------------------------------------------------------
class ScheduleModel(Strict):
    """``cron`` takes ``schedule`` (a 5-field cron expression); ``fixed_rate`` ``seconds``."""

    kind: Literal["cron", "fixed_rate"]
    schedule: str | None = Field(default=None, min_length=1, max_length=256)
    seconds: float | None = Field(default=None, gt=0, le=MAX_SECONDS)
    kickoff_time_input_arg: str | None = Field(default=None, min_length=1, max_length=256)


class LaunchPlanSpec(Strict):
    """Inputs are ``flyte_nb.types`` encodings (name → encoded value)."""

    default_inputs: dict[str, Any] = {}
    fixed_inputs: dict[str, Any] = {}
    schedule: ScheduleModel | None = None
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    max_parallelism: int | None = Field(default=None, ge=1)
    overwrite_cache: bool | None = None


class RegisterLaunchPlan(Strict):
    project: str = Field(default="default", pattern=SCOPE)
    domain: str = Field(default="development", pattern=SCOPE)
    name: str = Field(min_length=1, max_length=256)
    version: str = Field(min_length=1, max_length=128)
    workflow_name: str = Field(min_length=1, max_length=256)
    workflow_version: str = Field(min_length=1, max_length=128)
    spec: LaunchPlanSpec


class LaunchPlanModel(Out):
    project: str
    domain: str
    name: str
    version: str
    workflow_name: str
    workflow_version: str
    spec: dict[str, Any]
    active: bool
    created_at: float


class LaunchPlanList(Out):
    items: list[LaunchPlanModel]
