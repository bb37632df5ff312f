"""Dataframes between tasks: parquet blobs, StructuredDataset, kwtypes column selection;
in the kernel and on a real backend process."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _backend_util import running_server
from pandas.testing import assert_frame_equal

import flyte_nb as fl
from flyte_nb import StructuredDataset, kwtypes, task, workflow
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteTypeException, FlyteValidationException
from flyte_nb.store import BlobStore
from flyte_nb.types import decode_value, encode_value

superset_cols = kwtypes(Name=str, Age=int, Height=int)
subset_cols = kwtypes(Name=str)
superset_df = pd.DataFrame({"Name": ["Tom", "Joseph"], "Age": [20, 22], "Height": [160, 178]})
subset_df = pd.DataFrame({"Name": ["Tom", "Joseph"]})


# The seed's test_structured_dataset_wf, minus FlyteSchema (deprecated in flytekit).
@task
def t1() -> Annotated[pd.DataFrame, superset_cols]:
    return superset_df


@task
def t2(df: Annotated[pd.DataFrame, subset_cols]) -> Annotated[pd.DataFrame, subset_cols]:
    return df


@task
def t5(sd: Annotated[StructuredDataset, subset_cols]) -> Annotated[pd.DataFrame, subset_cols]:
    return sd.open(pd.DataFrame).all()


@workflow
def sd_wf() -> Annotated[pd.DataFrame, subset_cols]:
    df = t1()
    return t2(df=df)


@workflow
def both_wf() -> typing.Tuple[pd.DataFrame, pd.DataFrame]:  # noqa: UP006  (the seed's spelling)
    df = t1()
    return t2(df=df), t5(sd=df)


frames = fl.TaskEnvironment("io_frames")


@frames.task
def make(n: int) -> pd.DataFrame:
    return pd.DataFrame({"i": range(n), "sq": [i * i for i in range(n)], "s": ["x"] * n})


@frames.task
def total(df: pd.DataFrame) -> int:
    return int(df["sq"].sum())


@frames.task
def as_table(df: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(df, preserve_index=False)


@frames.task
def table_rows(t: pa.Table) -> int:
    return t.num_rows


@frames.task
def lazy(sd: StructuredDataset) -> tuple[list[str], int, int]:
    names = sd.column_names()  # from the parquet footer
    batches = sum(len(b) for b in sd.open(pd.DataFrame).iter())
    return names, batches, int(sd.open(pa.Table).all().num_rows)


@frames.task
def chain(n: int) -> int:
    return total(make(n))


@frames.task
def wants_missing(df: Annotated[pd.DataFrame, kwtypes(Weight=float)]) -> int:
    return len(df)


@frames.task
def returns_missing() -> Annotated[pd.DataFrame, kwtypes(Weight=float)]:
    return superset_df


@frames.task
def wants_int_name(df: Annotated[pd.DataFrame, kwtypes(Name=int)]) -> int:
    return len(df)


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


# -- in the kernel -------------------------------------------------------------------------------
def test_the_seeds_structured_dataset_workflows() -> None:
    assert_frame_equal(sd_wf(), subset_df)
    first, second = both_wf()
    assert_frame_equal(first, subset_df)
    assert_frame_equal(second, subset_df)


def test_frames_and_tables_pass_between_tasks() -> None:
    assert fl.run(chain, 100).outputs() == sum(i * i for i in range(100))
    table = fl.run(as_table, make(5)).outputs()
    assert isinstance(table, pa.Table)
    assert table.column_names == ["i", "sq", "s"]
    assert table_rows(table) == 5
    assert fl.run(lazy, make(7)).outputs() == (["i", "sq", "s"], 7, 7)


def test_a_frame_is_stored_as_parquet_and_read_back_as_its_type(store: BlobStore) -> None:
    encoded = encode_value(superset_df, store.put)
    assert encoded["type"] == "pandas.DataFrame"
    assert encoded["columns"] == ["Name", "Age", "Height"]
    assert encoded["rows"] == 2
    parquet = pq.read_table(store.local_path(encoded["$sd"]))
    assert parquet.column_names[:3] == ["Name", "Age", "Height"]
    assert_frame_equal(decode_value(encoded, store.get), superset_df)
    table = pa.table({"a": [1, 2]})
    assert decode_value(encode_value(table, store.put), store.get).equals(table)


def test_a_received_dataset_reads_nothing_until_asked(store: BlobStore) -> None:
    sd = StructuredDataset(dataframe=superset_df, metadata={"source": "test"})
    encoded = encode_value(sd, store.put)
    back = decode_value(encoded, store.get)
    assert isinstance(back, StructuredDataset)
    assert back.dataframe is None
    assert back.metadata == {"source": "test"}
    assert back.uri == store.blob_url(encoded["$sd"])
    assert back.column_names() == ["Name", "Age", "Height"]
    assert set(back.columns()) == {"Name", "Age", "Height"}
    assert encode_value(back, store.put) == encoded  # passed on: same blob, nothing read
    with pytest.raises(TypeError, match=r"call \.open\(pd\.DataFrame\)"):
        back.all()
    assert_frame_equal(back.open(pd.DataFrame).all(), superset_df)
    assert back.open(pa.Table).all().num_rows == 2


def test_a_dataset_from_a_uri(tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    pq.write_table(pa.Table.from_pandas(superset_df), path)
    sd = StructuredDataset(uri=str(path))
    assert sd.column_names() == ["Name", "Age", "Height"]
    assert_frame_equal(t5(sd=sd), subset_df)
    assert fl.run(lazy, sd).outputs() == (["Name", "Age", "Height"], 2, 2)


def test_passing_a_received_frame_on_reuses_its_parquet(store: BlobStore) -> None:
    encoded = encode_value(make(1000), store.put)
    df = decode_value(encoded, store.get)
    blobs = sorted(p.name for p in (store.root or Path()).rglob("*") if p.is_file())
    assert encode_value(df, store.put)["$sd"] == encoded["$sd"]
    assert sorted(p.name for p in (store.root or Path()).rglob("*") if p.is_file()) == blobs
    df.loc[0, "sq"] = -1  # changed in place: stored again, with the change
    changed = encode_value(df, store.put)
    assert changed["$sd"] != encoded["$sd"]
    assert decode_value(changed, store.get).loc[0, "sq"] == -1
    df["extra"] = 1
    assert encode_value(df, store.put)["columns"] == ["i", "sq", "s", "extra"]


# -- bad input -----------------------------------------------------------------------------------
def test_a_missing_column_is_named() -> None:
    with pytest.raises(
        FlyteValidationException, match=r"'df'.*column 'Weight' is not in.*\['Name', 'Age'"
    ):
        wants_missing(superset_df)
    with pytest.raises(FlyteValidationException, match=r"returns_missing.*column 'Weight'"):
        fl.run(returns_missing)
    with pytest.raises(FlyteValidationException, match="column 'Weight'"):
        wants_missing(StructuredDataset(dataframe=superset_df))
    with pytest.raises(FlyteTypeException, match=r"column 'Name' holds string values.*int"):
        wants_int_name(superset_df)


def test_datasets_reject_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"pandas\.DataFrame or a pyarrow\.Table"):
        StructuredDataset(dataframe=[1, 2])
    with pytest.raises(ValueError, match="only 'parquet'"):
        StructuredDataset(uri="x.csv", file_format="csv")
    with pytest.raises(TypeError, match="unknown argument"):
        StructuredDataset(colour="red")
    with pytest.raises(TypeError, match=r"open it as pandas\.DataFrame or pyarrow\.Table"):
        StructuredDataset(dataframe=superset_df).open(list)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        StructuredDataset(uri=str(tmp_path / "none.parquet")).column_names()
    with pytest.raises(FlyteTypeException, match=r"'df'.*expected a pandas.DataFrame"):
        total(42)  # type: ignore[arg-type]


# -- on a real backend process -------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("io-frames-backend")
    with running_server(home) as info:
        yield home, info


def test_frames_between_workers(server: tuple[Path, _daemon.ServerInfo], home: Path) -> None:
    fl.init(home=server[0])
    assert fl.run(chain, 50).wait(timeout=60).outputs() == sum(i * i for i in range(50))
    assert_frame_equal(fl.run(sd_wf).wait(timeout=60).outputs(), subset_df)
    first, second = fl.run(both_wf).wait(timeout=60).outputs()
    assert_frame_equal(first, subset_df)
    assert_frame_equal(second, subset_df)
    assert fl.run(lazy, superset_df).wait(timeout=60).outputs() == (
        ["Name", "Age", "Height"],
        2,
        2,
    )


def test_a_bad_column_is_refused_before_the_backend_runs_anything(
    server: tuple[Path, _daemon.ServerInfo], home: Path
) -> None:
    fl.init(home=server[0])
    with pytest.raises(FlyteValidationException, match="column 'Weight'"):
        fl.run(wants_missing, superset_df)
    run = fl.run(returns_missing).wait(timeout=60)
    assert run.phase == "FAILED"
    with pytest.raises(FlyteValidationException, match="column 'Weight'"):
        run.outputs()
