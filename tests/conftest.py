"""Every test gets its own flyte_nb home, so records never leak between tests."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Session fixtures: one private PostgreSQL and one Ray cluster, started when a test asks.
from _postgres import postgres_url  # noqa: F401
from _ray import ray_address  # noqa: F401

import flyte_nb as fl
from flyte_nb import _config
from flyte_nb.store._recorder import close_all as close_recorders

_env_names = itertools.count()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "home"
    monkeypatch.setenv("FLYTE_NB_HOME", str(path))
    fl.init(home=path, local=True)
    yield path
    _config.set_home(None)
    # Each test's home has its own database: close its recorder, or a long session runs out
    # of file descriptors (three per home).
    close_recorders()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium for the panel's browser tests (``_panel_lab.chromium``); replaces
    pytest-playwright's fixture, whose browser downloads are unreachable here."""
    from _panel_lab import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page in its own context, the size the panel's screenshots are taken at."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def env() -> fl.TaskEnvironment:
    """A fresh environment per test: task names never clash across tests."""
    return fl.TaskEnvironment(name=f"t{next(_env_names)}")


# -- tiers ---------------------------------------------------------------------------------
# Every test is marked ``unit``, ``integration`` or ``browser`` when collected, so a
# developer runs the fast tier on every change (``pytest tests -m unit``) and ``.ci/run``
# runs them all. ``browser``: it drives Chromium (the ``page`` fixture). ``integration``: its
# body or one of its fixtures starts a process (a backend server, PostgreSQL, Ray, a
# subprocess) or calls an example program; everything else runs in this process.
_SPAWNS = (
    "running_server(",
    "ensure_server(",
    "_daemon.",
    "subprocess.",
    "Popen(",
    "sys.executable",
    "postgres_url",
    "ray_address",
    "fl.init()",
    "flyte.init()",
    "UnionRemote(",
    "_cli(",
    "server",
)


def _source_of(obj: object) -> str:
    try:
        return inspect.getsource(obj)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""


def _tier(item: pytest.Item) -> str:
    names = set(getattr(item, "fixturenames", ()))
    if "page" in names:
        return "browser"
    if item.path.suffix == ".ipynb":
        return "integration"
    texts = [_source_of(getattr(item, "function", None))]
    info = getattr(item, "_fixtureinfo", None)
    for defs in getattr(info, "name2fixturedefs", {}).values():
        texts.extend(_source_of(d.func) for d in defs if d.baseid)  # the project's fixtures
    if any(marker in text for text in texts for marker in _SPAWNS):
        return "integration"
    return "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(getattr(pytest.mark, _tier(item)))
