"""The Flyte 2 SDK's published examples, run on flyte_nb unchanged.

Each file in ``tests/flyte2_examples/`` is an example from github.com/flyteorg/flyte-sdk
(its path is in the file's first line, and in the test id: ``basics_hello`` is
``examples/basics/hello.py``), changed only in its import line (``import flyte`` ->
``import flyte_nb as flyte``). Each runs as a script, ``__main__`` block and all: its
``flyte.init_from_config()`` keeps the runs in this process (``FLYTE_NB_LOCAL=1``), and
every run it starts must succeed. A few results are checked by value below, and a
representative subset runs on a real backend process.

Of the 149 example programs in the SDK's ``basics``, ``advanced``, ``context``,
``caching``, ``retries_timeout``, ``reuse``, ``sync``, ``higher_order_patterns``,
``image``, ``reports`` and ``migration`` folders (153 files, less 4 helper modules that
another example imports), 87 run here unchanged; the 73 fastest are tested (the other 14
sleep or fan out for 4-20 s each). docs/compatibility.md lists why the rest do not.
"""

from __future__ import annotations

import importlib
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _backend_util import running_server

import flyte_nb as flyte
from flyte_nb.remote import Run

EXAMPLES_DIR = Path(__file__).parent / "flyte2_examples"
EXAMPLES = sorted(p.stem for p in EXAMPLES_DIR.glob("*.py") if p.stem != "__init__")
# Examples whose ``__main__`` block starts no run (none, or a task called as a plain
# function): run as scripts, they must define their environments and tasks without error.
DEFINE_ONLY = frozenset(
    {
        "basics_large_slow_run",
        "basics_resources",
    }
)


def _upstream(name: str) -> str:
    """The flyte-sdk path a ported example names in its first line."""
    first = (EXAMPLES_DIR / f"{name}.py").read_text().splitlines()[0]
    return first.split("flyte-sdk ", 1)[1].split(" ", 1)[0]


@pytest.fixture
def script_env(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run like ``python example.py``: in a scratch folder, runs kept in this process."""
    monkeypatch.setenv("FLYTE_NB_LOCAL", "1")
    monkeypatch.chdir(tmp_path)
    yield home
    flyte.init(home=home, local=True)  # back to notebook habits for the next test


def _run_script(name: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    path = str(EXAMPLES_DIR / f"{name}.py")
    monkeypatch.setattr(sys, "argv", [path])  # as `python example.py`, no arguments
    return runpy.run_path(path, run_name="__main__")


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs_unchanged(
    name: str, script_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _upstream(name).startswith("examples/")
    namespace = _run_script(name, monkeypatch)
    runs = Run.listall(limit=1000)
    if name in DEFINE_ONLY:
        assert not runs
        assert any(isinstance(v, flyte.TaskEnvironment) and v.tasks for v in namespace.values())
        return
    assert runs, f"{name} started no run"
    failed = [(r.name, r.task_name, r.phase) for r in runs if r.phase != "SUCCEEDED"]
    assert not failed, failed


# -- results checked by value -------------------------------------------------------------------
def test_hello_mean(script_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/basics/hello.py: the mean of 2x + 5 over 0..9, as Flyte 2's output tuple."""
    namespace = _run_script("basics_hello", monkeypatch)
    assert namespace["run"].outputs()[0] == 14.0
    assert namespace["run"].outputs().named_outputs == {"o0": 14.0}


def test_custom_context_sums_each_blocks_increment(
    script_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """examples/advanced/custom_context.py: increments 0, 1, 2 over x=10."""
    namespace = _run_script("advanced_custom_context", monkeypatch)
    run = flyte.run(namespace["main"], x=10)
    assert run.outputs()[0] == 33


def test_run_context_reaches_the_leaf(script_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/context/custom_context.py: the leaf returns the run's trace_id."""
    namespace = _run_script("context_custom_context", monkeypatch)
    run = flyte.with_runcontext(custom_context={"trace_id": "t-1"}).run(namespace["root"])
    assert run.outputs()[0] == "t-1"


def test_forward_and_map_with_partials(script_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/advanced/forward_tasks.py and examples/basics/map_with_partials.py."""
    forward = _run_script("advanced_forward_tasks", monkeypatch)
    assert flyte.run(forward["outer_task"], 10).outputs()[0] == 12
    assert flyte.run(forward["sync_outer_task"], 10).outputs()[0] == 12
    partials = _run_script("basics_map_with_partials", monkeypatch)
    assert flyte.run(partials["single_param_task"], 3).outputs()[0] == "3"


def test_typed_dicts(script_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/basics/types/typeddict_types.py: TypedDict values in and out."""
    namespace = _run_script("basics_types_typeddict_types", monkeypatch)
    (outputs,) = namespace["run"].outputs()
    assert outputs["person"].startswith("Hello, Alice!")
    assert outputs["employee"]["info"]["name"] == "Bob"


# -- on a real backend --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("flyte2-examples-backend")
    with running_server(home):
        yield home


def _module(name: str) -> Any:
    """The example imported as a module (its main block not run), so that backend workers
    import its tasks by name, as they would a deployed Flyte 2 program's."""
    return importlib.import_module(f"flyte2_examples.{name}")


@pytest.mark.parametrize(
    ("name", "task", "kwargs", "expected"),
    [
        ("basics_hello", "main", {"x_list": list(range(10))}, 14.0),
        ("advanced_custom_context", "main", {"x": 10}, 33),
        ("advanced_forward_tasks", "outer_task", {"x": 10}, 12),
        ("basics_map_with_partials", "single_param_task", {"a": 5}, "5"),
        ("basics_types_typeddict_types", "create_person", {}, None),
    ],
)
def test_examples_on_the_backend(
    server: Path, name: str, task: str, kwargs: dict[str, Any], expected: Any
) -> None:
    flyte.init(home=server, outputs="tuple")
    try:
        run = flyte.run(getattr(_module(name), task), **kwargs).wait(timeout=120)
        assert run.mode == "backend"
        assert run.phase == "SUCCEEDED", run.error
        if expected is not None:
            assert run.outputs()[0] == expected
    finally:
        flyte.init(home=server, local=True)


def test_run_context_on_the_backend(server: Path) -> None:
    """examples/context/custom_context.py on a backend: the context reaches the child."""
    flyte.init(home=server, outputs="tuple")
    try:
        module = _module("context_custom_context")
        run = flyte.with_runcontext(custom_context={"trace_id": "root-abc"}).run(module.root)
        assert run.wait(timeout=120).outputs()[0] == "root-abc"
    finally:
        flyte.init(home=server, local=True)
