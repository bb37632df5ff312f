"""Acting on runs against a real backend process: re-run with the same or edited inputs
(its form, its bad-value messages), recovery through the same start, compare, and the
"waiting for you" list of a run held at a gate."""

from __future__ import annotations

import datetime
import enum
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _backend_util import running_server, wait_for

import flyte_nb as fl
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.union import approve, task, workflow

env = fl.TaskEnvironment("act-on-runs")


class Size(enum.Enum):
    SMALL = 1
    LARGE = 100


@env.task
def scaled(n: int, size: Size, factor: float = 1.0, tags: list[str] | None = None) -> float:
    return n * size.value * factor + len(tags or [])


@env.task
def part(i: int, folder: str) -> int:
    with open(Path(folder, f"part-{i}"), "a") as f:
        f.write("x")
    return i


@env.task
def fragile(values: list[int]) -> int:
    if os.environ.get("FRAGILE_OK") != "1":
        raise RuntimeError("fragile step")
    return sum(values)


@env.task
def pipeline(n: int, folder: str) -> int:
    return fragile([part(i, folder) for i in range(n)])


@task
def double(n: int) -> int:
    return 2 * n


@workflow
def held(n: int) -> int:
    return approve(double(n=n), name="ok", timeout=datetime.timedelta(hours=1))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("act-home")
    with running_server(home) as info:
        yield home, info


@pytest.fixture
def api(server: tuple[Path, _daemon.ServerInfo]) -> Iterator[httpx.Client]:
    """The backend's HTTP API; also ``fl.init`` on it, for the runs the test starts."""
    home, info = server
    fl.init(home=home)
    headers = {"Authorization": f"Bearer {info.token}"}
    with httpx.Client(base_url=f"{info.url}/api/v1", headers=headers, timeout=30) as client:
        yield client


def test_rerun_with_the_same_and_with_edited_inputs(api: httpx.Client) -> None:
    first = fl.run(scaled, 2, Size.SMALL).wait(timeout=60)
    assert first.outputs() == 2.0
    answer = api.get(f"/runs/{first.name}/rerun")
    assert answer.status_code == 200, answer.text
    form = answer.json()["fields"]
    by = {f["name"]: f for f in form}
    assert by["size"]["kind"] == "enum"
    assert by["size"]["value"] == "SMALL"
    assert [c["label"] for c in by["size"]["choices"]] == ["SMALL", "LARGE"]
    assert (by["factor"]["value"], by["tags"]["optional"]) == (1.0, True)

    again = first.rerun().wait(timeout=60)
    assert again.name != first.name
    assert again.outputs() == 2.0
    assert again.inputs() == first.inputs()

    edited = first.rerun(inputs={"n": "3", "size": "LARGE", "tags": '["a", "b"]'})
    assert edited.wait(timeout=60).outputs() == 302.0
    assert edited.inputs()["size"] is Size.LARGE  # the member, as a notebook would pass it


def test_a_bad_edited_value_is_a_400_that_names_the_input(api: httpx.Client) -> None:
    first = fl.run(scaled, 1, Size.SMALL).wait(timeout=60)
    answer = api.post(f"/runs/{first.name}/rerun", json={"inputs": {"n": "three"}})
    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": "bad_request",
        "message": "input 'n': expects an int, got 'three'",
    }
    with pytest.raises(FlyteValidationException, match="input 'size': expects one of SMALL"):
        first.rerun(inputs={"size": "MEDIUM"})
    assert api.post("/runs/no-such-run/rerun", json={}).status_code == 404


def test_recover_through_the_api_runs_only_what_failed(api: httpx.Client, tmp_path: Path) -> None:
    failed = fl.run(pipeline, 3, str(tmp_path)).wait(timeout=60)
    assert failed.phase == "FAILED"
    answer = api.post(f"/runs/{failed.name}/recover", json={"env_vars": {"FRAGILE_OK": "1"}})
    assert answer.status_code == 201, answer.text
    recovered = fl.remote.Run.get(answer.json()["name"]).wait(timeout=60)
    assert recovered.outputs() == 0 + 1 + 2
    assert sorted(p.read_text() for p in tmp_path.glob("part-*")) == ["x", "x", "x"]  # once each
    reused = [a for a in recovered.actions() if a.short_name == "part"]
    assert all(a.attempt_log[0].get("recovered_from") == failed.name for a in reused)
    # a plain re-run of the recovered run reuses nothing: each part runs again
    fl.remote.Run.get(recovered.name).rerun().wait(timeout=60)
    assert sorted(p.read_text() for p in tmp_path.glob("part-*")) == ["xx", "xx", "xx"]


def test_compare_two_runs(api: httpx.Client) -> None:
    a = fl.run(scaled, 2, Size.SMALL).wait(timeout=60)
    b = fl.run(scaled, 5, Size.SMALL).wait(timeout=60)
    answer = api.get("/compare", params=[("runs", a.name), ("runs", b.name)])
    assert answer.status_code == 200, answer.text
    rows = {(r["section"], r["field"]): r for r in answer.json()["rows"]}
    assert rows[("inputs", "n")]["values"] == [2, 5]
    assert rows[("inputs", "n")]["differs"]
    assert not rows[("inputs", "size")]["differs"]  # the same pickled member: same digest
    assert rows[("outputs", "o0")]["values"] == [2.0, 5.0]
    assert not rows[("run", "task version")]["differs"]
    one = api.get("/compare", params={"runs": a.name})
    assert one.status_code == 400


def test_a_run_at_a_gate_says_what_it_waits_for(api: httpx.Client) -> None:
    run = fl.run(held, 4)
    wait_for(lambda: fl.remote.Run.get(run.name).waiting == ["ok"], 60, "the gate to wait")
    listed = api.get("/runs", params={"q": run.name}).json()["items"]
    assert listed[0]["waiting"] == ["ok"]
    api.post(f"/runs/{run.name}/signals/ok", json={"approved": True}).raise_for_status()
    done = fl.remote.Run.get(run.name).wait(timeout=60)
    assert done.outputs() == 8
    assert done.waiting == []
