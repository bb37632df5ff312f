"""The panel's server extension in a real Jupyter server (pytest-jupyter's ``jp_fetch``)
against a real backend process: the proxy, its limits, its errors, and the token it keeps.

pytest-jupyter's fixtures are imported into this module only (not registered as a plugin),
so its autouse fixtures and hooks leave the rest of the suite alone; the tests are plain
functions that drive the server's event loop with ``run_until_complete``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest
from _backend_util import running_server, wait_for
from pytest_jupyter.jupyter_server import *  # noqa: F403 (fixtures, scoped to this module)
from tornado.httpclient import HTTPClientError, HTTPResponse

import flyte_nb as fl
from flyte_nb.client import _daemon

panel_env = fl.TaskEnvironment("panel_server")


@panel_env.task
def shout(x: int) -> int:
    print("shout", x)
    return x


ODD = "plots/50% done?#1"  # a deck name that is nothing like a URL segment


@panel_env.task
def odd_deck(x: int) -> int:
    from flyte_nb.deck import Deck

    Deck(ODD, f"<p>odd {x}</p>")
    return x


@panel_env.task
def linger(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


@panel_env.task
def table(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": list(range(n)), "name": [f"row {i}" for i in range(n)]})


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"flyte_nb.jupyter": True}}}


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    home = tmp_path_factory.mktemp("panel-home")
    with running_server(home, workers=2) as info:
        yield home, info


@pytest.fixture
def served(
    backend: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch, home: Path
) -> tuple[Path, Any]:
    """The Jupyter server resolves the backend of this home, as a kernel's fl.init() does."""
    monkeypatch.setenv("FLYTE_NB_HOME", str(backend[0]))
    fl.init(home=backend[0])
    return backend


@pytest.fixture
def fetch(jp_fetch: Any, jp_asyncio_loop: asyncio.AbstractEventLoop) -> Any:
    """``jp_fetch`` run to completion; non-2xx answers are returned, not raised."""

    def call(*parts: str, **kwargs: Any) -> HTTPResponse:
        kwargs.setdefault("raise_error", False)
        if kwargs.get("method") == "POST":
            kwargs.setdefault("body", b"")
        return jp_asyncio_loop.run_until_complete(jp_fetch("flyte-nb", *parts, **kwargs))

    return call


def _json(response: HTTPResponse, status: int = 200) -> Any:
    assert response.code == status, (response.code, response.body)
    return json.loads(response.body)


def _error(response: HTTPResponse, status: int, code: str) -> str:
    body = _json(response, status)
    assert body["error"]["code"] == code, body
    return str(body["error"]["message"])


def test_without_a_backend_the_panel_says_how_to_start_one(fetch: Any, home: Path) -> None:
    status = _json(fetch("status"))
    assert status["connected"] is False
    assert "flyte-nb server start" in status["message"]
    assert "fl.init()" in status["message"]
    message = _error(fetch("api", "v1", "runs"), 503, "backend_unavailable")
    assert "flyte-nb server start" in message


def test_runs_come_through_the_proxy_without_the_token(
    fetch: Any, served: tuple[Path, Any]
) -> None:
    run = fl.run(shout, 7).wait(timeout=60)
    status = _json(fetch("status"))
    assert status["connected"] is True
    assert status["endpoint"] == served[1].url
    listed = _json(fetch("api", "v1", "runs", params={"q": run.name}))
    assert [r["name"] for r in listed["items"]] == [run.name]
    assert listed["items"][0]["phase"] == "SUCCEEDED"
    tree = _json(fetch("api", "v1", "runs", run.name, "tree"))
    assert tree["items"][0]["name"] == "a0"
    logs = _json(fetch("api", "v1", "runs", run.name, "logs"))
    assert "shout 7\n" in "".join(line["text"] for line in logs["items"])
    outputs = _json(fetch("api", "v1", "runs", run.name, "outputs"))
    assert outputs["values"] == {"o0": 7}
    for response in (fetch("status"), fetch("api", "v1", "runs")):
        assert served[1].token.encode() not in response.body
        assert "authorization" not in {k.lower() for k in response.headers}


def test_a_deck_with_an_odd_name_comes_through_escaped(
    fetch: Any,
    served: tuple[Path, Any],
    http_server_client: Any,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
    jp_asyncio_loop: asyncio.AbstractEventLoop,
) -> None:
    run = fl.run(odd_deck, 4).wait(timeout=60)
    docs = _json(fetch("api", "v1", "runs", run.name, "docs"))["items"]
    assert [d["name"] for d in docs] == [ODD]
    # As the panel sends it: the name one escaped segment ("/" as %2F). jp_fetch escapes
    # paths itself, so the request goes to the server's client directly.
    url = f"{jp_base_url}flyte-nb/api/v1/runs/{run.name}/actions/a0/docs/deck/{quote(ODD, safe='')}"
    doc = _json(
        jp_asyncio_loop.run_until_complete(
            http_server_client.fetch(url, headers=jp_auth_header, raise_error=False)
        )
    )
    assert doc["name"] == ODD
    assert doc["html"] == "<p>odd 4</p>"


def test_backend_errors_pass_through_in_their_shape(fetch: Any, served: tuple[Path, Any]) -> None:
    assert "no run named" in _error(fetch("api", "v1", "runs", "nope"), 404, "not_found")
    message = _error(fetch("api", "v1", "runs", params={"phase": "DONE"}), 400, "bad_request")
    assert "unknown phase" in message


def test_only_abort_and_app_calls_may_post(fetch: Any, served: tuple[Path, Any]) -> None:
    message = _error(fetch("api", "v1", "runs", method="POST", body=b"{}"), 403, "forbidden")
    assert "abort" in message
    _error(fetch("api", "v1", "blobs", "0" * 64, method="POST"), 403, "forbidden")


def test_abort_a_running_run_through_the_proxy(fetch: Any, served: tuple[Path, Any]) -> None:
    run = fl.run(linger, 60.0)
    wait_for(lambda: run.refresh().phase == "RUNNING", 30, "the run to start")
    body = _json(fetch("api", "v1", "runs", run.name, "abort", method="POST"))
    assert body["name"] == run.name
    run.wait(timeout=30)
    assert _json(fetch("api", "v1", "runs", run.name))["phase"] == "ABORTED"


def test_event_streams_are_relayed_and_filtered(fetch: Any, served: tuple[Path, Any]) -> None:
    run = fl.run(shout, 3).wait(timeout=60)
    chunks: list[bytes] = []
    fetch(
        "api", "v1", "runs", run.name, "logs", "follow", streaming_callback=chunks.append
    )  # a finished run: its lines, then ``end``, then the stream closes
    text = b"".join(chunks).decode()
    assert "event: log" in text
    logged = "".join(  # a worker captures its fds: pieces as they were read, not print()'s
        json.loads(line[6:])["text"]
        for line in text.splitlines()
        if line.startswith("data: ") and '"stream"' in line
    )
    assert "shout 3" in logged
    assert "event: end" in text
    chunks.clear()
    fetch(
        "api",
        "v1",
        "runs",
        run.name,
        "logs",
        "follow",
        params={"kinds": "end"},
        streaming_callback=chunks.append,
    )
    text = b"".join(chunks).decode()
    assert "event: end" in text
    assert "event: log" not in text


def test_endpoint_setting_is_checked_and_never_gets_the_home_token_elsewhere(
    fetch: Any, served: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLYTE_NB_TOKEN", raising=False)
    header = "X-Flyte-Nb-Endpoint"
    message = _error(fetch("api", "v1", "runs", headers={header: "not a url"}), 400, "bad_setting")
    assert "http" in message
    # The home server's own URL: its token is used.
    _json(fetch("api", "v1", "runs", headers={header: served[1].url}))
    # Any other URL needs FLYTE_NB_TOKEN in the Jupyter server's environment.
    other = {header: "http://127.0.0.1:9"}
    assert "FLYTE_NB_TOKEN" in _error(
        fetch("api", "v1", "runs", headers=other), 503, "backend_unavailable"
    )


def test_a_wrong_token_is_reported_not_relayed(
    fetch: Any, served: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYTE_NB_ENDPOINT", served[1].url)
    monkeypatch.setenv("FLYTE_NB_TOKEN", "wrong-token")
    message = _error(fetch("api", "v1", "runs"), 502, "backend_auth")
    assert "refused the token" in message


def test_requests_without_jupyter_auth_are_refused(
    fetch: Any, served: tuple[Path, Any], jp_fetch: Any, jp_asyncio_loop: Any
) -> None:
    with pytest.raises(HTTPClientError) as info:
        jp_asyncio_loop.run_until_complete(
            jp_fetch("flyte-nb", "api", "v1", "runs", headers={"Authorization": ""})
        )
    assert info.value.code == 403


def test_start_button_starts_the_home_backend_and_a_restart_is_found(
    fetch: Any, home: Path
) -> None:
    try:
        assert _json(fetch("status"))["connected"] is False
        started = _json(fetch("backend", "start", method="POST"))
        assert started["connected"] is True
        first = _json(fetch("status"))["endpoint"]
        assert _json(fetch("api", "v1", "runs"))["total"] == 0
        _daemon.stop(home)
        _daemon.ensure_server(home, workers=1)  # a new process, on a new port
        assert _json(fetch("api", "v1", "runs"))["total"] == 0  # re-resolved, no error
        assert _json(fetch("status"))["endpoint"] != first
    finally:
        _daemon.stop(home)


def test_start_is_refused_for_another_endpoint(fetch: Any, home: Path) -> None:
    headers = {"X-Flyte-Nb-Endpoint": "http://127.0.0.1:9"}
    message = _error(fetch("backend", "start", method="POST", headers=headers), 400, "bad_setting")
    assert "backendEndpoint" in message


def test_resolve_backend_checks_its_arguments(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flyte_nb.exceptions import BackendUnavailableError, FlyteValidationException
    from flyte_nb.jupyter import resolve_backend

    with pytest.raises(FlyteValidationException, match="URL string"):
        resolve_backend(8000)  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="folder path"):
        resolve_backend(home=3)  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="argument endpoint="):
        resolve_backend("ftp://127.0.0.1:1")
    monkeypatch.delenv("FLYTE_NB_TOKEN", raising=False)
    with pytest.raises(BackendUnavailableError, match="FLYTE_NB_TOKEN"):
        resolve_backend("http://127.0.0.1:9", home=home)
    with pytest.raises(BackendUnavailableError, match="flyte-nb server start"):
        resolve_backend(home=home)


@pytest.mark.parametrize("sort", ["-created_at", "created_at", "-duration", "name"])
def test_the_runs_pages_the_panel_reads_cover_every_run_once(tmp_path: Path, sort: str) -> None:
    """Pages of the runs list, even through runs created at the same instant (SQLite keeps
    equal times in index order instead of a name tie-break, for deep pages' speed)."""
    import sqlite3

    from flyte_nb.store import _db, _migrate, _queries

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    _migrate.upgrade(url)
    db = sqlite3.connect(tmp_path / "runs.db")
    with db:
        db.executemany(
            "INSERT INTO runs (name, task_name, phase, mode, created_at, started_at, ended_at,"
            " action_count) VALUES (?, 't', 'SUCCEEDED', 'local', ?, ?, ?, 1)",
            [(f"r{i:03d}", 100.0 + i // 7, 100.0, 101.0 + i % 3) for i in range(95)],
        )
    db.close()
    engine = _db.create_engine(url)
    seen = []
    for offset in range(0, 95, 10):
        rows, total = _queries.list_runs(engine, sort=sort, limit=10, offset=offset)
        assert total == 95
        seen += [r["name"] for r in rows]
    engine.dispose()
    assert sorted(seen) == [f"r{i:03d}" for i in range(95)]
    if sort.lstrip("-") == "created_at":
        times = [100.0 + int(n[1:]) // 7 for n in seen]
        assert times == sorted(times, reverse=sort.startswith("-"))


def test_an_open_event_stream_ends_when_the_backend_stops(
    fetch: Any, home: Path, jp_fetch: Any, jp_asyncio_loop: asyncio.AbstractEventLoop
) -> None:
    """The relay ends the browser's stream (which then reconnects) instead of hanging on a
    backend that is gone."""
    _daemon.ensure_server(home, workers=1)
    chunks: list[bytes] = []

    async def watch_then_stop() -> Any:
        opened = asyncio.Event()
        stream = asyncio.ensure_future(
            jp_fetch(
                "flyte-nb",
                "api",
                "v1",
                "events",
                header_callback=lambda line: line.startswith("HTTP/") and opened.set(),
                streaming_callback=chunks.append,
                request_timeout=60,
                raise_error=False,
            )
        )
        await asyncio.wait_for(opened.wait(), 30)  # the relay sent its headers: it is open
        await asyncio.to_thread(_daemon.stop, home)
        return await stream

    try:
        response = jp_asyncio_loop.run_until_complete(watch_then_stop())
    finally:
        _daemon.stop(home)
    assert response.code == 200
    # B12: the stream held the backend's shutdown open until uvicorn cancelled it, with a
    # traceback in the log; now it ends as shutdown begins.
    log = (home / "server.log").read_text()
    assert "stopped" in log
    assert "Traceback" not in log
    assert "timeout graceful shutdown exceeded" not in log


# -- issue 18 ------------------------------------------------------------------------------
def test_a_dataframe_value_comes_with_its_first_rows(fetch: Any, served: tuple[Path, Any]) -> None:
    # B10: the panel showed the value's {"$sd": ...} encoding; it asks for the first rows.
    run = fl.run(table, 30).wait(timeout=60)
    value = _json(fetch("api", "v1", "runs", run.name, "outputs"))["values"]["o0"]
    assert value["rows"] == 30
    head = _json(fetch("frame", value["$sd"], params={"limit": "3"}))
    assert head == {
        "columns": ["x", "name"],
        "rows": [[0, "row 0"], [1, "row 1"], [2, "row 2"]],
        "total": 30,
    }
    assert "limit must be an integer in 1..100" in _error(
        fetch("frame", value["$sd"], params={"limit": "0"}), 400, "bad_request"
    )
    _error(fetch("frame", "no such blob!"), 400, "bad_request")
    assert _json(fetch("frame", "0" * 64), 404)["error"]["code"] == "not_found"


def test_start_backend_reuses_the_port_kernels_know(fetch: Any, home: Path) -> None:
    # B11: Start backend picked a new port, and every kernel that ran fl.init() lost it.
    try:
        first = _daemon.ensure_server(home, workers=1)
        assert _json(fetch("status"))["endpoint"] == first.url  # seen by the panel
        _daemon.stop(home)
        assert _json(fetch("status"))["connected"] is False
        started = _json(fetch("backend", "start", method="POST"))
        assert started["endpoint"] == first.url  # the same port
        assert _daemon.status(home) is not None
    finally:
        _daemon.stop(home)


def test_start_local_backend_checks_its_port(home: Path) -> None:
    from flyte_nb.exceptions import FlyteValidationException
    from flyte_nb.jupyter._target import start_local_backend

    with pytest.raises(FlyteValidationException, match="port must be an int or None"):
        start_local_backend(home, port="8000")  # type: ignore[arg-type]
