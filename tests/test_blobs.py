"""The content-addressed blob store: local folders, file:// and fsspec URLs, and digests
that come from outside."""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flyte_nb.store import BlobStore

_memory_roots = itertools.count()


@pytest.fixture(params=["path", "str", "file-url", "memory-url"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    root = tmp_path / "blobs"
    if request.param == "path":
        return BlobStore(root)
    if request.param == "str":
        return BlobStore(str(root))
    if request.param == "file-url":
        return BlobStore(root.as_uri())
    return BlobStore(f"memory://flyte-nb-test-{os.getpid()}-{next(_memory_roots)}")


def test_put_get_exists_round_trip(store: BlobStore) -> None:
    data = b"\x00binary\xffvalue" * 100
    digest = store.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.exists(digest)
    assert store.get(digest) == data
    other = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(other)
    with pytest.raises(FileNotFoundError, match=f"blob {other} is missing"):
        store.get(other)


def test_put_is_idempotent(store: BlobStore) -> None:
    assert store.put(b"same") == store.put(b"same")
    assert store.get(store.put(b"same")) == b"same"
    assert store.put(b"") == hashlib.sha256(b"").hexdigest()
    assert store.get(hashlib.sha256(b"").hexdigest()) == b""


def test_put_with_digest(store: BlobStore) -> None:
    data = b"uploaded by a client"
    digest = hashlib.sha256(data).hexdigest()
    assert store.put_with_digest(digest, data) == digest
    assert store.get(digest) == data
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(ValueError, match="does not match its digest"):
        store.put_with_digest(wrong, data)
    assert not store.exists(wrong)


BAD_DIGESTS = [
    "../../etc/passwd",
    "/etc/passwd",
    "../" + "a" * 61,
    "ab/" + "a" * 61,
    "A" * 64,  # uppercase
    "a" * 63,  # short
    "a" * 65,  # long
    "g" * 64,  # not hex
    "a" * 63 + "\n",
    " " + "a" * 63,
    "",
    None,
    42,
    b"a" * 64,  # bytes, not str
    ["a" * 64],
]


@pytest.mark.parametrize("digest", BAD_DIGESTS, ids=repr)
def test_digests_are_validated_before_any_path_is_built(store: BlobStore, digest: object) -> None:
    for call in (store.get, store.exists):
        with pytest.raises(ValueError, match="not a blob digest"):
            call(digest)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a blob digest"):
        store.put_with_digest(digest, b"x")  # type: ignore[arg-type]


def test_a_tmp_file_is_not_a_blob(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"x")
    (tmp_path / digest[:2] / f".tmp-1-2-{digest[:8]}").write_bytes(b"partial")
    with pytest.raises(ValueError, match="not a blob digest"):
        store.get(f".tmp-1-2-{digest[:8]}")


def test_local_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    digests = {store.put(f"value {i}".encode()) for i in range(50)}
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert sorted(p.name for p in files) == sorted(digests)
    assert all(p.parent.name == p.name[:2] for p in files)  # sharded by two hex digits


def test_a_failed_local_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = BlobStore(tmp_path / "blobs")

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        store.put(b"lost")
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


def test_file_urls_and_paths_name_the_same_local_store(tmp_path: Path) -> None:
    root = tmp_path / "with space"
    by_path = BlobStore(root)
    assert by_path.root == root
    assert by_path.url == root.as_uri()
    digest = by_path.put(b"shared")
    for other in (BlobStore(by_path.url), BlobStore(str(root)), BlobStore(f"file://{root}")):
        assert other.root == root
        assert other.get(digest) == b"shared"


def test_remote_stores_have_no_local_root() -> None:
    store = BlobStore(f"memory://flyte-nb-test-{os.getpid()}-remote")
    assert store.root is None
    assert store.url.startswith("memory://")


def test_a_file_url_for_another_host_is_refused() -> None:
    with pytest.raises(ValueError, match="not a local file URL"):
        BlobStore("file://otherhost/tmp/blobs")


def test_local_stores_never_import_fsspec(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from flyte_nb.store import BlobStore
        for root in ({str(tmp_path / "a")!r}, {(tmp_path / "b").as_uri()!r}):
            store = BlobStore(root)
            assert store.get(store.put(b"x")) == b"x"
        assert "fsspec" not in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_big_existing_files_are_named_by_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above IDENTITY_MIN a stored file is named by (device, inode, size, mtime), not by
    hashing its bytes: the same unchanged file is found again, a changed one stored anew.
    (The threshold is lowered here so the test needs no 64 MiB file.)"""
    from flyte_nb.store import _blobs

    monkeypatch.setattr(_blobs, "IDENTITY_MIN", 1024)
    store = BlobStore(tmp_path / "blobs")
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 4096)
    first = store.put_file(big)
    assert first == _blobs.identity_digest(str(big))
    assert first != _blobs.file_digest(str(big))
    assert store.put_file(big) == first  # unchanged: the same blob, nothing copied again
    assert store.get(first) == b"x" * 4096
    big.write_bytes(b"y" * 4096)  # same size, new content: a new mtime, a new name
    os.utime(big, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    second = store.put_file(big)
    assert second != first
    assert store.get(second) == b"y" * 4096
    assert store.get(first) == b"x" * 4096  # the old version is kept
    small = tmp_path / "small.bin"
    small.write_bytes(b"z" * 100)  # under the threshold: named by content
    assert store.put_file(small) == _blobs.file_digest(str(small))
