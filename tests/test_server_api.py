"""The HTTP API's contract: auth, the one error shape, limits, filters and OpenAPI."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _backend_util import http, running_server

import flyte_nb as fl
from flyte_nb.client import _daemon, current

api = fl.TaskEnvironment("api")


@api.task
def echo(x: int) -> int:
    print("echo", x)
    return x


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("api-home")
    with running_server(home, workers=1, max_body_bytes=1024 * 1024) as info:
        yield home, info


@pytest.fixture
def client(server: tuple[Path, _daemon.ServerInfo]) -> Iterator[httpx.Client]:
    with http(server[1]) as c:
        yield c


@pytest.fixture
def some_runs(server: tuple[Path, _daemon.ServerInfo], home: Path) -> list[str]:
    fl.init(home=server[0])
    return [fl.run(echo, i).wait(timeout=30).name for i in range(3)]


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    return str(body["error"]["message"])


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc", "Bearer"])
def test_missing_or_wrong_token_is_401(
    server: tuple[Path, _daemon.ServerInfo], header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    for path in ("/api/v1/health", "/api/v1/runs", "/openapi.json", "/nope"):
        response = httpx.get(server[1].url + path, headers=headers)
        assert "token" in _error(response, 401)


def test_binds_loopback_only(server: tuple[Path, _daemon.ServerInfo]) -> None:
    assert server[1].host == "127.0.0.1"


def test_no_secret_on_the_server_command_line(server: tuple[Path, _daemon.ServerInfo]) -> None:
    cmdline = Path(f"/proc/{server[1].pid}/cmdline").read_bytes().decode()
    assert "sqlite" not in cmdline  # a database URL may carry a password
    assert server[1].token not in cmdline


def test_malformed_json_and_bad_bodies_are_400(client: httpx.Client) -> None:
    response = client.post(
        "/api/v1/runs", content=b"{not json", headers={"content-type": "application/json"}
    )
    _error(response, 400)
    assert "spec" in _error(client.post("/api/v1/runs", json={"inputs": "{}"}), 400)
    assert "bogus" in _error(client.post("/api/v1/runs", json={"bogus": 1}), 400)


def test_unknown_names_are_404(client: httpx.Client) -> None:
    assert "no-such" in _error(client.get("/api/v1/runs/no-such"), 404)
    _error(client.get("/api/v1/runs/no-such/actions"), 404)
    _error(client.post("/api/v1/runs/no-such/abort"), 404)
    _error(client.get("/api/v1/no/such/route"), 404)


def test_bad_filters_are_400(client: httpx.Client) -> None:
    assert "phase" in _error(client.get("/api/v1/runs", params={"phase": "DANCING"}), 400)
    assert "sort" in _error(client.get("/api/v1/runs", params={"sort": "secret"}), 400)
    _error(client.get("/api/v1/runs", params={"limit": 0}), 400)
    _error(client.get("/api/v1/runs", params={"limit": "many"}), 400)
    _error(client.get("/api/v1/runs", params={"since": "yesterday"}), 400)


def test_request_bodies_are_size_limited(client: httpx.Client) -> None:
    big = b"x" * (2 * 1024 * 1024)
    json_type = {"content-type": "application/json"}
    response = client.post("/api/v1/tasks", content=big, headers=json_type)
    assert "max_body_bytes" in _error(response, 413)

    def chunks() -> Iterator[bytes]:  # no content-length: counted as it streams
        for _ in range(4):
            yield b"y" * (512 * 1024)

    response = client.post("/api/v1/tasks", content=chunks(), headers=json_type)
    assert "max_body_bytes" in _error(response, 413)
    # Blob uploads stream to disk: bounded by max_blob_bytes instead (test_backend_hardening)
    digest = hashlib.sha256(big).hexdigest()
    assert client.put(f"/api/v1/blobs/{digest}", content=big).status_code == 204


def test_blob_paths_cannot_escape_the_store(client: httpx.Client) -> None:
    for bad in ("..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "ABCDEF" * 10 + "ABCD", "abc"):
        response = client.get(f"/api/v1/blobs/{bad}")
        assert response.status_code in (400, 404)
        assert b"root:" not in response.content
    data = b"hello blob"
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    assert "digest" in _error(client.put(f"/api/v1/blobs/{digest}", content=b"other"), 400)
    assert client.put(f"/api/v1/blobs/{digest}", content=data).status_code == 204
    assert client.head(f"/api/v1/blobs/{digest}").status_code == 200
    assert client.get(f"/api/v1/blobs/{digest}").content == data


def test_list_filter_sort_paginate(client: httpx.Client, some_runs: list[str]) -> None:
    page = client.get(
        "/api/v1/runs", params={"task": "api.echo", "limit": 2, "sort": "created_at"}
    ).json()
    assert page["total"] >= 3
    assert len(page["items"]) == 2
    nxt = client.get(
        "/api/v1/runs", params={"task": "api.echo", "limit": 2, "offset": 2, "sort": "created_at"}
    ).json()
    names = [r["name"] for r in page["items"] + nxt["items"]]
    assert len(names) == len(set(names))
    one = client.get("/api/v1/runs", params={"q": some_runs[0]}).json()
    assert [r["name"] for r in one["items"]] == [some_runs[0]]
    ok = client.get(
        "/api/v1/runs", params={"phase": ["SUCCEEDED", "FAILED"], "project": "default"}
    ).json()
    assert {r["phase"] for r in ok["items"]} <= {"SUCCEEDED", "FAILED"}
    assert client.get("/api/v1/runs", params={"project": "elsewhere"}).json()["total"] == 0


def test_run_detail_endpoints(client: httpx.Client, some_runs: list[str]) -> None:
    name = some_runs[1]
    run = client.get(f"/api/v1/runs/{name}").json()
    assert run["phase"] == "SUCCEEDED"
    assert run["project"] == "default"
    assert client.get(f"/api/v1/runs/{name}/inputs").json() == {"values": {"x": 1}}
    assert client.get(f"/api/v1/runs/{name}/outputs").json() == {"values": {"o0": 1}}
    (action,) = client.get(f"/api/v1/runs/{name}/actions").json()["items"]
    assert action["name"] == "a0"
    assert client.get(f"/api/v1/runs/{name}/actions/a0/outputs").json() == {"values": {"o0": 1}}
    logs = client.get(f"/api/v1/runs/{name}/logs").json()
    assert "".join(line["text"] for line in logs["items"]) == "echo 1\n"
    assert logs["next_after"] == logs["items"][-1]["id"]
    follow = client.get(f"/api/v1/runs/{name}/logs/follow")
    events = [line for line in follow.text.splitlines() if line.startswith("event: ")]
    assert events[-1] == "event: end"
    assert client.get("/api/v1/projects").json()["domains"] == [
        "development",
        "staging",
        "production",
    ]


@api.task
def sleepy(x: int) -> int:
    import time

    time.sleep(0.3)
    return x * 2


@api.task
def broken(x: int) -> int:
    raise ValueError(f"bad {x}")


def test_wait_answers_the_outputs_when_asked(
    server: tuple[Path, _daemon.ServerInfo], client: httpx.Client, home: Path
) -> None:
    fl.init(home=server[0])
    live = fl.run(sleepy, 21)  # still running: the wait hands over the final row
    waited = client.get(f"/api/v1/runs/{live.name}/wait", params={"outputs": "true"}).json()
    assert (waited["phase"], waited["outputs"]) == ("SUCCEEDED", {"o0": 42})
    # finished before the wait: read from the store, same answer
    again = client.get(f"/api/v1/runs/{live.name}/wait", params={"outputs": "true"}).json()
    assert again == waited
    plain = client.get(f"/api/v1/runs/{live.name}/wait").json()
    assert (plain["outputs"], plain["phase"]) == (None, "SUCCEEDED")
    failed = fl.run(broken, 1)
    view = client.get(f"/api/v1/runs/{failed.name}/wait", params={"outputs": "true"}).json()
    assert (view["phase"], view["outputs"]) == ("FAILED", None)
    assert "no run named" in _error(client.get("/api/v1/runs/nope/wait"), 404)


def test_a_run_handle_reads_its_outputs_from_the_wait(
    server: tuple[Path, _daemon.ServerInfo], home: Path
) -> None:
    """run.wait(); run.outputs() is one request, not two (the load benchmark's clients
    spend a third of their time on requests)."""
    fl.init(home=server[0])
    session = current()
    assert session is not None
    paths: list[str] = []
    session.client._http.event_hooks["request"].append(lambda r: paths.append(r.url.path))
    run = fl.run(sleepy, 5)
    paths.clear()
    assert run.wait(timeout=30).outputs() == 10
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["wait"]
    with pytest.raises(ValueError, match="bad 3"):
        fl.run(broken, 3).wait(timeout=30).outputs()


def test_openapi_describes_the_api(client: httpx.Client) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = ["/api/v1/runs", "/api/v1/runs/{name}", "/api/v1/runs/{name}/actions"]
    paths += ["/api/v1/runs/{name}/logs", "/api/v1/events", "/api/v1/blobs/{digest}"]
    for path in paths:
        assert path in doc["paths"], path
    assert "RunModel" in doc["components"]["schemas"]
    assert "ErrorResponse" in json.dumps(doc["paths"]["/api/v1/runs"])


def test_task_versions_are_immutable(client: httpx.Client) -> None:
    spec = {
        "task": "api.t",
        "short": "t",
        "ref": {"kind": "module", "task_name": "api.t", "module": "m", "qualname": "t"},
    }
    body = {"name": "api.t", "version": "v1", "spec": spec}
    assert client.post("/api/v1/tasks", json=body).status_code == 201
    assert client.post("/api/v1/tasks", json=body).status_code == 201  # same code: idempotent
    spec["ref"]["qualname"] = "other"
    assert "immutable" in _error(client.post("/api/v1/tasks", json=body), 409)
    (task,) = client.get("/api/v1/tasks", params={"name": "api.t"}).json()["items"]
    assert task["ref"]["qualname"] == "t"
