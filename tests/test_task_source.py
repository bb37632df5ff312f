"""Where a run's task was written (issue 18, "Where it was written"): recorded when the
task is defined (``flyte_nb/tasks/_where.py``), kept with the run in local and backend
mode, and answered by ``GET /api/v1/runs/{name}/source``. A real ipykernel sent an
``execute_request`` with JupyterLab's ``cellId`` metadata checks the kernel path end to end;
the panel's "Go to cell" is checked in tests/test_panel_console_browser.py.
"""

from __future__ import annotations

import json
import os
import sys
import types
import uuid
from pathlib import Path
from typing import Any

import pydantic
import pytest
import sqlalchemy as sa
from _backend_util import http, running_server

import flyte_nb as fl
from flyte_nb.server import _schemas as s
from flyte_nb.server._source_routes import run_source
from flyte_nb.tasks._where import MAX_SOURCE, defined_at

src_env = fl.TaskEnvironment("task_source")


@src_env.task
def here(n: int) -> int:
    return n


HERE_LINE = here.func.__code__.co_firstlineno


class _Kernel:
    def __init__(self, parent: dict[str, Any]) -> None:
        self.parent = parent

    def get_parent(self, channel: str = "shell") -> dict[str, Any]:
        assert channel == "shell"
        return self.parent


class _Shell:
    def __init__(self, parent: dict[str, Any], count: int) -> None:
        self.kernel = _Kernel(parent)
        self.user_ns: dict[str, Any] = {"__session__": "/from/ns.ipynb"}
        # IPython 9 counts the running cell before it runs; its result holds the cell's n
        self.displayhook = types.SimpleNamespace(
            exec_result=types.SimpleNamespace(execution_count=count)
        )
        self.execution_count = count + 1


def _execute(code: str, cell_id: str | None = "cell-7") -> dict[str, Any]:
    metadata = {"cellId": cell_id} if cell_id else {}
    return {
        "header": {"msg_type": "execute_request"},
        "metadata": metadata,
        "content": {"code": code},
    }


@pytest.fixture
def fake_kernel(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """IPython's ``get_ipython`` answering a kernel shell whose parent message is set by
    the test (``state["parent"]``): what ipykernel holds while a cell runs."""
    state: dict[str, Any] = {"parent": _execute("x = 1"), "count": 12}
    module = types.ModuleType("IPython.core.getipython")
    module.get_ipython = lambda: _Shell(state["parent"], state["count"])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython.core.getipython", module)
    monkeypatch.setitem(
        sys.modules, "IPython", sys.modules.get("IPython") or types.ModuleType("IPython")
    )
    monkeypatch.setenv("JPY_SESSION_NAME", "/work/notebooks/analysis.ipynb")
    return state


def _cell_function(code: str, filename: str = "/tmp/ipykernel_1/123.py") -> Any:
    """A function compiled from cell text into ``__main__``'s namespace, as IPython does."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(code, filename, "exec"), namespace)
    return namespace["work"]


def test_a_module_task_records_its_module_file_and_line() -> None:
    assert here.defined_at == {
        "kind": "module",
        "module": __name__,
        "file": __file__,
        "line": HERE_LINE,
        "function": "here",
    }
    s.SourceLocation.model_validate(here.defined_at)  # what the API accepts


def test_a_cell_task_records_notebook_cell_id_count_and_source(
    fake_kernel: dict[str, Any],
) -> None:
    code = "import flyte_nb as fl\n\n\ndef work(n: int) -> int:\n    return n\n"
    fake_kernel["parent"] = _execute(code, "c0ffee-12")
    where = defined_at(_cell_function(code))
    assert where == {
        "kind": "cell",
        "notebook": "/work/notebooks/analysis.ipynb",
        "cell_id": "c0ffee-12",
        "execution_count": 12,
        "cell_source": code,
        "line": 4,
        "file": "/tmp/ipykernel_1/123.py",
        "function": "work",
    }
    s.SourceLocation.model_validate(where)


def test_the_session_variable_names_the_notebook_without_the_environment(
    fake_kernel: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME")
    fake_kernel["parent"] = _execute("def work(): pass\n")
    assert defined_at(_cell_function("def work(): pass\n"))["notebook"] == "/from/ns.ipynb"


def test_a_long_cell_keeps_the_first_characters(fake_kernel: dict[str, Any]) -> None:
    code = "def work(): pass\n" + "# filler\n" * 5000
    fake_kernel["parent"] = _execute(code)
    source = defined_at(_cell_function(code))["cell_source"]
    assert source == code[:MAX_SOURCE]
    assert len(code) > MAX_SOURCE


def test_a_file_run_into_main_is_a_module_not_a_cell(
    fake_kernel: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # %run script.py defines its functions in __main__ too, from a real file
    script = tmp_path / "script.py"
    monkeypatch.setattr(sys.modules["__main__"], "__file__", str(script), raising=False)
    where = defined_at(_cell_function("def work(): pass\n", filename=str(script)))
    assert where is not None
    assert where["kind"] == "module"
    assert where["file"] == str(script)


def test_outside_a_cell_execution_the_cell_is_not_guessed(fake_kernel: dict[str, Any]) -> None:
    # a comm message or a completion request is the parent: no cell is running
    fake_kernel["parent"] = {"header": {"msg_type": "comm_msg"}, "metadata": {}, "content": {}}
    assert defined_at(_cell_function("def work(): pass\n"))["kind"] == "module"


def test_no_code_object_no_location() -> None:
    assert defined_at(len) is None


def test_the_api_refuses_a_malformed_location() -> None:
    with pytest.raises(pydantic.ValidationError):
        s.RunOptions.model_validate({"source": {"kind": "elsewhere", "function": "f"}})
    with pytest.raises(pydantic.ValidationError):
        s.RunOptions.model_validate({"source": {"kind": "cell", "function": "f", "x": 1}})


def test_a_local_run_keeps_where_its_task_was_written(home: Path) -> None:
    run = fl.run(here, 3)
    engine = sa.create_engine(f"sqlite:///{home / 'flyte_nb.db'}")
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT spec FROM runs WHERE name = :n"), {"n": run.name})
        spec = row.mappings().one()
    engine.dispose()
    assert run_source(dict(spec)) == here.defined_at
    assert run_source({"spec": None}) is None
    assert run_source({"spec": "not json"}) is None
    assert run_source({"spec": json.dumps({"options": {"source": "x"}})}) is None


def test_a_backend_run_answers_where_its_task_was_written(tmp_path: Path, home: Path) -> None:
    backend_home = tmp_path / "backend-home"
    with running_server(backend_home, workers=1) as info:
        fl.init(home=backend_home)
        run = fl.run(here, 4).wait(timeout=60)
        with http(info) as client:
            answer = client.get(f"/api/v1/runs/{run.name}/source")
            assert answer.status_code == 200, answer.text
            source = answer.json()["source"]
            assert {k: v for k, v in source.items() if v is not None} == here.defined_at
            missing = client.get("/api/v1/runs/no-such-run/source")
            assert missing.status_code == 404
            assert "no run named" in missing.json()["error"]["message"]


def test_a_real_kernel_records_the_cell_jupyterlab_names(tmp_path: Path, home: Path) -> None:
    """An ipykernel started as Jupyter server starts a notebook's kernel (JPY_SESSION_NAME),
    sent cells the way JupyterLab sends them (``cellId`` in the request's metadata)."""
    from jupyter_client.manager import KernelManager

    backend_home = tmp_path / "kernel-home"
    notebook = str(tmp_path / "work" / "where.ipynb")
    with running_server(backend_home, workers=1) as info:
        km = KernelManager(kernel_name="python3")
        km.kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        repo = str(Path(__file__).resolve().parent.parent)
        env = {
            **os.environ,
            "FLYTE_NB_HOME": str(backend_home),
            "JPY_SESSION_NAME": notebook,
            "IPYTHONDIR": str(tmp_path / "ipython"),
            "PYTHONPATH": os.pathsep.join(p for p in (repo, os.environ.get("PYTHONPATH")) if p),
        }
        km.start_kernel(env=env, cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            define = (
                "import flyte_nb as fl\n"
                "fl.init()\n"
                "env = fl.TaskEnvironment('kernel_source')\n\n"
                "@env.task\n"
                "def doubled(n: int) -> int:\n"
                "    return 2 * n\n"
            )
            cell_id = f"cell-{uuid.uuid4().hex[:8]}"
            _send(kc, define, cell_id)
            _send(kc, "run = fl.run(doubled, 21)\nrun.wait(timeout=60)\n", "another-cell")
            name = _send(kc, "print(run.name)\n", "third-cell").strip()
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        with http(info) as client:
            source = client.get(f"/api/v1/runs/{name}/source").json()["source"]
    assert source["kind"] == "cell"
    assert source["cell_id"] == cell_id  # the defining cell, not the one that ran it
    assert source["notebook"] == notebook
    assert source["execution_count"] == 1
    assert source["cell_source"] == define
    assert source["function"] == "doubled"
    assert source["line"] == 5  # the decorator's line, as co_firstlineno has it


def _send(kc: Any, code: str, cell_id: str) -> str:
    """Execute ``code`` as JupyterLab does (``cellId`` in the metadata); its stdout."""
    content = {
        "code": code,
        "silent": False,
        "store_history": True,
        "user_expressions": {},
        "allow_stdin": False,
        "stop_on_error": True,
    }
    msg = kc.session.msg("execute_request", content, metadata={"cellId": cell_id})
    kc.shell_channel.send(msg)
    out: list[str] = []
    while True:
        reply = kc.get_iopub_msg(timeout=60)
        if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        kind, content = reply["msg_type"], reply["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            raise AssertionError("\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(out)
