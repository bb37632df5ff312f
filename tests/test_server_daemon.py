"""The server daemon, with real processes (no mocks); its settings: ``test_settings.py``.

One server is shared by the checks that leave it running (module fixture); tests that
start, stop or break servers use a home of their own. Every fixture that can leave a
server behind stops it in its finalizer.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from flyte_nb._version import __version__
from flyte_nb.client import _daemon
from flyte_nb.client._daemon import (
    ServerInfo,
    ServerStartError,
    ServerVersionMismatch,
    ensure_server,
    start,
    status,
    stop,
)
from flyte_nb.client._settings import (
    load_server_config,
    read_or_create_token,
)
from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.server.__main__ import serve
from flyte_nb.store import process_identity

CLI = str(Path(sys.executable).with_name("flyte-nb"))
SETTINGS_ENV = [
    *("FLYTE_NB_SERVER_HOST", "FLYTE_NB_SERVER_PORT", "FLYTE_NB_DB_URL", "FLYTE_NB_BLOB_URL"),
    *("FLYTE_NB_WORKERS", "FLYTE_NB_MAX_BODY_BYTES", "FLYTE_NB_ALLOW_REMOTE"),
    *("FLYTE_NB_SERVER_LOG_LEVEL", "FLYTE_NB_ENDPOINT", "FLYTE_NB_TOKEN", "FLYTE_NB_PROJECT"),
    *("FLYTE_NB_DOMAIN", "FLYTE_NB_INTERACTIVE"),
]
spawns = pytest.mark.timeout(60)  # tests that run server processes (about 1 s each)


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ServerInfo]]:
    home = tmp_path_factory.mktemp("shared")
    with pytest.MonkeyPatch.context() as mp:
        for name in SETTINGS_ENV:
            mp.delenv(name, raising=False)
        try:
            yield home, ensure_server(home)
        finally:
            stop(home)


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Path]:
    """A home of its own; whatever server a test starts there is stopped afterwards."""
    home = tmp_path / "fresh"
    home.mkdir()
    yield home
    stop(home)


def _health(url: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.get(f"{url}/api/v1/health", headers=headers, trust_env=False, timeout=5)


def _pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def _wait_for(predicate: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# -- one running server ---------------------------------------------------------------------
@spawns
def test_status_record_and_health(shared: tuple[Path, ServerInfo]) -> None:
    home, info = shared
    assert status(home) == info
    assert info.version == __version__
    assert info.url == f"http://127.0.0.1:{info.port}"
    answer = _health(info.url, info.token)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["version"], body["pid"]) == ("ok", __version__, info.pid)
    record_path = home / "server.json"
    record = json.loads(record_path.read_text())
    assert {"pid", "host", "port", "url", "version", "started_at", "proc_start"} <= set(record)
    assert (record["pid"], record["port"], record["url"]) == (info.pid, info.port, info.url)
    assert record["proc_start"] == process_identity(info.pid)[2]
    assert stat.S_IMODE(record_path.stat().st_mode) == 0o600


@spawns
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_requests_without_the_right_token_get_401(
    shared: tuple[Path, ServerInfo], token: str | None
) -> None:
    refused = _health(shared[1].url, token)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


def test_token_file_is_private(shared: tuple[Path, ServerInfo]) -> None:
    home, info = shared
    token_file = home / "server.token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert read_or_create_token(home) == info.token
    assert len(info.token) >= 40


@spawns
def test_ensure_server_reuses_the_running_server_quickly(shared: tuple[Path, ServerInfo]) -> None:
    home, info = shared
    began = time.perf_counter()
    again = ensure_server(home)
    elapsed = time.perf_counter() - began
    assert again == info
    assert elapsed < 0.5, f"reusing a running server took {elapsed:.3f} s"


@spawns
def test_a_server_of_another_version_is_reported_not_killed(
    shared: tuple[Path, ServerInfo], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, info = shared
    monkeypatch.setattr(_daemon, "__version__", "9.9.9")
    with pytest.raises(ServerVersionMismatch) as caught:
        ensure_server(home)
    message = str(caught.value)
    assert f"flyte_nb {__version__} server (pid {info.pid}" in message
    assert "uses flyte_nb 9.9.9" in message
    assert "flyte-nb server stop" in message
    assert status(home) == info  # still running, untouched


# -- lifecycles --------------------------------------------------------------------------
_START_IN_A_CHILD = """
import sys
from flyte_nb.client._settings import load_server_config
from flyte_nb.client._daemon import start
info = start(load_server_config(sys.argv[1]))
heavy = sorted(m for m in ("fastapi", "uvicorn", "starlette") if m in sys.modules)
print(info.pid, heavy)
"""


@spawns
def test_concurrent_starts_make_one_server(fresh: Path) -> None:
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _START_IN_A_CHILD, str(fresh)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=30) for child in children]
    assert [c.returncode for c in children] == [0, 0], outputs
    answers = {out for out, _ in outputs}
    assert len(answers) == 1, answers  # one pid, and neither parent imported the web stack
    pid_text, heavy = answers.pop().split(maxsplit=1)
    assert heavy.strip() == "[]"
    info = status(fresh)
    assert info is not None
    assert info.pid == int(pid_text)  # outlived both processes that asked for it


@spawns
def test_stop_shuts_down_cleanly(fresh: Path) -> None:
    info = ensure_server(fresh)
    assert stop(fresh) is True
    assert not _pid_alive(info.pid)
    assert status(fresh) is None
    assert not (fresh / "server.json").exists()
    assert f"flyte_nb server pid {info.pid} stopped" in (fresh / "server.log").read_text()
    assert stop(fresh) is False


@spawns
def test_a_record_of_a_dead_process_is_ignored_and_replaced(fresh: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    record = {
        "pid": dead.pid,
        "host": "127.0.0.1",
        "port": 9,
        "url": "http://127.0.0.1:9",
        "version": __version__,
        "started_at": "2020-01-01T00:00:00+00:00",
        "proc_start": "12345",
    }
    (fresh / "server.json").write_text(json.dumps(record))
    info = ensure_server(fresh)
    assert info.pid != dead.pid
    assert json.loads((fresh / "server.json").read_text())["pid"] == info.pid


def test_a_reused_pid_is_not_mistaken_for_the_server(fresh: Path) -> None:
    # This test process is alive, but it started at another time than the record says.
    record = {
        "pid": os.getpid(),
        "host": "127.0.0.1",
        "port": 9,
        "url": "http://127.0.0.1:9",
        "version": __version__,
        "started_at": "2020-01-01T00:00:00+00:00",
        "proc_start": "not-my-start-time",
    }
    (fresh / "server.json").write_text(json.dumps(record))
    assert status(fresh) is None
    assert not (fresh / "server.json").exists()
    assert stop(fresh) is False


def test_a_live_server_that_does_not_answer_is_reported_then_stopped(fresh: Path) -> None:
    hung = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        node, _, started = process_identity(hung.pid)
        record = {
            "pid": hung.pid,
            "host": "127.0.0.1",
            "port": 9,
            "url": "http://127.0.0.1:9",
            "version": __version__,
            "started_at": "2020-01-01T00:00:00+00:00",
            "proc_start": started,
            "node": node,
        }
        (fresh / "server.json").write_text(json.dumps(record))
        assert status(fresh) is None
        with pytest.raises(ServerStartError, match="does not answer; stop it with `flyte-nb"):
            start(load_server_config(fresh), timeout=0.5)
        assert stop(fresh, timeout=5) is True  # SIGTERM ends `sleep`
        assert hung.wait(timeout=5) == -signal.SIGTERM
        assert not (fresh / "server.json").exists()
    finally:
        hung.kill()
        hung.wait()


@spawns
def test_a_server_that_cannot_start_reports_its_log(fresh: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = load_server_config(fresh, port=port)
        with pytest.raises(ServerStartError) as caught:
            start(config, timeout=20)
    message = str(caught.value)
    assert "exited with code 1 before it was ready" in message
    assert f"cannot listen on 127.0.0.1:{port}" in message  # from server.log
    assert not (fresh / "server.json").exists()


# -- refusing to listen beyond loopback --------------------------------------------------------
def test_non_loopback_hosts_are_refused(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FlyteValidationException, match=r"argument host=.*allow_remote"):
        load_server_config(fresh, host="0.0.0.0")
    monkeypatch.setenv("FLYTE_NB_SERVER_HOST", "10.1.2.3")
    with pytest.raises(FlyteValidationException, match="environment variable FLYTE_NB_SERVER_HOST"):
        load_server_config(fresh)
    monkeypatch.delenv("FLYTE_NB_SERVER_HOST")
    remote = load_server_config(fresh, host="0.0.0.0", allow_remote=True)  # opted in: fine
    local = load_server_config(fresh)
    for host in ("0.0.0.0", "example.com"):
        unsafe = replace(local, host=host)
        with pytest.raises(FlyteValidationException, match="not a loopback address"):
            start(unsafe)
        with pytest.raises(FlyteValidationException, match="not a loopback address"):
            serve(unsafe)
    assert remote.allow_remote
    assert load_server_config(fresh, host="::1").host == "::1"
    assert load_server_config(fresh, host="localhost").host == "localhost"


def test_the_server_command_refuses_non_loopback_hosts(fresh: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flyte_nb.server", "serve", "--home", str(fresh), "--host", "::"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert "refusing to listen on '::'" in done.stderr
    assert not (fresh / "server.json").exists()


# -- the flyte-nb command ----------------------------------------------------------------
def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FLYTE_NB_HOME": str(home)}
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=60)


@spawns
def test_cli_start_status_stop(fresh: Path) -> None:
    none = _cli(fresh, "server", "status")
    assert none.returncode == 1
    prefix, hint = none.stdout.rstrip(")\n").split("(start one with: ")
    assert prefix == "no server running "
    # The hint names a command that exists as printed (PATH may not hold the venv's bin).
    assert shlex.split(hint)[1:] == ["server", "start"]
    assert shutil.which(shlex.split(hint)[0]) is not None
    bad = _cli(fresh, "server", "start", "--port", "70000")
    assert bad.returncode == 1
    assert "argument port=: port must be an integer in 0..65535" in bad.stderr
    started = _cli(fresh, "server", "start")
    assert started.returncode == 0, started.stderr
    info = status(fresh)
    assert info is not None
    assert f"server running at {info.url} (pid {info.pid}" in started.stdout
    shown = _cli(fresh, "server", "status")
    assert shown.returncode == 0
    assert f"url:     {info.url}\npid:     {info.pid}\nversion: {__version__}\n" in shown.stdout
    stopped = _cli(fresh, "server", "stop")
    assert stopped.stdout == f"stopped the server at {info.url} for {fresh.resolve()}\n"
    assert _cli(fresh, "server", "status").returncode == 1
    assert _cli(fresh, "server", "stop").stdout == f"no server was running for {fresh.resolve()}\n"


@spawns
def test_cli_foreground_server_stops_on_ctrl_c(fresh: Path) -> None:
    env = {**os.environ, "FLYTE_NB_HOME": str(fresh)}
    proc = subprocess.Popen(
        [CLI, "server", "start", "--foreground", "--log-level", "error"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: status(fresh) is not None or proc.poll() is not None)
        info = status(fresh)
        assert info is not None, proc.communicate()
        assert info.pid == proc.pid
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert not (fresh / "server.json").exists()
    assert f"flyte_nb server pid {proc.pid} stopped" in err
