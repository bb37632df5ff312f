"""The seeds' whole surface: every class, method, function, property and variable the three
API seeds in ``shared/seeds/`` document exists on flyte_nb's object with the seed's
parameter names (``tests/_seeds.py`` parses the seeds), and the seeds' runnable docstring
examples do what they say.

Items that only a hosted Union service gives meaning to exist too, and raise
``NotAvailableHereError``; ``test_hosted_only_items_say_why`` calls each of them.
"""

from __future__ import annotations

import inspect
import typing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _seeds import SEEDS, Item, all_items, params_problem, problem, unavailable

import flyte_nb as fl
from flyte_nb.deck import BoxRenderer, MarkdownRenderer, TopFrameRenderer
from flyte_nb.exceptions import NotAvailableHereError

ITEMS = all_items()

# Seed items owned by other parts of the project, with what is wrong at the time of writing:
# xfail(strict) so that fixing them turns this list red, and someone removes the entry.
KNOWN_GAPS: dict[str, str] = {
    "union.map": "flyte_nb.map's signature is Flyte 2's map(task, *iterables, ...); called "
    "without iterables it is the seed's union.map (tests/test_map_both_peers.py)",
    "union.Cache": "Cache's first parameter is now Flyte 2's behavior; the seed's is version",
}


surface_task = fl.ContainerTask(name="seed_surface_c", image="alpine", command=["true"])


@pytest.fixture(scope="module")
def instances() -> dict[str, Any]:
    """One object per seed class whose properties are instance attributes."""
    return {
        "ContainerTask": surface_task,
        "StructuredDataset": fl.StructuredDataset(uri="/tmp/x.parquet"),
    }


def test_the_seed_copies_match_the_shared_seeds() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("no shared/seeds next to this checkout to compare with")
    ours = {p.name: p.read_bytes() for p in SEEDS.glob("*.txt")}
    assert ours == {p.name: p.read_bytes() for p in shared.glob("*.txt")}


def test_the_seeds_parse_into_306_items() -> None:
    kinds = {k: sum(1 for i in ITEMS if i.kind == k) for k in ("class", "method", "property")}
    assert len(ITEMS) == 306
    assert kinds == {"class": 25, "method": 202, "property": 71}
    assert {i.module for i in ITEMS} == {"flyte.app", "flyte.models", "union"}
    assert all(i.name.isidentifier() for i in ITEMS)


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: f"{i.kind}:{i.qualname}")
def test_seed_item_exists_with_the_seed_parameters(
    item: Item, instances: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    gap = KNOWN_GAPS.get(item.qualname)
    if gap:
        request.applymarker(pytest.mark.xfail(reason=gap, strict=True))
    assert problem(item, instances) is None


def test_params_check_catches_missing_renamed_and_reordered_parameters() -> None:
    assert params_problem(("a", "b"), ("a", "b", "c")) is None
    assert params_problem(("a", "**kwargs"), ("a", "**kwargs", "extra")) is None
    assert "missing" in (params_problem(("a", "b"), ("a", "x")) or "")
    assert "order" in (params_problem(("a", "b"), ("b", "a")) or "")
    assert "missing" in (params_problem(("*args",), ("a",)) or "")


def _call_with_placeholders(fn: Any) -> Any:
    sig = inspect.signature(fn)
    args = [
        None
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return fn(*args)


def _hosted_items() -> list[Item]:
    return [i for i in ITEMS if unavailable(i)]


def test_hosted_only_items_say_why(instances: dict[str, Any]) -> None:
    """Each hosted-only item raises the one error class, naming itself and what to use."""
    remote = fl.UnionRemote.__new__(fl.UnionRemote)  # these never reach a backend
    owners = {"UnionRemote": remote, "Artifact": fl.Artifact(name="a"), **instances}
    hosted = _hosted_items()
    assert {i.qualname for i in hosted} >= {
        "union.UnionRemote.from_api_key",
        "union.UnionRemote.async_channel",
        "union.UnionRemote.sync_channel",
        "union.Artifact.embed_as_query",
    }
    for item in hosted:
        assert item.cls is not None
        owner = owners[item.cls]
        if item.kind == "property":
            with pytest.raises(NotAvailableHereError) as e:
                getattr(owner, item.name)
        else:
            with pytest.raises(NotAvailableHereError) as e:
                _call_with_placeholders(getattr(owner, item.name))
        assert item.name in str(e.value)
        assert "Instead:" in str(e.value)
        assert isinstance(e.value, NotImplementedError)


# -- the seeds' docstring examples --------------------------------------------------------------
def test_run_output_examples() -> None:
    # seeds/000 (flyte.app.RunOutput), the class docstring's four examples
    from flyte_nb.app import RunOutput

    a = RunOutput(type="directory", run_name="my-run-123")
    b = RunOutput(type="file", task_name="env.my_task")
    c = RunOutput(type="file", task_name="env.my_task", task_auto_version="latest")
    d = RunOutput(type="file", task_name="env.my_task", task_version="xyz")
    assert (a.type, a.run_name) == ("directory", "my-run-123")
    assert (b.task_name, b.task_version, b.task_auto_version) == ("env.my_task", None, None)
    assert c.task_auto_version == "latest"
    assert d.task_version == "xyz"
    # copy(): "data = self.model_dump(...); copied = self.model_validate(data)"
    data = {**d.model_dump(round_trip=True), **{"task_version": "abc"}}
    assert RunOutput.model_validate(data).task_version == "abc"


def test_resources_examples() -> None:
    # seeds/002 union.Resources docstring
    r1 = fl.Resources(cpu="1", mem="2048")
    r2 = fl.Resources(cpu="100m", mem="2Gi")
    r3 = fl.Resources(cpu=0.5, mem=1024)
    r4 = fl.Resources(ephemeral_storage="1Gi")
    got = (r1.cpu, r1.mem, r2.cpu, r2.mem, r3.cpu, r3.mem)
    assert got == ("1", "2048", "100m", "2Gi", 0.5, 1024)
    assert r4.ephemeral_storage == "1Gi"
    for r in (r1, r2, r3, r4):  # the seed's serialisation methods round-trip
        assert fl.Resources.from_json(r.to_json()) == r
        assert fl.Resources.from_dict(r.to_dict(), dialect=None) == r
    assert fl.Resources.from_json(r2.to_json(encoder=lambda d: str(d).replace("'", '"'))) == r2
    with pytest.raises(ValueError, match="from_json"):
        fl.Resources.from_json("{cpu", decoder=None)


def test_task_decorator_example() -> None:
    # seeds/002 union.task docstring: @task def my_task(x: int, y: typing.Dict[str, str]) -> str
    @fl.task
    def my_task(x: int, y: typing.Dict[str, str]) -> str:  # noqa: UP006
        return f"{x}:{sorted(y)}"

    assert my_task(x=1, y={"b": "2", "a": "1"}) == "1:['a', 'b']"


def test_current_context_logging_example() -> None:
    # seeds/002 union.current_context: flytekit.current_context().logging.info(...)
    @fl.task
    def logs() -> int:
        fl.current_context().logging.info("from the task")
        return 1

    # flyte_nb gives a task its context when it runs (fl.run), not on a bare call
    assert fl.run(logs).outputs() == 1


def test_deck_example() -> None:
    # seeds/002 union.Deck docstring (px.data.iris() replaced by a small frame: no network)
    iris_df = pd.DataFrame({"sepal_length": [5.1, 4.9, 6.2], "species": ["a", "b", "c"]})

    @fl.task()
    def t1() -> str:
        md_text = "#Hello Flyte##Hello Flyte###Hello Flyte"
        m = MarkdownRenderer()
        s = BoxRenderer("sepal_length")
        deck = fl.Deck("demo", s.to_html(iris_df))
        deck.append(m.to_html(md_text))
        default_deck = fl.current_context().default_deck
        default_deck.append(m.to_html(md_text))
        return md_text

    @fl.task()
    def t2() -> typing.Annotated[pd.DataFrame, TopFrameRenderer(10)]:
        return iris_df

    run = fl.run(t1)
    assert run.outputs() == "#Hello Flyte##Hello Flyte###Hello Flyte"
    assert "demo" in {d.name for d in run.decks}
    assert fl.run(t2).outputs().equals(iris_df)


def test_flyte_directory_listdir_example(tmp_path: Path) -> None:
    # seeds/002 union.FlyteDirectory.listdir docstring, on a local folder
    (tmp_path / "file1.txt").write_text("one")
    (tmp_path / "file2.txt").write_text("two")
    (tmp_path / "sub_dir").mkdir()
    directory = fl.FlyteDirectory(str(tmp_path))
    entity = fl.FlyteDirectory.listdir(directory)
    names = sorted(Path(str(e.path)).name for e in entity)
    assert names == ["file1.txt", "file2.txt", "sub_dir"]
    first = next(e for e in entity if Path(str(e.path)).name == "file1.txt")
    with open(first) as f:  # "This will download the file to the local disk."
        assert f.read() == "one"
    with open(first) as f:  # read from the local disk the second time
        assert f.read() == "one"


def test_flyte_file_copy_example(tmp_path: Path) -> None:
    # seeds/002 union.FlyteFile.open docstring
    @fl.task
    def copy_file(ff: fl.FlyteFile) -> fl.FlyteFile:
        new_file = fl.FlyteFile.new_remote_file()
        with ff.open("rb", cache_type="readahead") as r, new_file.open("wb") as w:
            w.write(r.read())
        return new_file

    src = tmp_path / "in.bin"
    src.write_bytes(b"\x00payload")
    out = copy_file(ff=fl.FlyteFile(str(src)))
    with open(out, "rb") as f:
        assert f.read() == b"\x00payload"


def test_launch_plan_get_or_create_example() -> None:
    # seeds/002 union.LaunchPlan docstring: the default launch plan of a workflow
    @fl.task
    def join(a: int, c: str) -> str:
        return f"{c}{a}"

    @fl.workflow
    def my_wf(a: int, c: str) -> str:
        return join(a=a, c=c)

    lp = fl.LaunchPlan.get_or_create(workflow=my_wf)
    assert lp.name == my_wf.name
    assert lp(a=1, c="x") == "x1"
    assert fl.LaunchPlan.get_or_create(workflow=my_wf) is lp
