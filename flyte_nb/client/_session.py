"""The kernel's connection to a backend, set by ``fl.init()``.

``fl.init()`` with no endpoint reuses the backend of this home folder or starts one
(``client/_daemon.py`` holds the lock, the token file and the version check); with an
endpoint it connects to that server. Either way the session checks the server's version
once, so a mismatch is one clear error at ``init`` rather than odd failures later.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..exceptions import FlyteValidationException

if TYPE_CHECKING:  # httpx costs ~0.11 s to import: a local-only kernel never pays it
    from ._http import BackendClient


@dataclass
class Session:
    client: BackendClient
    endpoint: str
    project: str
    domain: str
    interactive_mode: bool | None
    bundle_size_limit: int
    server_version: str


_current: Session | None = None


def current() -> Session | None:
    return _current


def disconnect() -> None:
    """Forget the session. Its client is not closed: ``Run`` handles made through it keep
    working (and close it when the last one goes)."""
    global _current
    _current = None


def connect(
    endpoint: str | None = None,
    *,
    token: str | None = None,
    home: str | os.PathLike[str] | None = None,
    **client_options: Any,
) -> Session:
    global _current
    from ._settings import load_client_config

    config = load_client_config(endpoint=endpoint, token=token, **client_options)
    follow: Path | None = None  # the home whose server this is: followed across restarts
    if config.endpoint is None:
        from .. import _config
        from ._daemon import ensure_server

        follow = Path(home).expanduser().resolve() if home is not None else _config.home()
        info = ensure_server(follow)
        url, secret = info.url, info.token
    else:
        if not config.token:
            raise FlyteValidationException(
                f"fl.init(endpoint={config.endpoint!r}) needs the server's token: pass "
                "token=..., or set FLYTE_NB_TOKEN"
            )
        url, secret = config.endpoint, config.token
    from ._http import BackendClient

    client = BackendClient(url, secret, home=follow)
    health = client.health()
    if health.get("version") != __version__:
        client.close()
        raise FlyteValidationException(
            f"the backend at {url} runs flyte_nb {health.get('version')}, this kernel has "
            f"{__version__}; use the same version on both sides"
        )
    disconnect()
    _current = Session(
        client=client,
        endpoint=url,
        project=config.project,
        domain=config.domain,
        interactive_mode=config.interactive_mode,
        bundle_size_limit=config.bundle_size_limit,
        server_version=health["version"],
    )
    return _current
