"""The backend under hostile or heavy use: bounded parameters, concurrent writers, a safe
home folder. Every test talks to a real backend process over HTTP (or runs the CLI)."""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _backend_util import alive, http, running_server, wait_for

import flyte_nb as fl
from flyte_nb import _version
from flyte_nb.cli import main as cli
from flyte_nb.client import _daemon
from flyte_nb.client._http import BackendClient
from flyte_nb.client._settings import load_server_config
from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.store import Recorder, UnreadableDatabase


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    home = Path(tmp_path_factory.mktemp("hardening-home"))
    with running_server(home, workers=1) as info:
        yield home, info


@pytest.fixture
def client(server: tuple[Path, _daemon.ServerInfo]) -> Iterator[httpx.Client]:
    with http(server[1]) as c:
        yield c


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    return str(body["error"]["message"])


@pytest.mark.parametrize(
    ("path", "params", "where"),
    [
        ("/api/v1/artifacts/search", {"time_partition": "1e20"}, "time_partition"),
        ("/api/v1/artifacts/search", {"time_partition": "nan"}, "time_partition"),
        ("/api/v1/artifacts/default/development/a/versions", {"time_partition": "inf"}, "time"),
        ("/api/v1/artifacts", {"offset": str(2**64)}, "offset"),
        ("/api/v1/runs", {"offset": str(2**63)}, "offset"),
        ("/api/v1/runs", {"since": "nan"}, "since"),
        ("/api/v1/runs/r/logs", {"after": str(10**20)}, "after"),
    ],
)
def test_numbers_out_of_range_are_a_clear_400(
    client: httpx.Client, path: str, params: dict[str, str], where: str
) -> None:
    assert where in _error(client.get(path, params=params), 400)


def _register_task(client: httpx.Client, name: str, version: str, qualname: str = "f") -> Any:
    ref = {"kind": "module", "task_name": name, "module": "m", "qualname": qualname}
    body = {"name": name, "version": version, "spec": {"task": name, "short": "f", "ref": ref}}
    return client.post("/api/v1/tasks", json=body)


def test_a_fixed_rate_of_1e20_seconds_is_refused(client: httpx.Client) -> None:
    assert _register_task(client, "hard.wf", "v1").status_code == 201
    schedule = {"kind": "fixed_rate", "seconds": 1e20}
    body = {
        "name": "hard.lp",
        "version": "v1",
        "workflow_name": "hard.wf",
        "workflow_version": "v1",
        "spec": {"schedule": schedule},
    }
    assert "seconds" in _error(client.post("/api/v1/launch-plans", json=body), 400)
    # NaN passes Python's JSON parser; the API refuses it like any bad number
    raw = json.dumps({**body, "version": "v2"}).replace("1e+20", "NaN")
    assert "NaN" in raw
    json_type = {"content-type": "application/json"}
    response = client.post("/api/v1/launch-plans", content=raw, headers=json_type)
    assert "finite" in _error(response, 400)


def _many(n: int, call: Any) -> Counter[int]:
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        return Counter(pool.map(lambda i: call(i).status_code, range(n)))


def test_one_task_version_registered_concurrently_always_succeeds(
    server: tuple[Path, _daemon.ServerInfo],
) -> None:
    """Insert-or-compare in one write transaction: 17/400 unique-constraint 500s before."""
    with http(server[1]) as c:
        statuses = _many(200, lambda i: _register_task(c, "race.task", "v1"))
        assert statuses == {201: 200}
        assert _register_task(c, "race.task", "v1", qualname="other").status_code == 409
        statuses = _many(100, lambda i: _register_task(c, f"race.t{i % 5}", f"v{i % 3}"))
        assert statuses == {201: 100}


def test_concurrent_activate_and_deactivate_of_one_plan_never_lock(
    server: tuple[Path, _daemon.ServerInfo],
) -> None:
    """Read-then-write transactions take the lock up front: 54/400 "database is locked"."""
    with http(server[1]) as c:
        assert _register_task(c, "race.wf", "v1").status_code == 201
        for version in ("a", "b"):
            body = {
                "name": "race.lp",
                "version": version,
                "workflow_name": "race.wf",
                "workflow_version": "v1",
                "spec": {},
            }
            assert c.post("/api/v1/launch-plans", json=body).status_code == 201
        plan = "/api/v1/launch-plans/default/development/race.lp"

        def flip(i: int) -> httpx.Response:
            verb = "activate" if i % 2 else "deactivate"
            return c.post(f"{plan}/{'ab'[i % 4 // 2]}/{verb}")

        assert _many(200, flip) == {200: 200}
        active = c.get("/api/v1/launch-plans", params={"name": "race.lp", "active": True})
        assert len(active.json()["items"]) <= 1  # activation stays exclusive per name


def test_the_openapi_document_declares_what_streams_and_blobs_send(
    client: httpx.Client,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    def content(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"]["200"]["content"])

    assert content("/api/v1/events", "get") == {"text/event-stream"}
    assert content("/api/v1/runs/{name}/logs/follow", "get") == {"text/event-stream"}
    assert content("/api/v1/blobs/{digest}", "get") == {"application/octet-stream"}
    assert content("/api/v1/blobs/{digest}", "head") == {"application/octet-stream"}
    errors = paths["/api/v1/blobs/{digest}"]["get"]["responses"]["404"]["content"]
    assert set(errors) == {"application/json"}  # errors are JSON on every route
    missing = client.head("/api/v1/blobs/" + "0" * 64)
    assert missing.status_code == 404


# -- a safe home -------------------------------------------------------------------------------
hardening = fl.TaskEnvironment("hardening")


@hardening.task
def chatty(n: int) -> int:
    print("x" * n)
    return n


def _open_to_others(home: Path) -> list[str]:
    return [
        f"{oct(stat.S_IMODE(p.lstat().st_mode))} {p}"
        for p in [home, *home.rglob("*")]
        if not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) & 0o077
    ]


def test_a_home_the_server_creates_is_private(tmp_path: Path) -> None:
    home = tmp_path / "new-home"  # created by flyte_nb: 0700, every file in it 0600
    with running_server(home, workers=1) as info:
        fl.init(home=home)
        assert fl.run(chatty, 3).wait(timeout=60).outputs() == 3
        data = b"a blob" * 1000
        with http(info) as c:
            put = c.put(f"/api/v1/blobs/{hashlib.sha256(data).hexdigest()}", content=data)
            assert put.status_code == 204
        assert (home / "flyte_nb.db").exists()
        assert any(p.is_file() for p in (home / "blobs").rglob("*"))
        assert _open_to_others(home) == []
    assert "Traceback" not in (home / "server.log").read_text()  # a clean stop is quiet


def test_a_home_that_is_a_file_gets_one_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "not-a-folder"
    path.write_text("x")
    for call in (lambda: fl.init(home=path), lambda: fl.init(home=path, local=True)):
        with pytest.raises(FlyteValidationException, match="is a file, not a folder") as info:
            call()
        assert str(path) in str(info.value)


def test_a_corrupt_database_gets_one_clear_message(tmp_path: Path) -> None:
    home = tmp_path / "corrupt"
    home.mkdir()
    db = home / "flyte_nb.db"
    db.write_bytes(b"this is not a database, just some bytes " * 100)
    with pytest.raises(UnreadableDatabase, match="move it aside") as info:
        Recorder(db, home / "blobs")  # what the kernel opens in local mode
    assert str(db) in str(info.value)
    with pytest.raises(_daemon.ServerStartError) as started:
        _daemon.ensure_server(home, workers=1)
    message = str(started.value)
    assert f"mv {db} {db}.bad" in message
    folder = tmp_path / "a-folder.db"  # a path SQLite cannot open at all
    folder.mkdir()
    with pytest.raises(UnreadableDatabase, match="cannot use the flyte_nb database"):
        Recorder(folder, home / "blobs")
    assert "Traceback" not in message
    assert "Traceback" not in (home / "server.log").read_text()


def _server_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """Settings the server process reads from its environment (it inherits ours)."""
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_a_server_whose_home_is_deleted_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _server_env(monkeypatch, FLYTE_NB_SERVER_WATCH_INTERVAL="0.2")
    home = tmp_path / "doomed"
    info = _daemon.ensure_server(home, workers=1)
    try:
        shutil.rmtree(home)
        wait_for(lambda: not alive(info.pid), 60, "the server to exit")
    finally:
        _daemon._kill_group(info.pid)


def test_an_idle_server_stops_and_an_explicit_one_does_not_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _server_env(monkeypatch, FLYTE_NB_SERVER_WATCH_INTERVAL="0.2")
    assert load_server_config(tmp_path / "a").idle_timeout is None  # `server start`: never
    assert _daemon.ON_DEMAND_IDLE > 0  # fl.init()'s on-demand server: stops when unused
    with pytest.raises(FlyteValidationException, match="idle_timeout"):
        load_server_config(tmp_path / "a", idle_timeout=-1)
    home = tmp_path / "idle"
    with running_server(home, workers=1, idle_timeout=0.5) as info:
        wait_for(lambda: not alive(info.pid), 60, "the idle server to stop")
    assert "idle for 0.5 s" in (home / "server.log").read_text()


def test_server_start_against_another_version_says_so(
    server: tuple[Path, _daemon.ServerInfo],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(_version, "__version__", "0.0.0-other")
    assert cli(["server", "start", "--home", str(server[0])]) == 1
    err = capsys.readouterr().err
    assert "0.0.0-other" in err
    assert "flyte-nb server stop" in err


def test_server_log_rotates_by_size_and_attempt_output_is_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _server_env(
        monkeypatch,
        FLYTE_NB_SERVER_WATCH_INTERVAL="0.2",
        FLYTE_NB_SERVER_LOG_BYTES="4096",
        FLYTE_NB_ATTEMPT_LOG_BYTES="1000",
    )
    home = tmp_path / "rotating"
    with running_server(home, workers=1) as info:
        log = home / "server.log"
        with open(log, "a") as f:  # the server's own log grows past the limit
            f.write("filler line\n" * 500)
        wait_for(lambda: (home / "server.log.1").exists(), 60, "server.log to rotate")
        assert log.stat().st_size < 4096
        with http(info) as c:
            assert c.get("/api/v1/health").status_code == 200
        fl.init(home=home)
        run = fl.run(chatty, 5000).wait(timeout=60)
        assert run.outputs() == 5000
        logs = run.logs()
        assert logs.count("x") == 1000  # the first 1000 bytes, then one marker line
        assert "this attempt's output passed 1000 bytes" in logs
    assert "stopped" in log.read_text()  # later lines went to the new file


@hardening.task
def echo(text: str) -> str:
    print(f"echo {len(text)}")
    return text


def _blob_names(home: Path) -> set[str]:
    return {p.name for p in (home / "blobs").rglob("*") if p.is_file()}


def test_gc_removes_old_runs_logs_and_unreferenced_blobs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "gc-home"
    with running_server(home, workers=1) as info:
        fl.init(home=home)
        old = fl.run(echo, "a" * 5000).wait(timeout=60)  # > INLINE_LIMIT: a blob
        kept = fl.run(echo, "b" * 5000).wait(timeout=60)
        with http(info) as c:
            blobs = {}
            for label in ("stale", "fresh"):  # uploaded, never used by a run
                data = label.encode() * 100
                blobs[label] = hashlib.sha256(data).hexdigest()
                assert c.put(f"/api/v1/blobs/{blobs[label]}", content=data).status_code == 204
            a_month_ago = time.time() - 40 * 86400
            with sqlite3.connect(home / "flyte_nb.db") as db:
                db.execute("UPDATE runs SET ended_at = ? WHERE name = ?", (a_month_ago, old.name))
            for path in (home / "blobs").rglob("*"):
                if path.is_file() and path.name != blobs["fresh"]:
                    os.utime(path, (a_month_ago, a_month_ago))
            before = _blob_names(home)

            assert cli(["gc", "--older-than", "30d", "--dry-run", "--home", str(home)]) == 0
            assert "would remove 1 runs" in capsys.readouterr().out
            assert _blob_names(home) == before
            assert c.get(f"/api/v1/runs/{old.name}").status_code == 200

            assert cli(["gc", "--older-than", "30d", "--home", str(home)]) == 0
            out = capsys.readouterr().out
            assert "removed 1 runs" in out
            assert c.get(f"/api/v1/runs/{old.name}").status_code == 404
            assert c.get(f"/api/v1/runs/{old.name}/logs").status_code == 404
            assert kept.outputs() == "b" * 5000  # its blobs were still referenced
            after = _blob_names(home)
            assert blobs["stale"] not in after
            assert blobs["fresh"] in after  # too new to be taken, referenced or not
            assert len(before - after) >= 2  # the stale upload and the old run's value
            assert c.get("/api/v1/health").status_code == 200  # beside a running server


@pytest.mark.parametrize("age", ["30", "thirty days", "-1d", "0d", "5y"])
def test_gc_refuses_a_bad_age(age: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["gc", f"--older-than={age}"]) == 1
    assert "--older-than" in capsys.readouterr().err


def test_run_handles_follow_the_homes_server_across_restarts(tmp_path: Path) -> None:
    home = tmp_path / "restarts"
    first = _daemon.ensure_server(home, workers=1)
    try:
        fl.init(home=home)
        run = fl.run(chatty, 7).wait(timeout=60)
        assert "x" * 7 in run.logs()
        _daemon.stop(home)
        second = _daemon.ensure_server(home, workers=1)  # a new process, likely a new port
        assert second.pid != first.pid
        assert "x" * 7 in run.logs()  # the handle found the home's new server
        _daemon.stop(home)
        assert "x" * 7 in run.logs()  # none running: the home's server is started on demand
        third = _daemon.status(home)
        assert third is not None
        assert third.pid not in (first.pid, second.pid)
    finally:
        _daemon.stop(home)


# -- big values ---------------------------------------------------------------------------------
def test_a_100_mb_blob_streams_both_ways_and_is_held_once(
    server: tuple[Path, _daemon.ServerInfo],
) -> None:
    """Over max_body_bytes (64 MiB), yet accepted: blob uploads stream to disk. The client
    sends views of the value (no copy) and reads the answer into one buffer."""
    size = 100 * 1024 * 1024
    data = os.urandom(size)
    digest = hashlib.sha256(data).hexdigest()
    client = BackendClient(server[1].url, server[1].token)
    try:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        client.put_blob(digest, data)
        sent_peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        got = client.get_blob(digest)
        read_peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
    finally:
        client.close()
    assert got == data
    assert sent_peak < size // 8  # chunks in flight, never a second copy of the value
    assert read_peak < size * 1.25  # the value once (not chunks plus a joined copy)
    with http(server[1]) as c:
        corrupt = c.put(f"/api/v1/blobs/{'0' * 64}", content=b"not that content")
        assert "does not match" in _error(corrupt, 400)


def test_a_blob_over_the_limit_names_the_setting(tmp_path: Path) -> None:
    with running_server(tmp_path / "small", workers=1, max_blob_bytes=1024) as info:
        data = b"y" * 4096
        client = BackendClient(info.url, info.token)
        try:
            with pytest.raises(FlyteValidationException, match="max_blob_bytes") as error:
                client.put_blob(hashlib.sha256(data).hexdigest(), data)
        finally:
            client.close()
        assert "FLYTE_NB_MAX_BLOB_BYTES" in str(error.value)
        assert not any(p.is_file() for p in (tmp_path / "small" / "blobs").rglob("*"))
        fl.init(home=tmp_path / "small")
        with pytest.raises(FlyteValidationException, match=r"input 'text' of .*echo") as named:
            fl.run(echo, "z" * 5000)  # over INLINE_LIMIT: uploaded as a blob, refused
        assert "max_blob_bytes" in str(named.value)


@hardening.task
def close_stdout() -> int:
    print("before closing", flush=True)
    os.close(1)
    return 1


def test_a_task_that_closes_its_stdout_leaves_the_worker_capturing(
    server: tuple[Path, _daemon.ServerInfo],
) -> None:
    fl.init(home=server[0])
    first = fl.run(close_stdout).wait(timeout=60)
    assert first.outputs() == 1
    assert "before closing" in first.logs()
    second = fl.run(chatty, 11).wait(timeout=60)  # the same worker (workers=1)
    assert "x" * 11 in second.logs()


def test_gc_keeps_a_blob_a_client_just_found_already_stored(
    server: tuple[Path, _daemon.ServerInfo], capsys: pytest.CaptureFixture[str]
) -> None:
    """A client that finds a blob stored (HEAD) skips the upload: the blob is in use again,
    though no run names it yet, so gc must not take it as old."""
    home, info = server
    data = b"reused by a run about to be created" * 10
    digest = hashlib.sha256(data).hexdigest()
    with http(info) as c:
        assert c.put(f"/api/v1/blobs/{digest}", content=data).status_code == 204
        (path,) = [p for p in (home / "blobs").rglob(digest)]
        long_ago = time.time() - 90 * 86400
        os.utime(path, (long_ago, long_ago))
        assert c.head(f"/api/v1/blobs/{digest}").status_code == 200
    assert cli(["gc", "--older-than", "30d", "--home", str(home)]) == 0
    capsys.readouterr()
    assert path.exists()
