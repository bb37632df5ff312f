"""The ``flyte-nb`` command, run as a real process against a temporary home."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).with_name("flyte-nb"))


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FLYTE_NB_HOME": str(home)}
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=60)


def _hint(stdout: str, label: str) -> list[str]:
    """The shell words of the command the demo printed after ``label``."""
    line = next(line for line in stdout.splitlines() if label in line)
    return shlex.split(line.split(label, 1)[1])


def test_demo_on_the_embedded_backend_then_runs(home: Path) -> None:
    try:
        first = _cli(home, "demo", "--n", "10")
        assert first.returncode == 0, first.stderr
        assert "(backend): SUCCEEDED, output 285" in first.stdout
        assert "11 actions (0 from cache)" in first.stdout
        # Every hint runs as printed, from a shell whose PATH lacks the venv (as after the
        # README's install): no bare ``flyte-nb`` unless PATH would find this installation.
        bare_path = os.pathsep.join(
            d for d in os.environ.get("PATH", "").split(os.pathsep) if Path(d) != Path(CLI).parent
        )
        env = {**os.environ, "FLYTE_NB_HOME": str(home), "PATH": bare_path}
        for label in ("list runs:", "stop it:"):
            words = _hint(first.stdout, label)
            if label == "stop it:":
                continue  # run below, once the cache test is done
            ran = subprocess.run(words, env=env, capture_output=True, text=True, timeout=60)
            assert ran.returncode == 0, (words, ran.stderr)
            assert "demo.main" in ran.stdout
        python_hint = next(ln for ln in first.stdout.splitlines() if ln.startswith("in Python:"))
        code = "import flyte_nb\nprint(" + python_hint.split(":", 1)[1].strip() + ".phase)"
        checked = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
        assert checked.stdout.strip() == "SUCCEEDED", checked.stderr
        second = _cli(home, "demo", "--n", "10")
        assert "11 actions (10 from cache)" in second.stdout
        assert _cli(home, "server", "status").returncode == 0
        stop = _hint(first.stdout, "stop it:")
        stopped = subprocess.run(stop, env=env, capture_output=True, text=True, timeout=60)
        assert stopped.returncode == 0, (stop, stopped.stderr)
    finally:
        _cli(home, "server", "stop")
    local = _cli(home, "demo", "--n", "10", "--local")
    assert "(local): SUCCEEDED, output 285" in local.stdout
    assert "11 actions (10 from cache)" in local.stdout  # the same cache as the backend's
    listing = _cli(home, "runs")
    assert listing.returncode == 0
    rows = [line for line in listing.stdout.splitlines() if "demo.main" in line]
    assert len(rows) == 3
    assert all("SUCCEEDED" in r for r in rows)
    assert _cli(home, "server", "status").returncode == 1


def test_run_a_task_from_a_file(home: Path, tmp_path: Path) -> None:
    script = tmp_path / "wf.py"
    script.write_text(
        "import flyte_nb as fl\n"
        "env = fl.TaskEnvironment(name='cli')\n"
        "@env.task\n"
        "def add(a: int, b: int) -> int:\n"
        "    return a + b\n"
    )
    ok = _cli(home, "run", str(script), "add", "a=2", "b=3", "--name", "cli-add")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == ["run cli-add: SUCCEEDED", "5"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.py", "add"], "no such file"),
        (["run", "{script}", "nope"], "'nope' is not a task"),
        (["run", "{script}", "add", "a"], "inputs are name=value"),
        (["run", "{script}", "add", "a=x", "b=1"], "argument 'a' expects int, got str"),
    ],
)
def test_bad_cli_input_is_one_clear_line(
    home: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    script = tmp_path / "wf.py"
    script.write_text(
        "import flyte_nb as fl\nenv = fl.TaskEnvironment(name='cli')\n"
        "@env.task\ndef add(a: int, b: int) -> int:\n    return a + b\n"
    )
    result = _cli(home, *[a.format(script=script) for a in args])
    assert result.returncode in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr
