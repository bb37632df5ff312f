"""Which backend the panel talks to, and with what token: resolved in the Jupyter server.

Decisions:
- The same resolution as ``fl.init()``: the client settings (``FLYTE_NB_ENDPOINT`` /
  ``FLYTE_NB_TOKEN`` or ``[client]`` in ``<home>/config.toml``) and, without an endpoint,
  the running server of the home folder (``FLYTE_NB_HOME`` or ``~/.flyte_nb``), found
  through its ``server.json`` and token file. A kernel started by this Jupyter server
  inherits its environment, so the panel shows the runs that the notebook's ``fl.init()``
  makes.
- Opening the panel never starts a backend: a sidebar should not spawn processes. Without
  one it says how to start one, and offers a button that does what ``fl.init()`` would do
  (``start_local_backend``).
- The lab setting ``backendEndpoint`` picks *where* per request; the token always comes
  from this process: ``FLYTE_NB_TOKEN`` for any endpoint, or the home server's token file
  when the endpoint is the home server. The browser never holds a backend token, and the
  home token is only ever sent to the home server.
- Resolving reads files and makes one health request, so it runs in a thread and its result
  is cached; a connection error or a 401 drops the cache (``Targets.forget``), so a backend
  restarted on another port is found by the next request.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .._version import __version__
from ..exceptions import BackendUnavailableError, FlyteValidationException

BASE_PATH = "flyte-nb"
"""Where the panel's handlers live under the Jupyter server's base URL."""

LOCAL_SOURCE = "the flyte_nb server for "
"""How a target that is the home folder's own backend names its source."""

HOW_TO_START = (
    "start one with `flyte-nb server start` in a terminal, or run `fl.init()` in a notebook"
)


@dataclass(frozen=True)
class BackendTarget:
    """A backend the panel can reach: its URL, its token (never sent to the browser) and a
    description of where the setting came from, for messages."""

    url: str
    token: str = field(repr=False)
    source: str
    version: str | None = None


def _home(home: str | os.PathLike[str] | None) -> Path:
    from .. import _config

    if home is None:
        return _config.home()
    if not isinstance(home, (str, os.PathLike)):
        raise FlyteValidationException(
            f"home must be a folder path (str or Path), got {type(home).__name__}"
        )
    return Path(home).expanduser().resolve()


def _local(home: Path) -> BackendTarget | None:
    from ..client._daemon import status

    info = status(home)
    if info is None:
        return None
    return BackendTarget(info.url, info.token, f"{LOCAL_SOURCE}{home}", info.version)


def resolve_backend(
    endpoint: str | None = None, *, home: str | os.PathLike[str] | None = None
) -> BackendTarget:
    """The backend for ``endpoint`` (None: the one ``fl.init()`` would use), or
    ``BackendUnavailableError`` saying how to start or configure one. Blocking."""
    from ..client._settings import load_client_config

    if endpoint is not None and not isinstance(endpoint, str):
        raise FlyteValidationException(
            f"endpoint must be a URL string like http://127.0.0.1:8000, got {endpoint!r}"
        )
    where = _home(home)
    given = (endpoint.strip() or None) if endpoint else None
    config = load_client_config(where, endpoint=given)  # validates the URL, naming its source
    if config.endpoint is None:
        local = _local(where)
        if local is None:
            raise BackendUnavailableError(
                f"No flyte_nb backend is running for {where}: {HOW_TO_START}."
            )
        return local
    source = "the panel's backendEndpoint setting" if given else "FLYTE_NB_ENDPOINT"
    token = config.token
    if token is None:
        local = _local(where)
        if local is not None and local.url == config.endpoint:
            return BackendTarget(local.url, local.token, source, local.version)
        raise BackendUnavailableError(
            f"{source} names {config.endpoint}, but the Jupyter server has no token for it: "
            "set FLYTE_NB_TOKEN in the environment that starts JupyterLab (the browser "
            "never holds backend tokens), or clear the setting to use this machine's backend"
        )
    return BackendTarget(config.endpoint, token, source)


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_local_backend(
    home: str | os.PathLike[str] | None = None, port: int | None = None
) -> BackendTarget:
    """Start (or find) the home folder's backend, as ``fl.init()`` does. Blocking.

    ``port``: where the home's backend listened last. Kernels that ran ``fl.init()`` hold
    that URL, so a backend started again on a new port (port 0 picks one) broke every open
    kernel; on the same port they carry on. A port taken meanwhile falls back to a new one.
    """
    from ..client._daemon import ensure_server

    if port is not None and (isinstance(port, bool) or not isinstance(port, int)):
        raise FlyteValidationException(f"port must be an int or None, got {port!r}")
    where = _home(home)
    overrides = {"port": port} if port and _port_free(port) else {}
    info = ensure_server(where, **overrides)
    return BackendTarget(info.url, info.token, f"{LOCAL_SOURCE}{where}", info.version)


class Targets:
    """Resolved backends per endpoint setting, resolved off the event loop."""

    def __init__(self, home: str | os.PathLike[str] | None = None) -> None:
        self.home = home
        self._cache: dict[str | None, BackendTarget] = {}
        self.last_port: int | None = None
        """The port the home's backend was last seen on (``start`` reuses it)."""

    async def get(self, endpoint: str | None) -> BackendTarget:
        target = self._cache.get(endpoint)
        if target is None:
            target = await asyncio.to_thread(resolve_backend, endpoint, home=self.home)
            self._cache[endpoint] = target
            self._note(target)
        return target

    def _note(self, target: BackendTarget) -> None:
        if target.source.startswith(LOCAL_SOURCE):
            port = urlsplit(target.url).port
            self.last_port = port if port else self.last_port

    def forget(self, endpoint: str | None = None) -> None:
        """Drop one cached target, or (no argument) all of them."""
        if endpoint is None:
            self._cache.clear()
        else:
            self._cache.pop(endpoint, None)

    async def start(self) -> BackendTarget:
        target = await asyncio.to_thread(start_local_backend, self.home, self.last_port)
        self.forget()
        self._note(target)
        return target


def version_note(target: BackendTarget) -> str | None:
    """A warning when the backend runs another flyte_nb version than this server's."""
    if target.version is None or target.version == __version__:
        return None
    return (
        f"the backend runs flyte_nb {target.version}, this Jupyter server has {__version__}; "
        "some views may not work until both use the same version"
    )
