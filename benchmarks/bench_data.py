"""Files and dataframes passed between tasks on the embedded backend, against doing it by hand.

- a 1 GiB file returned by one task and received by the next (target <= 1.3x), against
  ``shutil.copyfile`` of a 1 GiB file in the same run. Measured inside the tasks: from
  the moment the producer returns (wall clock) to the moment the consumer has the file at
  a local path (``download()``), so it includes storing the file in the blob store,
  scheduling the consumer and materialising the file. Two producers: one writes the file
  in its working folder (``FlyteFile.new``: the usual way, moved into the store), one
  returns a file that already exists elsewhere (``FlyteFile(path)``: copied into the
  store). Every file has new content, the copy is kept like a stored blob, and each side
  starts with no dirty pages (``os.sync()`` before each);
- the same, to a task that never opens the file: the blob store grows by exactly one copy
  (the producer's upload) and the receiver materialises zero bytes;
- a 10-million-row pandas DataFrame returned by one task and received by the next
  (target <= 1.5x), against writing the same frame as parquet with pyarrow and reading it
  back (``pq.write_table(pa.Table.from_pandas(df))`` + ``pq.read_table().to_pandas()``).
  The frame travels through the parent task, as in a Flyte 2 ``main`` that awaits one
  child and hands its output to the next (the parent reads it once too; passing it on
  reuses the stored parquet). A second row passes a frame the parent made itself.

``--quick`` uses 32 MiB and 200 000 rows: a smoke run of the same code paths.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

import pandas as pd
from _common import Row, parse_args, print_table, temp_home

import flyte_nb as fl
from flyte_nb import FlyteFile
from flyte_nb.client import _daemon

env = fl.TaskEnvironment("bench_data")


@env.task
def produce(path: str) -> tuple[FlyteFile, float]:
    return FlyteFile(path), time.time()


@env.task
def make_and_return(size: int, tag: str) -> tuple[FlyteFile, float]:
    ff = FlyteFile.new("big.bin")
    write_random(Path(ff.path), size, tag)
    os.sync()  # as the other side: the measured part starts with no dirty pages
    return ff, time.time()


@env.task
def consume(ff: FlyteFile, sent: float) -> float:
    ff.download()
    return time.time() - sent


@env.task
def ignore(ff: FlyteFile, sent: float) -> bool:
    return ff.downloaded


@env.task
def pass_file(path: str) -> float:
    ff, sent = produce(path)
    return consume(ff, sent)


@env.task
def pass_made(size: int, tag: str) -> float:
    ff, sent = make_and_return(size, tag)
    return consume(ff, sent)


@env.task
def pass_unopened(path: str) -> bool:
    ff, sent = produce(path)
    return ignore(ff, sent)


def make_frame(rows: int) -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "id": np.arange(rows),
            "x": rng.random(rows),
            "g": rng.integers(0, 100, rows).astype("int32"),
            "s": pd.Categorical(rng.choice(["a", "bb", "ccc"], rows)),
        }
    )


@env.task
def make(rows: int) -> tuple[pd.DataFrame, float]:
    return make_frame(rows), time.time()


@env.task
def use(df: pd.DataFrame, sent: float) -> float:
    return time.time() - sent


@env.task
def pass_frame(rows: int) -> float:
    df, sent = make(rows)
    return use(df, sent)


@env.task
def hand_frame(rows: int) -> float:
    df = make_frame(rows)
    return use(df, time.time())


def write_random(path: Path, size: int, tag: str = "") -> None:
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        f.write(tag.encode())
        for i in range(size >> 20):
            f.write(block[i % 256 :] + block[: i % 256])  # distinct blocks, cheap to make


def _drop_large_files(home: Path, over: int) -> None:
    """Remove earlier reps' big files (blobs, and the links to them in run folders)."""
    for path in [*(home / "blobs").rglob("*"), *(home / "raw").rglob("*")]:
        if path.is_file() and path.stat().st_size > over:
            path.unlink()


def folder_bytes(path: Path) -> int:
    """Bytes of the files under ``path``."""
    return sum((Path(d) / n).stat().st_size for d, _, names in os.walk(path) for n in names)


def paired(ours: Callable[[int], float], base: Callable[[int], float], reps: int) -> tuple:
    """Interleaved samples of both, alternating which goes first (the machine drifts)."""
    a, b = [], []
    for i in range(reps):
        if i % 2:
            b.append(base(i))
            a.append(ours(i))
        else:
            a.append(ours(i))
            b.append(base(i))
    return a, b


def rows_for(label: str, ours: list[float], base: list[float], target: float, ref: str) -> list:
    ratios = [o / b for o, b in zip(ours, base, strict=True)]
    return [
        Row(f"{label} (best)", min(ours), "s", target * min(base), min(base), ref),
        Row("  median of runs", median(ours), "s", target * median(base), median(base), ref),
        Row("  median of paired ratios", median(ratios), "x", target),
    ]


def file_figures(home: Path, size: int, reps: int) -> list[Row]:
    src, other = home / "src.bin", home / "other.bin"
    write_random(src, size)
    fl.run(pass_file, str(src)).wait(timeout=600)  # warm: workers up

    def fresh(i: int) -> None:
        with open(src, "r+b") as f:
            f.write(f"rep {i} {time.time()}".encode())  # new content: stored, not deduplicated
        _drop_large_files(home, size // 2)  # keep the disk from filling up
        os.sync()  # each candidate starts with no dirty pages to flush

    def existing(i: int) -> float:
        fresh(i)
        return float(fl.run(pass_file, str(src)).wait(timeout=600).outputs())

    def made(i: int) -> float:
        fresh(i)
        return float(fl.run(pass_made, size, f"{i} {time.time()}").wait(timeout=600).outputs())

    def base(i: int) -> float:
        fresh(i)
        copy = home / "copy.bin"
        start = time.perf_counter()
        shutil.copyfile(src, copy)  # kept until flushed, like the stored blob
        took = time.perf_counter() - start
        os.sync()
        copy.unlink()
        return took

    made_s, base_a = paired(made, base, reps)
    existing_s, base_b = paired(existing, base, reps)
    write_random(other, size)
    with open(other, "r+b") as f:
        f.write(b"other")  # not a file the store has seen
    before = folder_bytes(home / "blobs")
    run = fl.run(pass_unopened, str(other)).wait(timeout=600)
    after = folder_bytes(home / "blobs")
    received = folder_bytes(home / "raw" / run.name)  # where the receiver would download
    assert run.outputs() is False, "the receiver downloaded a file it never opened"
    gib = f"{size / (1 << 30):g} GiB"
    return [
        *rows_for(
            f"{gib} file made by the task, task -> task", made_s, base_a, 1.3, "shutil.copyfile"
        ),
        *rows_for(f"{gib} existing file, task -> task", existing_s, base_b, 1.3, "shutil.copyfile"),
        Row(
            "  to a task that never opens it: blob store grew by", (after - before) / size, "x file"
        ),
        Row("    bytes the receiver materialised", received, "B"),
    ]


def frame_figures(home: Path, rows: int, reps: int) -> list[Row]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = make_frame(rows)
    path = home / "frame.parquet"

    def by_hand(_: int) -> float:
        start = time.perf_counter()
        pq.write_table(pa.Table.from_pandas(df), path)
        pq.read_table(path).to_pandas()
        return time.perf_counter() - start

    def through_parent(_: int) -> float:
        return float(fl.run(pass_frame, rows).wait(timeout=600).outputs())

    def from_parent(_: int) -> float:
        return float(fl.run(hand_frame, rows).wait(timeout=600).outputs())

    through_parent(0)
    label = f"{rows / 1e6:g}M-row DataFrame"
    ref = "pyarrow parquet write+read"
    out = rows_for(
        f"{label}, task -> parent -> task", *paired(through_parent, by_hand, reps), 1.5, ref
    )
    out += rows_for(f"{label}, parent -> task", *paired(from_parent, by_hand, reps), 1.5, ref)
    return out


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    size = (32 if opts.quick else 1024) << 20
    rows = 200_000 if opts.quick else 10_000_000
    home = temp_home("data")
    _daemon.ensure_server(home)
    try:
        fl.init(home=home)
        rows_out = file_figures(home, size, opts.reps(5, 1))
        rows_out += frame_figures(home, rows, opts.reps(5, 1))
    finally:
        _daemon.stop(home)
    print_table(
        "data between tasks (embedded backend)",
        rows_out,
        notes=[
            f"{os.cpu_count()} cores; blob store and files on the same local disk",
            "--quick sizes are a smoke run: fixed per-run costs dominate, ratios mean little",
        ],
    )


if __name__ == "__main__":
    main()
