"""Caching across runs and processes, and records that survive a dying kernel.

The cross-process tests start real Python processes on a shared home folder: the same
situation as a notebook kernel restart.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import flyte_nb as fl


def test_auto_cache_hits_on_the_next_run(env: fl.TaskEnvironment) -> None:
    calls: list[int] = []

    @env.task(cache="auto")
    async def slow_square(x: int) -> int:
        calls.append(x)
        return x * x

    @env.task
    async def main(n: int) -> int:
        return sum(await asyncio.gather(*[slow_square(i) for i in range(n)]))

    first = fl.run(main, 5)
    second = fl.run(main, 6)
    assert (first.outputs(), second.outputs()) == (30, 55)
    assert sorted(calls) == [0, 1, 2, 3, 4, 5]  # only the new input ran
    hits = sorted((a.inputs()["x"], a.cache_hit) for a in second.actions()[1:])
    assert hits == [(0, True), (1, True), (2, True), (3, True), (4, True), (5, False)]


def test_overwrite_cache_recomputes_and_override_pins_the_version(
    env: fl.TaskEnvironment,
) -> None:
    calls: list[int] = []

    @env.task(cache=fl.Cache(behavior="auto", version="1"))
    def f(x: int) -> int:
        calls.append(x)
        return x + len(calls)

    assert fl.run(f, 1).outputs() == 2
    assert fl.run(f, 1).outputs() == 2  # hit
    # A run with overwrite_cache recomputes and refreshes the entry...
    assert fl.with_runcontext(overwrite_cache=True).run(f, 1).outputs() == 3
    assert fl.run(f, 1).outputs() == 3
    # Flyte 2's Cache("override") means "version by version_override", not "recompute": the
    # same version is a hit, a new one is a miss that is then reused.
    g = f.override(cache=fl.Cache(behavior="override", version_override="1"))
    assert fl.run(g, 1).outputs() == 3
    h = f.override(cache=fl.Cache(behavior="override", version_override="2"))
    assert fl.run(h, 1).outputs() == 4
    assert fl.run(h, 1).outputs() == 4
    assert calls == [1, 1, 1]


def test_disabled_cache_and_ignored_inputs(env: fl.TaskEnvironment) -> None:
    calls: list[int] = []

    @env.task(cache=fl.Cache(version="1", ignored_inputs="verbose"))
    def f(x: int, verbose: bool = False) -> int:
        calls.append(x)
        return x

    fl.run(f, 1, verbose=False)
    run = fl.run(f, 1, verbose=True)  # differs only in an ignored input: a hit
    assert run.actions()[0].cache_hit
    assert calls == [1]
    nocache = f.override(cache="disable")
    fl.run(nocache, 1)
    fl.run(nocache, 1)
    assert calls == [1, 1, 1]


def test_cache_version_follows_the_function_body(env: fl.TaskEnvironment) -> None:
    def define(body: str) -> fl.task.TaskTemplate:
        namespace = {"env": env, "__name__": "cells"}
        exec(
            textwrap.dedent(f"@env.task(cache='auto')\ndef g(x: int) -> int:\n    {body}\n"),
            namespace,
        )
        return namespace["g"]  # type: ignore[return-value]

    a = define("return x + 1")
    b = define("return x + 2")
    assert a.cache_version() != b.cache_version()
    assert fl.run(a, 1).outputs() == 2
    assert fl.run(b, 1).outputs() == 3  # a new body is a new cache version


def test_serialized_cache_runs_identical_calls_once(env: fl.TaskEnvironment) -> None:
    calls: list[int] = []

    @env.task(cache=fl.Cache(version="1", serialize=True))
    async def expensive(x: int) -> int:
        calls.append(x)
        await asyncio.sleep(0.05)
        return x

    @env.task
    async def main() -> list[int]:
        return list(await asyncio.gather(*[expensive(7) for _ in range(5)]))

    run = fl.run(main)
    assert run.outputs() == [7] * 5
    assert calls == [7]
    assert sum(a.cache_hit for a in run.actions()) == 4


SCRIPT = """
import asyncio, os, sys, time
import flyte_nb as fl

env = fl.TaskEnvironment(name="proc", cache="auto")

@env.task
async def square(x: int) -> int:
    print("computed", x)
    return x * x

@env.task(cache="disable")
async def main(n: int) -> int:
    return sum(await asyncio.gather(*[square(i) for i in range(n)]))

@env.task(cache="disable")
async def hang() -> int:
    await square(2)
    print("ready", flush=True)
    await asyncio.sleep(600)
    return 0

if __name__ == "__main__":
    if sys.argv[1] == "hang":
        fl.run(hang)
    else:
        run = fl.run(main, 3)
        print("NAMES", sorted(a.name for a in run.actions()))
        print("HITS", sum(a.cache_hit for a in run.actions()))
"""


def _script(tmp_path: Path) -> Path:
    path = tmp_path / "proc_tasks.py"
    path.write_text(SCRIPT)
    return path


def _run_script(script: Path, home: Path, *args: str) -> str:
    env = {**os.environ, "FLYTE_NB_HOME": str(home), "PYTHONHASHSEED": "random"}
    out = subprocess.run(
        [sys.executable, str(script), *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_cache_and_action_names_survive_a_process_restart(tmp_path: Path, home: Path) -> None:
    script = _script(tmp_path)
    first = _run_script(script, home, "main")
    second = _run_script(script, home, "main")
    assert "computed" in first
    assert "computed" not in second
    assert "HITS 3" in second
    names = [line for line in first.splitlines() if line.startswith("NAMES")]
    assert names == [line for line in second.splitlines() if line.startswith("NAMES")]


def test_a_run_whose_kernel_died_is_marked_aborted(tmp_path: Path, home: Path) -> None:
    script = _script(tmp_path)
    env = {**os.environ, "FLYTE_NB_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, str(script), "hang"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        lines = iter(proc.stdout.readline, "")
        assert "ready" in [next(lines).strip(), next(lines).strip()]
        time.sleep(0.5)  # let the recorder flush the finished child
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # The next process to open the records notices and marks the run.
    from flyte_nb.store import Recorder

    recorder = Recorder(home / "flyte_nb.db", home / "blobs")
    try:
        assert len(recorder.aborted_on_start) == 1
    finally:
        recorder.close()
    run = fl.remote.Run.get(recorder.aborted_on_start[0])
    assert run.phase == "ABORTED"
    assert run.error is not None
    assert f"pid {proc.pid}" in run.error["message"]
    phases = {a.short_name: a.phase for a in run.actions()}
    assert phases == {"hang": "ABORTED", "square": "SUCCEEDED"}
    with pytest.raises(fl.exceptions.RunFailedError, match="ProcessDied"):
        run.outputs()
