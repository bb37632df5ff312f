"""The backend's HTTP service: the ASGI app, its config, and the daemon that runs it.

Names resolve lazily (PEP 562): ``fl.init()`` needs the daemon and the config, and a
kernel should not pay for importing FastAPI to find a running server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr

if TYPE_CHECKING:
    from ._app import create_app
    from ._config import ClientConfig, ServerConfig, load_client_config, load_server_config
    from ._daemon import ServerInfo, ensure_server, start, status, stop

_LAZY = {
    "create_app": "._app",
    "ClientConfig": "._config",
    "ServerConfig": "._config",
    "load_client_config": "._config",
    "load_server_config": "._config",
    "ServerInfo": "._daemon",
    "ensure_server": "._daemon",
    "start": "._daemon",
    "status": "._daemon",
    "stop": "._daemon",
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
