"""The backend's live events (``GET /api/v1/events``, server-sent), one shape per ``kind``.

The backend publishes them on its event bus (``backend/_events.py``); the server sends
each as ``event: <kind>`` with the dict as ``data``. ``Run.watch`` in the kernel and the
panel's live views read them; the OpenAPI document lists these shapes under the events
route (``server/_wire_schemas.py``), so the panel's TypeScript has them too.

A watcher of one run (``?run=``) first gets that run's whole view (``RunView``) as its
``run`` event, and the ``doc`` events of decks already published, so it starts from the
state so far; tell the snapshot from a ``RunEvent`` by its ``kind`` key, which only events
carry.
"""

from typing import Literal, NotRequired, TypedDict


class RunEvent(TypedDict):
    """A run's phase, action count or waiting gates changed."""

    kind: Literal["run"]
    run: str
    phase: str
    actions: int
    waiting: NotRequired[list[str]]


class ActionEvent(TypedDict):
    """An action's phase or attempt changed."""

    kind: Literal["action"]
    run: str
    name: str
    parent: str | None
    phase: str
    attempts: int
    cache_hit: bool


class LogEvent(TypedDict):
    """A line an action printed (the ``LogLine`` fields; no ``id`` before it is stored)."""

    kind: Literal["log"]
    run_name: str
    action_name: str
    attempt: int
    stream: str
    ts: float
    text: str
    id: NotRequired[int]


class DocEvent(TypedDict):
    """A deck or report was published."""

    kind: Literal["doc"]
    run: str
    action: str
    attempt: int
    doc_kind: str
    name: str


class ArtifactEvent(TypedDict):
    """An action's output was kept as an artifact version."""

    kind: Literal["artifact"]
    run: str
    action: str
    name: str
    version: str
    project: str
    domain: str


class AppEvent(TypedDict):
    """An app changed state (published on the app's own channel)."""

    kind: Literal["app"]
    project: str
    domain: str
    name: str
    state: str
    revision: int


class OverflowEvent(TypedDict):
    """The watcher fell behind and missed events: re-read the state instead."""

    kind: Literal["overflow"]


Event = RunEvent | ActionEvent | LogEvent | DocEvent | ArtifactEvent | AppEvent | OverflowEvent
