"""Requests and views of the backend's other resources: launch plans, apps, gate
signals, run-output resolution and recovery (the runs and tasks are in ``_http``).

Checked against the server's pydantic models by tests/test_wire.py, like ``_http``.
No postponed annotations here (see the package docstring).
"""

from typing import Any, Literal, NotRequired, TypedDict


class RegisterLaunchPlanBody(TypedDict):
    """``POST /api/v1/launch-plans``: a launch plan version of a registered workflow."""

    project: NotRequired[str]
    domain: NotRequired[str]
    name: str
    version: str
    workflow_name: str
    workflow_version: str
    spec: dict[str, Any]


class LaunchPlanView(TypedDict):
    """A launch plan version (``LaunchPlanModel``); ``spec`` holds encoded inputs."""

    project: str
    domain: str
    name: str
    version: str
    workflow_name: str
    workflow_version: str
    spec: dict[str, Any]
    active: bool
    created_at: float


class DeployAppBody(TypedDict):
    """``POST /api/v1/apps``: deploy (or replace) the app ``spec`` describes."""

    project: NotRequired[str]
    domain: NotRequired[str]
    version: NotRequired[str | None]
    spec: dict[str, Any]


class AppView(TypedDict):
    """A deployed app (``AppModel``)."""

    project: str
    domain: str
    name: str
    revision: int
    state: Literal["PENDING", "DEPLOYING", "ACTIVE", "FAILED", "STOPPED"]
    reason: str | None
    desired_state: Literal["ACTIVE", "STOPPED"]
    version: str | None
    port: int
    endpoint: str
    pid: int | None
    restarts: int
    created_at: float
    updated_at: float
    deployed_at: float
    active_at: float | None
    spec: dict[str, Any]
    parameters: list[dict[str, Any]]


class AppLogLine(TypedDict):
    """A line an app printed (``AppLogLine``)."""

    id: int
    revision: int
    stream: str
    ts: float
    text: str


class AnswerSignalBody(TypedDict, total=False):
    """``POST /api/v1/runs/{name}/signals/{signal}``: approve, reject or give a value."""

    approved: bool | None
    value: str | None
    by: str | None


class SignalView(TypedDict):
    """A gate of a run (``SignalModel``): waiting, or answered with ``value``."""

    run_name: str
    name: str
    action_name: str
    kind: str
    type: str
    state: str
    value: str | None
    created_at: float
    set_at: float | None
    set_by: str | None


class ResolveRunOutputBody(TypedDict):
    """``POST /api/v1/run-outputs/resolve``: which run's output an app parameter means."""

    run_output: dict[str, Any]
    project: NotRequired[str]
    domain: NotRequired[str]
    current_version: NotRequired[str | None]


class ResolvedRunOutputView(TypedDict):
    """The run a ``RunOutput`` resolved to, and that output (encoded)."""

    run: str
    task_name: str
    output: Any


class RecoverBody(TypedDict, total=False):
    """``POST /api/v1/runs/{name}/recover``: the new run's name and added env vars."""

    name: str | None
    env_vars: dict[str, str]
