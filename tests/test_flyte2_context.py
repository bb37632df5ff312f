"""Flyte 2's run API on flyte_nb: ``ctx()``, ``custom_context``, ``with_runcontext``'s
Flyte 2 parameters, ``init_from_config``, ``run.aio``, ``task.forward``, ``map`` over
``functools.partial``, ``TaskEnvironment(image=, reusable=)``, ``Image`` builders,
``TypedDict`` values and the tuple of ``run.outputs()`` -- in the kernel and on a real
backend process.

Behaviour ported from flyte-sdk's tests (github.com/flyteorg/flyte-sdk):
tests/flyte/test_custom_context.py (context propagation and override),
tests/flyte/test_task_forward.py (forward), tests/flyte/test_map_partial.py (partials),
tests/flyte/test_image.py (builders).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import pytest
from _backend_util import running_server

import flyte_nb as flyte
from flyte_nb import task as fk_task
from flyte_nb import workflow
from flyte_nb.exceptions import FlyteTypeException, FlyteValidationException
from flyte_nb.remote._handles import ActionOutputs, outputs_style

cc = flyte.TaskEnvironment("flyte2-ctx")


@cc.task
async def leaf(tag: str) -> dict[str, str]:
    context = flyte.ctx()
    assert context is not None
    return {"tag": tag, **context.custom_context}


@cc.task
async def middle() -> list[dict[str, str]]:
    seen = [await leaf("plain")]
    with flyte.custom_context(increment="1", trace_id="override"):
        seen.append(await leaf("inside"))
        with flyte.custom_context(increment="2"):
            seen.append(await leaf("nested"))
    seen.append(await leaf("after"))
    return seen


@cc.task
def sync_root() -> list[dict[str, str]]:
    with flyte.custom_context(branch="sync"):
        first = leaf_from_sync("a")
    return [first, leaf_from_sync("b")]


def leaf_from_sync(tag: str) -> dict[str, str]:
    return typing.cast(dict[str, str], leaf(tag))


@cc.task
async def gathered() -> list[dict[str, str]]:
    async def one(i: int) -> dict[str, str]:
        with flyte.custom_context(i=str(i)):
            return await leaf(f"g{i}")

    return list(await asyncio.gather(*[one(i) for i in range(3)]))


@cc.task
async def grand() -> list[dict[str, str]]:
    with flyte.custom_context(level="grand"):
        return await middle()


@cc.task
async def inner(x: int) -> int:
    return x + 1


@cc.task
async def outer(x: int) -> int:
    value = await inner.forward(x=10)  # the body itself: no action
    assert not asyncio.iscoroutine(value)
    return await inner(value + x)


@cc.task
def sync_inner(x: int) -> int:
    return x + 1


@cc.task
def sync_outer(x: int) -> int:
    return sync_inner(sync_inner.forward(x=x))


@cc.task
def named(batch: str, name: str, constant: str) -> str:
    return f"{name}-{constant}-{batch}"


@cc.task
def map_partial() -> list[str]:
    bound = functools.partial(named, name="n", constant="c")
    return typing.cast(list[str], list(flyte.map(bound, ["1", "2"], return_exceptions=False)))


@cc.task
def two() -> tuple[int, str]:
    return 1, "a"


@cc.task
def nothing() -> None:
    return None


@fk_task
def fk_double(x: int) -> int:
    return 2 * x


@workflow
def wf_double(x: int) -> int:
    return fk_double(x=x)


class Person(TypedDict):
    name: str
    age: int


class Team(TypedDict, total=False):
    lead: Person
    size: int
    note: NotRequired[str]


@cc.task
def make_team(people: list[Person]) -> Team:
    return {"lead": max(people, key=lambda p: p["age"]), "size": len(people)}


class Node(TypedDict):
    name: str
    children: NotRequired[list[Node]]


@cc.task
def tree(depth: int) -> Node:
    return {"name": f"n{depth}", "children": [{"name": f"n{depth - 1}"}]}


@cc.task
def bad_person() -> Person:
    return typing.cast(Person, {"name": "x"})


# -- ctx() and custom_context --------------------------------------------------------------
def test_ctx_is_none_outside_a_task_and_custom_context_is_a_no_op_there() -> None:
    assert flyte.ctx() is None
    with flyte.custom_context(a="1"):
        assert flyte.ctx() is None


def test_run_context_reaches_children_and_blocks_override_it() -> None:
    run = flyte.with_runcontext(
        mode="local", custom_context={"trace_id": "root-abc", "experiment": "v1"}
    ).run(middle)
    plain, inside, nested, after = run.outputs()
    assert plain == {"tag": "plain", "trace_id": "root-abc", "experiment": "v1"}
    assert inside == {"tag": "inside", "trace_id": "override", "experiment": "v1", "increment": "1"}
    assert nested["increment"] == "2"
    assert nested["trace_id"] == "override"
    assert after == plain | {"tag": "after"}  # the block ended: back to the run's context


def test_context_goes_to_grandchildren_and_each_gathered_call_keeps_its_own() -> None:
    out = flyte.with_runcontext(mode="local", custom_context={"k": "v"}).run(grand).outputs()
    assert all(d["level"] == "grand" and d["k"] == "v" for d in out)
    assert [d.get("i") for d in flyte.run(gathered).outputs()] == ["0", "1", "2"]


def test_sync_bodies_hand_the_context_on_too() -> None:
    first, second = flyte.run(sync_root).outputs()
    assert first == {"tag": "a", "branch": "sync"}
    assert second == {"tag": "b"}


def test_custom_context_values_must_be_strings() -> None:
    with pytest.raises(FlyteValidationException, match="string values"):
        flyte.with_runcontext(custom_context={"n": 3})  # type: ignore[dict-item]
    with (
        pytest.raises(FlyteValidationException, match="custom_context"),
        flyte.custom_context(n=3),  # type: ignore[arg-type]
    ):
        pass


# -- with_runcontext / init ------------------------------------------------------------------
def test_with_runcontext_takes_flyte2_parameters_and_keeps_them() -> None:
    ctx = flyte.with_runcontext(
        mode="local",
        name="flyte2-params",
        env_vars={"A": "1"},
        labels={"team": "ml"},
        annotations={"note": "x"},
        interruptible=True,
        overwrite_cache=True,
        log_level=logging.INFO,
        service_account="sa",
        queue="q",
        copy_style="all",
        version="v1",
    )
    assert ctx.labels == {"team": "ml"}
    assert ctx.annotations == {"note": "x"}
    assert ctx.flyte2_options["queue"] == "q"
    assert ctx.interruptible is True
    run = ctx.run(inner, 1)
    assert run.name == "flyte2-params"
    assert run.outputs() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "hybrid"}, "hybrid"),
        ({"dry_run": True}, "dry_run"),
        ({"labels": {"a": 1}}, "labels must be a dict of str to str"),
        ({"interruptible": "yes"}, "interruptible"),
        ({"log_level": "debug"}, "log_level"),
        ({"no_such_option": 1}, "no_such_option"),
    ],
)
def test_with_runcontext_rejects_bad_flyte2_parameters(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(FlyteValidationException, match=message):
        flyte.with_runcontext(**kwargs)  # type: ignore[arg-type]


def test_init_takes_flyte2_parameters_and_rejects_unknown_ones(home: Path) -> None:
    flyte.init(home=home, local=True, org="o", api_key="k", root_dir=".", storage=None)
    with pytest.raises(FlyteValidationException, match="not_a_setting"):
        flyte.init(home=home, local=True, not_a_setting=1)
    with pytest.raises(FlyteValidationException, match="outputs"):
        flyte.init(home=home, local=True, outputs="list")


def test_init_from_config_needs_an_existing_file(tmp_path: Path) -> None:
    with pytest.raises(FlyteValidationException, match="no config file"):
        flyte.init_from_config(tmp_path / "missing.yaml")
    with pytest.raises(FlyteValidationException, match="path"):
        flyte.init_from_config(3)  # type: ignore[arg-type]


# -- Run.outputs() ---------------------------------------------------------------------------
def test_outputs_are_the_value_in_a_notebook_and_a_tuple_for_flyte2_programs(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert flyte.run(inner, 8).outputs() == 9
    assert flyte.run(inner, 8).url is None  # a kernel run has no server address
    config = tmp_path / "config.yaml"
    config.write_text("admin:\n  endpoint: dns:///example.org\n")
    monkeypatch.setenv("FLYTE_NB_LOCAL", "1")
    flyte.init_from_config(config)
    try:
        outputs = flyte.run(inner, 8).outputs()
        assert isinstance(outputs, ActionOutputs)
        assert outputs[0] == 9
        assert outputs.o0 == 9
        assert outputs.named_outputs == {"o0": 9}
        assert tuple(flyte.run(two).outputs()) == (1, "a")
        assert flyte.run(two).outputs().named_outputs == {"o0": 1, "o1": "a"}
        assert flyte.run(nothing).outputs() == ()
        with pytest.raises(AttributeError, match="o5"):
            _ = outputs.o5
        assert wf_double(x=4) == 8  # flyte_nb's own runs (a workflow call) stay plain values
    finally:
        flyte.init(home=home, local=True)  # a plain init goes back to plain values
    assert outputs_style() == "value"
    assert flyte.run(two).outputs() == (1, "a")


def test_run_aio_runs_from_async_code() -> None:
    async def main() -> list[int]:
        runs = await asyncio.gather(flyte.run.aio(inner, 1), flyte.run.aio(inner, 2))
        return [r.outputs() for r in runs]

    assert asyncio.run(main()) == [2, 3]


# -- forward and map over partials -------------------------------------------------------------
def test_forward_calls_the_body_without_an_action() -> None:
    run = flyte.run(outer, 5)
    assert run.outputs() == 17
    assert [a.short_name for a in run.actions()] == ["outer", "inner"]
    run = flyte.run(sync_outer, 1)
    assert run.outputs() == 3
    assert run.action_count == 2
    assert sync_inner.forward(4) == 5  # outside a run too


def test_map_over_a_partial_fills_the_open_parameter() -> None:
    assert flyte.run(map_partial).outputs() == ["n-c-1", "n-c-2"]


def test_map_over_a_partial_that_binds_the_mapped_parameter_is_a_type_error() -> None:
    clash = functools.partial(named, batch="b", constant="c")
    with pytest.raises(TypeError, match="partial already binds"):
        flyte.map(clash, ["x"])
    with pytest.raises(FlyteTypeException):
        flyte.map(functools.partial(named, "a", "b", "c"), ["x"])
    with pytest.raises(FlyteValidationException, match="partial of one"):
        flyte.map(functools.partial(print, sep=""), [1])


# -- environments, images ------------------------------------------------------------------------
def test_task_environment_records_image_and_reuse_policy() -> None:
    image = flyte.Image.from_debian_base(python_version=(3, 12)).with_pip_packages("pandas")
    policy = flyte.ReusePolicy(replicas=(1, 3), concurrency=2, idle_ttl=60)
    env = flyte.TaskEnvironment(
        "flyte2-env", image=image, reusable=policy, interruptible=True, queue="gpu"
    )
    assert env.image is image
    assert env.reusable is policy
    assert policy.min_replicas == 1
    assert policy.max_replicas == 3
    assert flyte.ReusePolicy(replicas=2).replicas == (2, 2)

    @env.task(pod_template="pt", max_inline_io_bytes=1024, queue="q")
    def t(x: int) -> int:
        return x

    assert t.flyte2_options == {"pod_template": "pt", "max_inline_io_bytes": 1024, "queue": "q"}
    assert flyte.run(t, 3).outputs() == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image": 3}, "image must be"),
        ({"image": " "}, "image must not be empty"),
        ({"reusable": {"replicas": 2}}, "ReusePolicy"),
        ({"interruptible": "no"}, "interruptible"),
        ({"include": "a.html"}, "include"),
    ],
)
def test_task_environment_rejects_bad_flyte2_settings(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(FlyteValidationException, match=message):
        flyte.TaskEnvironment("flyte2-bad", **kwargs)  # type: ignore[arg-type]


def test_reuse_policy_and_task_options_are_validated() -> None:
    for bad in ({"replicas": (3, 1)}, {"concurrency": 0}, {"idle_ttl": "x"}, {"scope": "x"}):
        with pytest.raises(FlyteValidationException, match="ReusePolicy"):
            flyte.ReusePolicy(**bad)  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="unknown setting"):
        cc.task(spot=True)


def test_image_builders_render_a_dockerfile_in_layer_order(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("numpy\n")
    image = (
        flyte.Image.from_debian_base(python_version=(3, 12), name="demo", registry="ghcr.io/o")
        .with_apt_packages("git", "curl")
        .with_env_vars({"MODE": "fast"})
        .with_pip_packages("pandas>=2", index_url="https://pypi.example/simple", pre=True)
        .with_requirements(req)
        .with_commands(["echo hi"])
        .with_workdir("/app")
    )
    text = image.dockerfile()
    assert text.index("FROM python:3.12-slim-bookworm") < text.index("apt-get install")
    assert text.index("apt-get install") < text.index("ENV MODE=fast") < text.index("pandas")
    assert "--index-url https://pypi.example/simple --pre 'pandas>=2'" in text
    assert "RUN echo hi" in text
    assert "WORKDIR /app" in text
    assert image.uri.startswith("ghcr.io/o/demo:")
    # The name is the content: same chain, same uri; a changed requirements file, a new one.
    again = flyte.Image.from_debian_base(python_version=(3, 12), name="demo", registry="ghcr.io/o")
    assert image.uri != again.uri
    before = image.uri
    req.write_text("numpy\nscipy\n")
    assert image.uri != before
    assert image.clone(name="other").uri.startswith("ghcr.io/o/other:")
    assert flyte.Image.from_base("python:3.11-slim").dockerfile().count("FROM python:3.11") == 1


def test_image_from_uv_script_reads_its_dependencies(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(
        '# /// script\n# requires-python = ">=3.11"\n# dependencies = ["httpx", "rich>=13"]\n'
        "# ///\nprint('hi')\n"
    )
    image = flyte.Image.from_uv_script(script, name="job")
    assert "httpx 'rich>=13'" in image.dockerfile()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: flyte.Image.from_debian_base(python_version="3.12"), "python_version"),
        (lambda: flyte.Image.from_base(""), "from_base"),
        (lambda: flyte.Image.from_debian_base().with_pip_packages(), "with_pip_packages"),
        (lambda: flyte.Image.from_debian_base().with_apt_packages(3), "with_apt_packages"),
        (lambda: flyte.Image.from_uv_script("/no/such.py", name="x"), "no such"),
        (lambda: flyte.Image.from_debian_base().with_requirements(3), "with_requirements"),
        (lambda: flyte.Image.from_debian_base().with_env_vars({"A": 1}), "with_env_vars"),
        (lambda: flyte.Image.from_debian_base(name="Bad Name"), "name"),
    ],
)
def test_image_rejects_bad_arguments(build: typing.Callable[[], object], message: str) -> None:
    with pytest.raises(FlyteValidationException, match=message):
        build()


# -- TypedDict -----------------------------------------------------------------------------------
def test_typed_dicts_go_in_and_out() -> None:
    people: list[Person] = [{"name": "a", "age": 30}, {"name": "b", "age": 40}]
    team = flyte.run(make_team, people=people).outputs()
    assert team == {"lead": {"name": "b", "age": 40}, "size": 2}


def test_typed_dict_mismatches_name_the_key() -> None:
    with pytest.raises(FlyteTypeException, match="make_team"):
        flyte.run(make_team, people=[{"name": "a", "age": "old"}])
    with pytest.raises(FlyteTypeException, match="missing key"):
        flyte.run(bad_person)


# -- on a real backend ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("flyte2-backend")
    with running_server(home):
        yield home


@pytest.fixture
def remote(server: Path) -> Path:
    """Connect this test's kernel to the module's server (the autouse home is local)."""
    flyte.init(home=server)
    return server


def test_custom_context_propagates_on_the_backend(remote: object) -> None:
    run = flyte.with_runcontext(custom_context={"trace_id": "root-abc"}).run(grand)
    out = run.wait(timeout=120).outputs()
    assert run.mode == "backend"
    assert [d["tag"] for d in out] == ["plain", "inside", "nested", "after"]
    assert all(d["level"] == "grand" for d in out)
    assert out[0]["trace_id"] == "root-abc"
    assert out[1]["trace_id"] == "override"
    assert out[2]["increment"] == "2"
    assert "increment" not in out[3]
    assert run.url is not None
    assert run.url.endswith(f"/api/v1/runs/{run.name}")


def test_flyte2_programs_on_the_backend(remote: object, server: Path) -> None:
    flyte.init(home=server, outputs="tuple")
    assert flyte.run(outer, 5).wait(timeout=60).outputs()[0] == 17
    assert flyte.run(map_partial).wait(timeout=60).outputs()[0] == ["n-c-1", "n-c-2"]
    people: list[Person] = [{"name": "a", "age": 30}]
    team = flyte.run(make_team, people=people).wait(timeout=60).outputs()[0]
    assert team == {"lead": {"name": "a", "age": 30}, "size": 1}


def test_clone_with_keeps_settings_but_not_tasks() -> None:
    # flyte-sdk examples/reuse/reusable.py: env.clone_with(name, reusable=...)
    base = flyte.TaskEnvironment(
        "flyte2-base", env_vars={"A": "1"}, cache="auto", reusable=flyte.ReusePolicy(replicas=2)
    )

    @base.task
    def t() -> int:
        return 1

    other = base.clone_with("flyte2-clone", reusable=None, env_vars={"B": "2"})
    assert other.name == "flyte2-clone"
    assert other.env_vars == {"B": "2"}
    assert other.reusable is None
    assert other.cache == base.cache
    assert other.tasks == {}
    with pytest.raises(FlyteValidationException, match="unknown setting"):
        base.clone_with("x", gpu=1)


def test_typed_dict_with_not_required_and_self_reference() -> None:
    assert flyte.run(tree, 2).outputs() == {"name": "n2", "children": [{"name": "n1"}]}


def test_aio_forms_of_init_from_config_and_runcontext_run(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # flyte-sdk examples/advanced/fractal.py: `await flyte.init_from_config.aio()`, then
    # `await flyte.run.aio(...)`; examples/basics: `with_runcontext(...).run.aio(...)`.
    monkeypatch.setenv("FLYTE_NB_LOCAL", "1")

    async def main() -> tuple[Any, Any]:
        await flyte.init_from_config.aio()
        first = await flyte.run.aio(inner, 1)
        second = await flyte.with_runcontext(mode="local", name="aio-ctx").run.aio(inner, 2)
        return first.outputs(), second.outputs()

    try:
        assert asyncio.run(main()) == ((2,), (3,))
    finally:
        flyte.init(home=home, local=True)
    assert flyte.remote.Run.get("aio-ctx").phase == "SUCCEEDED"
