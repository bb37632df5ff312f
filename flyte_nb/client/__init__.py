"""The SDK's side of the backend: the HTTP client, the session ``fl.init`` opens, run
submission, and the per-home server daemon it starts (``_daemon``, with its settings in
``_settings``). It speaks to the backend only through the HTTP API, and starts the server as
a process (``python -m flyte_nb.server``), so it imports nothing of ``server`` or ``backend``.

The session functions are imported eagerly (every ``fl.run`` asks whether a session
exists); the HTTP client and submission load httpx, so they resolve on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr
from ._session import Session, connect, current, disconnect

if TYPE_CHECKING:
    from ._http import BackendClient
    from ._submit import submit_run

_LAZY = {"BackendClient": "._http", "submit_run": "._submit"}

__all__ = ["BackendClient", "Session", "connect", "current", "disconnect", "submit_run"]


__getattr__ = lazy_getattr(__name__, _LAZY)
