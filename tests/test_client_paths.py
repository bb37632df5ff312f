"""Every backend URL is built in one client (``flyte_nb/client/_http.py``).

Two checks: no module outside the client (and outside the backend's own route code) holds
a path literal of a backend route, so a hand-built ``client.json("GET", "/apps/...")``
cannot come back; and every named method of the client asks for a route the backend's
OpenAPI document (``labextension/openapi.json``) describes, with that route's method.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from flyte_nb.client._http import BackendClient

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "flyte_nb"
OPENAPI = json.loads((REPO / "labextension" / "openapi.json").read_text())
# The backend's side defines the routes (and names them in its error messages); the
# client builds them. Nothing else may.
# client/_daemon.py: the health probe that finds a server before any client exists.
ROUTE_OWNERS = (
    "server/",
    "backend/",
    "client/_http.py",
    "client/_daemon.py",
)
# Routes the backend serves without listing them in its OpenAPI document (recover is
# listed since the panel's Recover button calls it).
UNLISTED: set[tuple[str, str]] = set()


def _route_words() -> set[str]:
    return {path.split("/")[3] for path in OPENAPI["paths"]}


def path_literals(source: str, words: set[str]) -> list[tuple[int, str]]:
    """(line, text) of each string in ``source`` that starts like a backend route:
    ``/runs...``, ``/api/v1...``; docstrings and messages that name a route in a sentence
    are prose and do not count."""
    tree = ast.parse(source)
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    alternatives = "|".join(re.escape(w) for w in sorted(words))
    route = re.compile(rf"^/(api/v1/?|(?:{alternatives})(?:[/?]|$))")
    # An f-string's literal pieces are Constant nodes too: f"{url}/api/v1/{path}" is seen.
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and route.match(node.value)
    ]


def test_no_backend_path_is_built_outside_the_client() -> None:
    words = _route_words()
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(ROUTE_OWNERS) or "labextension" in rel:
            continue
        for line, text in path_literals(path.read_text(), words):
            offences.append(f"flyte_nb/{rel}:{line}: {text!r}")
    assert not offences, (
        "backend paths built by hand; add a named method to BackendClient "
        "(flyte_nb/client/_http.py) and call it instead:\n" + "\n".join(offences)
    )


def test_the_check_finds_a_hand_built_path() -> None:
    source = (
        '"""Docs may say GET /api/v1/apps."""\n'
        'client.json("GET", "/apps", params={})\n'
        'client.json("POST", f"/runs/{name}/recover")\n'
        'open("/tmp/project/x")\n'
        'url = endpoint + "/api/v1"\n'
        'url = f"{endpoint}/api/v1/{path}"\n'
        'raise E("list apps with GET /api/v1/apps")\n'
    )
    found = sorted(path_literals(source, _route_words()))
    assert found == [(2, "/apps"), (3, "/runs/"), (5, "/api/v1"), (6, "/api/v1/")]


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")


ROUTES = [
    (method, _template(path))
    for path, ops in OPENAPI["paths"].items()
    for method in ops
    if method in ("get", "post", "put", "head")
] + [(method, _template(path)) for method, path in UNLISTED]


@pytest.fixture
def asked() -> tuple[BackendClient, list[tuple[str, str]]]:
    """A client whose transport records (method, raw path) and answers a generic view."""
    seen: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method.lower(), request.url.raw_path.decode().split("?")[0]))
        return httpx.Response(200, json={"items": [], "values": {}})

    client = BackendClient("http://127.0.0.1:1", "token")
    client._http = httpx.Client(
        base_url="http://127.0.0.1:1/api/v1", transport=httpx.MockTransport(answer)
    )
    return client, seen


CALLS: list[tuple[str, Callable[[BackendClient], Any]]] = [
    ("create_run", lambda c: c.create_run({})),
    ("get_run", lambda c: c.get_run("r1")),
    ("wait_run", lambda c: c.wait_run("r1", 1.0)),
    ("list_runs", lambda c: c.list_runs(limit=1)),
    ("abort_run", lambda c: c.abort_run("r1", "why")),
    ("run_values", lambda c: c.run_values("r1", "outputs")),
    ("actions", lambda c: c.actions("r1", summary=True)),
    ("tree", lambda c: c.tree("r1", 10)),
    ("action", lambda c: c.action("r1", "a0")),
    ("action_values", lambda c: c.action_values("r1", "a0", "inputs")),
    ("abort_action", lambda c: c.abort_action("r1", "a0")),
    ("logs", lambda c: c.logs("r1", "a0")),
    ("docs", lambda c: c.docs("r1")),
    ("action docs", lambda c: c.docs("r1", "a0")),
    ("doc", lambda c: c.doc("r1", "a0", "deck", "a/b?")),
    ("put_blob", lambda c: c.put_blob("ab" * 32, b"x")),
    ("register_task", lambda c: c.register_task({})),
    ("list_tasks", lambda c: c.list_tasks(name="t")),
    ("projects", lambda c: c.projects()),
    ("health", lambda c: c.health()),
    ("recover_run", lambda c: c.recover_run("r1", {})),
    ("register_launch_plan", lambda c: c.register_launch_plan({})),
    ("list_launch_plans", lambda c: c.list_launch_plans(limit=1)),
    ("launch_plan", lambda c: c.launch_plan("p", "d", "n", "v1")),
    ("activate", lambda c: c.set_launch_plan_active("p", "d", "n", "v1", True)),
    ("deactivate", lambda c: c.set_launch_plan_active("p", "d", "n", "v1", False)),
    ("deploy_app", lambda c: c.deploy_app({})),
    ("get_app", lambda c: c.get_app("p", "d", "n")),
    ("list_apps", lambda c: c.list_apps(state="ACTIVE")),
    ("redeploy_app", lambda c: c.redeploy_app("p", "d", "n")),
    ("stop_app", lambda c: c.stop_app("p", "d", "n")),
    ("app_logs", lambda c: c.app_logs("p", "d", "n", after=0)),
    ("resolve_run_output", lambda c: c.resolve_run_output({})),
    ("list_signals", lambda c: c.list_signals("r1", 10)),
    ("answer_signal", lambda c: c.answer_signal("r1", "approve-report", {})),
    ("search_artifacts", lambda c: c.search_artifacts({})),
    ("artifact_version", lambda c: c.artifact_version("p", "d", "n", "v1")),
    ("create_artifact", lambda c: c.create_artifact({})),
]


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[name for name, _ in CALLS])
def test_each_client_method_asks_for_a_documented_route(
    asked: tuple[BackendClient, list[tuple[str, str]]],
    name: str,
    call: Callable[[BackendClient], Any],
) -> None:
    client, seen = asked
    call(client)
    assert seen, f"{name} sent nothing"
    for method, path in seen:
        assert any(m == method and t.match(path) for m, t in ROUTES), (
            f"{name} asked {method.upper()} {path}, which no backend route serves"
        )


def test_a_user_named_segment_stays_one_segment(
    asked: tuple[BackendClient, list[tuple[str, str]]],
) -> None:
    client, seen = asked
    client.answer_signal("r1", "a/b?c", {})
    assert seen == [("post", "/api/v1/runs/r1/signals/a%2Fb%3Fc")]


def test_user_facing_urls_name_the_backend_route() -> None:
    client = BackendClient("http://127.0.0.1:9/", "token")
    assert client.run_url("r1") == "http://127.0.0.1:9/api/v1/runs/r1"
    assert client.tasks_url(name="t", version="v") == (
        "http://127.0.0.1:9/api/v1/tasks?name=t&version=v"
    )
