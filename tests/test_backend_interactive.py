"""Interactive mode through the backend: what a notebook user sees when code is shipped.

Tasks here are built in a fresh ``__main__``-like module (as a notebook cell defines them)
and run on a real server: bad captures fail before anything is submitted, unchanged code
uploads nothing, and logs stream while the action runs; on both backend stacks
({SQLite, local workers} and {PostgreSQL, Ray}: ``_stacks.py``).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _backend_util import alive, running_server, wait_for, wait_for_file
from _stacks import STACKS, stack_settings

import flyte_nb as fl
from flyte_nb.client import current
from flyte_nb.exceptions import BundleTooLargeError, UnpicklableCaptureError


@pytest.fixture(scope="module", params=STACKS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("interactive-home")
    with running_server(home, **stack_settings(request)):
        yield home


@pytest.fixture
def cell(server: Path, home: Path) -> Iterator[types.ModuleType]:
    """A notebook-like ``__main__`` namespace, with the kernel in interactive mode."""
    fl.init(home=server, interactive_mode=True)
    module = types.ModuleType("__main__")
    module.__dict__["fl"] = fl
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = module
    try:
        yield module
    finally:
        sys.modules["__main__"] = saved


def define(module: types.ModuleType, source: str, **globals_: Any) -> None:
    module.__dict__.update(globals_)
    exec(compile(source, "<cell>", "exec"), module.__dict__)


def test_an_unpicklable_capture_is_named_and_nothing_is_submitted(
    cell: types.ModuleType,
) -> None:
    define(
        cell,
        "env = fl.TaskEnvironment('cell1')\n"
        "@env.task\n"
        "def uses_lock() -> bool:\n"
        "    return guard.locked()\n",
        guard=threading.Lock(),
    )
    before = fl.remote.Run.listall(limit=1000)
    with pytest.raises(UnpicklableCaptureError, match="guard") as info:
        fl.run(cell.uses_lock)
    assert "cell1.uses_lock" in str(info.value)
    assert len(fl.remote.Run.listall(limit=1000)) == len(before)


def test_the_size_guard_names_the_biggest_global(cell: types.ModuleType) -> None:
    fl.init(home=_home(), interactive_mode=True, bundle_size_limit=10_000)
    define(
        cell,
        "env = fl.TaskEnvironment('cell2')\n"
        "@env.task\n"
        "def big() -> int:\n"
        "    return len(payload)\n",
        payload=os.urandom(200_000),
    )
    with pytest.raises(BundleTooLargeError, match="payload"):
        fl.run(cell.big)


def _home() -> str:
    from flyte_nb import _config

    return str(_config.home())


def test_rerunning_an_unchanged_cell_uploads_nothing_and_keeps_the_cache(
    cell: types.ModuleType, tmp_path: Path
) -> None:
    source = (
        "env = fl.TaskEnvironment('cell3')\n"
        "@env.task(cache='auto')\n"
        "def double(x: int, log: str) -> int:\n"
        "    open(log, 'a').write('x')\n"
        "    return 2 * x\n"
    )
    log = str(tmp_path / "calls")
    define(cell, source)
    assert fl.run(cell.double, 4, log).wait(timeout=30).outputs() == 8
    puts: list[str] = []
    client = current().client
    client._uploaded.clear()  # a fresh kernel remembers nothing it uploaded
    original = client.request

    def counting(method: str, path: str, **kwargs: Any) -> httpx.Response:
        if method == "PUT":
            puts.append(path)
        return original(method, path, **kwargs)

    client.request = counting  # type: ignore[method-assign]
    try:
        define(cell, source)  # the cell runs again: a new function object, same code
        run = fl.run(cell.double, 4, log).wait(timeout=30)
    finally:
        client.request = original  # type: ignore[method-assign]
    assert run.outputs() == 8
    assert puts == []
    assert run.actions()[0].cache_hit
    assert Path(log).read_text() == "x"


def test_logs_stream_while_the_action_runs(cell: types.ModuleType) -> None:
    define(
        cell,
        "import time\n"
        "env = fl.TaskEnvironment('cell4')\n"
        "@env.task\n"
        "def ticker(n: int) -> int:\n"
        "    for i in range(n):\n"
        "        print(f'tick {i}', flush=True)\n"
        "        time.sleep(0.3)\n"
        "    return n\n",
    )
    run = fl.run(cell.ticker, 5)
    client = current().client
    seen: list[tuple[str, float]] = []
    for kind, data in client.events(f"/runs/{run.name}/logs/follow"):
        seen.append((kind, time.time()))
        if kind == "log":
            assert data["text"].startswith("tick") or data["text"] == "\n"
    kinds = [k for k, _ in seen]
    assert kinds[-1] == "end"
    first_log = next(t for k, t in seen if k == "log")
    assert seen[-1][1] - first_log > 0.6  # lines arrived while it ran, not all at the end
    assert run.wait(timeout=30).logs().count("tick") == 5


def test_abort_kills_the_whole_process_tree(cell: types.ModuleType, tmp_path: Path) -> None:
    define(
        cell,
        "import subprocess, time\n"
        "env = fl.TaskEnvironment('cell5')\n"
        "@env.task\n"
        "def spawner(pid_file: str) -> int:\n"
        "    child = subprocess.Popen(['sleep', '60'])\n"
        "    open(pid_file, 'w').write(str(child.pid))\n"
        "    time.sleep(60)\n"
        "    return 0\n",
    )
    pid_file = tmp_path / "child.pid"
    run = fl.run(cell.spawner, str(pid_file))
    child = int(wait_for_file(pid_file))
    assert alive(child)
    run.abort()
    wait_for(lambda: not alive(child), 10, "the task's own subprocess to die with it")
    assert run.wait(timeout=10).phase == "ABORTED"
