"""The backend's artifact logic (``backend/_artifacts.py``) without HTTP: what the thin
route handlers call, on a real Backend object over a real SQLite file (never started: no
workers are needed to store and read artifacts)."""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flyte_nb.backend import Backend, BackendError
from flyte_nb.backend import _artifacts as arts
from flyte_nb.backend._records import ActionRecord, RunRecord
from flyte_nb.engine._state import ActionState, RunState
from flyte_nb.store import Recorder, process_identity

UTC = datetime.UTC


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    db = tmp_path / "flyte_nb.db"
    recorder = Recorder(db, tmp_path / "blobs")
    yield Backend(
        recorder, f"sqlite:///{db}", blob_url=str(tmp_path / "blobs"), raw_root=tmp_path, workers=1
    )
    recorder.close()


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = dict(
        project="default",
        domain="development",
        name="made",
        version=None,
        partitions={},
        time_partition=None,
        granularity=None,
        value=1,
        type="int",
        short_description=None,
        card=None,
    )
    return {**body, **changes}


def test_parse_partitions() -> None:
    assert arts.parse_partitions(None) is None
    assert arts.parse_partitions(["region=eu", "kind=a=b"]) == {"region": "eu", "kind": "a=b"}
    with pytest.raises(BackendError, match="must be key=value"):
        arts.parse_partitions(["region"])
    with pytest.raises(BackendError, match="partition key"):
        arts.parse_partitions(["9x=1"])


def test_create_version_truncates_time_and_keeps_versions_immutable(backend: Backend) -> None:
    ts = datetime.datetime(2024, 2, 10, 17, 45, tzinfo=UTC).timestamp()
    view = arts.create_version(
        backend, _body(version="v1", time_partition=ts, granularity="MONTH", partitions={"k": "a"})
    )
    assert view["time_partition"] == datetime.datetime(2024, 2, 1, tzinfo=UTC).timestamp()
    assert (view["run"], view["uri"]) == (None, "flyte://av0.1/default/development/made@v1")
    again = arts.create_version(
        backend, _body(version="v1", time_partition=ts, granularity="MONTH", partitions={"k": "a"})
    )
    assert again["created_at"] == view["created_at"]  # the same version: kept, not rewritten
    with pytest.raises(BackendError, match="already has a version 'v1'") as info:
        arts.create_version(backend, _body(version="v1", value=2))
    assert info.value.status == 409
    fresh = arts.create_version(backend, _body())
    assert fresh["version"] != "v1"
    assert arts.search(backend, name="made", limit=1)[0]["version"] == fresh["version"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "../x"}, "artifact name"),
        ({"version": "a/b"}, "artifact version"),
        ({"partitions": {"k": "x" * 300}}, "at most 256"),
        ({"time_partition": 1.0}, "together"),
        ({"value": {"$blob": "nope"}}, "digest"),
        ({"value": {"$blob": "a" * 64}}, "upload it first"),
    ],
)
def test_create_version_refuses_bad_bodies(
    backend: Backend, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(BackendError, match=message) as info:
        arts.create_version(backend, _body(**changes))
    assert info.value.status == 400


def test_produced_versions_are_recorded_and_announced(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    state = RunState("r1", "env.t", "{}", process_identity(), {}, mode="backend")
    run = RunRecord(state, {}, "/tmp")
    action = ActionRecord(run, ActionState("r1", "c1", "a0", 1, "env.t", "t", None, "{}"), {}, None)
    claim = {
        "name": "made",
        "output": "o0",
        "partitions": {"k": "v"},
        "time_partition": None,
        "time_from_run": True,
        "granularity": "DAY",
        "type": "int",
        "value": 5,
    }

    async def produce_while_watching() -> list[dict[str, Any]]:
        async with backend.events.subscribe("r1") as queue:
            arts.record_produced(backend, action, [claim])
            return [queue.get_nowait() for _ in range(queue.qsize())]

    seen = asyncio.run(produce_while_watching())
    (view,) = arts.search(backend, name="made")
    assert (view["version"], view["run"], view["action"], view["value"]) == ("r1.c1", "r1", "c1", 5)
    day = datetime.datetime.fromtimestamp(state.started_at or 0, UTC).date()
    assert (
        view["time_partition"]
        == datetime.datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
    )
    event = {"kind": "artifact", "run": "r1", "action": "c1", "name": "made", "version": "r1.c1"}
    assert seen == [{**event, "project": "default", "domain": "development"}]
    # a claim the store cannot take is reported, and the action is not failed for it
    broken = {k: v for k, v in claim.items() if k != "type"}
    action.state.name = "c2"
    arts.record_produced(backend, action, [broken])
    assert [v["version"] for v in arts.search(backend, name="made")] == ["r1.c1"]
    assert "artifacts of r1/c2 not kept" in capsys.readouterr().err


def test_lists_partitions_lineage_and_run_artifacts(backend: Backend) -> None:
    for version, region in (("v1", "eu"), ("v2", "us"), ("v3", "eu")):
        arts.create_version(backend, _body(version=version, partitions={"region": region}))
    items, total = arts.list_artifacts(backend, limit=10)
    assert total == 1
    assert (items[0]["versions"], items[0]["latest"]["version"]) == (3, "v3")
    keys = arts.partitions(backend, "default", "development", "made")["keys"]["region"]
    assert [(k["value"], k["versions"]) for k in keys] == [("eu", 2), ("us", 1)]
    read = {"input": "x", "project": "default", "domain": "development", "name": "made"}
    reader = RunState("r9", "t", "{}", process_identity(), {})
    arts.record_consumed(backend, reader, {"artifacts": [{**read, "version": "v2"}]})
    lineage = arts.lineage(backend, "default", "development", "made", "v2")
    assert lineage["producer"] is None
    assert [(c["run"], c["input"]) for c in lineage["consumers"]] == [("r9", "x")]
    consumed = arts.run_artifacts(backend, "r9")["consumed"]
    assert [(c["input"], c["artifact"]["version"]) for c in consumed] == [("x", "v2")]
    with pytest.raises(BackendError, match="no artifact 'other'"):
        arts.partitions(backend, "default", "development", "other")
    with pytest.raises(BackendError, match="no version 'v7'"):
        arts.lineage(backend, "default", "development", "made", "v7")
    assert json.loads(json.dumps(items))  # every view is plain JSON
