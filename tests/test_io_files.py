"""FlyteFile and FlyteDirectory: stored once by content, received lazily, checked at the
boundary; in the kernel and on a real backend process."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import blake3
import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb import FlyteDirectory, FlyteFile
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteTypeException, FlyteValidationException
from flyte_nb.store import BlobStore
from flyte_nb.types import decode_value, encode_value

io_env = fl.TaskEnvironment("io_files")


@io_env.task
def write_text(name: str, text: str) -> FlyteFile:
    ff = FlyteFile.new(name)
    with ff.open("w") as f:
        f.write(text)
    return ff


@io_env.task
def read_text(ff: FlyteFile) -> str:
    with ff.open("r") as f:
        return f.read()


@io_env.task
def was_downloaded(ff: FlyteFile) -> bool:
    return ff.downloaded


@io_env.task
def pass_text(name: str, text: str) -> str:
    return read_text(write_text(name, text))


@io_env.task
def make_tree() -> FlyteDirectory:
    d = FlyteDirectory.new("tree")
    for rel in ("a.txt", "b.txt", "sub/c.txt", "sub/deeper/d.txt"):
        with d.new_file(rel).open("w") as f:
            f.write(rel)
    d.new_dir("empty")
    return d


@io_env.task
def crawl_tree(d: FlyteDirectory) -> list[str]:
    return sorted(rel for _, rel in d.crawl())


@io_env.task
def tree_is_lazy(d: FlyteDirectory) -> tuple[bool, list[str]]:
    names = [os.path.basename(e.path) for e in FlyteDirectory.listdir(d)]
    return d.downloaded, names


@io_env.task
def pass_tree() -> list[str]:
    return crawl_tree(make_tree())


@io_env.task(cache="auto")
def cached_text(text: str) -> FlyteFile:
    out = FlyteFile.new_remote_file("cached.txt")
    with out.open("w") as f:
        f.write(text)
    return out


@io_env.task
def return_path(path: str) -> FlyteFile:
    return path  # type: ignore[return-value]  # a path is accepted for a FlyteFile output


@io_env.task
def lose_file() -> FlyteFile:
    return FlyteFile("/no/such/output.txt")


def _digest(data: bytes) -> str:
    """Files are stored under the BLAKE3 hash of their content."""
    return str(blake3.blake3(data).hexdigest())


def _blob_path(home: Path, data: bytes) -> Path:
    digest = _digest(data)
    return home / "blobs" / digest[:2] / digest


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


# -- in the kernel -------------------------------------------------------------------------------
def test_a_returned_file_is_stored_by_content_and_read_by_the_next_task(home: Path) -> None:
    assert fl.run(pass_text, "hello.txt", "hello").outputs() == "hello"
    assert _blob_path(home, b"hello").read_bytes() == b"hello"
    ff = fl.run(write_text, "again.txt", "hello").outputs()
    assert ff.remote_path == _blob_path(home, b"hello").as_uri()  # same content, same blob


def test_a_file_a_task_made_is_moved_into_the_store_not_copied(home: Path) -> None:
    ff = fl.run(write_text, "moved.txt", "moved").outputs()
    blob = _blob_path(home, b"moved")
    assert os.path.samefile(ff.path, blob)  # the path is now a link to the blob
    with ff.open("w") as f:  # writing again gives the path a file of its own
        f.write("changed")
    assert blob.read_text() == "moved"
    assert Path(ff.path).read_text() == "changed"
    outside = FlyteFile.new("kept.txt")  # made outside a task: the user's, always copied
    with outside.open("w") as f:
        f.write("mine")
    assert read_text(outside) == "mine"
    fl.run(read_text, outside)
    assert not os.path.samefile(outside.path, _blob_path(home, b"mine"))


def test_a_cache_hit_gives_back_the_stored_file() -> None:
    first = fl.run(cached_text, "kept").outputs()
    hit = fl.run(cached_text, "kept").outputs()  # decoded from the cache entry: lazy
    assert not hit.downloaded
    assert hit.remote_path == first.remote_path
    assert read_text(hit) == "kept"


def test_a_path_is_accepted_where_a_file_is_declared(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("from a path")
    assert read_text(str(path)) == "from a path"
    assert read_text(ff=path) == "from a path"
    ff = fl.run(return_path, str(path)).outputs()
    assert isinstance(ff, FlyteFile)
    assert Path(ff.path) == path


def test_a_received_file_is_lazy_streamed_and_read_only(store: BlobStore, tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 10_000)
    encoded = encode_value(FlyteFile(path, metadata={"kind": "demo"}), store.put)
    digest = _digest(b"x" * 10_000)
    assert encoded == {
        "$file": digest,
        "name": "data.bin",
        "metadata": {"kind": "demo"},
        "size": 10_000,
    }
    ff = decode_value(encoded, store.get)
    assert isinstance(ff, FlyteFile)
    assert not ff.downloaded
    assert ff.metadata == {"kind": "demo"}
    assert ff.remote_source == store.blob_url(digest)
    with ff.open("rb", cache_type="readahead") as f:
        assert f.read(3) == b"xxx"
    assert not ff.downloaded
    assert not os.path.exists(ff.path)
    assert encode_value(ff, store.put) == encoded  # passed on by digest, bytes untouched
    local = ff.download()
    assert ff.downloaded
    assert Path(local).name == "data.bin"
    assert os.path.samefile(local, store.local_path(digest))  # a hard link: no copy
    assert not os.stat(local).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    with open(ff, "rb") as f:  # os.fspath(ff) downloads (already done) and returns the path
        assert len(f.read()) == 10_000
    with pytest.raises(PermissionError, match="read-only"):
        ff.open("wb")


def test_files_at_urls_travel_by_reference(store: BlobStore) -> None:
    out = FlyteFile.new_remote_file("report.txt", alt=f"memory://io-test-{os.getpid()}/out")
    with out.open("w") as f:
        f.write("remote content")
    encoded = encode_value(out, store.put)
    assert encoded["$file"] is None
    assert encoded["uri"].startswith("memory://")
    back = decode_value(encoded, store.get)
    assert back.remote_source == out.remote_source
    with back.open("r") as f:
        assert f.read() == "remote content"
    assert Path(back.download()).read_text() == "remote content"
    assert FlyteFile.from_source(encoded["uri"]).remote_path == encoded["uri"]


def test_json_and_dict_forms(tmp_path: Path) -> None:
    ff = FlyteFile(tmp_path / "a.csv", metadata={"rows": "3"})
    d = ff.to_dict()
    assert d == {"path": str(tmp_path / "a.csv"), "metadata": {"rows": "3"}}
    again = FlyteFile.from_json(ff.to_json())
    assert again.path == ff.path
    assert again.metadata == {"rows": "3"}
    assert FlyteFile.from_dict(json.loads(ff.to_json())).path == ff.path
    folder = FlyteDirectory(tmp_path)
    assert FlyteDirectory.from_json(folder.to_json()).path == str(tmp_path)
    assert FlyteDirectory.from_dict(folder.to_dict()).path == str(tmp_path)
    assert FlyteFile["csv"].extension() == "csv"
    assert FlyteFile["csv"] is FlyteFile["csv"]
    assert issubclass(FlyteFile["csv"], FlyteFile)


# -- folders -------------------------------------------------------------------------------------
def _tree(root: Path) -> Path:
    for rel in ("a.txt", "b.txt", "sub/c.txt", "sub/deeper/d.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    (root / "empty").mkdir()
    return root


ALL = ["a.txt", "b.txt", "sub/c.txt", "sub/deeper/d.txt"]


def test_a_folder_passes_between_tasks(home: Path) -> None:
    assert fl.run(pass_tree).outputs() == ALL


def test_crawl_and_listdir_of_a_local_folder(tmp_path: Path) -> None:
    d = FlyteDirectory(_tree(tmp_path / "t"))
    assert sorted(rel for _, rel in d.crawl()) == ALL
    assert sorted(rel for _, rel in d.crawl(maxdepth=1)) == ["a.txt", "b.txt"]
    detail = {rel: info for _, infos in d.crawl(detail=True) for rel, info in infos.items()}
    assert sorted(detail) == ALL
    assert detail["a.txt"]["size"] == 5
    entries = FlyteDirectory.listdir(d)
    assert [type(e).__name__ for e in entries] == [
        "FlyteFile",
        "FlyteFile",
        "FlyteDirectory",
        "FlyteDirectory",
    ]
    with pytest.raises(ValueError, match="maxdepth"):
        next(d.crawl(maxdepth=0))


def test_a_received_folder_is_read_from_its_manifest(store: BlobStore, tmp_path: Path) -> None:
    encoded = encode_value(FlyteDirectory(_tree(tmp_path / "t")), store.put)
    assert encoded["files"] == 4
    assert encoded["size"] == sum(len(r) for r in ALL)
    d = decode_value(encoded, store.get)
    assert sorted(rel for _, rel in d.crawl()) == ALL
    assert sorted(rel for _, rel in d.crawl(maxdepth=2)) == ["a.txt", "b.txt", "sub/c.txt"]
    entries = FlyteDirectory.listdir(d)
    assert [os.path.basename(e.path) for e in entries] == ["a.txt", "b.txt", "empty", "sub"]
    assert not d.downloaded
    assert not os.path.exists(d.path)
    sub = entries[3]
    assert isinstance(sub, FlyteDirectory)
    assert sorted(rel for _, rel in sub.crawl()) == ["c.txt", "deeper/d.txt"]
    with entries[0].open("r") as f:
        assert f.read() == "a.txt"
    assert encode_value(d, store.put) == encoded  # passed on unread: same manifest
    assert encode_value(sub, store.put)["files"] == 2  # a listed sub-folder travels too
    root = Path(d.download())
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*.txt")) == ALL
    assert (root / "empty").is_dir()
    assert encode_value(d, store.put)["$dir"] == encoded["$dir"]
    with d.new_file("added.txt").open("w") as f:  # writing makes it a local folder again
        f.write("new")
    changed = encode_value(d, store.put)
    assert changed["$dir"] != encoded["$dir"]
    assert changed["files"] == 5


# -- bad input -----------------------------------------------------------------------------------
def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(FlyteValidationException, match=r"read_text.*'ff'.*nope\.txt' does not"):
        read_text(FlyteFile(missing))
    with pytest.raises(FlyteValidationException, match=r"lose_file.*output\.txt' does not exist"):
        fl.run(lose_file)


def test_a_folder_where_a_file_is_expected_and_back(tmp_path: Path) -> None:
    folder = _tree(tmp_path / "t")
    with pytest.raises(FlyteTypeException, match=r"'ff'.*is a folder, not a file"):
        read_text(str(folder))
    with pytest.raises(FlyteTypeException, match=r"got a folder.*where a file is expected"):
        read_text(FlyteDirectory(folder))
    with pytest.raises(FlyteTypeException, match=r"'d'.*is a file, not a folder"):
        crawl_tree(str(folder / "a.txt"))
    with pytest.raises(FlyteTypeException, match="where a folder is expected"):
        crawl_tree(FlyteFile(folder / "a.txt"))
    with pytest.raises(FlyteValidationException, match=r"folder '.*gone' does not exist"):
        crawl_tree(str(tmp_path / "gone"))
    with pytest.raises(FlyteTypeException, match="expected a file"):
        read_text(42)  # type: ignore[arg-type]


def test_constructors_reject_bad_arguments() -> None:
    with pytest.raises(TypeError, match="needs a path or URL"):
        FlyteFile(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="metadata"):
        FlyteFile("a.txt", metadata={"n": 1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="relative name"):
        FlyteFile.new("../escape.txt")
    with pytest.raises(ValueError, match="relative name"):
        FlyteDirectory.new("/abs")
    with pytest.raises(ValueError, match="mode"):
        FlyteFile("a.txt").open("q")
    with pytest.raises(TypeError, match="listdir needs a FlyteDirectory"):
        FlyteDirectory.listdir("somewhere")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="from_dict"):
        FlyteFile.from_dict({"nope": 1})
    with pytest.raises(ValueError, match="not JSON"):
        FlyteDirectory.from_json("{")


# -- on a real backend process -------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("io-files-backend")
    with running_server(home) as info:
        yield home, info


@pytest.fixture
def remote(server: tuple[Path, _daemon.ServerInfo], home: Path) -> Path:
    fl.init(home=server[0])
    return server[0]


def test_files_and_folders_between_workers(remote: Path) -> None:
    assert fl.run(pass_text, "b.txt", "over the backend").wait(timeout=60).outputs() == (
        "over the backend"
    )
    assert fl.run(pass_tree).wait(timeout=60).outputs() == ALL


def test_a_receiving_worker_downloads_nothing_until_it_opens(remote: Path) -> None:
    produced = fl.run(write_text, "lazy.txt", "lazy").wait(timeout=60)
    ff = produced.outputs()  # read back in the kernel, over HTTP
    assert not ff.downloaded
    with ff.open("r") as f:
        assert f.read() == "lazy"
    run = fl.run(was_downloaded, ff).wait(timeout=60)
    assert run.outputs() is False
    assert not list((remote / "raw" / run.name).rglob("inputs"))  # nothing materialised
    lazy, names = (
        fl.run(tree_is_lazy, fl.run(make_tree).wait(timeout=60).outputs())
        .wait(timeout=60)
        .outputs()
    )
    assert lazy is False
    assert names == ["a.txt", "b.txt", "empty", "sub"]


def test_a_worker_returning_a_missing_file_fails_clearly(remote: Path) -> None:
    run = fl.run(lose_file).wait(timeout=60)
    assert run.phase == "FAILED"
    with pytest.raises(FlyteValidationException, match=r"output\.txt' does not exist"):
        run.outputs()
