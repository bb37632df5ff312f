"""``fl.init`` and ``fl.init_from_config``: where this process's runs go.

``fl.init()`` picks the home folder (records), the mode runs default to (``local`` in this
process, or ``remote`` on a backend it connects to, starting the home's embedded server when
none answers) and what ``Run.outputs()`` returns. ``init_from_config`` is Flyte 2's form of
the same call. Starting runs is ``_start.py``.
"""

from __future__ import annotations

import os
from typing import Any

from .. import _config
from ..exceptions import FlyteValidationException
from ..remote._handles import OUTPUTS_STYLES, set_outputs_style


def init(
    endpoint: str | None = None,
    *,
    token: str | None = None,
    home: str | os.PathLike[str] | None = None,
    project: str | None = None,
    domain: str | None = None,
    interactive_mode: bool | None = None,
    bundle_size_limit: int | None = None,
    local: bool = False,
    outputs: str | None = None,
    root_dir: str | os.PathLike[str] | None = None,
    log_level: int | None = None,
    **flyte2: Any,
) -> None:
    """Connect this kernel to a backend, starting this machine's one if none answers.

    ``home`` is where records live (default ``$FLYTE_NB_HOME`` or ``~/.flyte_nb``);
    ``endpoint``/``token`` connect to another server; ``local=True`` sets the home only
    and keeps every run in this process. Settings not given come from the environment
    and ``<home>/config.toml`` (see docs/configuration.md). ``outputs`` picks what
    ``Run.outputs()`` returns: ``"value"`` (default) or ``"tuple"`` (Flyte 2's).

    Flyte 2's other ``flyte.init`` parameters (``org``, ``api_key``, ``storage``,
    ``image_builder``, ...) are accepted so its programs run unchanged; they name cloud
    settings that have no meaning on this machine and are ignored (docs/compatibility.md).
    """
    if home is not None and not isinstance(home, (str, os.PathLike)):
        raise FlyteValidationException(
            f"fl.init(home=...) takes a folder path, got {type(home).__qualname__}"
        )
    if not isinstance(local, bool):
        raise FlyteValidationException(f"fl.init(local=...) must be True or False, got {local!r}")
    if outputs is not None and outputs not in OUTPUTS_STYLES:
        raise FlyteValidationException(
            f"fl.init(outputs=...) must be one of {list(OUTPUTS_STYLES)}, got {outputs!r}"
        )
    _check_flyte2_init("fl.init", flyte2, root_dir, log_level)
    from ..client import connect, disconnect

    _config.set_home(home)
    disconnect()
    _apply_log_level(log_level)
    set_outputs_style(outputs or "value")
    if local:
        return
    options: dict[str, Any] = {
        "project": project,
        "domain": domain,
        "interactive_mode": interactive_mode,
        "bundle_size_limit": bundle_size_limit,
    }
    connect(endpoint, token=token, **{k: v for k, v in options.items() if v is not None})


# Flyte 2's ``flyte.init`` parameters that name cloud settings (auth, storage, image
# builder...): accepted and ignored, so a Flyte 2 program's ``init`` call runs unchanged.
_FLYTE2_INIT = frozenset(
    {
        "org",
        "log_format",
        "reset_root_logger",
        "user_log_level",
        "headless",
        "insecure",
        "insecure_skip_verify",
        "ca_cert_file_path",
        "auth_type",
        "command",
        "proxy_command",
        "api_key",
        "client_id",
        "client_credentials_secret",
        "auth_client_config",
        "rpc_retries",
        "http_proxy_url",
        "disable_keyring",
        "storage",
        "batch_size",
        "image_builder",
        "images",
        "image_registry",
        "source_config_path",
        "sync_local_sys_paths",
        "load_plugin_type_transformers",
        "local_persistence",
        "local_tracked",
        "local_tracked_strict",
    }
)


def _check_flyte2_init(
    what: str, extra: dict[str, Any], root_dir: object, log_level: object
) -> None:
    unknown = sorted(set(extra) - _FLYTE2_INIT)
    if unknown:
        raise FlyteValidationException(
            f"{what}() got unknown argument(s) {unknown}; it takes endpoint, token, home, "
            "project, domain, local, outputs, and Flyte 2's init parameters"
        )
    if root_dir is not None and not isinstance(root_dir, (str, os.PathLike)):
        raise FlyteValidationException(
            f"{what}(root_dir=...) takes a folder path, got {type(root_dir).__qualname__}"
        )
    if log_level is not None and (isinstance(log_level, bool) or not isinstance(log_level, int)):
        raise FlyteValidationException(
            f"{what}(log_level=...) takes a logging level such as logging.INFO, got {log_level!r}"
        )


def _apply_log_level(level: int | None) -> None:
    if level is not None:
        import logging

        logging.getLogger("flyte_nb").setLevel(level)


def _init_from_config(
    path_or_config: str | os.PathLike[str] | None = None,
    root_dir: str | os.PathLike[str] | None = None,
    log_level: int | None = None,
    **flyte2: Any,
) -> None:
    """Flyte 2's ``flyte.init_from_config``: what a Flyte 2 program calls first.

    It connects like ``fl.init()`` (to the backend that ``FLYTE_NB_ENDPOINT`` or
    ``<home>/config.toml`` names, else this machine's own), and makes ``Run.outputs()``
    return Flyte 2's tuple of outputs, since the program indexes it (``outputs()[0]``).
    ``path_or_config`` names a Flyte config file; it must exist, but its contents (a
    cloud endpoint and credentials) are not read: flyte_nb's settings come from its own
    config. ``FLYTE_NB_LOCAL=1`` keeps the runs in this process instead.
    """
    if path_or_config is not None:
        if not isinstance(path_or_config, (str, os.PathLike)):
            raise FlyteValidationException(
                "fl.init_from_config(path_or_config=...) takes the path of a config file, "
                f"got {type(path_or_config).__qualname__}"
            )
        if not os.path.exists(path_or_config):
            raise FlyteValidationException(
                f"fl.init_from_config: no config file at {os.fspath(path_or_config)!r}; "
                "pass an existing path, or call it with no argument"
            )
    _check_flyte2_init("fl.init_from_config", flyte2, root_dir, log_level)
    local = os.environ.get("FLYTE_NB_LOCAL", "").lower() in ("1", "true", "yes")
    # The home stays the one in use (an earlier ``fl.init(home=...)`` or $FLYTE_NB_HOME).
    init(
        local=local,
        home=_config.home(),
        outputs="tuple",
        root_dir=root_dir,
        log_level=log_level,
    )


class _InitFromConfig:
    """``fl.init_from_config(...)``, and Flyte 2's ``await fl.init_from_config.aio(...)``."""

    def __call__(
        self,
        path_or_config: str | os.PathLike[str] | None = None,
        root_dir: str | os.PathLike[str] | None = None,
        log_level: int | None = None,
        **flyte2: Any,
    ) -> None:
        _init_from_config(path_or_config, root_dir, log_level, **flyte2)

    async def aio(
        self,
        path_or_config: str | os.PathLike[str] | None = None,
        root_dir: str | os.PathLike[str] | None = None,
        log_level: int | None = None,
        **flyte2: Any,
    ) -> None:
        import asyncio

        await asyncio.to_thread(_init_from_config, path_or_config, root_dir, log_level, **flyte2)


init_from_config = _InitFromConfig()
init_from_config.__doc__ = _init_from_config.__doc__
