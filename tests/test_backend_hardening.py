"""The backend under hostile or heavy use: bounded parameters, concurrent writers, a safe
home folder. Every test talks to a real backend process over HTTP (or runs the CLI)."""

from __future__ import annotations

import concurrent.futures
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _backend_util import http, running_server

from flyte_nb.server import _daemon


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
