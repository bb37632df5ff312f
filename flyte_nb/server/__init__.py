"""The backend's HTTP service: the ASGI app and the process that serves it (``__main__``).

Starting, finding and stopping that process from outside (the daemon) and its settings live
in ``flyte_nb.client`` (``_daemon``, ``_settings``): a kernel starts a server without
importing this package. The names below are kept here for existing callers and resolve
lazily (PEP 562), so that importing them does not load FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr

if TYPE_CHECKING:
    from ..client._daemon import ServerInfo, ensure_server, start, status, stop
    from ..client._settings import (
        ClientConfig,
        ServerConfig,
        load_client_config,
        load_server_config,
    )
    from ._app import create_app

_LAZY = {
    "create_app": "._app",
    "ClientConfig": "..client._settings",
    "ServerConfig": "..client._settings",
    "load_client_config": "..client._settings",
    "load_server_config": "..client._settings",
    "ServerInfo": "..client._daemon",
    "ensure_server": "..client._daemon",
    "start": "..client._daemon",
    "status": "..client._daemon",
    "stop": "..client._daemon",
}

__all__ = [
    "ClientConfig",
    "ServerConfig",
    "ServerInfo",
    "create_app",
    "ensure_server",
    "load_client_config",
    "load_server_config",
    "start",
    "status",
    "stop",
]


__getattr__ = lazy_getattr(__name__, _LAZY)
