"""Every test gets its own flyte_nb home, so records never leak between tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def env() -> fl.TaskEnvironment:
    """A fresh environment per test: task names never clash across tests."""
    return fl.TaskEnvironment(name=f"t{next(_env_names)}")
