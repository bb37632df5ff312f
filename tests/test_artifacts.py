"""Artifacts in local mode: annotations checked at decoration, versions made by tasks,
queries, launch-time resolution with lineage, the store and the CLI, and every mistake a
user can make with them (real SQLite). Definitions alone: ``test_artifacts_definitions.py``."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import Engine

import flyte_nb as fl
from flyte_nb import _config
from flyte_nb.artifacts import Artifact, Granularity, Inputs, TimePartition
from flyte_nb.exceptions import (
    ArtifactNotFoundError,
    FlyteTypeException,
    FlyteValidationException,
)
from flyte_nb.io import FlyteFile
from flyte_nb.store import _artifact_queries as q

UTC = datetime.UTC
Pricing = Artifact(name="pricing", partition_keys=["region"])
Daily = Artifact(name="daily", time_partitioned=True)
Hourly = Artifact(name="hourly", time_partitioned=True, time_partition_granularity=Granularity.HOUR)
# Annotations are strings here (``from __future__ import annotations``): whatever a task's
# annotation names must be found at module level.
Model = Artifact(name="model", partition_keys=["size", "kind", "region"])
Score = Artifact(name="score", partition_keys=["fold"])
Total = Artifact(name="total")
Sales = Artifact(name="sales", partition_keys=["region", "channel"])
Daily2 = Artifact(name="daily2", time_partitioned=True)
Tables = Artifact(name="tables", partition_keys=["region"])
Notes = Artifact(name="notes")


class Out(NamedTuple):
    best: Annotated[int, Score(fold=Inputs.fold)]
    label: Annotated[str, Artifact(name="label")]


def engine() -> Engine:
    return q.local_engine(_config.database_path())


def lineage(version: Artifact) -> dict[str, Any]:
    assert version.version is not None
    return q.lineage(engine(), "default", "development", version.name or "", version.version)


# -- decoration ---------------------------------------------------------------------------
def test_annotations_are_checked_when_the_task_is_defined(env: fl.TaskEnvironment) -> None:
    with pytest.raises(FlyteValidationException, match="the Artifact class"):

        @env.task
        def cls_given() -> Annotated[int, Artifact]:
            return 1

    with pytest.raises(FlyteValidationException, match="without a name"):

        @env.task
        def nameless() -> Annotated[int, Artifact(partition_keys=["a"])]:
            return 1

    with pytest.raises(FlyteValidationException, match=r"no input 'regoin'.*\['region'\]"):

        @env.task
        def wrong_input(region: str) -> Annotated[int, Pricing(region=Inputs.regoin)]:
            return 1

    with pytest.raises(FlyteValidationException, match="'day', which is not a datetime"):

        @env.task
        def not_a_time(day: str) -> Annotated[int, Daily(time_partition=Inputs.day)]:
            return 1

    with pytest.raises(FlyteValidationException, match="are both artifact 'pricing'"):

        @env.task
        def twice() -> tuple[Annotated[int, Pricing], Annotated[int, Pricing]]:
            return 1, 2

    with pytest.raises(FlyteValidationException, match="fixes version 'v1'"):

        @env.task
        def fixed() -> Annotated[int, Artifact(name="f", version="v1")]:
            return 1


# -- versions made by tasks -------------------------------------------------------------------
def test_a_task_output_becomes_a_version_linked_to_its_run(env: fl.TaskEnvironment) -> None:
    @env.task
    def price(region: str, x: int) -> Annotated[int, Pricing(region=Inputs.region)]:
        return x * 2

    run = fl.run(price, region="dubai", x=21)
    version = Pricing.query(region="dubai").fetch()
    assert version.version == run.name  # a root action's version is its run's name
    assert version.get() == 42
    assert version.get(int) == 42
    assert dict(version.partitions or {}) == {"region": "dubai"}
    meta = version.metadata()
    assert (meta["run"], meta["action"], meta["output"], meta["type"]) == (
        run.name,
        "a0",
        "o0",
        "int",
    )
    assert version.uri == f"flyte://av0.1/default/development/pricing@{run.name}"
    assert lineage(version)["producer"] == {
        "run": run.name,
        "action": "a0",
        "output": "o0",
        "task_name": price.name,
        "phase": "SUCCEEDED",
    }
    assert Pricing.get() == 42  # a definition's get(): its newest version


def test_partitions_from_inputs_fixed_values_and_create_from(env: fl.TaskEnvironment) -> None:
    @env.task
    def train(size: int) -> Annotated[str, Model(size=Inputs.size, kind="linear")]:
        return Model.create_from("weights", card="# trained", region="mars")

    fl.run(train, size=3)
    version = Model.query(size="3").fetch()  # an int input is kept as its text
    assert dict(version.partitions or {}) == {"size": "3", "kind": "linear", "region": "mars"}
    assert version.card == "# trained"
    assert version.get() == "weights"


def test_a_partition_left_without_a_value_fails_the_task(env: fl.TaskEnvironment) -> None:
    @env.task
    def forgets(x: int) -> Annotated[int, Pricing]:
        return x

    with pytest.raises(
        FlyteValidationException, match=r"partition 'region' has no value.*create_from"
    ):
        fl.run(forgets, x=1)
    with pytest.raises(ArtifactNotFoundError):
        Pricing.query().fetch()


def test_time_partitions_from_the_run_an_input_or_the_body(env: fl.TaskEnvironment) -> None:
    @env.task
    def today(n: int) -> Annotated[int, Daily]:
        return n

    @env.task
    def on(day: datetime.datetime) -> Annotated[int, Daily(time_partition=Inputs.day)]:
        return 7

    @env.task
    def hourly(n: int) -> Annotated[int, Hourly]:
        return Hourly.create_from(n, time_partition=datetime.datetime(2024, 3, 5, 14, 59, 30))

    run = fl.run(today, n=1)
    started = datetime.datetime.fromtimestamp(run.started_at or 0, UTC)
    midnight = started.replace(hour=0, minute=0, second=0, microsecond=0)
    assert Daily.query(time_partition=midnight).get() == 1
    assert Daily.query(time_partition=started).get() == 1  # any time in that day matches
    fl.run(on, day=datetime.datetime(2023, 12, 31, 18, 30))
    assert Daily.query(time_partition=datetime.date(2023, 12, 31)).get() == 7
    fl.run(hourly, n=5)
    version = Hourly.query(time_partition=datetime.datetime(2024, 3, 5, 14, 0)).fetch()
    assert version.time_partition == TimePartition(
        datetime.datetime(2024, 3, 5, 14, tzinfo=UTC), Granularity.HOUR
    )
    with pytest.raises(ArtifactNotFoundError):
        Hourly.query(time_partition=datetime.datetime(2024, 3, 5, 15, 0)).fetch()


def test_child_actions_and_named_outputs_make_their_own_versions(env: fl.TaskEnvironment) -> None:
    @env.task
    def fold(fold: int) -> Out:
        return Out(fold * 10, f"fold-{fold}")

    @env.task
    def main(n: int) -> int:
        return sum(fold(i).best for i in range(n))

    run = fl.run(main, n=3)
    versions = q.search(engine(), name="score")
    assert len(versions) == 3
    assert {v["version"].split(".")[0] for v in versions} == {run.name}  # <run>.<action>
    assert {v["output"] for v in versions} == {"best"}
    assert Score.query(fold="2").get() == 20
    assert Artifact(name="label").get() in {"fold-0", "fold-1", "fold-2"}


def test_a_cache_hit_makes_no_new_version(env: fl.TaskEnvironment) -> None:
    @env.task(cache="auto")
    def cached(region: str) -> Annotated[int, Pricing(region=Inputs.region)]:
        return 1

    first = fl.run(cached, region="x")
    fl.run(cached, region="x")
    rows = q.search(engine(), name="pricing")
    assert [r["version"] for r in rows] == [first.name]


def test_a_failed_attempts_create_from_does_not_leak_into_the_retry(
    env: fl.TaskEnvironment,
) -> None:
    attempts: list[int] = []

    @env.task(retries=1)
    def flaky(region: str) -> Annotated[int, Pricing(region=Inputs.region)]:
        attempts.append(1)
        if len(attempts) == 1:
            Pricing.create_from(0, region="stale")
            raise RuntimeError("first attempt fails")
        return 2

    fl.run(flaky, region="fresh")
    assert [r["partitions"] for r in q.search(engine(), name="pricing")] == ['{"region":"fresh"}']


def test_a_workflow_output_can_be_an_artifact() -> None:
    @fl.task
    def add(a: int, b: int) -> int:
        return a + b

    @fl.workflow
    def wf(a: int) -> Annotated[int, Total]:
        return add(a=a, b=1)

    assert wf(a=2) == 3
    assert Total.query().get(int) == 3


def test_tables_and_files_as_artifacts(env: fl.TaskEnvironment, tmp_path: Path) -> None:
    @env.task
    def table(region: str) -> Annotated[pd.DataFrame, Tables(region=Inputs.region)]:
        return pd.DataFrame({"a": [1, 2, 3]})

    @env.task
    def total(df: pd.DataFrame = Tables.query(region="eu")) -> int:
        return int(df["a"].sum())

    @env.task
    def note() -> Annotated[FlyteFile, Notes]:
        path = tmp_path / "note.txt"
        path.write_text("hello")
        return FlyteFile(str(path))

    fl.run(table, region="eu")
    version = Tables.query(region="eu").fetch()
    assert version.metadata()["preview"] == "table (3 rows, columns: a)"
    assert isinstance(version.get(pd.DataFrame), pd.DataFrame)
    assert version.get(pa.Table).num_rows == 3  # read as the type asked for
    with pytest.raises(FlyteTypeException, match=r"\(type DataFrame\) cannot be read as FlyteFile"):
        version.get(FlyteFile)
    assert fl.run(total).outputs() == 6
    fl.run(note)
    with Notes.get(FlyteFile).open("r") as f:
        assert f.read() == "hello"
    assert Notes.query().fetch().metadata()["preview"].startswith("file note.txt")


# -- queries --------------------------------------------------------------------------------
def test_the_newest_match_wins_and_partitions_left_out_match_anything(
    env: fl.TaskEnvironment,
) -> None:
    @env.task
    def sales(
        region: str, channel: str, n: int
    ) -> Annotated[int, Sales(region=Inputs.region, channel=Inputs.channel)]:
        return n

    fl.run(sales, region="eu", channel="web", n=1)
    fl.run(sales, region="eu", channel="shop", n=2)
    fl.run(sales, region="us", channel="web", n=3)
    assert Sales.query(region="eu").get() == 2
    assert Sales.query(channel="web").get() == 3
    assert Sales.query(region="eu", channel="web").get() == 1
    assert Sales.get() == 3
    assert len(q.search(engine(), name="sales", partitions={"region": "eu"})) == 2
    grouped = q.search(engine(), group_by_key=True)
    assert [r["name"] for r in grouped] == ["sales"]
    with pytest.raises(ArtifactNotFoundError, match=r"'sales'.*region='asia'"):
        Sales.query(region="asia").fetch()


def test_get_as_the_wrong_type_names_the_artifact_and_both_types(env: fl.TaskEnvironment) -> None:
    @env.task
    def make() -> Annotated[str, Artifact(name="text")]:
        return "hello"

    run = fl.run(make)
    with pytest.raises(
        FlyteTypeException,
        match=rf"text@{run.name} \(type str\) cannot be read as int.*as_type=str",
    ):
        Artifact(name="text").get(as_type=int)
    assert Artifact(name="text").get(as_type=str) == "hello"
    assert Artifact(name="text", version=run.name).get() == "hello"
    with pytest.raises(ArtifactNotFoundError, match="no version 'nope'"):
        Artifact(name="text", version="nope").get()


def test_initialize_keeps_the_value_until_it_is_created() -> None:
    art = Artifact.initialize([1, 2], list[int], name="numbers")
    assert art.get() == [1, 2]
    assert art.python_type == list[int]
    with pytest.raises(FlyteTypeException, match="not a list"):
        Artifact.initialize("x", list[int])
    with pytest.raises(FlyteValidationException, match="tags are not kept"):
        Artifact.initialize(1, tags=["v1"])


# -- launch-time resolution and lineage ----------------------------------------------------
def test_a_query_default_is_resolved_at_launch_and_recorded(env: fl.TaskEnvironment) -> None:
    @env.task
    def price(region: str, x: int) -> Annotated[int, Pricing(region=Inputs.region)]:
        return x

    @env.task
    def report(p: int = Pricing.query(region="dubai"), bonus: int = 0) -> int:
        return p + bonus

    made = fl.run(price, region="dubai", x=40)
    run = fl.run(report, bonus=2)
    assert run.outputs() == 42
    assert fl.remote.Run.get(run.name).inputs() == {"p": 40, "bonus": 2}
    version = Pricing.query(region="dubai").fetch()
    (consumer,) = lineage(version)["consumers"]
    assert (consumer["run"], consumer["input"], consumer["task_name"]) == (
        run.name,
        "p",
        report.name,
    )
    found = q.run_artifacts(engine(), run.name)
    assert [(c["consumed_input"], c["version"]) for c in found["consumed"]] == [("p", made.name)]
    # an explicit value wins over the query; an explicit query or version resolves too
    assert fl.run(report, p=1).outputs() == 1
    assert fl.run(report, p=Pricing.query(region="dubai")).outputs() == 40
    assert fl.run(report, p=version).outputs() == 40


def test_a_workflow_query_default_can_read_another_input() -> None:
    @fl.task
    def produce(
        day: datetime.datetime, n: int
    ) -> Annotated[int, Daily2(time_partition=Inputs.day)]:
        return n

    @fl.task
    def double(n: int) -> int:
        return 2 * n

    @fl.workflow
    def wf(day: datetime.datetime, n: int = Daily2.query(time_partition=Inputs.day)) -> int:
        return double(n=n)

    produce(day=datetime.datetime(2024, 1, 1), n=5)  # outside a run: no version
    fl.run(produce, day=datetime.datetime(2024, 1, 1), n=5)
    fl.run(produce, day=datetime.datetime(2024, 1, 2), n=6)
    assert wf(day=datetime.datetime(2024, 1, 1, 12)) == 10
    assert wf(day=datetime.datetime(2024, 1, 2)) == 12
    with pytest.raises(ArtifactNotFoundError, match=r"input 'n'.*'daily2'.*2024-01-03"):
        wf(day=datetime.datetime(2024, 1, 3))


def test_query_defaults_that_cannot_be_resolved_name_the_task_and_input(
    env: fl.TaskEnvironment,
) -> None:
    @env.task
    def wants(p: int = Pricing.query(region="nowhere")) -> int:
        return p

    with pytest.raises(ArtifactNotFoundError, match=rf"Task '{wants.name}': input 'p'.*'nowhere'"):
        fl.run(wants)

    @env.task
    def make() -> Annotated[str, Artifact(name="word")]:
        return "text"

    @env.task
    def needs_int(n: int = Artifact(name="word").query()) -> int:
        return n

    fl.run(make)
    with pytest.raises(FlyteTypeException, match="argument 'n' expects int, got str"):
        fl.run(needs_int)

    @env.task
    def parent() -> int:
        return wants()  # a child call: queries are resolved at launch only

    with pytest.raises(FlyteTypeException, match=r"argument 'p'.*Artifact.query\('pricing'"):
        fl.run(parent)


# -- the store --------------------------------------------------------------------------------
def test_versions_are_immutable_and_reports_of_the_same_action_are_kept_once() -> None:
    row = {
        "project": "default",
        "domain": "development",
        "name": "n",
        "version": "v1",
        "partitions": '{"a":"1"}',
        "time_partition": None,
        "granularity": None,
        "value": "1",
        "type": "int",
        "run_name": "r1",
        "action_name": "a0",
        "output": "o0",
        "created_at": 1.0,
        "short_description": None,
        "card": None,
    }
    q.insert_versions(engine(), [row])
    q.insert_versions(engine(), [{**row, "created_at": 2.0}])  # the same action, again
    stored = q.get_version(engine(), "default", "development", "n", "v1")
    assert stored is not None
    assert stored["created_at"] == 1.0
    with pytest.raises(ValueError, match="versions are immutable"):
        q.insert_versions(engine(), [{**row, "run_name": "r2"}])
    entries, total = q.list_artifacts(engine(), text="n")
    assert total == 1
    assert entries[0]["partition_keys"] == ["a"]
    assert q.list_partitions(engine(), "default", "development", "n")["keys"] == {
        "a": [{"value": "1", "versions": 1, "latest_at": 1.0}]
    }


def test_the_cli_lists_and_shows_artifacts(
    env: fl.TaskEnvironment, capsys: pytest.CaptureFixture[str]
) -> None:
    from flyte_nb.cli import main

    assert main(["artifacts"]) == 0
    assert "no artifacts recorded yet" in capsys.readouterr().out

    @env.task
    def price(region: str) -> Annotated[int, Pricing(region=Inputs.region)]:
        return 5

    run = fl.run(price, region="eu")
    assert main(["artifacts", "list"]) == 0
    assert "pricing" in capsys.readouterr().out
    assert main(["artifacts", "show", "pricing", "--partition", "region=eu"]) == 0
    out = capsys.readouterr().out
    assert run.name in out
    assert "region=eu" in out
    assert f"{run.name}/a0" in out
    assert main(["artifacts", "show", "nothing"]) == 1
    assert "no artifact 'nothing'" in capsys.readouterr().err
