"""Manage the backend server from outside: start it as a per-home daemon, find it, stop it.

The server process itself (``serve``, ``python -m flyte_nb.server``) is in
``flyte_nb.server.__main__``; this module lives in ``client`` because a kernel starts the
server (``fl.init``) without importing the server package.

Why it looks like this:
- One server per home, shared by every kernel and CLI using that home. ``start`` holds an
  exclusive ``flock`` on ``<home>/server.lock`` while it checks for and spawns a server, so
  two kernels starting at once end up with one server. The lock is released by the OS if
  its holder dies, so a crash never leaves it stuck.
- ``<home>/server.json`` says where the server listens. It is written atomically (tmp +
  rename) only once uvicorn accepts connections, and names the process by pid *and* start
  time (``proc_start``), so a pid reused after a crash is never mistaken for the server.
  A record whose process is gone is removed by whoever notices.
- Cold start is dominated by the child importing FastAPI, pydantic and the app, so the
  parent adds as little as possible around it: it spawns first and imports httpx while the
  child boots, and instead of polling on a timer it waits on a pipe the child writes one
  line to once ``server.json`` is in place (EOF on that pipe means the child died). One
  health request with the token then confirms the server.
- The child gets the parent's resolved settings as arguments (so it cannot resolve them
  differently) and the token through its environment (never on a command line). It runs
  with ``-P`` in ``<home>`` so files in the notebook's folder cannot shadow modules, and
  with the parent's copy of flyte_nb first on its path when that is not a site folder.
- ``stop`` sends SIGTERM (a graceful shutdown, bounded at 5 s in the server), then
  SIGKILLs the server's process group if it is still there after ``timeout``.
- A running server of another flyte_nb version is reported, never killed: other kernels
  may be using it.
- Health checks ignore proxy settings (``trust_env=False``): the server is on loopback, and
  an ``HTTP_PROXY`` in a user's environment must not route local calls elsewhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._version import __version__
from ..exceptions import FlyteNbException
from ..store import process_identity
from ._settings import ServerConfig, check_bind_host, load_server_config, read_or_create_token

__all__ = [
    "ServerInfo",
    "ServerStartError",
    "ServerVersionMismatch",
    "ensure_server",
    "start",
    "status",
    "stop",
]

TOKEN_ENV = "_FLYTE_NB_SERVER_TOKEN"  # parent -> child hand-off, not a user setting
ON_DEMAND_IDLE = 30 * 60.0  # a server fl.init() started stops after this long unused
_NO_ANSWER = "does not answer"
_children: dict[int, subprocess.Popen[bytes]] = {}  # servers we spawned, to reap them


class ServerStartError(FlyteNbException, RuntimeError):
    """The server could not be started (the message carries the end of its log)."""


class ServerVersionMismatch(FlyteNbException, RuntimeError):
    """A server of another flyte_nb version already runs for this home."""


@dataclass(frozen=True)
class ServerInfo:
    """A running server: where it listens and how to authenticate to it."""

    pid: int
    host: str
    port: int
    url: str
    version: str
    started_at: str
    token: str


# -- the record file ------------------------------------------------------------------
def _read_record(home: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((home / "server.json").read_text())
        int(record["pid"]), int(record["port"]), str(record["url"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        _remove_record(home, None)  # written atomically, so unreadable means foreign: drop it
        return None
    return record if isinstance(record, dict) else None


def _write_record(home: Path, record: dict[str, Any]) -> None:
    tmp = home / f".server.json.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(record, f, indent=1)
    os.replace(tmp, home / "server.json")


def _remove_record(home: Path, pid: int | None) -> None:
    """Remove server.json if it still names ``pid`` (``None``: whatever it names)."""
    path = home / "server.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        if pid is not None and int(json.loads(path.read_text())["pid"]) != pid:
            return
        path.unlink()


def _alive(record: dict[str, Any]) -> bool:
    """Whether the process the record names still runs (same pid *and* start time)."""
    pid = int(record["pid"])
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        del _children[pid]  # reaped: it is gone
        return False
    node, _, started = process_identity(pid)
    if record.get("node") and record["node"] != node:
        return True  # another machine's server (shared home): only its health can tell
    if not started or started != record.get("proc_start"):
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")  # zombie: dead
    except OSError:
        return True  # no /proc (macOS): the start marker matched


def _health(url: str, token: str, timeout: float = 2.0) -> tuple[int, dict[str, Any]] | None:
    """(HTTP status, JSON body) of the health endpoint, or None if nothing answers."""
    import httpx

    try:
        response = httpx.get(
            f"{url}/api/v1/health",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            trust_env=False,
            verify=not url.startswith("http://"),  # plain http: skip loading CAs (~20 ms)
        )
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    return response.status_code, body if isinstance(body, dict) else {}


def _warm_http() -> None:
    """Load httpx and its transport (~0.15 s of imports) while the child boots, not after."""
    import httpx

    httpx.Client(trust_env=False, verify=False).close()


def _info(record: dict[str, Any], body: dict[str, Any], token: str) -> ServerInfo:
    return ServerInfo(
        pid=int(record["pid"]),
        host=str(record.get("host", "")),
        port=int(record["port"]),
        url=str(record["url"]),
        version=str(body.get("version", record.get("version", "?"))),
        started_at=str(record.get("started_at", "")),
        token=token,
    )


def _probe(home: Path, token: str | None) -> tuple[ServerInfo | None, dict[str, Any] | None, str]:
    """(healthy server, record of a live but unhealthy one, why it is unhealthy).

    ``token`` None: the one in ``<home>/server.token``, if there is one.
    """
    record = _read_record(home)
    if record is None:
        return None, None, ""
    if not _alive(record):
        _remove_record(home, int(record["pid"]))
        return None, None, ""
    if token is None:
        if not (home / "server.token").exists():
            return None, record, f"{home / 'server.token'} is missing"
        token = read_or_create_token(home)
    answer = _health(str(record["url"]), token)
    if answer is None:
        return None, record, _NO_ANSWER
    code, body = answer
    if code == 200 and body.get("pid") == record["pid"]:
        return _info(record, body, token), None, ""
    if code == 401:
        return None, record, f"rejects the token in {home / 'server.token'}"
    return None, record, f"answers its health check with HTTP {code}: {body}"


def status(home: str | os.PathLike[str], token: str | None = None) -> ServerInfo | None:
    """The healthy server for ``home``, or None (a record of a dead process is removed)."""
    return _probe(Path(home).expanduser().resolve(), token)[0]


# -- the lock and the log -----------------------------------------------------------------
@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    fd = os.open(home / "server.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocking: a holder gives up after its own timeout
        yield
    finally:
        os.close(fd)  # releases the lock


def _log_tail(home: Path, lines: int = 20) -> str:
    try:
        with open(home / "server.log", "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 16384))
            text = f.read().decode(errors="replace")
    except OSError:
        return "(no server.log)"
    tail = "\n".join(text.splitlines()[-lines:])
    return f"last lines of {home / 'server.log'}:\n{tail}" if tail else "(server.log is empty)"


def _open_log(home: Path) -> int:
    from ._settings import log_limit

    path = home / "server.log"
    with contextlib.suppress(OSError):
        if path.stat().st_size > log_limit():
            os.replace(path, path.with_name("server.log.1"))
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)


# -- starting and stopping ---------------------------------------------------------------
def _command(config: ServerConfig, ready_fd: int) -> list[str]:
    args = [sys.executable, "-P", "-m", "flyte_nb.server", "serve", "--home", str(config.home)]
    args += ["--host", config.host, "--port", str(config.port), "--executor", config.executor]
    if config.workers:  # 0 on Ray: the cluster's CPUs, counted by the server
        args += ["--workers", str(config.workers)]
    if config.ray_address:
        args += ["--ray-address", config.ray_address]
    if config.idle_timeout is not None:
        args += ["--idle-timeout", repr(config.idle_timeout)]
    # db_url travels in the environment (see _child_env): it may carry a password.
    args += ["--blob-url", config.blob_url]
    args += ["--max-body-bytes", str(config.max_body_bytes), "--log-level", config.log_level]
    args += ["--max-blob-bytes", str(config.max_blob_bytes)]
    args += ["--allow-remote" if config.allow_remote else "--no-allow-remote"]
    return [*args, "--ready-fd", str(ready_fd)]


def _child_env(config: ServerConfig) -> dict[str, str]:
    import site

    env = {**os.environ, TOKEN_ENV: config.token, "FLYTE_NB_DB_URL": config.db_url}
    root = str(Path(__file__).resolve().parents[2])
    sites = [*site.getsitepackages(), site.getusersitepackages()]
    if root not in {str(Path(s).resolve()) for s in sites}:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def _exited(proc: subprocess.Popen[bytes]) -> bool:
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=2)  # the pipe closes a moment before the child can be reaped
    return proc.returncode is not None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)  # the server leads its own session and group


def _wait_ready(ready: int, deadline: float) -> str:
    """Wait for the child's line on the pipe: returns ready, eof (it exited) or timeout."""
    buffer = b""
    # A selector, not select.select: a kernel holding many files gets descriptors past
    # FD_SETSIZE (1024), which select() refuses ("filedescriptor out of range").
    with selectors.DefaultSelector() as selector:
        selector.register(ready, selectors.EVENT_READ)
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return "timeout"
            chunk = os.read(ready, 256)
            if not chunk:
                return "eof"
            buffer += chunk
    return "ready"


def _spawn(config: ServerConfig, timeout: float) -> ServerInfo:
    deadline = time.monotonic() + timeout
    ready, ready_w = os.pipe()
    log = _open_log(config.home)
    try:
        proc = subprocess.Popen(
            _command(config, ready_w),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            cwd=config.home,
            env=_child_env(config),
            start_new_session=True,
            close_fds=True,
            pass_fds=(ready_w,),
        )
    finally:
        os.close(ready_w)
        os.close(log)
    _children[proc.pid] = proc
    _warm_http()
    try:
        outcome = _wait_ready(ready, deadline)
    finally:
        os.close(ready)
    if outcome == "ready":
        info, _, why = _probe(config.home, config.token)
        if info is not None and info.pid == proc.pid:
            return info
        problem = f"started but its health check failed ({why or 'it names another process'})"
    elif outcome == "eof" and _exited(proc):
        problem = f"exited with code {proc.returncode} before it was ready"
    else:
        problem = f"was not ready after {timeout:g} s"
    _kill_group(proc.pid)
    proc.wait()
    _remove_record(config.home, proc.pid)
    raise ServerStartError(f"the flyte_nb server {problem}.\n{_log_tail(config.home)}")


def start(config: ServerConfig, timeout: float = 15.0) -> ServerInfo:
    """The server for ``config.home``: the running one if it answers, else a new daemon."""
    from .._config import ensure_home

    check_bind_host(config.host, config.allow_remote, "ServerConfig.host")
    ensure_home(config.home)
    if config.executor == "ray":  # importing Ray and joining its cluster take seconds more
        timeout = max(timeout, 60.0)
    deadline = time.monotonic() + timeout
    with _locked(config.home):
        info, record, why = _probe(config.home, config.token)
        while info is None and why == _NO_ANSWER and time.monotonic() < deadline:
            time.sleep(0.2)  # alive but busy or hung: give it until the deadline
            info, record, why = _probe(config.home, config.token)
        if info is not None:
            return info
        if record is not None:
            raise ServerStartError(
                f"a flyte_nb server (pid {record['pid']}, {record['url']}) is running for "
                f"{config.home} but {why}; stop it with `flyte-nb server stop` and retry"
            )
        return _spawn(config, timeout)


def stop(home: str | os.PathLike[str], timeout: float = 10.0) -> bool:
    """Stop the server for ``home``: True if one was running and is now gone."""
    path = Path(home).expanduser().resolve()
    if not path.is_dir():
        return False
    with _locked(path):
        record = _read_record(path)
        if record is None:
            return False
        pid = int(record["pid"])
        if not _alive(record):
            _remove_record(path, pid)
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(record) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _alive(record):
            _kill_group(pid)
            while _alive(record) and time.monotonic() < deadline + 5:
                time.sleep(0.02)
        _remove_record(path, pid)
        return True


def ensure_server(home: str | os.PathLike[str] | None = None, **overrides: Any) -> ServerInfo:
    """The server ``fl.init()`` talks to: the running one for this home, or a new one.

    A running server answers with one health request and nothing is spawned. ``overrides``
    (see :func:`load_server_config`) only matter when a server has to be started.
    """
    config = load_server_config(home, **overrides)
    if config.idle_timeout is None:  # started on demand: it goes away when unused
        config = dataclasses.replace(config, idle_timeout=ON_DEMAND_IDLE)
    info = status(config.home, token=config.token) or start(config)
    if info.version != __version__:
        raise ServerVersionMismatch(
            f"a flyte_nb {info.version} server (pid {info.pid}, {info.url}) is running for "
            f"{config.home}, but this process uses flyte_nb {__version__}. It is left running "
            "because other kernels may use it: run `flyte-nb server stop`, then init() again"
        )
    return info
