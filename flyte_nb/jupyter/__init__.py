"""The JupyterLab panel's server side: a Jupyter server extension proxying the backend's API.

The panel itself is the prebuilt lab extension built from ``labextension/`` into
``flyte_nb/labextension`` and installed with the package; ``jupyter-config/`` enables this
server extension. Handlers live in ``_handlers.py`` (the proxy and its design), backend
resolution in ``_target.py``. Importing this package costs nothing: Jupyter's modules load
only when a Jupyter server loads the extension.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ._target import BASE_PATH, BackendTarget, resolve_backend, start_local_backend

__all__ = [
    "BASE_PATH",
    "BackendTarget",
    "panel_not_built",
    "resolve_backend",
    "start_local_backend",
]

LAB_EXTENSION = "flyte-nb-panel"


def panel_not_built() -> str | None:
    """One line saying the panel is missing and how to add it, or None when it is installed.

    An install from source on a machine without Node.js skips the panel's JS build
    (``labextension/build_panel.py``) and pip hides that build's output, so the demo and the
    Jupyter server extension repeat it where a user will read it.
    """
    places = (
        Path(__file__).resolve().parent.parent / "labextension",  # an editable install
        Path(sys.prefix) / "share" / "jupyter" / "labextensions" / LAB_EXTENSION,
    )
    if any((place / "package.json").exists() for place in places):
        return None
    return (
        "the JupyterLab panel is not installed (it was built without Node.js); to add it, "
        "install Node.js >= 20 and reinstall flyte_nb (a wheel built with Node needs none)"
    )


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": LAB_EXTENSION}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "flyte_nb.jupyter"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Add the handlers (called by Jupyter server when the extension is enabled)."""
    from jupyter_server.utils import url_path_join

    from ._frames import FrameHandler
    from ._handlers import ProxyHandler, StartHandler, StatusHandler, _Clients
    from ._preview import PreviewHandler
    from ._target import Targets

    web_app = server_app.web_app
    web_app.settings["flyte_nb_targets"] = Targets()
    web_app.settings["flyte_nb_clients"] = _Clients()
    base = url_path_join(web_app.settings["base_url"], BASE_PATH)
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "status"), StatusHandler),
            (url_path_join(base, "backend", "start"), StartHandler),
            (url_path_join(base, "frame", "([^/]+)"), FrameHandler),
            (url_path_join(base, "preview", "([^/]+)"), PreviewHandler),
            (url_path_join(base, "api", "v1", "(.*)"), ProxyHandler),
        ],
    )
    server_app.log.info("flyte_nb panel: handlers under %s", base)
    missing = panel_not_built()
    if missing is not None:
        server_app.log.warning("flyte_nb: %s", missing)


async def _unload_jupyter_server_extension(server_app: Any) -> None:
    clients = server_app.web_app.settings.get("flyte_nb_clients")
    if clients is not None:
        await clients.aclose()
