"""The kernel's requests to the backend's HTTP API and the views it answers with.

The server validates these with its pydantic models (``server/_schemas.py``:
``CreateRun``, ``RunModel``, ...), which are what its OpenAPI document shows;
tests/test_wire.py checks that each model has exactly these keys, required alike, so the
client's types, the server's models and the document cannot drift apart.
"""

from typing import Any, NotRequired, TypedDict


class RunOptionsBody(TypedDict):
    """How a run runs (``CreateRun.options``); every key has a default on the server."""

    overwrite_cache: NotRequired[bool]
    max_action_concurrency: NotRequired[int | None]
    env_vars: NotRequired[dict[str, str]]
    sys_path: NotRequired[list[str]]
    artifacts: NotRequired[list[dict[str, Any]]]
    source: NotRequired[dict[str, Any] | None]


class CreateRunBody(TypedDict):
    """``POST /api/v1/runs``: start a run of the task ``spec`` with encoded ``inputs``."""

    name: NotRequired[str | None]
    project: NotRequired[str]
    domain: NotRequired[str]
    spec: dict[str, Any]
    inputs: str
    cache: NotRequired[list[str] | None]
    options: NotRequired[RunOptionsBody]


class RegisterTaskBody(TypedDict):
    """``POST /api/v1/tasks``: keep a task version the backend can run by name later."""

    project: NotRequired[str]
    domain: NotRequired[str]
    name: str
    version: str
    spec: dict[str, Any]
    interface: NotRequired[dict[str, Any] | None]


class RunView(TypedDict):
    """A run as the backend shows it (``RunModel``)."""

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
    waiting: NotRequired[list[str]]


class ActionView(TypedDict):
    """One action of a run (``ActionModel``)."""

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
    resources: NotRequired[dict[str, Any] | None]


class LogLine(TypedDict):
    """One line a task printed (``LogLine``); ``id`` orders them within the backend."""

    id: int
    run_name: str
    action_name: str
    attempt: int
    stream: str
    ts: float
    text: str


class TaskView(TypedDict):
    """A registered task version (``TaskModel``)."""

    project: str
    domain: str
    name: str
    version: str
    ref: dict[str, Any]
    spec: dict[str, Any] | None
    interface: dict[str, Any] | None
    created_at: float


class HealthView(TypedDict):
    """``GET /api/v1/health``: who answers (``Health``)."""

    status: str
    version: str
    pid: int
    workers: int


class ProjectsView(TypedDict):
    """``GET /api/v1/projects`` (``Projects``)."""

    projects: list[str]
    domains: list[str]
