"""Artifacts on a real backend process: versions reported by workers, queries resolved at
launch with lineage, ``UnionRemote``'s artifact methods, and the HTTP API the panel reads."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pandas as pd
import pytest
from _backend_util import http, running_server

import flyte_nb as fl
from flyte_nb.artifacts import Artifact, Inputs
from flyte_nb.client import _daemon
from flyte_nb.exceptions import (
    ArtifactNotFoundError,
    FlyteValidationException,
)
from flyte_nb.remote import UnionRemote

UTC = datetime.UTC
Prices = Artifact(name="b-prices", partition_keys=["region"])
Scores = Artifact(name="b-scores", partition_keys=["fold"])
Days = Artifact(name="b-days", time_partitioned=True)
Made = Artifact(name="b-made", partition_keys=["kind"], time_partitioned=True)
Frames = Artifact(name="b-frames")

ba = fl.TaskEnvironment("ba")


@ba.task
def price(region: str, x: int) -> Annotated[int, Prices(region=Inputs.region)]:
    return x * 2


@ba.task
def score(fold: int) -> Annotated[float, Scores]:
    return Scores.create_from(fold / 10, card=f"# fold {fold}", fold=fold)


@ba.task
async def folds(n: int) -> float:
    import asyncio

    return sum(await asyncio.gather(*[score.aio(i) for i in range(n)]))


@ba.task
def today(n: int) -> Annotated[list[int], Days]:
    return list(range(n))


@ba.task
def forgets(x: int) -> Annotated[int, Prices]:
    return x


@ba.task
def report(p: int = Prices.query(region="dubai"), bonus: int = 0) -> int:
    return p + bonus


@ba.task
def needs_missing(p: int = Prices.query(region="atlantis")) -> int:
    return p


@ba.task
def frame(n: int) -> Annotated[pd.DataFrame, Frames]:
    return pd.DataFrame({"x": list(range(n))})


@ba.task
def count(df: pd.DataFrame = Frames.query()) -> int:
    return len(df)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("artifacts-home")
    with running_server(home) as info:
        yield home, info


@pytest.fixture
def remote(server: tuple[Path, _daemon.ServerInfo], home: Path) -> UnionRemote:
    """A remote on the module's server (the autouse ``home`` fixture leaves us local)."""
    fl.init(home=server[0])
    return UnionRemote()


@pytest.fixture
def api(server: tuple[Path, _daemon.ServerInfo]) -> Iterator[httpx.Client]:
    with http(server[1]) as client:
        yield client


def _get(api: httpx.Client, path: str, **params: Any) -> Any:
    response = api.get("/api/v1" + path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# -- versions made on the backend -------------------------------------------------------------
def test_a_worker_reports_versions_linked_to_run_and_action(
    remote: UnionRemote, api: httpx.Client
) -> None:
    run = fl.run(price, region="dubai", x=20).wait()
    assert run.outputs() == 40
    version = Prices.query(region="dubai").fetch()
    assert version.version == run.name
    assert version.get(int) == 40
    meta = version.metadata()
    assert (meta["run"], meta["action"], meta["output"], meta["type"]) == (
        run.name,
        "a0",
        "o0",
        "int",
    )
    path = f"/artifacts/default/development/b-prices/versions/{run.name}"
    assert _get(api, path)["value"] == 40
    assert _get(api, path + "/lineage")["producer"] == {
        "run": run.name,
        "action": "a0",
        "output": "o0",
        "task_name": price.name,
        "phase": "SUCCEEDED",
    }
    produced = _get(api, f"/runs/{run.name}/artifacts")["produced"]
    assert [v["version"] for v in produced] == [run.name]


def test_children_create_from_and_the_run_time_partition(
    remote: UnionRemote, api: httpx.Client
) -> None:
    run = fl.run(folds, n=3).wait()
    assert run.phase == "SUCCEEDED"
    found = remote.search_artifacts(name="b-scores")
    assert len(found) == 3
    assert {a.version.split(".")[0] for a in found if a.version} == {run.name}
    two = Scores.query(fold=2).fetch()
    assert two.get() == 0.2
    assert two.card == "# fold 2"
    assert two.metadata()["action"] != "a0"
    days = fl.run(today, n=2).wait()
    started = datetime.datetime.fromtimestamp(days.started_at or 0, UTC)
    assert Days.query(time_partition=started).get() == [0, 1]
    (entry,) = _get(api, "/artifacts/default/development/b-days/partitions")["time_partitions"]
    assert entry["granularity"] == "DAY"
    assert (
        entry["time_partition"]
        == started.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    )


def test_a_missing_partition_fails_the_action_on_the_backend(remote: UnionRemote) -> None:
    run = fl.run(forgets, x=1).wait()
    assert run.phase == "FAILED"
    with pytest.raises(FlyteValidationException, match="partition 'region' has no value"):
        run.outputs()  # the error is the action's own, raised again in the kernel


# -- queries resolved at launch, lineage --------------------------------------------------
def test_query_defaults_resolve_at_launch_and_record_lineage(
    remote: UnionRemote, api: httpx.Client
) -> None:
    made = fl.run(price, region="dubai", x=50).wait()
    run = fl.run(report, bonus=1).wait()
    assert run.outputs() == 101
    path = f"/artifacts/default/development/b-prices/versions/{made.name}/lineage"
    consumers = _get(api, path)["consumers"]
    assert [(c["run"], c["input"], c["task_name"]) for c in consumers] == [
        (run.name, "p", report.name)
    ]
    consumed = _get(api, f"/runs/{run.name}/artifacts")["consumed"]
    assert [(c["input"], c["artifact"]["version"]) for c in consumed] == [("p", made.name)]
    # a version given as an input (the seed's remote.execute(wf, inputs={"a": artifact}))
    version = remote.get_artifact(uri=f"flyte://av0.1/default/development/b-prices@{made.name}")
    ex = remote.execute(report, inputs={"p": version}, wait=True)
    assert ex.outputs == {"o0": 100}
    with pytest.raises(ArtifactNotFoundError, match=rf"Task '{needs_missing.name}': input 'p'"):
        fl.run(needs_missing)


def test_a_table_made_on_the_backend_is_read_in_the_kernel_and_fed_to_a_run(
    remote: UnionRemote,
) -> None:
    fl.run(frame, n=4).wait()
    df = Frames.get(pd.DataFrame)  # its parquet comes over HTTP, from the backend's blobs
    assert list(df["x"]) == [0, 1, 2, 3]
    assert fl.run(count).wait().outputs() == 4


# -- UnionRemote -------------------------------------------------------------------------------
def test_create_get_and_search_artifacts(remote: UnionRemote) -> None:
    day = datetime.datetime(2024, 6, 1, 15, tzinfo=UTC)
    blob_value = {frozenset({1, 2})}  # not JSON: stored as a blob
    created = remote.create_artifact(
        Artifact(
            name="b-made",
            version="v1",
            partition_keys=["kind"],
            partitions={"kind": "manual"},
            time_partition=day,
            python_val=blob_value,
            short_description="made by hand",
        )
    )
    assert created.uri == "flyte://av0.1/default/development/b-made@v1"
    assert created.get() == blob_value
    assert created.metadata()["run"] is None
    assert created.time_partition is not None
    assert created.time_partition.value == datetime.datetime(2024, 6, 1, tzinfo=UTC)
    later = remote.create_artifact(Artifact.initialize(7, name="b-made"))
    assert later.version not in (None, "v1")
    # every way of naming a version
    assert remote.get_artifact(uri=created.uri).get() == blob_value
    assert (
        remote.get_artifact(uri="flyte://av0.1/default/development/b-made").version == later.version
    )
    assert remote.get_artifact(artifact_key=Made).version == later.version
    assert remote.get_artifact(artifact_id=created).version == "v1"
    assert remote.get_artifact(query=Made.query(kind="manual")).version == "v1"
    # searching
    assert [a.version for a in remote.search_artifacts(name="b-made")] == [later.version, "v1"]
    assert [
        a.version for a in remote.search_artifacts(name="b-made", partitions={"kind": "manual"})
    ] == ["v1"]
    on_day = remote.search_artifacts(
        name="b-made", time_partition=datetime.datetime(2024, 6, 1, 23)
    )
    assert [a.version for a in on_day] == ["v1"]
    assert len(remote.search_artifacts(name="b-made", limit=1)) == 1
    newest = remote.search_artifacts(group_by_key=True)
    assert len({a.name for a in newest}) == len(newest)
    assert [a.version for a in remote.search_artifacts(query=Made.query(kind="manual"))] == ["v1"]


def test_remote_artifact_mistakes_name_the_value(remote: UnionRemote) -> None:
    remote.create_artifact(Artifact.initialize(1, name="b-once", version="v1"))
    remote.create_artifact(Artifact.initialize(1, name="b-once", version="v1"))  # same: kept
    with pytest.raises(FlyteValidationException, match="'b-once' already has a version 'v1'"):
        remote.create_artifact(Artifact.initialize(2, name="b-once", version="v1"))
    with pytest.raises(FlyteValidationException, match="needs a value for partition 'region'"):
        remote.create_artifact(Artifact(name="b-prices", partition_keys=["region"], python_val=1))
    with pytest.raises(FlyteValidationException, match="holds no value"):
        remote.create_artifact(Prices)
    with pytest.raises(FlyteValidationException, match="one way"):
        remote.get_artifact(uri="flyte://av0.1/default/development/x", query=Prices.query())
    with pytest.raises(FlyteValidationException, match="not an artifact URI"):
        remote.get_artifact(uri="s3://bucket/x")
    with pytest.raises(ArtifactNotFoundError, match="no version 'v9' in default/development"):
        remote.get_artifact(uri="flyte://av0.1/default/development/b-once@v9")
    with pytest.raises(ArtifactNotFoundError, match="no artifact 'b-never'"):
        remote.get_artifact(uri="flyte://av0.1/default/development/b-never")
    with pytest.raises(ArtifactNotFoundError, match=r"Artifact.query\('b-prices', region='mars'\)"):
        remote.get_artifact(query=Prices.query(region="mars"))
    with pytest.raises(FlyteValidationException, match="limit must be"):
        remote.search_artifacts(name="b-once", limit=0)
    with pytest.raises(FlyteValidationException, match="partition 'k' takes a string"):
        remote.search_artifacts(name="b-once", partitions={"k": [1]})


# -- the HTTP API ------------------------------------------------------------------------------
def test_the_api_lists_artifacts_versions_and_partitions(
    remote: UnionRemote, api: httpx.Client
) -> None:
    fl.run(price, region="eu", x=1).wait()
    fl.run(price, region="us", x=2).wait()
    listed = _get(api, "/artifacts", q="b-pri")
    (entry,) = listed["items"]
    assert (entry["name"], entry["partition_keys"], entry["time_partitioned"]) == (
        "b-prices",
        ["region"],
        False,
    )
    assert entry["versions"] >= 2
    assert entry["latest"]["partitions"] == {"region": "us"}
    versions = _get(api, "/artifacts/default/development/b-prices/versions", partition="region=eu")
    assert [v["partitions"] for v in versions["items"]] == [{"region": "eu"}]
    keys = _get(api, "/artifacts/default/development/b-prices/partitions")["keys"]
    assert {"eu", "us"} <= {v["value"] for v in keys["region"]}
    searched = _get(api, "/artifacts/search", name="b-prices", partition=["region=us"], limit=1)
    assert searched["items"][0]["preview"] == "4"
    spec = api.get("/openapi.json").json()
    version = "/api/v1/artifacts/{project}/{domain}/{name}/versions/{version}"
    for path in (
        "/api/v1/artifacts",
        "/api/v1/artifacts/search",
        version,
        version + "/lineage",
        "/api/v1/runs/{name}/artifacts",
    ):
        assert path in spec["paths"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("GET", "/artifacts/search?partition=region", None, 400, "must be key=value"),
        ("GET", "/artifacts/search?partition=a%20b=1", None, 400, "partition key"),
        ("GET", "/artifacts/default/development/b-nothing/partitions", None, 404, "no artifact"),
        ("GET", "/artifacts/default/development/b-prices/versions/zz", None, 404, "version 'zz'"),
        ("GET", "/artifacts/default/development/b-prices/versions/zz/lineage", None, 404, "'zz'"),
        ("GET", "/runs/r-none/artifacts", None, 404, "no run named 'r-none'"),
        ("POST", "/artifacts", {"name": "a b", "value": 1, "type": "int"}, 400, "name"),
        ("POST", "/artifacts", {"name": "x", "value": 1}, 400, "type"),
        (
            "POST",
            "/artifacts",
            {"name": "x", "value": {"$blob": "0" * 64}, "type": "set"},
            400,
            "no blob",
        ),
        (
            "POST",
            "/artifacts",
            {"name": "x", "value": 1, "type": "int", "time_partition": 5.0},
            400,
            "together",
        ),
        (
            "POST",
            "/artifacts",
            {"name": "x", "value": 1, "type": "int", "partitions": {"k": ""}},
            400,
            "partition 'k'",
        ),
    ],
)
def test_the_api_refuses_bad_requests_with_one_error_shape(
    api: httpx.Client, method: str, path: str, body: Any, status: int, message: str
) -> None:
    response = api.request(method, "/api/v1" + path, json=body)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]["message"]
