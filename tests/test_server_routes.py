"""The server's routes are matched in order (``server/_app.py`` moves the ones every run
calls first): whatever the order, each route's own paths reach it, none is hidden by an
earlier route that matches the same request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import Match

from flyte_nb.client._settings import load_server_config
from flyte_nb.server._app import HOT_ROUTES, create_app

pytestmark = pytest.mark.unit


def _routes(tmp_path: Path) -> list:
    return create_app(load_server_config(tmp_path, token="t")).router.routes


def _example(path: str) -> str:
    """A request path for a route's template: each parameter gets a sample value."""
    return re.sub(r"\{[^}:]+(:path)?\}", lambda m: "a/b" if m.group(1) else "sample", path)


def test_no_route_hides_another(tmp_path: Path) -> None:
    routes = _routes(tmp_path)
    hidden = []
    for route in routes:
        for method in sorted(getattr(route, "methods", None) or ()):
            scope = {"type": "http", "method": method, "path": _example(route.path)}
            scope["root_path"] = ""
            first = next(r for r in routes if r.matches(scope)[0] is Match.FULL)
            if first is not route:
                hidden.append(f"{method} {route.path} is taken by {first.path}")
    assert hidden == []


def test_the_routes_every_run_calls_are_matched_first(tmp_path: Path) -> None:
    routes = _routes(tmp_path)
    front = [
        (method, route.path)
        for route in routes[: len(HOT_ROUTES)]
        for method in route.methods
        if (method, route.path) in HOT_ROUTES
    ]
    assert sorted(front) == sorted(HOT_ROUTES)
