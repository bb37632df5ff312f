"""Schedules fired by the backend and ``UnionRemote.launch_backfill``.

A real backend process fires a fixed-rate launch plan, stops when it is deactivated and,
restarted after downtime, fires the newest missed slot once. The cron rules (no past slots
on activation, skip to the newest missed slot, exactly once across a crash between creating
the run and recording the slot) are checked on ``ScheduleRunner`` over a real SQLite store,
with a stand-in for the run-creating half of the backend (said again where it is built).
"""

from __future__ import annotations

import datetime
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _backend_util import running_server, wait_for

import flyte_nb as fl
from flyte_nb.backend import BackendError
from flyte_nb.backend._schedules import ScheduleRunner, slot_run_name
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.remote import Run, UnionRemote
from flyte_nb.store import _migrate, _queries, _signals
from flyte_nb.union import CronSchedule, FixedRate, LaunchPlan, WorkflowTemplate, task, workflow

UTC = datetime.UTC


@task
def describe(kickoff: datetime.datetime, tag: str) -> str:
    return f"{tag}@{kickoff.isoformat()}"


@workflow
def ticker(kickoff: datetime.datetime, tag: str = "tick") -> str:
    return describe(kickoff=kickoff, tag=tag)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("schedule-home")
    with running_server(home) as info:
        yield home, info


@pytest.fixture
def remote(server: tuple[Path, _daemon.ServerInfo], home: Path) -> UnionRemote:
    fl.init(home=server[0])
    return UnionRemote()


def _kickoffs(tag: str) -> list[datetime.datetime]:
    runs = Run.listall(task_name=ticker.name, limit=200)
    found = []
    for run in runs:
        inputs = run.inputs()
        if inputs.get("tag") == tag and run.phase == "SUCCEEDED":
            found.append(inputs["kickoff"])
    return sorted(found)


def test_the_backend_fires_an_active_fixed_rate_plan_and_stops_when_deactivated(
    remote: UnionRemote, server: tuple[Path, _daemon.ServerInfo]
) -> None:
    lp = LaunchPlan.get_or_create(
        ticker,
        name="every-second",
        fixed_inputs={"tag": "rate"},
        auto_activate=True,
        schedule=FixedRate(datetime.timedelta(seconds=1), kickoff_time_input_arg="kickoff"),
    )
    plan = remote.register_launch_plan(lp, version="v1")
    assert plan.is_active
    wait_for(lambda: len(_kickoffs("rate")) >= 2, 60, "two scheduled runs")
    kicks = _kickoffs("rate")
    assert len(set(kicks)) == len(kicks)  # one run per slot
    assert all(k.tzinfo is not None for k in kicks)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(kicks)]
    # Slots lie on the 1 s grid; a loaded machine may skip some (newest missed slot only).
    assert all(g >= 1 and abs(g - round(g)) < 1e-3 for g in gaps), gaps

    remote.deactivate_launchplan(plan)
    time.sleep(1.5)  # a tick that saw it active may still finish
    settled = len(_kickoffs("rate")) + len(Run.listall(phase="RUNNING", task_name=ticker.name))
    time.sleep(2.5)
    assert len(_kickoffs("rate")) <= settled  # nothing new fired

    # Restart after downtime: the missed slots collapse into one run (the newest one).
    home = server[0]
    remote.activate_launchplan(plan)
    wait_for(lambda: len(_kickoffs("rate")) > settled, 30, "a fire after re-activation")
    _daemon.stop(home)
    stopped = datetime.datetime.now(UTC)
    time.sleep(4)
    restarted = datetime.datetime.now(UTC)
    _daemon.ensure_server(home, workers=2)
    fl.init(home=home)
    wait_for(lambda: any(k > restarted for k in _kickoffs("rate")), 30, "a fire after restart")
    remote.deactivate_launchplan(plan)
    missed = [
        k for k in _kickoffs("rate") if stopped < k < restarted - datetime.timedelta(seconds=1)
    ]
    assert len(missed) <= 1, missed  # ~3 slots were missed; at most the newest one ran


# -- the scheduler's rules, on a real SQLite store ---------------------------------------------
class _RunMaker:
    """Stand-in for the run-creating half of the backend (creating runs needs worker
    processes, which these rules do not): records ``create_run`` calls, refuses a name
    twice with the backend's own 409, and exposes the real store ``ScheduleRunner`` reads."""

    def __init__(self, db_url: str, blobs: Path) -> None:
        from flyte_nb.store import BlobStore
        from flyte_nb.store._db import create_engine

        self.engine = create_engine(db_url)
        self.runs: dict[str, dict[str, Any]] = {}
        self.recorder = type("R", (), {"blobs": BlobStore(blobs)})()

    def create_run(self, *, name: str, **fields: Any) -> None:
        if name in self.runs:
            raise BackendError(409, "conflict", f"a run named {name!r} already exists")
        self.runs[name] = fields


@pytest.fixture
def maker(tmp_path: Path) -> _RunMaker:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    _migrate.upgrade(url)
    made = _RunMaker(url, tmp_path / "blobs")
    with made.engine.begin() as conn:
        from flyte_nb.store._schema import tasks

        conn.execute(
            tasks.insert().values(
                project="default",
                domain="development",
                name="wf",
                version="v1",
                ref=json.dumps({"kind": "module"}),
                spec=json.dumps({"task": "wf", "short": "wf"}),
                interface=None,
                created_at=0.0,
            )
        )
    spec = {
        "default_inputs": {"n": 1},
        "fixed_inputs": {},
        "schedule": CronSchedule("0 * * * *", "kickoff").to_dict(),
    }
    _queries.register_launch_plan(
        made.engine,
        {
            "project": "default",
            "domain": "development",
            "name": "hourly",
            "version": "v1",
            "workflow_name": "wf",
            "workflow_version": "v1",
            "spec": json.dumps(spec),
        },
    )
    _queries.set_launch_plan_active(made.engine, "default", "development", "hourly", "v1", True)
    return made


def _at(hour: int, minute: int = 0) -> float:
    return datetime.datetime(2026, 1, 1, hour, minute, tzinfo=UTC).timestamp()


def test_cron_fires_each_slot_once_and_never_past_ones(maker: _RunMaker) -> None:
    runner = ScheduleRunner(maker)  # type: ignore[arg-type]
    assert runner.fire_due(_at(10, 30)) == []  # first seen: counts from now
    assert runner.fire_due(_at(10, 59)) == []
    (first,) = runner.fire_due(_at(11, 0))
    assert first == slot_run_name("default", "development", "hourly", _at(11))
    assert runner.fire_due(_at(11, 0)) == []  # the same moment again: nothing
    made = maker.runs[first]
    inputs = json.loads(made["inputs"])
    assert inputs["n"] == 1
    assert "kickoff" in inputs
    assert made["options"]["launch_plan"]["scheduled_at"] == _at(11)
    # Down from 11:05 to 15:10: 12..15 were missed; only 15:00 fires.
    (caught_up,) = runner.fire_due(_at(15, 10))
    assert caught_up == slot_run_name("default", "development", "hourly", _at(15))
    assert len(maker.runs) == 2


def test_a_crash_between_creating_the_run_and_recording_the_slot_fires_once(
    maker: _RunMaker,
) -> None:
    runner = ScheduleRunner(maker)  # type: ignore[arg-type]
    runner.fire_due(_at(8, 30))
    # The previous backend created the 09:00 run and died before recording it.
    maker.runs[slot_run_name("default", "development", "hourly", _at(9))] = {}
    assert runner.fire_due(_at(9, 0)) == []  # the run exists: not started again...
    assert _signals.last_fire(maker.engine, "default", "development", "hourly") == _at(9)
    assert len(maker.runs) == 1  # ...and the slot is recorded, so it never fires again
    assert runner.fire_due(_at(9, 30)) == []


def test_activation_resets_where_a_schedule_stood(maker: _RunMaker) -> None:
    runner = ScheduleRunner(maker)  # type: ignore[arg-type]
    runner.fire_due(_at(1, 30))
    runner.reset("default", "development", "hourly")  # what activating a version does
    assert runner.fire_due(_at(5, 30)) == []  # counts from now again: no catch-up
    assert runner.fire_due(_at(6, 0)) != []


# -- backfill ---------------------------------------------------------------------------------
def test_launch_backfill_dry_run_register_and_execute(remote: UnionRemote) -> None:
    lp = LaunchPlan.get_or_create(
        ticker,
        name="hourly-backfill",
        fixed_inputs={"tag": "bf"},
        schedule=CronSchedule("0 * * * *", kickoff_time_input_arg="kickoff"),
    )
    remote.register_launch_plan(lp, version="v1")
    start = datetime.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    end = datetime.datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    kw: dict[str, Any] = {
        "project": "default",
        "domain": "development",
        "from_date": start,
        "to_date": end,
        "launchplan": "hourly-backfill",
    }
    wf = remote.launch_backfill(**kw, dry_run=True)
    assert isinstance(wf, WorkflowTemplate)
    assert len(wf.compile().nodes) == 3  # 01:00, 02:00, 03:00: from exclusive, to inclusive
    registered = remote.launch_backfill(**kw, execute=False, version="bf1")
    assert registered.version == "bf1"  # type: ignore[union-attr]

    ex = remote.launch_backfill(**kw, version="bf2", parallel=True)  # other code: new version
    done = remote.wait(ex, timeout=120)  # type: ignore[arg-type]
    assert done.is_successful
    outputs = sorted(
        Run.get(done.id.name).action(a).outputs()["o0"]
        for a, node in done.node_executions.items()
        if node.task_name == describe.name
    )
    assert outputs == [f"bf@2026-03-01T0{h}:00:00+00:00" for h in (1, 2, 3)]


def test_launch_backfill_bad_input(remote: UnionRemote) -> None:
    start = datetime.datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(FlyteValidationException, match="must be after"):
        remote.launch_backfill("default", "development", start, start, "hourly-backfill")
    with pytest.raises(FlyteValidationException, match="must be a datetime"):
        remote.launch_backfill("default", "development", "2026-01-01", start, "x")  # type: ignore[arg-type]
    unscheduled = LaunchPlan.get_or_create(ticker, name="no-schedule", fixed_inputs={"tag": "x"})
    remote.register_launch_plan(unscheduled, version="v1")
    with pytest.raises(FlyteValidationException, match="has no schedule"):
        remote.launch_backfill(
            "default", "development", start, start + datetime.timedelta(days=1), "no-schedule"
        )


def test_only_one_scheduler_claims_a_schedule_first(maker: _RunMaker) -> None:
    key = ("default", "development", "hourly")
    assert _signals.claim_fire(maker.engine, *key, None, _at(1))
    assert not _signals.claim_fire(maker.engine, *key, None, _at(1))  # another backend lost
    assert not _signals.claim_fire(maker.engine, *key, _at(0), _at(2))  # stale compare
    assert _signals.claim_fire(maker.engine, *key, _at(1), _at(2))
    assert _signals.last_fire(maker.engine, *key) == _at(2)
