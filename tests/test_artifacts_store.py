"""The artifact queries on both databases the store supports: the same reads and writes on
SQLite and on a private PostgreSQL cluster (``_postgres.py``), after the real migrations,
so window functions, partition probes and time matching agree on both."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from _postgres import create_database, postgres_url  # noqa: F401 (a fixture)

from flyte_nb.store import _artifact_queries as q
from flyte_nb.store import _migrate
from flyte_nb.store._artifact_rows import produced_rows, truncate_time, version_row
from flyte_nb.store._db import create_engine

UTC = datetime.UTC
DAY_1 = datetime.datetime(2024, 5, 1, 9, 30, tzinfo=UTC).timestamp()
DAY_2 = datetime.datetime(2024, 5, 2, 23, 59, tzinfo=UTC).timestamp()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        server = request.getfixturevalue("postgres_url")
        url = create_database(server, f"a{uuid.uuid4().hex[:12]}")
    _migrate.upgrade(url)
    eng = create_engine(url)
    yield eng
    eng.dispose()


class _Run:
    """What ``produced_rows`` reads of a run (a ``RunState`` in the engine)."""

    def __init__(self, name: str, started_at: float) -> None:
        self.name, self.project, self.domain = name, "default", "development"
        self.started_at = self.created_at = started_at


def _claim(name: str, value: Any, **fields: Any) -> dict[str, Any]:
    return {"name": name, "output": "o0", "type": "int", "value": value, **fields}


def _fill(engine: sa.Engine) -> None:
    made = [  # (claim, run name, run start, action, written at)
        (_claim("sales", 1, partitions={"store": "north", "kind": "a"}), "r1", 1.0, "a0", 10.0),
        (_claim("sales", 2, partitions={"store": "south", "kind": "a"}), "r2", 2.0, "c1", 20.0),
        (_claim("sales", 3, partitions={"store": "north", "kind": "b"}), "r3", 3.0, "a0", 30.0),
        (_claim("daily", 4, granularity="DAY", time_from_run=True), "r4", DAY_1, "a0", 40.0),
        (_claim("daily", 5, granularity="DAY", time_partition=DAY_2), "r5", DAY_1, "a0", 50.0),
    ]
    for claim, run, started, action, now in made:
        q.insert_versions(engine, produced_rows([claim], _Run(run, started), action, now))


def test_search_by_partitions_time_and_newest_per_artifact(engine: sa.Engine) -> None:
    _fill(engine)
    names = lambda rows: [r["version"] for r in rows]  # noqa: E731
    assert names(q.search(engine, name="sales")) == ["r3", "r2.c1", "r1"]
    assert names(q.search(engine, name="sales", partitions={"store": "north"})) == ["r3", "r1"]
    both = {"store": "north", "kind": "a"}
    assert names(q.search(engine, name="sales", partitions=both)) == ["r1"]
    assert names(q.search(engine, name="sales", partitions={"store": "east"})) == []
    assert names(q.search(engine, name="daily", time_partition=DAY_1 + 3600)) == ["r4"]
    assert names(q.search(engine, name="daily", time_partition=DAY_2 - 3600)) == ["r5"]
    (day_2,) = q.search(engine, name="daily", time_partition=DAY_2)
    assert day_2["time_partition"] == truncate_time(DAY_2, "DAY")
    assert names(q.search(engine, group_by_key=True)) == ["r5", "r3"]
    assert names(q.search(engine, name="sales", limit=1, offset=1)) == ["r2.c1"]


def test_lists_partitions_lineage_and_immutability(engine: sa.Engine) -> None:
    _fill(engine)
    entries, total = q.list_artifacts(engine, text="sal")
    assert total == 1
    (entry,) = entries
    assert (entry["versions"], entry["latest"]["version"]) == (3, "r3")
    assert entry["partition_keys"] == ["kind", "store"]
    partitions = q.list_partitions(engine, "default", "development", "sales")
    assert [(v["value"], v["versions"]) for v in partitions["keys"]["store"]] == [
        ("north", 2),
        ("south", 1),
    ]
    assert len(q.list_partitions(engine, "default", "development", "daily")["time_partitions"]) == 2
    read = {"project": "default", "domain": "development", "name": "sales", "version": "r1"}
    q.record_consumptions(engine, "r9", [{"input": "x", **read}], now=99.0)
    q.record_consumptions(engine, "r9", [{"input": "x", **read, "version": "r3"}])  # kept once
    lineage = q.lineage(engine, "default", "development", "sales", "r1")
    assert lineage["producer"] is not None
    assert lineage["producer"]["run"] == "r1"
    assert [(c["run"], c["input"], c["consumed_at"]) for c in lineage["consumers"]] == [
        ("r9", "x", 99.0)
    ]
    consumed = q.run_artifacts(engine, "r9")["consumed"]
    assert [(c["consumed_input"], c["version"]) for c in consumed] == [("x", "r1")]
    assert [r["version"] for r in q.run_artifacts(engine, "r2")["produced"]] == ["r2.c1"]
    by_hand = {
        "project": "default",
        "domain": "development",
        "name": "sales",
        "value": 7,
        "type": "int",
        "partitions": {"store": "west"},
    }
    q.insert_versions(engine, [version_row(by_hand, version="v1", created_at=60.0)])
    q.insert_versions(engine, [version_row(by_hand, version="v1", created_at=61.0)])  # same: kept
    with pytest.raises(ValueError, match="versions are immutable"):
        q.insert_versions(
            engine, [version_row({**by_hand, "value": 8}, version="v1", created_at=62.0)]
        )
    with pytest.raises(LookupError):
        q.lineage(engine, "default", "development", "sales", "nope")
