"""The messages on the channel between the backend and a worker (``backend/_channel.py``).

Pickled dicts keyed by ``op``. Values travel encoded, as the records keep them: outputs
and inputs as ``flyte_nb.types`` JSON text, an error as its JSON record
(``engine/_errors.pack_error``), not as dicts. The backend sends a worker jobs and answers
(``ToWorker``); the worker sends readiness, output, child submissions and results
(``FromWorker``), among them the records of durable-run traces (``durable/_log.py``).
tests/test_wire_messages.py reads every dict literal with an ``op`` in flyte_nb and checks
its keys against these shapes, so a new key or message cannot go undeclared.
"""

from typing import Any, Literal, NotRequired, TypedDict

# -- backend -> worker ---------------------------------------------------------------------


class JobMessage(TypedDict):
    """Run attempt ``attempt`` of action ``action`` (``dispatch`` names this hand-over)."""

    op: Literal["run"]
    dispatch: int
    run: str
    action: str
    parent: str | None
    attempt: int
    spec: dict[str, Any]
    inputs: str
    group: str | None
    raw_dir: str
    sys_path: list[str]
    env: dict[str, str]
    secrets: NotRequired[dict[str, Any]]


class CancelMessage(TypedDict):
    """Abort the job ``dispatch`` (the action was aborted or timed out)."""

    op: Literal["cancel"]
    dispatch: int


class StopMessage(TypedDict):
    """Take back the queued job ``dispatch`` before it starts."""

    op: Literal["stop"]
    dispatch: int


class ExitMessage(TypedDict):
    """Exit: the pool shrinks or the backend stops."""

    op: Literal["exit"]


class ResultMessage(TypedDict):
    """The answer to request ``id`` (a submitted child's outcome, or finished traces)."""

    op: Literal["result"]
    id: int
    phase: NotRequired[str]
    outputs: NotRequired[str | None]
    error: NotRequired[str | None]
    traces: NotRequired[dict[str, str]]


ToWorker = JobMessage | CancelMessage | StopMessage | ExitMessage | ResultMessage

# -- worker -> backend ---------------------------------------------------------------------


class ReadyMessage(TypedDict):
    """The worker has started and takes jobs."""

    op: Literal["ready"]
    pid: int


class LogMessage(TypedDict):
    """A line of output (a log row: run_name, action_name, attempt, stream, ts, text)."""

    op: Literal["log"]
    row: dict[str, Any]


class DocMessage(TypedDict):
    """A deck or report, already in the blob store under ``digest``."""

    op: Literal["doc"]
    run: str
    action: str
    attempt: int
    kind: str
    name: str
    digest: str
    size: int


class SubmitMessage(TypedDict):
    """Request ``id``: run the child ``name`` of ``parent``; answered by a result."""

    op: Literal["submit"]
    id: NotRequired[int]
    run: str
    parent: str
    name: str
    spec: dict[str, Any]
    inputs: str
    group: str | None
    cache: list[str] | None


class DoneMessage(TypedDict):
    """The job's attempt ended: its phase and outputs, or the error."""

    op: Literal["done"]
    run: str
    action: str
    attempt: int
    dispatch: int
    phase: NotRequired[str]
    outputs: NotRequired[str | None]
    error: NotRequired[str | None]
    artifacts: NotRequired[list[dict[str, Any]]]


class StoppedMessage(TypedDict):
    """A guest job (an actor's or a Ray task's) handed back before it ran."""

    op: Literal["stopped"]
    dispatch: int


class TraceMessage(TypedDict):
    """A ``@trace`` call of the running action ended: its record, for a later recovery."""

    op: Literal["trace"]
    run: str
    parent: str | None
    name: str
    task: str
    short: str
    group: str | None
    inputs: str
    outputs: str | None
    error: str | None
    phase: str
    started_at: float | None
    ended_at: float | None


class TraceGetMessage(TypedDict):
    """Request ``id``: the finished traces under ``parent`` (a recovered run replays them)."""

    op: Literal["trace_get"]
    id: NotRequired[int]
    run: str
    parent: str


class TraceReplayMessage(TypedDict, total=False):
    """A trace was replayed from its record instead of running again (plus the call's
    own fields, which vary by call)."""

    op: Literal["trace_replay"]
    run: str
    parent: str
    name: str
    attempt: int


FromWorker = (
    ReadyMessage
    | LogMessage
    | DocMessage
    | SubmitMessage
    | DoneMessage
    | StoppedMessage
    | TraceMessage
    | TraceGetMessage
    | TraceReplayMessage
)
