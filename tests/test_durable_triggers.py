"""Flyte 2 triggers: ``env.task(triggers=fl.Trigger(...))``, deployed with ``fl.deploy(env)``,
fired by a real backend once per slot, listed and switched by ``flyte-nb triggers``.

The trigger declarations follow flyte-sdk's ``examples/triggers/basic.py`` (repo
flyteorg/flyte-sdk); the firing checks are ours.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import running_server, wait_for

import flyte_nb as fl
from flyte_nb.cli import main as cli
from flyte_nb.durable._deploy import triggers
from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.remote import Run

env = fl.TaskEnvironment(name="triggered")
quiet = fl.TaskEnvironment(name="triggered_quiet")


@env.task(
    triggers=fl.Trigger(
        "every-second", fl.FixedRate(1 / 60), inputs={"when": fl.TriggerTime, "tag": "rate"}
    )
)
def stamp(when: datetime.datetime, tag: str = "x") -> str:
    return f"{tag}@{when.isoformat()}"


# ported: flyte-sdk examples/triggers/basic.py (declarations; never fires in the test)
custom_trigger = fl.Trigger(
    "custom_cron",
    fl.Cron("0 0 * * *"),
    inputs={"start_time": fl.TriggerTime, "x": 1},
    auto_activate=False,
)


@quiet.task(triggers=(custom_trigger, fl.Trigger.hourly("start_time", auto_activate=False)))
def custom_task(start_time: datetime.datetime, x: int = 11) -> str:
    return f"Custom task executed at {start_time.isoformat()} with x={x}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("triggers-home")
    with running_server(home):
        yield home


def _fired() -> list[datetime.datetime]:
    runs = Run.listall(task_name=stamp.name, limit=200)
    return sorted(r.inputs()["when"] for r in runs if r.phase == "SUCCEEDED")


def test_a_deployed_trigger_fires_once_per_slot_and_stops_when_deactivated(
    server: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLYTE_NB_HOME", str(server))
    fl.init(home=server)
    assert fl.deploy(quiet) == [f"{custom_task.name}.custom_cron", f"{custom_task.name}.hourly"]
    assert fl.deploy(env) == [f"{stamp.name}.every-second"]
    wait_for(lambda: len(_fired()) >= 2, 60, "two triggered runs")
    kicks = _fired()
    assert len(set(kicks)) == len(kicks)  # one run per slot
    assert all(k.tzinfo is not None for k in kicks)
    run = Run.listall(task_name=stamp.name, limit=1)[0]
    assert run.inputs()["tag"] == "rate"

    listed = {t["trigger"]: t for t in triggers()}
    assert listed["every-second"]["active"] is True
    assert listed["custom_cron"]["active"] is False  # auto_activate=False
    assert listed["hourly"]["schedule"]["schedule"] == "0 * * * *"
    assert cli(["triggers"]) == 0
    out = capsys.readouterr().out
    assert f"{stamp.name}.every-second" in out
    assert "0 0 * * *" in out

    assert cli(["triggers", "--deactivate", f"{stamp.name}.every-second"]) == 0
    assert {t["trigger"]: t["active"] for t in triggers()}["every-second"] is False
    time.sleep(1.5)  # a tick that saw it active may still finish
    settled = len(_fired()) + len(Run.listall(phase="RUNNING", task_name=stamp.name))
    time.sleep(2.5)
    assert len(_fired()) <= settled  # nothing new fired
    assert cli(["triggers", "--activate", f"{custom_task.name}.custom_cron"]) == 0
    assert {t["trigger"]: t["active"] for t in triggers()}["custom_cron"] is True


def test_trigger_arguments_are_checked(server: Path) -> None:
    with pytest.raises(FlyteValidationException, match="Cron"):
        fl.Trigger("t", "0 * * * *")  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="cron expression"):
        fl.Cron("every hour")
    with pytest.raises(FlyteValidationException, match="UTC"):
        fl.Cron("0 0 * * *", timezone="Europe/London")
    with pytest.raises(FlyteValidationException, match="positive number of minutes"):
        fl.FixedRate(0)
    with pytest.raises(FlyteValidationException, match="name must be"):
        fl.Trigger("no spaces", fl.Cron("@daily"))
    with pytest.raises(FlyteValidationException, match="unknown argument"):
        fl.Trigger("t", fl.Cron("@daily"), colour="red")
    assert fl.Trigger.daily("at").inputs == {"at": fl.TriggerTime}
    with pytest.raises(FlyteValidationException, match="TaskEnvironments or tasks"):
        fl.deploy(5)

    bad = fl.TaskEnvironment(name="triggered_bad")

    @bad.task(triggers=fl.Trigger("t", fl.Cron("@daily")))
    def needs_input(x: int) -> int:
        return x

    fl.init(home=server)
    with pytest.raises(FlyteValidationException, match=r"needs \['x'\]"):
        fl.deploy(bad)
    assert f"{needs_input.name}.t" not in {t["name"] for t in triggers()}


def test_trigger_description_truncation() -> None:
    # ported: flyte-sdk tests/flyte/test_trigger.py
    trigger = fl.Trigger(
        name="test_truncation", automation=fl.Cron("0 * * * *"), description="A" * 300
    )
    assert len(trigger.description) == 255
    assert trigger.description == "A" * 247 + "...(tr.)"
