"""Artifact definitions on their own: the seed's fields, every mistake in a definition or a
partition named, query reprs, and a program that uses no artifacts never loading them.
Tasks that make versions, queries and lineage: ``test_artifacts.py``."""

from __future__ import annotations

import datetime
import subprocess
import sys
from typing import Any

import pytest

from flyte_nb.artifacts import Artifact, ArtifactQuery, Granularity, Inputs, TimePartition
from flyte_nb.exceptions import FlyteValidationException

UTC = datetime.UTC
Pricing = Artifact(name="pricing", partition_keys=["region"])
Daily = Artifact(name="daily", time_partitioned=True)


# -- definitions ----------------------------------------------------------------------------
def test_a_definition_keeps_the_seed_fields() -> None:
    art = Artifact(
        name="model",
        partition_keys=["region", "kind"],
        partitions={"kind": "linear"},
        time_partitioned=True,
        short_description="the model",
        card="# Model\nlinear",
    )
    assert art.partition_keys == ["region", "kind"]
    assert dict(art.partitions or {}) == {"kind": "linear"}
    assert art.partitions is not None
    assert art.partitions.kind == "linear"
    assert art.time_partition == TimePartition(None, Granularity.DAY)
    assert art.time_partition_granularity is Granularity.DAY
    assert (art.version, art.uri, art.short_description) == (None, None, "the model")
    assert art.metadata()["card"] == "# Model\nlinear"
    bound = art(region=Inputs.region)
    assert dict(bound.partitions or {}) == {"kind": "linear", "region": Inputs.region}
    assert dict(art.partitions or {}) == {"kind": "linear"}  # the definition is unchanged
    # partitions alone declare the keys; a time partition implies time_partitioned
    fixed = Artifact(name="x", partitions={"a": "1"}, time_partition=datetime.date(2024, 5, 1))
    assert fixed.partition_keys == ["a"]
    assert fixed.time_partitioned
    assert fixed.time_partition is not None
    assert fixed.time_partition.value == datetime.datetime(2024, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "a b"}, "'a b'"),
        ({"name": "x", "partition_keys": "region"}, "partition_keys must be a list"),
        ({"name": "x", "partition_keys": ["time_partition"]}, "'time_partition'"),
        ({"name": "x", "partition_keys": ["a", "a"]}, "repeat a key"),
        ({"name": "x", "partition_keys": ["a"], "partitions": {"b": "1"}}, "no partition 'b'"),
        ({"name": "x", "time_partition_granularity": "DAY"}, "needs time_partitioned=True"),
        ({"name": "x", "time_partitioned": True, "time_partition_granularity": "WEEK"}, "WEEK"),
        ({"name": "x", "literal": object()}, "python_val"),
        ({"name": "x", "colour": "red"}, "['colour']"),
        ({"name": "x", "partitions": {"a": ["list"]}}, "partition 'a' takes a string"),
        ({"name": "x", "card": 3}, "card must be markdown"),
        ({"name": "x", "partitions": ["a"]}, "partitions must be a dict"),
        ({"name": "x", "time_partition": "today"}, "time_partition takes a datetime"),
        ({"name": "x", "short_description": 1}, "short_description must be a str"),
        ({"name": "x", "version": "v/1"}, "'v/1'"),
        ({"name": "x", "project": "My Project"}, "project must be lowercase"),
    ],
)
def test_bad_definitions_name_the_value(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(FlyteValidationException, match=message.replace("[", r"\[")):
        Artifact(**kwargs)


def test_a_partition_key_the_artifact_does_not_declare_is_refused_everywhere() -> None:
    for call in (
        lambda: Pricing(regoin=Inputs.region),
        lambda: Pricing.query(regoin="dubai"),
        lambda: Pricing.create_from(1, regoin="dubai"),
        lambda: Pricing.query(partitions={"regoin": "dubai"}),
    ):
        with pytest.raises(FlyteValidationException, match=r"no partition 'regoin'.*\['region'\]"):
            call()
    with pytest.raises(FlyteValidationException, match="not time partitioned"):
        Pricing.query(time_partition=datetime.datetime(2024, 1, 1))
    with pytest.raises(FlyteValidationException, match="not time partitioned"):
        Pricing.create_from(1, region="x", time_partition=datetime.datetime(2024, 1, 1))
    with pytest.raises(FlyteValidationException, match="by name"):
        Pricing.create_from(1, None, "dubai")


def test_create_from_outside_a_task_returns_the_value() -> None:
    value = {"a": 1}
    assert Pricing.create_from(value, region="dubai") is value


def test_programs_without_artifacts_never_load_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys, flyte_nb as fl\n"
        "env = fl.TaskEnvironment('plain')\n"
        "@env.task\n"
        "def t(x: int) -> int:\n"
        "    return x\n"
        "assert fl.run(t, x=1).outputs() == 1\n"
        "print('flyte_nb.artifacts._artifact' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"FLYTE_NB_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_a_query_repr_says_what_it_asks_for() -> None:
    query = Daily.query(time_partition=datetime.datetime(2024, 1, 2, 3, tzinfo=UTC))
    assert isinstance(query, ArtifactQuery)
    assert repr(query) == "Artifact.query('daily', time_partition=2024-01-02 03:00:00+00:00)"
    assert (
        repr(Pricing.query(region=Inputs.region))
        == "Artifact.query('pricing', region=Inputs.region)"
    )
