"""``LaunchPlan``, ``CronSchedule`` and ``FixedRate`` locally, and launch plans registered,
(de)activated and executed through ``UnionRemote`` against a real backend process."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import http, running_server

import flyte_nb as fl
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteValidationException, RunNotFoundError
from flyte_nb.union import (
    CronSchedule,
    FixedRate,
    LaunchPlan,
    LaunchPlanConflictError,
    task,
    workflow,
)
from flyte_nb.union.remote import (
    LaunchPlanId,
    RegisteredLaunchPlan,
    RegisteredWorkflow,
    UnionRemote,
)


@task
def add(a: int, b: int) -> int:
    return a + b


@workflow
def adder(a: int, b: int = 2) -> int:
    return add(a=a, b=b)


@workflow
def stamped(kickoff: datetime.datetime, n: int) -> int:
    return add(a=n, b=1)


# -- local ------------------------------------------------------------------------------------
def test_get_or_create_caches_by_name_and_refuses_other_settings() -> None:
    lp = LaunchPlan.get_or_create(adder, name="lp-cache", default_inputs={"a": 1})
    assert LaunchPlan.get_or_create(adder, name="lp-cache", default_inputs={"a": 1}) is lp
    with pytest.raises(LaunchPlanConflictError, match="exists with other settings"):
        LaunchPlan.get_or_create(adder, name="lp-cache", default_inputs={"a": 2})
    with pytest.raises(AssertionError):  # flytekit's error type for it
        LaunchPlan.get_or_create(adder, name="lp-cache", fixed_inputs={"a": 1})
    default = LaunchPlan.get_or_create(adder)
    assert default.name == adder.name
    assert default.default_inputs == {}
    assert LaunchPlan.get_or_create(adder) is default
    assert LaunchPlan.get_default_launch_plan(None, adder) is default
    with pytest.raises(FlyteValidationException, match="need a name"):
        LaunchPlan.get_or_create(adder, default_inputs={"a": 1})


def test_create_always_makes_a_new_one_and_refuses_a_taken_name() -> None:
    lp = LaunchPlan.create("lp-create", adder, fixed_inputs={"b": 5})
    assert lp.fixed_inputs == {"b": 5}
    with pytest.raises(LaunchPlanConflictError, match="exists already"):
        LaunchPlan.create("lp-create", adder, fixed_inputs={"b": 5})


def test_properties_and_parameters() -> None:
    sched = CronSchedule("0 * * * *")
    lp = LaunchPlan.get_or_create(
        adder,
        name="lp-props",
        default_inputs={"a": 3},
        schedule=sched,
        labels={"team": "ml"},
        annotations={"note": "x"},
        max_parallelism=4,
        overwrite_cache=True,
    )
    assert (lp.name, lp.workflow, lp.schedule, lp.is_scheduled) == ("lp-props", adder, sched, True)
    assert (lp.labels, lp.annotations) == ({"team": "ml"}, {"note": "x"})
    assert (lp.max_parallelism, lp.overwrite_cache) == (4, True)
    params = lp.parameters
    assert (params["a"].default, params["a"].required) == (3, False)
    assert (params["b"].default, params["b"].required) == (2, False)
    fixed = LaunchPlan.get_or_create(adder, name="lp-props-fixed", fixed_inputs={"a": 1})
    assert list(fixed.parameters) == ["b"]
    assert not fixed.is_scheduled


def test_calling_applies_defaults_and_enforces_fixed_inputs() -> None:
    lp = LaunchPlan.get_or_create(adder, name="lp-call", default_inputs={"a": 10})
    assert (lp(), lp(a=1), lp(b=5)) == (12, 3, 15)
    fixed = LaunchPlan.get_or_create(adder, name="lp-call-fixed", fixed_inputs={"b": 100})
    assert fixed(a=1) == 101
    with pytest.raises(FlyteValidationException, match=r"fixes \['b'\]"):
        fixed(a=1, b=2)
    with pytest.raises(FlyteValidationException, match=r"needs input\(s\) \['a'\]"):
        fixed()
    with pytest.raises(FlyteValidationException, match="not among them"):
        fixed(a=1, c=3)
    with pytest.raises(FlyteValidationException, match="by name only"):
        fixed(1)


def test_fl_run_runs_a_launch_plan() -> None:
    lp = LaunchPlan.get_or_create(adder, name="lp-flrun", fixed_inputs={"b": 7})
    run = fl.run(lp, a=3)
    assert run.outputs() == 10
    with pytest.raises(FlyteValidationException, match="fixes"):
        fl.run(lp, a=3, b=1)


def test_clone_with_replaces_the_settings_given() -> None:
    lp = LaunchPlan.get_or_create(
        adder, name="lp-clone", default_inputs={"a": 1}, labels={"k": "v"}
    )
    other = lp.clone_with("lp-clone-2", fixed_inputs={"b": 0})
    assert (other.name, other.default_inputs, other.fixed_inputs) == (
        "lp-clone-2",
        {"a": 1},
        {"b": 0},
    )
    assert other.labels == {"k": "v"}
    assert other() == 1


def test_launch_plan_arguments_are_validated() -> None:
    with pytest.raises(FlyteValidationException, match="not inputs of workflow"):
        LaunchPlan.get_or_create(adder, name="lp-bad1", default_inputs={"z": 1})
    with pytest.raises(FlyteValidationException, match="both as default and as fixed"):
        LaunchPlan.get_or_create(
            adder, name="lp-bad2", default_inputs={"a": 1}, fixed_inputs={"a": 2}
        )
    with pytest.raises(FlyteValidationException, match="must be a @workflow"):
        LaunchPlan.get_or_create(add, name="lp-bad3")  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="max_parallelism"):
        LaunchPlan.get_or_create(adder, name="lp-bad4", max_parallelism=0)
    with pytest.raises(FlyteValidationException, match="labels"):
        LaunchPlan.get_or_create(adder, name="lp-bad5", labels={"a": 1})  # type: ignore[dict-item]
    with pytest.raises(FlyteValidationException, match="Union cloud setting"):
        LaunchPlan.get_or_create(adder, name="lp-bad6", notifications=["email"])
    with pytest.raises(FlyteValidationException, match="every input needs a value"):
        LaunchPlan.get_or_create(
            adder, name="lp-bad7", schedule=FixedRate(datetime.timedelta(hours=1))
        )
    with pytest.raises(FlyteValidationException, match="is not an input"):
        LaunchPlan.get_or_create(
            stamped,
            name="lp-bad8",
            default_inputs={"n": 1},
            schedule=CronSchedule("@daily", kickoff_time_input_arg="nope"),
        )
    lp = LaunchPlan.get_or_create(
        stamped,
        name="lp-kick",
        default_inputs={"n": 1},
        schedule=CronSchedule("@daily", kickoff_time_input_arg="kickoff"),
    )
    assert lp.is_scheduled


# -- schedules --------------------------------------------------------------------------------
def test_cron_schedule_validates_and_computes_next_fire_times() -> None:
    every15 = CronSchedule("*/15 * * * *")
    start = datetime.datetime(2024, 1, 1, 10, 7)
    assert every15.next_after(start) == datetime.datetime(2024, 1, 1, 10, 15)
    assert every15.next_after(datetime.datetime(2024, 1, 1, 10, 15)) == datetime.datetime(
        2024, 1, 1, 10, 30
    )
    assert CronSchedule("@hourly").next_after(start) == datetime.datetime(2024, 1, 1, 11, 0)
    assert CronSchedule("0 9 * * 1").next_after(start) == datetime.datetime(2024, 1, 8, 9, 0)
    for bad in ("* * * *", "61 * * * *", "* * * * * *", "", "@sometimes", 5):
        with pytest.raises(FlyteValidationException, match="5 fields"):
            CronSchedule(bad)  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="kickoff_time_input_arg"):
        CronSchedule("* * * * *", kickoff_time_input_arg="not a name")
    with pytest.raises(FlyteValidationException, match="takes a datetime"):
        every15.next_after("now")  # type: ignore[arg-type]
    assert every15 == CronSchedule("*/15 * * * *") != CronSchedule("0 * * * *")


def test_fixed_rate_validates_and_computes_next_fire_times() -> None:
    rate = FixedRate(datetime.timedelta(minutes=10), kickoff_time_input_arg="t")
    start = datetime.datetime(2024, 1, 1, 10, 7)
    assert rate.next_after(start) == datetime.datetime(2024, 1, 1, 10, 17)
    assert rate.to_dict() == {"kind": "fixed_rate", "seconds": 600.0, "kickoff_time_input_arg": "t"}
    for bad in (datetime.timedelta(0), datetime.timedelta(seconds=-1), 60):
        with pytest.raises(FlyteValidationException, match="positive"):
            FixedRate(bad)  # type: ignore[arg-type]


# -- on a real backend ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("lp-home")
    with running_server(home) as info:
        yield home, info


@pytest.fixture
def remote(server: tuple[Path, _daemon.ServerInfo], home: Path) -> UnionRemote:
    fl.init(home=server[0])
    return UnionRemote()


def test_register_fetch_activate_execute(remote: UnionRemote) -> None:
    lp = LaunchPlan.get_or_create(
        adder,
        name="nightly",
        default_inputs={"a": 1},
        fixed_inputs={"b": 40},
        schedule=CronSchedule("0 3 * * *"),
        labels={"team": "ml"},
        max_parallelism=2,
    )
    v1 = remote.register_launch_plan(lp, version="v1")
    assert isinstance(v1, RegisteredLaunchPlan)
    assert (v1.name, v1.version, v1.is_active) == ("nightly", "v1", False)
    assert (v1.default_inputs, v1.fixed_inputs) == ({"a": 1}, {"b": 40})
    assert v1.schedule == CronSchedule("0 3 * * *")
    assert v1.labels == {"team": "ml"}
    assert v1.workflow_id.name == adder.name
    assert v1.workflow_id.version == "v1"
    assert remote.register_launch_plan(lp, version="v1") == v1  # idempotent
    wf = remote.fetch_workflow(name=adder.name, version="v1")
    assert isinstance(wf, RegisteredWorkflow)
    assert wf.version == "v1"

    assert remote.fetch_launch_plan(name="nightly", version="v1") == v1
    assert remote.fetch_active_launchplan(name="nightly") is None
    v2 = remote.register_launch_plan(lp, version="v2")
    assert remote.fetch_launch_plan(name="nightly").version == "v2"  # the latest

    assert remote.activate_launchplan(v1.id).is_active
    assert remote.fetch_active_launchplan(name="nightly").version == "v1"  # type: ignore[union-attr]
    remote.activate_launchplan(v2)
    active = remote.fetch_active_launchplan(name="nightly")
    assert active is not None
    assert active.version == "v2"
    assert not remote.fetch_launch_plan(name="nightly", version="v1").is_active  # one at a time
    assert not remote.deactivate_launchplan(active).is_active
    assert remote.fetch_active_launchplan(name="nightly") is None

    ex = remote.execute(v2, inputs={"a": 2}, wait=True)
    assert ex.is_successful
    assert ex.outputs == {"o0": 42}
    ex = remote.execute(v2, wait=True)
    assert ex.outputs == {"o0": 41}
    ex = remote.execute(lp, {"a": 5}, wait=True)  # a local launch plan
    assert ex.outputs == {"o0": 45}
    run = fl.run(lp, a=6)
    assert run.wait(timeout=60).outputs() == 46


def test_auto_activate_and_bad_inputs(remote: UnionRemote) -> None:
    lp = LaunchPlan.get_or_create(adder, name="auto", fixed_inputs={"b": 1}, auto_activate=True)
    plan = remote.register_launch_plan(lp, version="a1")
    assert plan.is_active
    with pytest.raises(FlyteValidationException, match=r"fixes \['b'\]"):
        remote.execute(plan, {"a": 1, "b": 2})
    with pytest.raises(FlyteValidationException, match=r"fixes \['b'\]"):
        remote.execute(lp, {"a": 1, "b": 2})
    with pytest.raises(FlyteValidationException, match="needs input"):
        remote.execute(lp, {})
    with pytest.raises(FlyteValidationException, match="inputs must be a dict"):
        remote.execute(lp, [1])  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="entity must be a LaunchPlan"):
        remote.register_launch_plan(adder)  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="ident must be a LaunchPlanId"):
        remote.activate_launchplan("auto")  # type: ignore[arg-type]
    with pytest.raises(RunNotFoundError, match="no launch plan"):
        remote.activate_launchplan(LaunchPlanId("default", "development", "auto", "nope"))
    with pytest.raises(RunNotFoundError, match="no version 'zz' of launch plan"):
        remote.fetch_launch_plan(name="auto", version="zz")
    with pytest.raises(FlyteValidationException, match="name is required"):
        remote.fetch_launch_plan()
    with pytest.raises(FlyteValidationException, match="must be a @workflow"):
        remote.register_workflow(add)  # type: ignore[arg-type]


def test_a_version_with_another_spec_is_a_conflict(
    remote: UnionRemote, server: tuple[Path, _daemon.ServerInfo]
) -> None:
    remote.register_launch_plan(LaunchPlan.create("conflict", adder, default_inputs={"a": 1}), "c1")
    changed = LaunchPlan.create("conflict-2", adder, default_inputs={"a": 2})
    body = {
        "name": "conflict",
        "version": "c1",
        "workflow_name": adder.name,
        "workflow_version": "c1",
        "spec": {"default_inputs": {"a": 2}},
    }
    with http(server[1]) as client:
        response = client.post("/api/v1/launch-plans", json=body)
        assert response.status_code == 409, response.text
        assert "immutable" in response.json()["error"]["message"]
        bad = {**body, "version": "c2", "spec": {"schedule": {"kind": "cron", "schedule": "x"}}}
        response = client.post("/api/v1/launch-plans", json=bad)
        assert response.status_code == 400
        assert "5 fields" in response.text
        missing = {**body, "version": "c3", "workflow_version": "none"}
        response = client.post("/api/v1/launch-plans", json=missing)
        assert response.status_code == 400
        assert "register it first" in response.text
        listed = client.get("/api/v1/launch-plans", params={"name": "conflict"}).json()["items"]
        assert [i["version"] for i in listed] == ["c1"]
        assert client.get("/api/v1/launch-plans/default/development/conflict/c9").status_code == 404
    assert changed.default_inputs == {"a": 2}
    with pytest.raises(FlyteValidationException, match="immutable"):
        remote.register_launch_plan(changed.clone_with("conflict"), "c1")
