"""Decks and reports over the HTTP API, on a real server: listing a run's and an action's
documents, a document as JSON (never as a page), the errors, the OpenAPI description and
the SDK reading through HTTP. The store itself: ``test_docs_store.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _backend_util import http, running_server
from _docs_rows import PLOT, TABLE, action, finished_run, sha, write

import flyte_nb as fl
from flyte_nb import _config
from flyte_nb.exceptions import RunNotFoundError
from flyte_nb.store import Recorder

# -- the HTTP API, on a real server --------------------------------------------------------
api = fl.TaskEnvironment("docsapi")


@api.task
def hello() -> int:
    return 1


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    home = tmp_path_factory.mktemp("docs-home")
    with running_server(home, workers=1) as info:
        yield home, info


@pytest.fixture(scope="module")
def served_run(server: tuple[Path, Any]) -> Iterator[str]:
    """A run the server ran, plus docs written next to the server by a second recorder (the
    producer side is not wired yet), and a fabricated run with a cache hit on its root."""
    home, _info = server
    fl.init(home=home)
    name = fl.run(hello).wait(timeout=60).name
    rec = Recorder(home / "flyte_nb.db", home / "blobs", interval=60)
    try:
        rec.doc(name, "a0", 1, "deck", "plot", PLOT)
        rec.doc(name, "a0", 1, "deck", "plots/loss curve?#", TABLE)  # a name to quote
        rec.doc(name, "a0", 1, "report", "report", "<p>report</p>")
        rec.cache_put("docs.step", "v1", "h" * 64, "{}", name, "a0")
        write(rec, finished_run("r-hit"), action("r-hit", "a0", 0, parent=None, cache_key="h" * 64))
    finally:
        rec.close()
    yield name
    _config.set_home(None)


@pytest.fixture
def client(server: tuple[Path, Any]) -> Iterator[httpx.Client]:
    with http(server[1]) as c:
        yield c


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    return str(body["error"]["message"])


def test_http_lists_the_docs_of_a_run_and_of_an_action(
    client: httpx.Client, served_run: str
) -> None:
    items = client.get(f"/api/v1/runs/{served_run}/docs").json()["items"]
    assert [(i["action"], i["kind"], i["name"]) for i in items] == [
        ("a0", "deck", "plot"),
        ("a0", "deck", "plots/loss curve?#"),
        ("a0", "report", "report"),
    ]
    assert set(items[0]) == {
        "run",
        "action",
        "attempt",
        "kind",
        "name",
        "size",
        "updated_at",
        "digest",
        "source_run",
        "source_action",
    }
    assert items[0]["digest"] == sha(PLOT)
    one = client.get(f"/api/v1/runs/{served_run}/actions/a0/docs", params={"attempt": 1})
    assert one.json()["items"] == items
    none = client.get(f"/api/v1/runs/{served_run}/actions/a0/docs", params={"attempt": 2})
    assert none.json()["items"] == []

    hit = client.get("/api/v1/runs/r-hit/docs").json()["items"]
    assert [(i["run"], i["action"], i["source_run"], i["source_action"]) for i in hit] == [
        ("r-hit", "a0", served_run, "a0")
    ] * 3


def test_http_returns_a_doc_as_json_never_as_a_page(client: httpx.Client, served_run: str) -> None:
    response = client.get(f"/api/v1/runs/{served_run}/actions/a0/docs/deck/plot")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["html"] == PLOT
    assert (body["kind"], body["name"], body["attempt"], body["digest"]) == (
        "deck",
        "plot",
        1,
        sha(PLOT),
    )
    quoted = "plots%2Floss%20curve%3F%23"
    response = client.get(f"/api/v1/runs/{served_run}/actions/a0/docs/deck/{quoted}?attempt=1")
    assert response.json()["html"] == TABLE
    report = client.get("/api/v1/runs/r-hit/actions/a0/docs/report/report").json()
    assert (report["html"], report["source_run"]) == ("<p>report</p>", served_run)


def test_http_doc_errors(client: httpx.Client, served_run: str) -> None:
    base = f"/api/v1/runs/{served_run}"
    assert "no run named" in _error(client.get("/api/v1/runs/nope/docs"), 404)
    assert "no run named" in _error(client.get("/api/v1/runs/nope/actions/a0/docs"), 404)
    assert "no action named" in _error(client.get(f"{base}/actions/a9/docs"), 404)
    assert "no action named" in _error(client.get(f"{base}/actions/a9/docs/deck/plot"), 404)
    message = _error(client.get(f"{base}/actions/a0/docs/deck/nope"), 404)
    assert "no deck named 'nope'" in message
    _error(client.get(f"{base}/actions/a0/docs/deck/plot", params={"attempt": 2}), 404)
    _error(client.get(f"{base}/actions/a0/docs/page/plot"), 400)
    for path in (f"{base}/docs", f"{base}/actions/a0/docs", f"{base}/actions/a0/docs/deck/plot"):
        assert "attempt" in _error(client.get(path, params={"attempt": 0}), 400)
        assert "attempt" in _error(client.get(path, params={"attempt": "x"}), 400)


def test_openapi_describes_the_doc_routes(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/runs/{name}/docs" in spec["paths"]
    assert "/api/v1/runs/{name}/actions/{action}/docs" in spec["paths"]
    assert "/api/v1/runs/{name}/actions/{action}/docs/{kind}/{doc_name}" in spec["paths"]
    assert "html" in spec["components"]["schemas"]["DocContent"]["properties"]


def test_the_sdk_reads_docs_over_http(server: tuple[Path, Any], served_run: str) -> None:
    fl.init(home=server[0])
    run = fl.remote.Run.get(served_run)
    assert [d.name for d in run.decks] == ["plot", "plots/loss curve?#"]
    assert [d.html() for d in run.decks] == [PLOT, TABLE]
    report = run.get_report()
    assert report is not None
    assert report.html() == "<p>report</p>"
    assert run.action("a0").get_report(attempt=2) is None
    hit = fl.remote.Run.get("r-hit").decks
    assert [(d.source_run, d.html()) for d in hit] == [(served_run, PLOT), (served_run, TABLE)]
    (gone,) = run.action("a0").decks()[:1]
    gone.name = "gone"  # a view of a doc the server does not have
    with pytest.raises(RunNotFoundError, match="no deck named 'gone'"):
        gone.html()
