"""``flyte.Checkpoint`` in the kernel: the next attempt gets the previous attempt's state.

The first test is flyte-sdk's ``examples/checkpoint/generic_data_checkpoint.py``
(repo flyteorg/flyte-sdk) run as a test; the others are ours.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import flyte_nb as fl
from flyte_nb.exceptions import FlyteValidationException, NotInTaskContextError
from flyte_nb.models import Checkpoints

env = fl.TaskEnvironment(name="checkpoints")
RETRIES = 3


@pytest.fixture(autouse=True)
def _local(home: object) -> None:
    return None


def local() -> Any:
    return fl.with_runcontext(mode="local")


# -- ported: flyte-sdk examples/checkpoint/generic_data_checkpoint.py --------------------
@env.task(retries=RETRIES)
def use_checkpoint(n_iterations: int) -> int:
    assert n_iterations > RETRIES
    checkpoint = fl.ctx().checkpoint
    assert checkpoint is not None

    path = checkpoint.load_sync()
    prev = None if path is None else path.read_bytes()
    start = int(prev.decode()) if prev else 0
    failure_interval = n_iterations // RETRIES
    index = start
    for index in range(start, n_iterations):
        if index > start and index % failure_interval == 0:
            raise RuntimeError(f"Failed at iteration {index}, failure_interval {failure_interval}.")
        checkpoint.save_sync(f"{index + 1}".encode())
    return index


def test_generic_data_checkpoint_example() -> None:
    run = local().run(use_checkpoint, n_iterations=10)
    assert run.outputs() == 9
    assert run.action("a0").attempts == 4


# -- ours ------------------------------------------------------------------------------
@env.task(retries=1)
def ten_steps(folder: str) -> int:
    cp = fl.ctx().checkpoint
    prev = cp.load_sync()
    start = int(prev.read_bytes()) if prev is not None else 0
    for i in range(start, 10):
        with open(Path(folder, f"step-{i}"), "a") as f:
            f.write("x")
        if i == 7 and start == 0:
            raise RuntimeError("fails at step 7")
        cp.save_sync(str(i + 1).encode())
    return start


def test_a_task_failing_at_step_7_resumes_at_7(tmp_path: Path) -> None:
    assert local().run(ten_steps, str(tmp_path)).outputs() == 7
    counts = {p.name: p.read_text() for p in tmp_path.glob("step-*")}
    assert counts == {f"step-{i}": ("xx" if i == 7 else "x") for i in range(10)}


@env.task(retries=2)
async def folder_state() -> list[str]:
    ctx = fl.ctx()
    assert isinstance(ctx.checkpoints, Checkpoints)
    attempt = ctx.data["attempt"]
    assert ctx.checkpoints.checkpoint_path.endswith(f"/checkpoints/{attempt}")
    cp = ctx.checkpoint
    restored = await cp.load()
    seen = sorted(p.name for p in restored.iterdir()) if restored is not None else []
    if attempt == 1:
        assert ctx.checkpoints.prev_checkpoint_path is None
        assert not cp.prev_exists()
    else:
        assert ctx.checkpoints.prev_checkpoint_path is not None
        assert cp.prev_exists()
    work = Path(ctx.output_path) / f"work-{attempt}"
    work.mkdir(parents=True)
    (work / f"model-{attempt}.ckpt").write_text(str(attempt))
    (work / "last.ckpt").write_text(str(attempt))
    await cp.save(work)
    if attempt < 3:
        raise RuntimeError("again")
    latest = fl.latest_checkpoint()  # the previous attempt's, restored
    assert latest is not None
    assert (latest / "last.ckpt").read_text() == "2"
    return seen


def test_a_folder_checkpoint_comes_back_whole_on_the_next_attempt() -> None:
    assert local().run(folder_state).outputs() == ["last.ckpt", "model-2.ckpt"]


def test_flytekit_and_flyte2_read_each_others_checkpoints() -> None:
    tries: list[object] = []

    @env.task(retries=2)
    def mixed() -> str:
        cp = fl.current_context().checkpoint
        attempt = fl.ctx().data["attempt"]
        if attempt == 1:
            cp.write(b"from flytekit")  # flytekit's SyncCheckpoint API
            raise RuntimeError("again")
        if attempt == 2:
            path = cp.load_sync()  # Flyte 2's
            tries.append(path.read_bytes())
            cp.save_sync(b"from flyte 2")
            raise RuntimeError("again")
        return cp.read().decode()  # flytekit reading Flyte 2's bytes

    assert local().run(mixed).outputs() == "from flyte 2"
    assert tries == [b"from flytekit"]


def test_checkpoint_objects_on_explicit_folders(tmp_path: Path) -> None:
    first = fl.Checkpoint(str(tmp_path / "1"))
    assert not first.prev_exists()
    assert first.load_sync() is None
    source = tmp_path / "weights.bin"
    source.write_bytes(b"\x00\x01")
    first.save_sync(str(source))  # a file is kept as the payload
    second = fl.Checkpoint(str(tmp_path / "2"), str(tmp_path / "1"))
    loaded = second.load_sync()
    assert loaded is not None
    assert loaded.name == "payload"
    assert loaded.read_bytes() == b"\x00\x01"
    assert second.read() == b"\x00\x01"
    second.save_sync(b"newer")
    second.save_sync(b"newest")  # a second save replaces the first
    assert (tmp_path / "2" / "payload").read_bytes() == b"newest"
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no leftovers


def test_checkpoint_bad_inputs_say_what_to_pass(tmp_path: Path) -> None:
    cp = fl.Checkpoint(str(tmp_path / "1"))
    with pytest.raises(FlyteValidationException, match="neither a file nor a folder"):
        cp.save_sync(str(tmp_path / "missing"))
    with pytest.raises(FlyteValidationException, match="takes bytes, or the path"):
        cp.save_sync(12)  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="write takes bytes"):
        cp.write("text")  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="takes a folder path"):
        fl.Checkpoint("")
    with pytest.raises(FlyteValidationException, match="folder path or None"):
        fl.Checkpoint("x", 3)  # type: ignore[arg-type]
    with pytest.raises(NotInTaskContextError, match="inside a task"):
        fl.latest_checkpoint()
    with pytest.raises(FlyteValidationException, match="glob string"):
        fl.latest_checkpoint(tmp_path, 5)  # type: ignore[arg-type]


def test_latest_checkpoint_ranks_matches(tmp_path: Path) -> None:
    # flyte-sdk's latest_checkpoint: the newest match, or the highest by a key
    for step in (3, 10, 7):
        path = tmp_path / "run" / f"step-{step}.ckpt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(str(step))
        os.utime(path, (step, step))
    assert fl.latest_checkpoint(tmp_path, "**/*.ckpt").name == "step-10.ckpt"
    by_name = fl.latest_checkpoint(tmp_path / "run", "*.ckpt", key=lambda p: p.name)
    assert by_name is not None
    assert by_name.name == "step-7.ckpt"
    assert fl.latest_checkpoint(tmp_path) is None


# -- ported: flyte-sdk tests/flyte/test_checkpoint.py (file:// URIs, single objects) -----
def _write_dir_checkpoint_tar(tar_path: Path, *, inner_name: str, text: str) -> None:
    import io
    import tarfile

    with tarfile.open(tar_path, "w:gz") as tar:
        data = text.encode("utf-8")
        info = tarfile.TarInfo(name=inner_name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def _read_state_step(workspace: Path) -> int:
    import json

    return int(json.loads((workspace / "state.json").read_text(encoding="utf-8"))["step"])


def test_checkpoint_prev_exists() -> None:
    assert not fl.Checkpoint("s3://bucket/out", None).prev_exists()
    assert fl.Checkpoint("s3://bucket/out", "s3://bucket/prev").prev_exists()


def test_checkpoint_directory_checkpoint_roundtrip_file_uris(tmp_path: Path) -> None:
    import json

    prev_blob, out_blob = tmp_path / "prev_sync", tmp_path / "out_sync"
    _write_dir_checkpoint_tar(prev_blob, inner_name="state.json", text=json.dumps({"step": 1}))
    cp = fl.Checkpoint(out_blob.as_uri(), prev_blob.as_uri())
    assert cp.load_sync() is not None
    assert _read_state_step(cp.path) == 1
    (cp.path / "state.json").write_text(json.dumps({"step": 2}), encoding="utf-8")
    cp.save_sync(cp.path)
    cp2 = fl.Checkpoint(str(tmp_path / "out_sync_2"), out_blob.as_uri())
    assert cp2.load_sync() is not None
    assert _read_state_step(cp2.path) == 2


def test_checkpoint_single_non_tar_object_roundtrip(tmp_path: Path) -> None:
    prev_blob, out_blob = tmp_path / "prev_raw", tmp_path / "out_raw"
    prev_blob.write_bytes(b"hello-checkpoint")
    cp = fl.Checkpoint(out_blob.as_uri(), prev_blob.as_uri())
    payload_path = cp.load_sync()
    assert payload_path == cp.path / "payload"
    assert payload_path.read_bytes() == b"hello-checkpoint"
    cp.save_sync(b"next")
    p2 = fl.Checkpoint(str(tmp_path / "unused_out"), out_blob.as_uri()).load_sync()
    assert p2 is not None
    assert p2.read_bytes() == b"next"


def test_checkpoint_missing_source_loads_nothing(tmp_path: Path) -> None:
    cp = fl.Checkpoint(str(tmp_path / "out"), str(tmp_path / "never-written"))
    assert cp.prev_exists()  # a source was named (Flyte 2) ...
    assert cp.load_sync() is None  # ... but it holds no checkpoint
    assert cp.read() is None
