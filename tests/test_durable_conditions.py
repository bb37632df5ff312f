"""Flyte 2's ``flyte.new_condition`` on our gates: a task pauses until it is answered.

The task bodies follow flyte-sdk's ``examples/advanced/conditions.py`` (repo
flyteorg/flyte-sdk); the answers come from the notebook side (``UnionRemote``), against a
real backend.
"""

from __future__ import annotations

import builtins
import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import running_server, wait_for

import flyte_nb as fl
from flyte_nb.cli import main as cli
from flyte_nb.durable import Condition
from flyte_nb.exceptions import FlyteValidationException

env = fl.TaskEnvironment(name="conditions")


@env.task
async def next_task(value: int) -> int:
    return value + 1


@env.task
async def basic_condition_task(x: int) -> int:
    condition = await fl.new_condition.aio(
        "approval", prompt="Is it ok to continue?", data_type=bool
    )
    cond2 = await fl.new_condition.aio(
        "review", prompt="Is it really ok to continue, again?", data_type=bool
    )
    if await condition.wait.aio() and await cond2.wait.aio():
        return await next_task(x)
    return -1


@env.task
def sync_number_task() -> float:
    threshold = fl.new_condition("threshold", data_type=float, prompt_type="markdown")
    return threshold.wait() * 2


@env.task
async def times_out() -> bool:
    cond = await fl.new_condition.aio("too-late", data_type=bool, timeout=0.5)
    return bool(await cond.wait.aio())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("conditions-home")
    with running_server(home):
        yield home


def _signal_waits(remote: fl.UnionRemote, run_name: str, name: str) -> bool:
    return any(s.id == name for s in remote.list_signals(run_name))


def test_conditions_are_answered_from_the_notebook(server: Path) -> None:
    fl.init(home=server)
    remote = fl.UnionRemote()
    run = fl.run(basic_condition_task, 41)
    wait_for(lambda: _signal_waits(remote, run.name, "approval"), 60, "the first condition")
    remote.set_signal("approval", run.name, True)
    wait_for(lambda: _signal_waits(remote, run.name, "review"), 60, "the second condition")
    remote.set_signal("review", run.name, True)
    assert run.wait(timeout=60).outputs() == 42
    gates = [a for a in run.actions() if a.short_name in ("approval", "review")]
    assert sorted(a.short_name for a in gates) == ["approval", "review"]

    number = fl.run(sync_number_task)
    wait_for(lambda: _signal_waits(remote, number.name, "threshold"), 60, "the condition")
    with pytest.raises(Exception, match="float"):
        remote.set_signal("threshold", number.name, "not a number")
    remote.set_signal("threshold", number.name, 1.5)
    assert number.wait(timeout=60).outputs() == 3.0


def test_conditions_are_answered_from_the_cli(
    server: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLYTE_NB_HOME", str(server))
    fl.init(home=server)
    remote = fl.UnionRemote()
    number = fl.run(sync_number_task)
    wait_for(lambda: _signal_waits(remote, number.name, "threshold"), 60, "the condition")
    assert cli(["conditions", number.name]) == 0
    listed = capsys.readouterr().out
    assert "threshold" in listed
    assert "WAITING" in listed
    assert cli(["conditions", number.name, "threshold", "nope"]) == 1  # not a float
    assert "expected a float" in capsys.readouterr().err
    assert cli(["conditions", number.name, "threshold", "2.5"]) == 0
    assert number.wait(timeout=60).outputs() == 5.0


def test_an_unanswered_condition_times_out_with_flyte2s_error(server: Path) -> None:
    fl.init(home=server)
    run = fl.run(times_out).wait(timeout=60)
    assert run.phase == "FAILED"
    assert run.error is not None
    assert run.error["type"] == "ConditionTimedoutError"


def test_in_the_kernel_a_condition_asks_on_stdin(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["yes", "no"])
    monkeypatch.setattr(builtins, "input", lambda _prompt="": next(answers))
    local = fl.with_runcontext(mode="local")
    assert local.run(basic_condition_task, 1).outputs() == -1  # approved, then rejected


def test_new_condition_checks_its_arguments(home: Path) -> None:
    with pytest.raises(FlyteValidationException, match="Invalid data_type"):
        fl.new_condition("x", data_type=list)
    with pytest.raises(FlyteValidationException, match="timeout must be positive"):
        fl.new_condition("x", timeout=datetime.timedelta(0))
    with pytest.raises(FlyteValidationException, match="prompt_type"):
        fl.new_condition("x", prompt_type="html")
    with pytest.raises(FlyteValidationException, match="signal name"):
        fl.new_condition("not a name!")
    cond = fl.new_condition("ok", data_type=int, timeout=5)
    with pytest.raises(RuntimeError, match="within a task context"):
        cond.wait()


# -- ported: flyte-sdk tests/test_conditions.py (TestConditionCreation, TestConditionTimeout)
def test_condition_defaults_and_fields() -> None:
    c = Condition("cond1")
    assert (c.name, c.prompt, c.prompt_type, c.data_type, c.description, c.timeout) == (
        "cond1",
        "Approve?",
        "text",
        bool,
        "",
        None,
    )
    c = Condition(
        "cond2", prompt="Continue?", prompt_type="markdown", data_type=str, description="some desc"
    )
    assert (c.prompt, c.prompt_type, c.data_type, c.description) == (
        "Continue?",
        "markdown",
        str,
        "some desc",
    )


@pytest.mark.parametrize("dt", [bool, int, float, str])
def test_valid_data_types(dt: type) -> None:
    assert Condition("cond", data_type=dt).data_type is dt


@pytest.mark.parametrize("dt", [list, dict, bytes, object])
def test_invalid_data_types(dt: type) -> None:
    with pytest.raises(TypeError, match="Invalid data_type"):
        Condition("cond", data_type=dt)


def test_timeout_zero_raises() -> None:
    with pytest.raises(ValueError, match="timeout must be positive"):
        Condition("cond", timeout=0)
    assert Condition("cond", timeout=datetime.timedelta(minutes=2)).timeout == datetime.timedelta(
        minutes=2
    )
