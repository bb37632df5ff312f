"""Server and client settings: where each value comes from, and how a bad one is reported.

Why it looks like this:
- One precedence for every setting: keyword argument > environment variable >
  ``<home>/config.toml`` (``[server]`` or ``[client]``) > default. A value of ``None`` in
  the arguments means "not given", so the CLI can pass its parsed options straight through;
  an empty environment variable counts as unset (``FLYTE_NB_SERVER_PORT= cmd`` is common).
- Each value is checked where it is read, and the error names that source (the argument,
  the variable, or the file and key) and says what would be accepted. A settings mistake is
  found at ``init()``/``server start`` with the place to fix it, not later as a socket error.
- Unknown keys in a config-file section are errors: a typo (``prot = 8000``) that silently
  falls back to the default is worse than a refusal.
- The server only listens on loopback unless ``allow_remote`` is set: the bearer token is
  the only thing between the network and running code as this user.
- The token lives in ``<home>/server.token`` (mode 0600) and nowhere else: not in
  ``config.toml`` (often shared or committed) and not on command lines (visible in ``ps``).
  An existing token file readable by group or others is *refused*, not silently fixed:
  the token may already have leaked, so the user decides (delete it for a new one, or
  ``chmod 600`` it).
- Parsing uses the stdlib only (``tomllib``), imported when used: the ``flyte-nb`` CLI
  imports this module to build its options, and should not pay for a config file it
  does not read.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException

if TYPE_CHECKING:
    import argparse

__all__ = [
    "LOG_BYTES",
    "ClientConfig",
    "ServerConfig",
    "add_server_arguments",
    "check_bind_host",
    "load_client_config",
    "load_server_config",
    "log_limit",
    "read_or_create_token",
    "server_overrides",
]

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
EXECUTORS = ("local", "ray")  # backend/_executor.py's kinds (importing it here costs ~1 s)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

LOG_BYTES = 8 * 1024 * 1024
"""``server.log`` is rotated past this size (env ``FLYTE_NB_SERVER_LOG_BYTES``)."""


def log_limit() -> int:
    """The size ``server.log`` is rotated at: read by the server's watchdog and by the daemon,
    which opens the log for a new server and rotates a full one first."""
    with contextlib.suppress(ValueError):
        value = float(os.environ.get("FLYTE_NB_SERVER_LOG_BYTES", "") or LOG_BYTES)
        if value > 0:
            return int(value)
    return LOG_BYTES


Parser = Callable[[Any, str, str], Any]
"""(raw value, setting name, source description) -> checked value."""


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """Everything the backend server needs. Empty ``db_url``/``blob_url`` and ``workers=0``
    mean "the default": a SQLite file and a blob folder under ``home``, one worker per CPU
    (per CPU of the Ray cluster with ``executor="ray"``, counted when the server starts)."""

    home: Path
    token: str
    host: str = "127.0.0.1"
    port: int = 0
    db_url: str = ""
    blob_url: str = ""
    workers: int = 0
    max_body_bytes: int = 64 * 1024 * 1024
    max_blob_bytes: int = 8 * 1024 * 1024 * 1024  # one blob upload (streamed to disk)
    allow_remote: bool = False
    log_level: str = "warning"
    executor: str = "local"
    ray_address: str = ""
    idle_timeout: float | None = None  # seconds; None: off, or ON_DEMAND_IDLE for fl.init()

    def __post_init__(self) -> None:
        home = Path(self.home).expanduser().resolve()
        object.__setattr__(self, "home", home)
        if not self.db_url:
            object.__setattr__(self, "db_url", f"sqlite:///{home / 'flyte_nb.db'}")
        if not self.blob_url:
            object.__setattr__(self, "blob_url", str(home / "blobs"))
        if not self.workers and self.executor == "local":
            object.__setattr__(self, "workers", os.cpu_count() or 1)


@dataclass(frozen=True, kw_only=True)
class ClientConfig:
    """How a kernel reaches a backend (``endpoint=None``: the local server under home)."""

    endpoint: str | None = None
    token: str | None = None
    project: str = "default"
    domain: str = "development"
    interactive_mode: bool | None = None
    bundle_size_limit: int = 100 * 1024 * 1024


# -- value parsers: each returns the checked value or raises naming the source -------------
def _invalid(name: str, source: str, expected: str, raw: Any) -> FlyteValidationException:
    return FlyteValidationException(f"{source}: {name} must be {expected}; got {raw!r}")


def _integer(lo: int, hi: int | None, expected: str) -> Parser:
    def parse(raw: Any, name: str, source: str) -> int:
        value: int | None = None
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, str):
            try:
                value = int(raw.strip().replace("_", ""))
            except ValueError:
                value = None
        if value is None or value < lo or (hi is not None and value > hi):
            raise _invalid(name, source, expected, raw)
        return value

    return parse


def _seconds(raw: Any, name: str, source: str) -> float:
    value: float | None = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        with contextlib.suppress(ValueError):
            value = float(raw.strip())
    if value is None or not 0 <= value <= 10 * 365 * 86400:
        raise _invalid(name, source, "a number of seconds >= 0 (0: never)", raw)
    return value


def _boolean(raw: Any, name: str, source: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise _invalid(name, source, "true or false (env: 1/0, true/false, yes/no, on/off)", raw)


def _text(raw: Any, name: str, source: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _invalid(name, source, "a non-empty string", raw)
    return raw.strip()


def _host(raw: Any, name: str, source: str) -> str:
    host = _text(raw, name, source)
    if any(c.isspace() or c in "/@?#" for c in host):
        raise _invalid(name, source, "a host name or IP address such as 127.0.0.1", raw)
    return host.strip("[]")


def _db_url(raw: Any, name: str, source: str) -> str:
    url = _text(raw, name, source)
    if not _URL_SCHEME.match(url):
        raise _invalid(name, source, "a SQLAlchemy URL such as sqlite:////path/flyte_nb.db", raw)
    return url


def _log_level(raw: Any, name: str, source: str) -> str:
    if isinstance(raw, str) and raw.strip().lower() in LOG_LEVELS:
        return raw.strip().lower()
    raise _invalid(name, source, f"one of {', '.join(LOG_LEVELS)}", raw)


def _executor(raw: Any, name: str, source: str) -> str:
    if isinstance(raw, str) and raw.strip().lower() in EXECUTORS:
        return raw.strip().lower()
    raise _invalid(name, source, f"one of {', '.join(EXECUTORS)}", raw)


def _ray_address(raw: Any, name: str, source: str) -> str:
    address = _text(raw, name, source)
    if address.startswith("ray://") or any(c.isspace() for c in address):
        expected = "a Ray cluster address such as 127.0.0.1:6379 or auto (not a ray:// client URL)"
        raise _invalid(name, source, expected, raw)
    return address


def _endpoint(raw: Any, name: str, source: str) -> str:
    expected = "http(s)://host[:port], e.g. http://127.0.0.1:8000"
    url = _text(raw, name, source).rstrip("/")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        raise _invalid(name, source, expected, raw) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise _invalid(name, source, expected, raw)
    return url


def _name(raw: Any, name: str, source: str) -> str:
    if isinstance(raw, str) and _NAME.match(raw):
        return raw
    expected = "1-63 lowercase letters, digits, '_' or '-', starting with a letter or digit"
    raise _invalid(name, source, expected, raw)


def _token(raw: Any, name: str, source: str) -> str:
    if not isinstance(raw, str) or not raw or any(c.isspace() for c in raw):
        raise _invalid(name, source, "a non-empty string without spaces", raw)
    return raw


_PORT = _integer(0, 65535, "an integer in 0..65535 (0 picks a free port)")
# setting -> (environment variable or None, parser)
_SERVER: dict[str, tuple[str | None, Parser]] = {
    "host": ("FLYTE_NB_SERVER_HOST", _host),
    "port": ("FLYTE_NB_SERVER_PORT", _PORT),
    "db_url": ("FLYTE_NB_DB_URL", _db_url),
    "blob_url": ("FLYTE_NB_BLOB_URL", _text),
    "workers": ("FLYTE_NB_WORKERS", _integer(1, None, "an integer >= 1")),
    "max_body_bytes": ("FLYTE_NB_MAX_BODY_BYTES", _integer(1, None, "a byte count >= 1")),
    "max_blob_bytes": ("FLYTE_NB_MAX_BLOB_BYTES", _integer(1, None, "a byte count >= 1")),
    "allow_remote": ("FLYTE_NB_ALLOW_REMOTE", _boolean),
    "log_level": ("FLYTE_NB_SERVER_LOG_LEVEL", _log_level),
    "executor": ("FLYTE_NB_EXECUTOR", _executor),
    "ray_address": ("FLYTE_NB_RAY_ADDRESS", _ray_address),
    "idle_timeout": ("FLYTE_NB_SERVER_IDLE_TIMEOUT", _seconds),
}
_CLIENT: dict[str, tuple[str | None, Parser]] = {
    "endpoint": ("FLYTE_NB_ENDPOINT", _endpoint),
    "token": ("FLYTE_NB_TOKEN", _token),
    "project": ("FLYTE_NB_PROJECT", _name),
    "domain": ("FLYTE_NB_DOMAIN", _name),
    "interactive_mode": ("FLYTE_NB_INTERACTIVE", _boolean),
    "bundle_size_limit": (None, _integer(1, None, "a byte count >= 1")),
}


def _resolve_home(home: str | os.PathLike[str] | None) -> Path:
    if home is None:
        from .._config import home as default_home

        return default_home()
    if not isinstance(home, (str, os.PathLike)):
        raise FlyteValidationException(f"home must be a folder path, got {type(home).__name__}")
    from .._config import ensure_home

    return ensure_home(Path(home).expanduser().resolve())


def _config_section(home: Path, section: str, known: Mapping[str, object]) -> dict[str, Any]:
    import tomllib

    path = home / "config.toml"
    try:
        with open(path, "rb") as f:
            document = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FlyteValidationException(f"cannot read config file {path}: {exc}") from None
    table = document.get(section, {})
    if not isinstance(table, dict):
        raise FlyteValidationException(f"{path}: [{section}] must be a table of settings")
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise FlyteValidationException(
            f"{path}: unknown key(s) {unknown} in [{section}]; known keys: {sorted(known)}"
        )
    return table


def _resolve(
    spec: Mapping[str, tuple[str | None, Parser]],
    overrides: Mapping[str, Any],
    home: Path,
    section: str,
    caller: str,
) -> dict[str, tuple[Any, str]]:
    """Each given setting's checked value and where it came from (absent: use the default)."""
    unknown = sorted(set(overrides) - set(spec))
    if unknown:
        raise FlyteValidationException(
            f"{caller}() got unknown setting(s) {unknown}; known: {sorted(spec)}"
        )
    table = _config_section(home, section, spec)
    found: dict[str, tuple[Any, str]] = {}
    for name, (env, parse) in spec.items():
        if overrides.get(name) is not None:
            source = f"argument {name}="
            found[name] = (parse(overrides[name], name, source), source)
        elif env is not None and os.environ.get(env, "").strip():  # empty counts as unset
            source = f"environment variable {env}"
            found[name] = (parse(os.environ[env], name, source), source)
        elif name in table:
            source = f"config file {home / 'config.toml'} [{section}] {name}"
            found[name] = (parse(table[name], name, source), source)
    return found


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name we would have to resolve: not provably local


def check_bind_host(host: str, allow_remote: bool, source: str = "host") -> None:
    """Refuse a non-loopback listen address unless remote access was asked for explicitly."""
    if allow_remote or _is_loopback(host):
        return
    raise FlyteValidationException(
        f"{source}: refusing to listen on {host!r}, which is not a loopback address: anyone "
        "who can reach it and has the token could run code as you. Use 127.0.0.1, or opt in "
        "with allow_remote=True (--allow-remote, FLYTE_NB_ALLOW_REMOTE=1, or "
        "allow_remote = true in [server] of config.toml)"
    )


def load_server_config(
    home: str | os.PathLike[str] | None = None, *, token: str | None = None, **overrides: Any
) -> ServerConfig:
    """Settings for the server under ``home`` (default: ``FLYTE_NB_HOME`` or ~/.flyte_nb).

    ``overrides`` are the settings of :class:`ServerConfig`; ``token`` defaults to the
    contents of ``<home>/server.token``, created on first use.
    """
    path = _resolve_home(home)
    found = _resolve(_SERVER, overrides, path, "server", "load_server_config")
    values = {name: value for name, (value, _) in found.items()}
    host, host_source = found.get("host", ("127.0.0.1", "default host"))
    check_bind_host(host, bool(values.get("allow_remote", False)), host_source)
    blob_url = values.get("blob_url")
    if blob_url is not None and not _URL_SCHEME.match(blob_url):
        local = Path(blob_url).expanduser()
        values["blob_url"] = str(local if local.is_absolute() else path / local)
    _check_executor(values, found)
    if token is not None:
        token = _token(token, "token", "argument token=")
    return ServerConfig(home=path, token=token or read_or_create_token(path), **values)


def _check_executor(values: dict[str, Any], found: dict[str, tuple[Any, str]]) -> None:
    """A Ray address without the Ray executor is a mistake; Ray must be installed to use it."""
    import importlib.util

    executor = values.get("executor", "local")
    if "ray_address" in values and executor != "ray":
        raise FlyteValidationException(
            f"{found['ray_address'][1]}: ray_address is only used by the Ray executor; also "
            "set executor = 'ray' (--executor ray, FLYTE_NB_EXECUTOR=ray), or drop the address"
        )
    if executor == "ray" and importlib.util.find_spec("ray") is None:
        raise FlyteValidationException(
            f"{found['executor'][1]}: the Ray executor needs Ray, which is not installed here; "
            'pip install "flyte_nb[ray]"'
        )


def load_client_config(
    home: str | os.PathLike[str] | None = None, **overrides: Any
) -> ClientConfig:
    """Settings for talking to a backend, with the same precedence as the server's."""
    found = _resolve(_CLIENT, overrides, _resolve_home(home), "client", "load_client_config")
    return ClientConfig(**{name: value for name, (value, _) in found.items()})


# -- the token file ---------------------------------------------------------------------
def _read_token_file(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise FlyteValidationException(f"cannot read token file {path}: {exc}") from None
    with os.fdopen(fd, "r", encoding="ascii", errors="replace") as f:
        info = os.fstat(f.fileno())
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise FlyteValidationException(
                f"token file {path} belongs to another user (uid {info.st_uid}); "
                "delete it, or use a home folder of your own (FLYTE_NB_HOME)"
            )
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise FlyteValidationException(
                f"token file {path} is readable by other users (mode "
                f"{stat.S_IMODE(info.st_mode):04o}), so the token may have leaked. Delete it "
                "to get a new token (then restart the server: flyte-nb server stop), or run "
                f"`chmod 600 {path}` if you know nobody read it"
            )
        token = f.read().strip()
    if not token or any(c.isspace() for c in token):
        raise FlyteValidationException(
            f"token file {path} is empty or malformed; delete it to get a new token "
            "(then restart the server: flyte-nb server stop)"
        )
    return token


def read_or_create_token(home: str | os.PathLike[str]) -> str:
    """The server's bearer token from ``<home>/server.token``, created (0600) on first use.

    Creation writes a private temporary file and hard-links it into place, so two processes
    racing to create the token agree on one, and nobody ever reads a half-written file.
    """
    import secrets

    path = Path(home) / "server.token"
    try:
        return _read_token_file(path)
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".server.token.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
        with contextlib.suppress(FileExistsError):  # lost a race: use the winner's token
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return _read_token_file(path)


# -- command-line options shared by `flyte-nb server start` and `python -m flyte_nb.server`
def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The server settings as options; each defaults to None (= not given)."""
    import argparse as ap

    add = parser.add_argument
    add("--home", default=None, help="home folder (default: $FLYTE_NB_HOME or ~/.flyte_nb)")
    add("--host", default=None, help="listen address (default 127.0.0.1)")
    add("--port", type=int, default=None, help="listen port (default 0: any free port)")
    add("--workers", type=int, default=None, help="worker count (default: CPU count)")
    add("--db-url", default=None, help="SQLAlchemy URL (default: sqlite file under home)")
    add("--blob-url", default=None, help="blob folder or fsspec URL (default: home/blobs)")
    add("--max-body-bytes", type=int, default=None, help="largest request body (default 64 MiB)")
    add("--max-blob-bytes", type=int, default=None, help="largest blob upload (default 8 GiB)")
    add("--log-level", default=None, choices=LOG_LEVELS, help="server log level (default warning)")
    add("--executor", default=None, choices=EXECUTORS, help="where actions run (default local)")
    add("--ray-address", default=None, help="Ray cluster address for --executor ray (default auto)")
    add(
        "--idle-timeout",
        type=float,
        default=None,
        help="stop after this many seconds with no run, app, schedule or client (default: "
        "never for `server start`, 30 minutes for a server fl.init() started; 0: never)",
    )
    add(
        "--allow-remote",
        action=ap.BooleanOptionalAction,
        default=None,
        help="allow a non-loopback --host (anyone reaching it with the token can run code)",
    )


def server_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The server settings given on a command line parsed with :func:`add_server_arguments`."""
    return {name: getattr(args, name) for name in _SERVER if getattr(args, name) is not None}
