"""Flyte 2's ``flyte.io`` (``File``, ``Dir``, ``DataFrame``, ``HashFunction``) run unchanged
with ``import flyte_nb as flyte``: in the kernel and on a real backend process.

Most tasks and tests are ports of flyte-sdk's own examples and tests (github.com/flyteorg/
flyte-sdk); each says which. Where those need a cloud bucket (s3://) we use fsspec's
``memory://`` in the kernel instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import pandas as pd
import pyarrow as pa
import pytest
from _backend_util import running_server

import flyte_nb as flyte
from flyte_nb import FlyteDirectory, FlyteFile, StructuredDataset
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteTypeException
from flyte_nb.io import DataFrame, Dir, File, HashFunction
from flyte_nb.types import decode_value, encode_value

env = flyte.TaskEnvironment(name="flyte2_io")


# -- File, async: ported from flyte-sdk examples/basics/file.py ---------------------------------
@env.task
async def create_new_remote_file(content: str) -> File:
    f = File.new_remote()
    async with f.open("wb") as fh:
        await fh.write(content.encode("utf-8"))
    return f


@env.task
async def read_file_async(f: File) -> str:
    async with f.open("rb") as fh:
        contents = bytes(await fh.read())
        return contents.decode("utf-8")


@env.task
async def download_file_async(f: File) -> str:
    local_path = await f.download()
    with open(local_path, "rb") as fh:  # noqa: ASYNC230
        return fh.read().decode("utf-8")


@env.task
async def upload_local_file_async(content: str) -> File:
    with tempfile.NamedTemporaryFile(mode="w", delete=False, suffix=".txt") as tmp:
        tmp.write(content)
        tmp_path = tmp.name
    try:
        return await File.from_local(tmp_path)
    finally:
        os.unlink(tmp_path)  # uploaded at once: the local file may go


@env.task
async def create_from_existing_remote(remote_path: str) -> File:
    return File.from_existing_remote(remote_path)


@env.task
async def check_file_exists_sync(f: File) -> bool:
    return f.exists_sync()


@env.task
async def copy_file_by_reference(f: File) -> File:
    return File(path=f.path)


@env.task
async def file_properties(f: File) -> tuple[str, str, str | None]:
    return f.name, f.format, f.hash


@env.task
async def streaming_write(content: str) -> File:
    f = File.new_remote()
    async with f.open("wb") as fh:
        data = content.encode("utf-8")
        for i in range(0, len(data), 10):
            await fh.write(data[i : i + 10])
    return f


@env.task
async def streaming_read(f: File) -> str:
    parts = []
    async with f.open("rb", block_size=10) as fh:
        while True:
            chunk = await fh.read()
            if not chunk:
                break
            parts.append(chunk)
    return b"".join(parts).decode("utf-8")


@env.task
async def file_main() -> dict[str, str]:
    file1 = await create_new_remote_file("Hello, Flyte Async API!")
    out = {"read": await read_file_async(file1)}
    out["exists"] = str(await check_file_exists_sync(file1))
    out["download"] = await download_file_async(file1)
    file2 = await upload_local_file_async("Content from local file!")
    out["uploaded"] = await read_file_async(file2)
    file3 = await create_from_existing_remote(file1.path)
    out["by_path"] = await read_file_async(file3)
    out["copy"] = await read_file_async(await copy_file_by_reference(file2))
    out["props"] = repr(await file_properties(file1))
    stream = await streaming_write("This is streaming content that will be written in chunks!")
    out["stream"] = await streaming_read(stream)
    return out


FILE_MAIN = {
    "read": "Hello, Flyte Async API!",
    "exists": "True",
    "download": "Hello, Flyte Async API!",
    "uploaded": "Content from local file!",
    "by_path": "Hello, Flyte Async API!",
    "copy": "Content from local file!",
    "stream": "This is streaming content that will be written in chunks!",
}


# -- File, sync: ported from flyte-sdk examples/basics/sync_file.py ----------------------------
@env.task
def create_new_remote_file_sync(content: str) -> File:
    f = File.new_remote()
    with f.open_sync("wb") as fh:
        fh.write(content.encode("utf-8"))
    return f


@env.task
def read_file_sync(f: File) -> str:
    with f.open_sync("rb") as fh:
        return fh.read().decode("utf-8")


@env.task
def upload_local_file_sync(content: str) -> File:
    with tempfile.NamedTemporaryFile(mode="w", delete=False, suffix=".txt") as tmp:
        tmp.write(content)
        tmp_path = tmp.name
    try:
        return File.from_local_sync(tmp_path)
    finally:
        os.unlink(tmp_path)


@env.task
def sync_main() -> list[str]:
    f = create_new_remote_file_sync("sync hello")
    g = upload_local_file_sync("sync upload")
    with open(g.download_sync()) as fh:
        downloaded = fh.read()
    return [read_file_sync(f), read_file_sync(g), downloaded]


# -- Dir: ported from flyte-sdk examples/basics/dir.py ------------------------------------------
def _make_tree() -> str:
    root = tempfile.mkdtemp(prefix="flyte_dir_example_")
    for rel, text in (
        ("file1.txt", "Content of file 1"),
        ("file2.txt", "Content of file 2"),
        ("subdir/file3.txt", "Content of file 3 in subdirectory"),
    ):
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)
    return root


@env.task
async def upload_directory_from_local() -> Dir:
    return await Dir.from_local(_make_tree())


@env.task
async def check_directory_exists(d: Dir) -> bool:
    return await d.exists()


@env.task
async def list_files_in_directory(d: Dir) -> list[File]:
    return await d.list_files()


@env.task
async def walk_directory(d: Dir, recursive: bool, max_depth: int | None) -> list[str]:
    return [f.name async for f in d.walk(recursive=recursive, max_depth=max_depth)]


@env.task
async def get_specific_file(d: Dir, file_name: str) -> File | None:
    return await d.get_file(file_name)


@env.task
async def read_files_in_directory(d: Dir) -> dict[str, str]:
    contents: dict[str, str] = {}
    async for file in d.walk(recursive=False):
        if file.name.endswith(".txt"):
            async with file.open("rb") as f:
                contents[file.name] = bytes(await f.read()).decode("utf-8")
    return contents


@env.task
async def download_directory(d: Dir) -> list[str]:
    return _listing(await d.download())


def _listing(local_path: str) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(r, n), local_path)
        for r, _, ns in os.walk(local_path)
        for n in ns
    )


@env.task
async def create_reference_to_existing_remote(remote_path: str) -> Dir:
    return Dir.from_existing_remote(remote_path)


@env.task
async def directory_with_cache_key() -> Dir:
    root = tempfile.mkdtemp(prefix="flyte_cache_key_example_")
    with open(os.path.join(root, "cached_file.txt"), "w") as f:  # noqa: ASYNC230
        f.write("This directory has a specific cache key")
    return await Dir.from_local(root, dir_cache_key="my_custom_cache_key_123")


@env.task
async def process_files_in_parallel(d: Dir) -> dict[str, int]:
    async def size(file: File) -> tuple[str, int]:
        async with file.open("rb") as f:
            return file.name, len(await f.read())

    files = [file async for file in d.walk(recursive=True)]
    return dict(await asyncio.gather(*[size(f) for f in files]))


@env.task
async def dir_main() -> dict[str, object]:
    remote_dir = await upload_directory_from_local()
    listed = await list_files_in_directory(remote_dir)
    specific = await get_specific_file(remote_dir, "file1.txt")
    missing = await get_specific_file(remote_dir, "nope.txt")
    ref = await create_reference_to_existing_remote(remote_dir.path)
    cached = await directory_with_cache_key()
    return {
        "exists": await check_directory_exists(remote_dir),
        "listed": sorted(f.name for f in listed),
        "walk": await walk_directory(remote_dir, True, None),
        "top": await walk_directory(remote_dir, False, None),
        "depth1": await walk_directory(remote_dir, True, 1),
        "specific": await read_file_async(specific) if specific else None,
        "missing": missing,
        "contents": await read_files_in_directory(remote_dir),
        "downloaded": await download_directory(remote_dir),
        "ref_walk": await walk_directory(ref, True, None),
        "cache_key": cached.hash,
        "sizes": await process_files_in_parallel(remote_dir),
    }


DIR_MAIN = {
    "exists": True,
    "listed": ["file1.txt", "file2.txt"],
    "walk": ["file1.txt", "file2.txt", "file3.txt"],
    "top": ["file1.txt", "file2.txt"],
    "depth1": ["file1.txt", "file2.txt"],
    "specific": "Content of file 1",
    "missing": None,
    "contents": {"file1.txt": "Content of file 1", "file2.txt": "Content of file 2"},
    "downloaded": ["file1.txt", "file2.txt", os.path.join("subdir", "file3.txt")],
    "ref_walk": ["file1.txt", "file2.txt", "file3.txt"],
    "cache_key": "my_custom_cache_key_123",
    "sizes": {"file1.txt": 17, "file2.txt": 17, "file3.txt": 33},
}


# -- DataFrame: ported from flyte-sdk examples/basics/dataframe_usage.py ------------------------
BASIC_EMPLOYEE_DATA = {
    "employee_id": [1001, 1002, 1003, 1004],
    "name": ["Alice", "Bob", "Charlie", "Diana"],
}
ADDL_EMPLOYEE_DATA = {
    "employee_id": [1001, 1002, 1003, 1004],
    "salary": [55000.0, 75000.0, 72000.0, 50000.0],
}


@env.task
async def create_flyte_dataframe() -> Annotated[DataFrame, "csv"]:
    return DataFrame.from_df(pd.DataFrame(ADDL_EMPLOYEE_DATA))


@env.task
async def get_employee_data(
    raw_dataframe: pd.DataFrame, flyte_dataframe: pd.DataFrame
) -> pd.DataFrame:
    return raw_dataframe.merge(flyte_dataframe, on="employee_id", how="inner")


@env.task
async def total_salary(df: DataFrame) -> float:
    frame = await df.open(pd.DataFrame).all()
    return float(frame["salary"].sum())


@env.task
def count_rows_sync(df: DataFrame) -> int:
    table = df.open(pa.Table).all_sync()
    return int(table.num_rows)


@env.task
async def batches(df: DataFrame) -> int:
    return sum([len(b) async for b in df.open(pd.DataFrame).iter()])


@env.task
async def frame_main() -> tuple[list[str], float, int, int]:
    fdf = await create_flyte_dataframe()
    local = DataFrame.from_local_sync(pd.DataFrame(BASIC_EMPLOYEE_DATA))
    joined = await get_employee_data(raw_dataframe=local, flyte_dataframe=fdf)
    return (
        list(joined["name"]),
        await total_salary(fdf),
        count_rows_sync(fdf),
        await batches(DataFrame.wrap_df(joined)),
    )


FRAME_MAIN = (["Alice", "Bob", "Charlie", "Diana"], 252000.0, 4, 4)


# -- DataFrame inputs: ported from flyte-sdk examples/basics/dataframes/dataframe_inputs.py ------
@env.task
def process_fdf_to_df(df: DataFrame) -> pd.DataFrame:
    return df  # the declared pandas type: converted at the boundary


@env.task
def process_df_to_fdf(df: pd.DataFrame) -> DataFrame:
    return DataFrame.from_df(df)


# -- streaming writes: ported from flyte-sdk tests/flyte/io_types/test_files.py
# (test_task_write_file_streaming) and File.new_remote's docstring ------------------------------
@env.task
async def csv_file(file_name: str | None, use_async: bool) -> File[pd.DataFrame]:
    df = pd.DataFrame({"col1": [1, 2], "col2": [3, 4]})
    file = File.new_remote(file_name=file_name)
    if use_async:
        async with file.open("wb") as fh:
            df.to_csv(fh, index=False)  # a synchronous writer on the async handle
    else:
        with file.open_sync("wb") as fh:
            df.to_csv(fh, index=False)
    return file


# -- Union <-> Flyte 2 -------------------------------------------------------------------------
@env.task
def union_reader(ff: FlyteFile) -> str:
    with ff.open("r") as f:
        return f.read()


@env.task
def flyte2_reader(f: File) -> str:
    with f.open_sync("r") as fh:
        return fh.read()


@env.task
def union_writer(text: str) -> FlyteFile:
    ff = FlyteFile.new("u.txt")
    with ff.open("w") as f:
        f.write(text)
    return ff


@env.task
def folder_names(d: FlyteDirectory) -> list[str]:
    return sorted(os.path.basename(str(e)) for e in FlyteDirectory.listdir(d))


@env.task
def dataset_columns(sd: StructuredDataset) -> list[str]:
    return sd.column_names()


@env.task
def arrow_rows(t: pa.Table) -> int:
    return int(t.num_rows)


CsvFile = File["csv"]  # Flyte 2's File[T]: a format tag


@env.task
def csv_format(f: CsvFile) -> str:
    return f.format


@dataclass
class Bundle:
    label: str
    f: File


@env.task
async def make_bundle() -> Bundle:
    return Bundle("b", await create_new_remote_file("in a dataclass"))


@env.task
async def read_bundle(b: Bundle) -> str:
    return b.label + ":" + await read_file_async(b.f)


# -- hashes: ported from flyte-sdk tests/flyte/io_types/test_files.py (hash tests) and
# examples/advanced/hash_pandas_dataframe.py ------------------------------------------------------
def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def hash_pandas_dataframe(df: pd.DataFrame) -> str:
    return str(pd.util.hash_pandas_object(df).sum())


HashedPandasDataFrame = Annotated[pd.DataFrame, HashFunction.from_fn(hash_pandas_dataframe)]


@env.task
async def produce_hashed() -> HashedPandasDataFrame:
    return pd.DataFrame(BASIC_EMPLOYEE_DATA)


@env.task
async def hashed_file() -> File:
    f = File.new_remote(hash_method=HashFunction.from_fn(_md5))
    async with f.open("wb") as fh:
        await fh.write(b"hello")
    return f


@env.task
async def hashed_frame() -> DataFrame:
    return await DataFrame.from_local(
        pd.DataFrame(BASIC_EMPLOYEE_DATA), hash_method=HashFunction.from_fn(hash_pandas_dataframe)
    )


@env.task
async def hash_of(f: File) -> str | None:
    return f.hash


@env.task
async def frame_hash_of(df: DataFrame) -> str | None:
    return df.hash


# -- in the kernel -------------------------------------------------------------------------------
def test_file_async_api_between_tasks() -> None:
    out = flyte.run(file_main).outputs()
    props = out.pop("props")
    assert out == FILE_MAIN
    assert props.endswith(", '', None)")  # a generated name, no format, no hash


def test_file_sync_api_between_tasks() -> None:
    assert flyte.run(sync_main).outputs() == ["sync hello", "sync upload", "sync upload"]


def test_dir_api_between_tasks() -> None:
    assert flyte.run(dir_main).outputs() == DIR_MAIN


def test_dataframe_between_tasks() -> None:
    assert flyte.run(frame_main).outputs() == FRAME_MAIN
    out = flyte.run(create_flyte_dataframe).outputs()
    assert isinstance(out, DataFrame)
    assert out.open(pd.DataFrame).all_sync()["salary"].sum() == 252000.0


def test_dataframe_inputs_from_parquet_files_and_folders(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "name": ["Alice", "Bob", "Charlie", "David"],
            "age": [25, 30, 35, 40],
            "category": ["A", "B", "A", "C"],
        }
    )  # examples/basics/dataframes/create_dataframe.py
    frame.to_parquet(tmp_path / "dataframe.parquet")
    frame.to_parquet(tmp_path / "dataframe_partitioned", partition_cols=["category"])
    single = DataFrame.from_existing_remote(str(tmp_path / "dataframe.parquet"))
    out = flyte.run(process_fdf_to_df, single).outputs()
    assert out.to_dict("list") == frame.to_dict("list")
    folder = DataFrame.from_existing_remote(str(tmp_path / "dataframe_partitioned"))
    out = flyte.run(process_fdf_to_df, folder).outputs()
    assert sorted(out["name"]) == ["Alice", "Bob", "Charlie", "David"]
    assert sorted(out["category"].astype(str)) == ["A", "A", "B", "C"]
    fdf = flyte.run(process_df_to_fdf, frame).outputs()
    assert isinstance(fdf, DataFrame)
    assert fdf.open(pd.DataFrame).all_sync().to_dict("list") == frame.to_dict("list")


def test_streaming_writes_with_pandas() -> None:
    for file_name, use_async in ((None, False), ("data.csv", True)):
        file = flyte.run(csv_file, file_name, use_async).outputs()
        _, ext = os.path.splitext(os.path.basename(file.path))
        assert (len(ext) > 0) == (file_name is not None)
        assert file.hash is None
        assert file.format == "DataFrame"  # File[pd.DataFrame]
        assert "col1,col2" in asyncio.run(_read(file)).decode("utf-8")


# ported from flyte-sdk tests/flyte/io_types/test_files.py (test_multiple_files_with_hashes,
# test_task_write_file_local_then_upload), memory:// standing in for s3://
def test_remote_files_keep_path_and_hash(tmp_path: Path) -> None:
    from flyte_nb.store import BlobStore

    store = BlobStore(tmp_path / "blobs")
    with_hash = File.from_existing_remote("memory://bucket/file1.txt", file_cache_key="hash1")
    without = File.from_existing_remote("memory://bucket/file2.txt")
    back = [decode_value(encode_value(f, store.put), store.get) for f in (with_hash, without)]
    assert [(f.path, f.hash) for f in back] == [
        ("memory://bucket/file1.txt", "hash1"),
        ("memory://bucket/file2.txt", None),
    ]
    local = tmp_path / "data.csv"
    pd.DataFrame({"col1": [1, 2], "col2": [3, 4]}).to_csv(local, index=False)
    uploaded = asyncio.run(
        File.from_local(str(local), remote_destination="memory://bucket/data.csv")
    )
    assert uploaded.path == "memory://bucket/data.csv"
    assert "col1,col2" in asyncio.run(_read(File.from_existing_remote(uploaded.path))).decode()
    ref_dir = Dir.from_existing_remote("memory://bucket", dir_cache_key="d1")
    again = decode_value(encode_value(ref_dir, store.put), store.get)
    assert (again.path, again.hash) == ("memory://bucket", "d1")
    # test_transformer_serde (test_files.py, test_dirs.py): equal after a round trip
    assert back == [with_hash, without]
    assert again == ref_dir
    assert again != Dir.from_existing_remote("memory://bucket")  # another hash
    assert len({with_hash, back[0], without}) == 2
    received = decode_value(encode_value(File(path=str(local)), store.put), store.get)
    assert received == decode_value(encode_value(received, store.put), store.get)
    assert received != File(path=str(local))  # stored content vs a local path
    assert again.get_file_sync("data.csv") is not None


# ported from flyte-sdk tests/flyte/io_types/test_dirs.py (walk_sync / walk / get_file / download)
@pytest.fixture
def tree(tmp_path: Path) -> str:
    for rel, text in (
        ("root.txt", "root level file"),
        ("nested1/file1.txt", "file in nested1"),
        ("nested1/nested2/file2.txt", "file in nested2"),
        ("sibling/sibling_file.txt", "file in sibling folder"),
    ):
        (tmp_path / "t" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "t" / rel).write_text(text)
    return str(tmp_path / "t")


def test_dir_walk_of_a_local_folder(tree: str, tmp_path: Path) -> None:
    d = Dir(path=tree)
    files = list(d.walk_sync())
    assert len(files) == 4
    assert isinstance(files[0], File)
    assert files[0].path.endswith("root.txt")  # top-down, as Flyte 2 walks
    assert os.path.exists(files[0].path)
    assert [f.name for f in d.walk_sync(file_pattern="file*")] == ["file1.txt", "file2.txt"]
    assert [f.name for f in d.walk_sync(max_depth=2)] == [
        "root.txt",
        "file1.txt",
        "sibling_file.txt",
    ]

    async def walk() -> list[str]:
        return [f.name async for f in d.walk(recursive=False)]

    assert asyncio.run(walk()) == ["root.txt"]
    got = asyncio.run(d.get_file("nested1/file1.txt"))
    assert got is not None
    assert got.name == "file1.txt"
    assert os.path.exists(got.path)
    assert d.get_file_sync("nope.txt") is None
    out = asyncio.run(d.download(str(tmp_path / "copy")))
    assert Path(out, "nested1", "nested2", "file2.txt").read_text() == "file in nested2"


# ported from flyte-sdk tests/flyte/io_types/test_files.py (download_file_with_name_local,
# download_file_with_folder_name_local, download_file_with_no_local_target_local)
def test_file_download_targets(tmp_path: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_text("payload")
    f = File(path=str(src))
    named = asyncio.run(f.download(str(tmp_path / "out" / "named.txt")))
    assert Path(named).read_text() == "payload"
    assert named.endswith("named.txt")
    folder = tmp_path / "folder"
    folder.mkdir()
    assert f.download_sync(str(folder)) == str(folder / "src.txt")
    assert f.download_sync(str(tmp_path / "trail") + os.sep).endswith(
        os.path.join("trail", "src.txt")
    )
    assert f.download_sync() == str(src)
    assert asyncio.run(f.exists())
    assert not File(path=str(tmp_path / "missing")).exists_sync()


# ported from flyte-sdk tests/flyte/io_types/test_files.py (from_local_sync_with_local_files,
# from_local_sync_remote_with_hash, from_local_sync_remote_with_precomputed_hash)
def test_from_local_copies_now_and_hashes(tmp_path: Path) -> None:
    src = tmp_path / "data.csv"
    src.write_bytes(b"col1,col2\n1,2\n")
    f = File.from_local_sync(str(src), hash_method=HashFunction.from_fn(_md5))
    assert f.hash == _md5(b"col1,col2\n1,2\n")
    assert f.name == "data.csv"
    src.unlink()
    with f.open_sync("rb") as fh:
        assert fh.read() == b"col1,col2\n1,2\n"
    remote = File.from_local_sync(
        _write(tmp_path / "again.csv", b"x"), remote_destination="memory://flyte2-io/a.csv"
    )
    assert remote.path == "memory://flyte2-io/a.csv"
    assert asyncio.run(_read(remote)) == b"x"
    pre = File.from_local_sync(_write(tmp_path / "p.csv", b"y"), hash_method="precomputed")
    assert pre.hash == "precomputed"
    d = Dir.from_local_sync(str(tmp_path), remote_destination="memory://flyte2-io/dir")
    assert d.path == "memory://flyte2-io/dir"
    assert sorted(f.name for f in d.walk_sync()) == ["again.csv", "p.csv"]  # data.csv is gone


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


async def _read(f: File) -> bytes:
    async with f.open("rb") as fh:
        return bytes(await fh.read())


def test_hashes_travel_with_their_values() -> None:
    f = flyte.run(hashed_file).outputs()
    assert f.hash == _md5(b"hello")
    assert flyte.run(hash_of, f).outputs() == _md5(b"hello")
    expected = hash_pandas_dataframe(pd.DataFrame(BASIC_EMPLOYEE_DATA))
    assert flyte.run(frame_hash_of, flyte.run(hashed_frame).outputs()).outputs() == expected
    frame = flyte.run(produce_hashed).outputs()  # Annotated[pd.DataFrame, HashFunction]
    assert list(frame["name"]) == BASIC_EMPLOYEE_DATA["name"]
    fn = HashFunction.from_fn(_md5)  # the HashFunction docstring example
    fn.update(b"hello")
    assert fn.result() == "5d41402abc4b2a76b9719d911017c592"


def test_file_and_flytefile_convert_both_ways(tmp_path: Path) -> None:
    assert flyte.run(
        union_reader, flyte.run(create_new_remote_file, "to union").outputs()
    ).outputs() == ("to union")
    received = flyte.run(union_writer, "to flyte 2").outputs()
    assert flyte.run(flyte2_reader, received).outputs() == "to flyte 2"
    as_file = File.from_flyte_file(received)
    assert as_file.to_flyte_file() is received
    assert as_file.name == "u.txt"
    assert flyte.run(folder_names, Dir(path=_make_tree())).outputs() == [
        "file1.txt",
        "file2.txt",
        "subdir",
    ]
    df = DataFrame.wrap_df(pd.DataFrame(ADDL_EMPLOYEE_DATA))
    assert flyte.run(dataset_columns, df).outputs() == ["employee_id", "salary"]
    assert flyte.run(
        total_salary, StructuredDataset(dataframe=pd.DataFrame(ADDL_EMPLOYEE_DATA))
    ).outputs() == (252000.0)
    assert flyte.run(read_bundle, flyte.run(make_bundle).outputs()).outputs() == "b:in a dataclass"
    assert flyte.run(arrow_rows, df).outputs() == 4
    assert flyte.run(csv_format, received).outputs() == "csv"  # File["csv"]: a format tag


def test_encoding_keeps_the_flyte2_class(tmp_path: Path) -> None:
    from flyte_nb.store import BlobStore

    store = BlobStore(tmp_path / "blobs")
    f = File(path=_write(tmp_path / "e.txt", b"enc"), hash="h1")
    back = decode_value(encode_value(f, store.put), store.get)
    assert isinstance(back, File)
    assert (back.hash, back.name) == ("h1", "e.txt")
    assert Path(back.path).read_bytes() == b"enc"
    with pytest.raises(PermissionError, match=r"read-only.*File\.new_remote\(\)"):
        back.open_sync("wb").__enter__()  # received: its bytes are the stored blob's
    plain = decode_value(encode_value(f.to_flyte_file(), store.put), store.get)
    assert type(plain) is FlyteFile


def test_flyte_io_is_reachable_from_the_top_level() -> None:
    code = (
        "import flyte_nb as flyte; from flyte_nb.io import File, Dir, DataFrame, HashFunction; "
        "assert flyte.io.File is File and flyte.io.Dir is Dir; "
        "assert flyte.io.DataFrame is DataFrame and flyte.io.HashFunction is HashFunction; "
        "print('ok')"
    )
    fresh = "import flyte_nb as flyte; print(flyte.io.File.__name__)"
    for src, want in ((code, "ok"), (fresh, "File")):
        out = subprocess.run(
            [sys.executable, "-c", src], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == want


def test_bad_arguments_are_named(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"File\(path=\.\.\.\) needs"):
        File()
    with pytest.raises(TypeError, match="name"):
        File(path="x", name="")
    with pytest.raises(ValueError, match="file not found"):
        File.from_local_sync(str(tmp_path / "absent"))
    with pytest.raises(ValueError, match="is a folder"):
        File.from_local_sync(str(tmp_path))
    with pytest.raises(TypeError, match="hash_method"):
        File.new_remote(hash_method=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode"):
        File(path="x").open_sync("q").__enter__()
    with pytest.raises(ValueError, match="compression"):
        File(path="x").open("rb", compression="gzip")
    with pytest.raises(TypeError, match="from_existing_remote"):
        File.from_existing_remote("")
    with pytest.raises(ValueError, match="does not exist"):
        Dir.from_local_sync(str(tmp_path / "absent"))
    with pytest.raises(ValueError, match="is a file"):
        Dir.from_local_sync(_write(tmp_path / "f", b""))
    with pytest.raises(ValueError, match="max_depth"):
        list(Dir(path=str(tmp_path)).walk_sync(max_depth=0))
    with pytest.raises(ValueError, match="relative name"):
        Dir(path=str(tmp_path)).get_file_sync("../etc/passwd")
    with pytest.raises(TypeError, match=r"pandas\.DataFrame or a pyarrow\.Table"):
        DataFrame.from_local_sync([1, 2])
    with pytest.raises(ValueError, match="only parquet"):
        DataFrame(format="csv")
    with pytest.raises(TypeError, match="str"):
        HashFunction.from_fn(lambda d: 3).update(b"x")  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="nothing was hashed"):
        HashFunction.from_fn(_md5).result()
    with pytest.raises(FlyteTypeException, match="expected a File"):
        flyte.run(read_file_async, Dir(path=str(tmp_path)))
    with pytest.raises(FlyteTypeException, match="folder"):
        flyte.run(read_file_async, FlyteDirectory(str(tmp_path)))


def test_without_pyarrow_a_dataframe_says_what_to_install(tmp_path: Path) -> None:
    """pyarrow blocked in a subprocess: passing a frame names the extra to install."""
    script = tmp_path / "no_arrow.py"
    script.write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pyarrow' or name.startswith('pyarrow.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import pandas as pd\n"
        "import flyte_nb as flyte\n"
        "from flyte_nb.io import DataFrame\n"
        "env = flyte.TaskEnvironment(name='no_arrow')\n"
        "@env.task\n"
        "def make() -> pd.DataFrame:\n"
        "    return pd.DataFrame({'a': [1]})\n"
        "flyte.init(local=True)\n"
        "try:\n"
        "    flyte.run(make).outputs()\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
        "try:\n"
        "    DataFrame.from_local_sync(pd.DataFrame({'a': [1]}), remote_destination='memory://x/y')\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env={**os.environ, "FLYTE_NB_HOME": str(tmp_path / "home")},
        timeout=120,
    )
    assert out.stdout.count("pip install 'flyte_nb[dataframe]'") == 2, out.stdout + out.stderr


# -- on a real backend process -------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("flyte2-io-backend")
    with running_server(home) as info:
        yield home, info


@pytest.fixture
def remote(server: tuple[Path, _daemon.ServerInfo], home: Path) -> Path:
    flyte.init(home=server[0])
    return server[0]


def test_files_dirs_and_frames_on_the_backend(remote: Path) -> None:
    out = flyte.run(file_main).wait(timeout=120).outputs()
    out.pop("props")
    assert out == FILE_MAIN
    assert flyte.run(dir_main).wait(timeout=120).outputs() == DIR_MAIN
    assert flyte.run(frame_main).wait(timeout=120).outputs() == FRAME_MAIN


def test_backend_outputs_read_in_the_kernel(remote: Path) -> None:
    f = flyte.run(create_new_remote_file, "over http").wait(timeout=60).outputs()
    assert isinstance(f, File)
    assert asyncio.run(_read(f)) == b"over http"
    assert flyte.run(read_file_async, f).wait(timeout=60).outputs() == "over http"
    d = flyte.run(upload_directory_from_local).wait(timeout=60).outputs()
    assert [x.name for x in d.walk_sync()] == ["file1.txt", "file2.txt", "file3.txt"]
    df = flyte.run(create_flyte_dataframe).wait(timeout=60).outputs()
    assert (
        list(df.open(pd.DataFrame).all_sync()["employee_id"]) == ADDL_EMPLOYEE_DATA["employee_id"]
    )
