"""The backend: runs submitted over HTTP, executed in a pool of worker processes.

``_service`` holds the life of runs and actions (plain Python on one event loop),
``_scheduler`` decides which queued action runs where and when, ``_executor`` chooses where
workers come from (``_pool``: local processes; ``_ray``, ``_ray_link``: Ray actors),
``_worker`` is what runs inside one, ``_channel`` carries the messages between
them, ``_records`` is the in-memory view of live runs, ``_events`` feeds live updates and
``_views`` shapes what the HTTP API returns. The server (``flyte_nb.server``) is a thin
HTTP layer over this package.

Names resolve lazily (PEP 562): a worker process imports ``flyte_nb.backend._worker``,
which runs inside this package, and must not pay for ``_service`` (SQLAlchemy, through the
gates' signal store) on every start; ``tests/test_backend_imports.py`` holds that line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr

if TYPE_CHECKING:
    from ._errors import BackendError
    from ._events import EventBus
    from ._service import Backend
    from ._views import Views, action_view, run_view

_LAZY = {
    "EventBus": "._events",
    "Backend": "._service",
    "BackendError": "._errors",
    "Views": "._views",
    "action_view": "._views",
    "run_view": "._views",
}

__all__ = ["Backend", "BackendError", "EventBus", "Views", "action_view", "run_view"]

__getattr__ = lazy_getattr(__name__, _LAZY)
