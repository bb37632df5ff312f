"""The backend: runs submitted over HTTP, executed in a pool of worker processes.

``_service`` holds the scheduling logic (plain Python on one event loop), ``_pool`` the
worker processes, ``_worker`` what runs inside one, ``_channel`` the messages between
them, ``_events`` live updates, ``_views`` what the HTTP API returns. The server
(``flyte_nb.server``) is a thin HTTP layer over this package.
"""

from ._events import EventBus
from ._service import Backend, BackendError
from ._views import Views, action_view, run_view

__all__ = ["Backend", "BackendError", "EventBus", "Views", "action_view", "run_view"]
