"""A real Jupyter kernel defines a task in a cell, starts a named run on the backend and is
restarted; the fresh kernel, which never saw the task, finds the run's outputs and logs.

This is the notebook user's story that ``notebooks/02_interactive_backend.ipynb`` can only
describe (nbval cannot restart its own kernel). The kernel is an ordinary ipykernel started
by jupyter_client, so flyte_nb sees a real IPython session and pickles the cell's task by
value.
"""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from flyte_nb.client import _daemon

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
RUN_NAME = "survives-restart"


def run_cell(kc: BlockingKernelClient, code: str, timeout: float = 30.0) -> str:
    """Execute ``code`` in the kernel; return its stream and execute_result text, in order.

    A cell that raises fails the test with the kernel's traceback.
    """
    out: list[str] = []
    errors: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            out.append(content["data"].get("text/plain", "") + "\n")
        elif kind == "error":
            errors.append(_ANSI.sub("", "\n".join(content["traceback"])))

    reply = kc.execute_interactive(
        textwrap.dedent(code), output_hook=hook, timeout=timeout, allow_stdin=False
    )
    assert reply["content"]["status"] == "ok", "\n".join(errors) or reply["content"]
    return "".join(out)


@pytest.fixture
def kernel(home: Path, tmp_path: Path) -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    """An ipykernel of this interpreter, with FLYTE_NB_HOME set to the test's home."""
    spec = tmp_path / "kernels" / "flyte-nb-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "flyte_nb test", "language": "python"})
    )
    km = KernelManager(
        kernel_name="flyte-nb-test",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]),
        connection_file=str(tmp_path / "connection.json"),
    )
    env = {**os.environ, "FLYTE_NB_HOME": str(home), "IPYTHONDIR": str(tmp_path / "ipython")}
    km.start_kernel(env=env, cwd=str(tmp_path))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=30)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        _daemon.stop(home)


def test_a_restarted_kernel_finds_its_run_by_name(
    kernel: tuple[KernelManager, BlockingKernelClient], home: Path
) -> None:
    km, kc = kernel
    before = run_cell(
        kc,
        f"""
        import os, time
        import flyte_nb as fl
        from flyte_nb.bundle import is_interactive, pack_task

        env = fl.TaskEnvironment("restart")

        @env.task
        def greet(who: str) -> str:
            time.sleep(1)  # still running when the kernel goes away
            print("hello from the backend")
            return "hi " + who

        fl.init(home={str(home)!r})
        run = fl.with_runcontext(name={RUN_NAME!r}).run(greet, "there")
        print("interactive:", is_interactive())
        print("packed as:", pack_task(greet)[0].kind)
        print("home:", os.environ["FLYTE_NB_HOME"])
        print("run:", run.name, run.mode, run.done)
        print("pid:", os.getpid())
        """,
    )
    lines = dict(line.split(": ", 1) for line in before.splitlines())
    assert lines["interactive"] == "True"
    assert lines["packed as"] == "bundle"  # the cell's task travels by value
    assert lines["home"] == str(home)
    assert lines["run"] == f"{RUN_NAME} backend False"

    km.restart_kernel(now=True)
    kc.wait_for_ready(timeout=30)

    after = run_cell(
        kc,
        f"""
        import os
        import flyte_nb as fl

        print("pid:", os.getpid())
        print("knows greet:", "greet" in globals())
        fl.init(home={str(home)!r})
        found = fl.remote.Run.get({RUN_NAME!r}).wait(timeout=30)
        print("found:", found.name, found.task_name, found.phase)
        print("outputs:", repr(found.outputs()))
        print("logs:", repr(found.logs()))
        found.outputs()
        """,
    )
    result = after.splitlines()
    assert result[0] != f"pid: {lines['pid']}"  # a new kernel process
    assert result[1:] == [
        "knows greet: False",
        f"found: {RUN_NAME} restart.greet SUCCEEDED",
        "outputs: 'hi there'",
        "logs: 'hello from the backend\\n'",
        "'hi there'",  # the cell's execute_result
    ]
