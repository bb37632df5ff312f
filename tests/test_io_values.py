"""How typed values travel: dataclasses and pydantic models as JSON, containers of files,
and the Union ``@task`` rule that other objects are pickled only with pickle_untyped=True."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydantic
import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb import FlyteFile, task
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.store import BlobStore
from flyte_nb.types import decode_value, encode_value


@dataclasses.dataclass
class Point:
    x: int
    y: float
    when: datetime.date
    tags: tuple[str, ...] = ()


class Settings(pydantic.BaseModel):
    name: str
    rate: float
    points: list[Point]


@dataclasses.dataclass
class Report:
    title: str
    body: FlyteFile


class Opaque:
    def __init__(self, v: int) -> None:
        self.v = v


vals = fl.TaskEnvironment("io_values")


@vals.task
def shift(p: Point, by: int) -> Point:
    return dataclasses.replace(p, x=p.x + by)


@vals.task
def rename(s: Settings, name: str) -> Settings:
    return s.model_copy(update={"name": name})


@vals.task
def write_report(title: str) -> Report:
    body = FlyteFile.new("body.txt")
    with body.open("w") as f:
        f.write(f"about {title}")
    return Report(title, body)


@vals.task
def read_report(r: Report) -> str:
    with r.body.open("r") as f:
        return f"{r.title}: {f.read()}"


@vals.task
def report_chain(title: str) -> str:
    return read_report(write_report(title))


@vals.task
def opaque(v: int) -> Opaque:  # Flyte 2 tasks pickle anything, as Flyte 2 does
    return Opaque(v)


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


P = Point(1, 2.5, datetime.date(2024, 5, 1), ("a",))


def test_dataclasses_and_models_are_stored_as_json(store: BlobStore) -> None:
    encoded = encode_value(P, store.put)
    assert encoded == {
        "$model": {"x": 1, "y": 2.5, "when": "2024-05-01", "tags": ["a"]},
        "type": f"{__name__}.Point",
    }
    assert decode_value(encoded, store.get) == P
    s = Settings(name="s", rate=0.5, points=[P])
    encoded = encode_value(s, store.put)
    assert encoded["$model"]["points"][0]["when"] == "2024-05-01"
    assert decode_value(encoded, store.get) == s


def test_a_class_from_a_cell_travels_with_its_value(store: BlobStore) -> None:
    @dataclasses.dataclass
    class Local:  # like a class defined in a notebook cell: not importable by name
        n: int

    encoded = encode_value(Local(3), store.put)
    assert encoded["$model"] == {"n": 3}
    assert "class" in encoded
    back = decode_value(encoded, store.get)
    assert isinstance(back, Local)
    assert back.n == 3


def test_values_json_cannot_hold_are_pickled(store: BlobStore) -> None:
    odd = Point(1, float("nan"), datetime.date(2024, 1, 1))
    encoded = encode_value(odd, store.put)
    assert "$blob" in encoded
    assert decode_value(encoded, store.get).x == 1


def test_file_fields_and_lists_of_files_are_stored_by_content(
    store: BlobStore, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("A")
    (tmp_path / "b.txt").write_text("B")
    files = [FlyteFile(tmp_path / "a.txt"), FlyteFile(tmp_path / "b.txt")]
    encoded = encode_value(files, store.put)
    assert encoded["type"] == "list"
    assert [e["name"] for e in encoded["$items"]] == [
        "a.txt",
        "b.txt",
    ]
    back = decode_value(encoded, store.get)
    assert [Path(f.download()).read_text() for f in back] == ["A", "B"]
    report = encode_value(Report("t", files[0]), store.put)
    assert report["$model"]["body"]["$file"] == encoded["$items"][0]["$file"]
    again = decode_value(report, store.get)
    assert isinstance(again.body, FlyteFile)
    assert not again.body.downloaded
    in_dict = decode_value(encode_value({"k": files[1]}, store.put), store.get)["k"]
    assert Path(in_dict.path).name == "b.txt"


def test_models_pass_between_tasks_in_the_kernel() -> None:
    assert fl.run(shift, P, 2).outputs() == dataclasses.replace(P, x=3)
    assert fl.run(report_chain, "x").outputs() == "x: about x"
    assert fl.run(opaque, 4).outputs().v == 4


# -- the Union rule ------------------------------------------------------------------------------
def test_union_tasks_pickle_untyped_values_only_when_asked() -> None:
    with pytest.raises(FlyteValidationException, match=r"input 'x'.*Any.*pickle_untyped=True"):

        @task
        def takes_any(x: Any) -> int:
            return 1

    with pytest.raises(FlyteValidationException, match=r"output 'o0'.*Opaque.*pickling"):

        @task
        def makes_opaque(v: int) -> Opaque:
            return Opaque(v)

    with pytest.raises(FlyteValidationException, match=r"input 'xs'.*Opaque"):

        @task
        def takes_list(xs: list[Opaque | None]) -> int:
            return len(xs)

    @task(pickle_untyped=True)
    def allowed(v: int) -> Opaque:
        return Opaque(v)

    assert fl.run(allowed, 5).outputs().v == 5

    @task
    def typed(p: Point, s: Settings, f: FlyteFile | None, d: dict[str, list[Any]]) -> Point:
        return p  # Any inside a container is JSON-able data, as in flytekit

    assert typed(P, Settings(name="n", rate=1.0, points=[]), None, {"a": [1]}) == P


# -- on a real backend process -------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("io-values-backend")
    with running_server(home) as info:
        yield home, info


def test_models_pass_between_workers(server: tuple[Path, _daemon.ServerInfo], home: Path) -> None:
    fl.init(home=server[0])
    assert fl.run(shift, P, 1).wait(timeout=60).outputs() == dataclasses.replace(P, x=2)
    s = Settings(name="a", rate=0.1, points=[P])
    assert fl.run(rename, s, "b").wait(timeout=60).outputs() == s.model_copy(update={"name": "b"})
    assert fl.run(report_chain, "y").wait(timeout=60).outputs() == "y: about y"
    assert fl.run(opaque, 7).wait(timeout=60).outputs().v == 7
