"""The messages flyte_nb's processes send each other, as ``TypedDict`` shapes.

Four wires: the kernel's HTTP requests to the backend and its answers (``_http`` for runs
and tasks, ``_resources`` for launch plans, apps and gates), the
backend's server-sent events to watchers (``_events``: the kernel's ``Run.watch`` and the
panel), and the channel between the backend and its worker processes (``_channel``). Each
message is built and read as a plain dict, as before; these types say which keys it has, so
mypy checks both ends against one definition.

Design decisions:

- ``TypedDict`` from the standard library, no pydantic: workers and the kernel import this
  package, and it must cost nothing at import (it imports only ``typing``). The server,
  which has pydantic anyway, builds its OpenAPI schemas of the events from these types
  (``server/_wire_schemas.py``), and tests/test_wire.py checks the server's own pydantic
  request and response models against the ``_http`` shapes key for key, so the OpenAPI
  document (and the panel's TypeScript generated from it) describes what is really sent.
- Keys a message carries only sometimes are ``NotRequired``; values that are user data
  (encoded values, task specs, error records) stay ``dict[str, Any]``.
- Below every other package: it imports nothing of flyte_nb.
- No ``from __future__ import annotations`` in these modules: Python 3.11's ``TypedDict``
  cannot see ``NotRequired`` inside a string annotation and would make every key required.
"""

from ._channel import (
    CancelMessage,
    DocMessage,
    DoneMessage,
    ExitMessage,
    FromWorker,
    JobMessage,
    LogMessage,
    ReadyMessage,
    ResultMessage,
    StopMessage,
    StoppedMessage,
    SubmitMessage,
    ToWorker,
    TraceGetMessage,
    TraceMessage,
    TraceReplayMessage,
)
from ._events import (
    ActionEvent,
    AppEvent,
    ArtifactEvent,
    DocEvent,
    Event,
    LogEvent,
    OverflowEvent,
    RunEvent,
)
from ._http import (
    ActionView,
    CreateRunBody,
    HealthView,
    LogLine,
    ProjectsView,
    RegisterTaskBody,
    RunOptionsBody,
    RunView,
    TaskView,
)
from ._resources import (
    AnswerSignalBody,
    AppLogLine,
    AppView,
    DeployAppBody,
    LaunchPlanView,
    RecoverBody,
    RegisterLaunchPlanBody,
    ResolvedRunOutputView,
    ResolveRunOutputBody,
    SignalView,
)

__all__ = [
    "ActionEvent",
    "ActionView",
    "AnswerSignalBody",
    "AppEvent",
    "AppLogLine",
    "AppView",
    "ArtifactEvent",
    "CancelMessage",
    "CreateRunBody",
    "DeployAppBody",
    "DocEvent",
    "DocMessage",
    "DoneMessage",
    "Event",
    "ExitMessage",
    "FromWorker",
    "HealthView",
    "JobMessage",
    "LaunchPlanView",
    "LogEvent",
    "LogLine",
    "LogMessage",
    "OverflowEvent",
    "ProjectsView",
    "ReadyMessage",
    "RecoverBody",
    "RegisterLaunchPlanBody",
    "RegisterTaskBody",
    "ResolveRunOutputBody",
    "ResolvedRunOutputView",
    "ResultMessage",
    "RunEvent",
    "RunOptionsBody",
    "RunView",
    "SignalView",
    "StopMessage",
    "StoppedMessage",
    "SubmitMessage",
    "TaskView",
    "ToWorker",
    "TraceGetMessage",
    "TraceMessage",
    "TraceReplayMessage",
]
