"""Tests for ``flyte_nb.models``: identities, interfaces and the task-context value types."""

from __future__ import annotations

import dataclasses
import inspect
import os
import pathlib
import re
import subprocess
import sys
import typing
from typing import Any, NamedTuple

import pytest

from flyte_nb.exceptions import FlyteTypeException, FlyteValidationException
from flyte_nb.models import (
    ActionID,
    Checkpoints,
    CodeBundle,
    GroupData,
    NativeInterface,
    RawDataPath,
    SerializationContext,
    TaskContext,
    generate_random_name,
)

_NAME_RE = re.compile(r"^[a-z][0-9a-z]{19}$")
_REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- names / ActionID


def test_generate_random_name_shape_and_uniqueness() -> None:
    names = {generate_random_name() for _ in range(1000)}
    assert len(names) == 1000
    for name in names:
        assert _NAME_RE.match(name), name
        assert name.startswith("r")


def test_action_id_defaults_and_frozen() -> None:
    a = ActionID(name="a1")
    assert (a.run_name, a.project, a.domain, a.org) == (None, None, None, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "other"  # type: ignore[misc]
    assert ActionID("x", "r") == ActionID("x", "r")
    assert hash(ActionID("x", "r")) == hash(ActionID("x", "r"))


@pytest.mark.parametrize("bad", ["", None, 3])
def test_action_id_rejects_bad_name(bad: Any) -> None:
    with pytest.raises(FlyteValidationException, match="ActionID name must be a non-empty str"):
        ActionID(name=bad)


def test_action_id_rejects_bad_optional_field() -> None:
    with pytest.raises(FlyteValidationException, match="project"):
        ActionID(name="a", project=5)  # type: ignore[arg-type]


def test_create_random_root_shares_run_name() -> None:
    a = ActionID.create_random()
    assert _NAME_RE.match(a.name)
    assert a.run_name == a.name
    assert ActionID.create_random().name != a.name


def test_new_sub_action_keeps_run_coordinates() -> None:
    parent = ActionID("p", run_name="run", project="proj", domain="dev", org="o")
    child = parent.new_sub_action("child")
    assert child == ActionID("child", "run", "proj", "dev", "o")
    rand = parent.new_sub_action()
    assert _NAME_RE.match(rand.name)
    assert (rand.run_name, rand.project, rand.domain, rand.org) == ("run", "proj", "dev", "o")
    assert parent.new_sub_action().name != rand.name


def test_new_sub_action_from_is_deterministic_and_well_formed() -> None:
    parent = ActionID("p", run_name="run", project="proj", domain="dev", org="o")
    a = parent.new_sub_action_from(1, "th", "ih", "g")
    b = parent.new_sub_action_from(1, "th", "ih", "g")
    assert a == b
    assert _NAME_RE.match(a.name)
    assert a.name.startswith("a")
    assert (a.run_name, a.project, a.domain, a.org) == ("run", "proj", "dev", "o")
    # The fast path bypasses __init__; the result must still behave like a normal ActionID.
    assert a == ActionID(a.name, "run", "proj", "dev", "o")
    assert hash(a) == hash(ActionID(a.name, "run", "proj", "dev", "o"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "x"  # type: ignore[misc]


def test_new_sub_action_from_differs_per_input() -> None:
    parent = ActionID("p", run_name="run")
    base = parent.new_sub_action_from(1, "th", "ih", None)
    variants = [
        parent.new_sub_action_from(2, "th", "ih", None),
        parent.new_sub_action_from(1, "th2", "ih", None),
        parent.new_sub_action_from(1, "th", "ih2", None),
        parent.new_sub_action_from(1, "th", "ih", "grp"),
        ActionID("q", run_name="run").new_sub_action_from(1, "th", "ih", None),
    ]
    names = {base.name, *(v.name for v in variants)}
    assert len(names) == 6


def test_new_sub_action_from_same_across_processes() -> None:
    parent = ActionID("parent", run_name="run")
    expected = parent.new_sub_action_from(7, "taskhash", "inputhash", "grp").name
    code = (
        "from flyte_nb.models import ActionID;"
        "print(ActionID('parent', run_name='run')"
        ".new_sub_action_from(7, 'taskhash', 'inputhash', 'grp').name)"
    )
    env = {**os.environ, "PYTHONPATH": str(_REPO_ROOT), "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == expected


def test_unique_id_str() -> None:
    assert ActionID("a", run_name="r").unique_id_str() == "r/a"


# --------------------------------------------------------------------------- NativeInterface


def square(x: int) -> int:
    """Square a number."""
    return x * x


def test_from_callable_sync() -> None:
    ni = NativeInterface.from_callable(square)
    assert ni.inputs == {"x": (int, inspect.Parameter.empty)}
    assert ni.outputs == {"o0": int}
    assert ni.docstring == "Square a number."
    assert ni.return_annotation is int
    assert ni.has_outputs()
    assert repr(ni) == "(x: int) -> (o0: int)"


def test_from_callable_async_with_defaults() -> None:
    async def fetch(url: str, retries: int = 3, tags: list[str] | None = None) -> None:
        return None

    ni = NativeInterface.from_callable(fetch)
    assert ni.inputs["url"] == (str, inspect.Parameter.empty)
    assert ni.inputs["retries"] == (int, 3)
    assert ni.inputs["tags"] == (list[str] | None, None)
    assert ni.outputs == {}
    assert not ni.has_outputs()
    assert ni.num_required_inputs() == 1
    assert ni.get_input_types() == {"url": str, "retries": int, "tags": list[str] | None}


def test_from_callable_no_return_annotation() -> None:
    def f(a: int):  # type: ignore[no-untyped-def]
        return a

    ni = NativeInterface.from_callable(f)
    assert ni.outputs == {}
    assert ni.return_annotation is inspect.Signature.empty


@pytest.mark.parametrize("ann", [tuple[int, str], typing.Tuple[int, str]])  # noqa: UP006
def test_from_callable_tuple_outputs(ann: Any) -> None:
    def f(a: int) -> int:
        return a

    f.__annotations__["return"] = ann
    ni = NativeInterface.from_callable(f)
    assert ni.outputs == {"o0": int, "o1": str}
    assert ni.return_annotation == ann


@pytest.mark.parametrize(
    "ann",
    [tuple[int, ...], tuple, typing.Tuple, list[int], dict[str, int]],  # noqa: UP006
)
def test_from_callable_single_outputs(ann: Any) -> None:
    def f(a: int) -> int:
        return a

    f.__annotations__["return"] = ann
    assert NativeInterface.from_callable(f).outputs == {"o0": ann}


def test_from_callable_empty_tuple_means_no_outputs() -> None:
    def f() -> tuple[()]:
        return ()

    assert NativeInterface.from_callable(f).outputs == {}


class Stats(NamedTuple):
    mean: float
    count: int


def test_from_callable_namedtuple_outputs() -> None:
    def f(xs: list[float]) -> Stats:
        return Stats(sum(xs) / len(xs), len(xs))

    ni = NativeInterface.from_callable(f)
    assert ni.outputs == {"mean": float, "count": int}
    assert ni.return_annotation is Stats
    assert repr(ni) == "(xs: list[float]) -> (mean: float, count: int)"


def test_from_callable_unannotated_param_message() -> None:
    def square(x, y: int) -> int:  # type: ignore[no-untyped-def]
        return int(x * y)

    with pytest.raises(FlyteValidationException) as info:
        NativeInterface.from_callable(square)
    msg = str(info.value)
    assert "'square'" in msg
    assert "'x'" in msg
    assert "annotate it" in msg
    assert "`x: int`" in msg


@pytest.mark.parametrize("star", ["args", "kwargs"])
def test_from_callable_rejects_variadic(star: str) -> None:
    def va(a: int, *args: int) -> None: ...

    def vk(a: int, **kwargs: int) -> None: ...

    with pytest.raises(FlyteValidationException, match=rf"'\*+{star}'.*named"):
        NativeInterface.from_callable(va if star == "args" else vk)


def test_from_callable_unresolvable_forward_ref() -> None:
    def f(a: DoesNotExist) -> int:  # type: ignore[name-defined]  # noqa: F821
        return 1

    with pytest.raises(FlyteValidationException, match=r"Could not resolve .* 'f'"):
        NativeInterface.from_callable(f)


def test_from_types() -> None:
    ni = NativeInterface.from_types({"a": int, "b": (str, "x")}, {"out": float})
    assert ni.inputs == {"a": (int, inspect.Parameter.empty), "b": (str, "x")}
    assert ni.outputs == {"out": float}
    assert ni.num_required_inputs() == 1
    assert ni.convert_to_kwargs(1) == {"a": 1, "b": "x"}
    assert repr(ni) == "(a: int, b: str = 'x') -> (out: float)"
    assert NativeInterface.from_types({}, {}).has_outputs() is False


def test_constructor_validation() -> None:
    with pytest.raises(FlyteValidationException, match="must be a dict"):
        NativeInterface(inputs=[], outputs={})  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match=r"\(type, default\) tuple"):
        NativeInterface(inputs={"a": int}, outputs={})  # type: ignore[dict-item]
    with pytest.raises(FlyteValidationException, match="identifier"):
        NativeInterface(inputs={"a b": (int, 1)}, outputs={})


def _iface() -> NativeInterface:
    def f(x: int, y: str = "a", z: float = 1.5) -> int:
        return x

    return NativeInterface.from_callable(f)


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((1, "b", 2.0), {}, {"x": 1, "y": "b", "z": 2.0}),
        ((1,), {}, {"x": 1, "y": "a", "z": 1.5}),
        ((), {"x": 1, "z": 3.0}, {"x": 1, "y": "a", "z": 3.0}),
        ((1,), {"y": "q"}, {"x": 1, "y": "q", "z": 1.5}),
        ((), {"z": 0.0, "y": "c", "x": 9}, {"x": 9, "y": "c", "z": 0.0}),
    ],
)
def test_convert_to_kwargs_ok(args: tuple, kwargs: dict, expected: dict) -> None:
    result = _iface().convert_to_kwargs(*args, **kwargs)
    assert result == expected
    assert list(result) == ["x", "y", "z"]  # declaration order regardless of call order


@pytest.mark.parametrize(
    ("args", "kwargs", "pattern"),
    [
        ((1, "b", 2.0, 4), {}, r"4 positional arguments but only 3"),
        ((1,), {"x": 2}, r"Input 'x' was given both positionally and as a keyword"),
        ((1,), {"w": 2}, r"Unexpected input 'w'"),
        ((), {"y": "b"}, r"Missing required input 'x'"),
        ((), {}, r"Missing required input 'x'"),
        ((), {"xx": 1}, r"Unexpected input 'xx'"),  # the typo, not the missing 'x'
    ],
)
def test_convert_to_kwargs_errors(args: tuple, kwargs: dict, pattern: str) -> None:
    with pytest.raises(FlyteTypeException, match=pattern) as info:
        _iface().convert_to_kwargs(*args, **kwargs)
    assert "expected inputs: x: int, y: str = 'a', z: float = 1.5" in str(info.value)
    assert isinstance(info.value, TypeError)


def test_convert_to_kwargs_lists_all_missing() -> None:
    ni = NativeInterface.from_types({"a": int, "b": str, "c": (int, 0)}, {})
    with pytest.raises(FlyteTypeException, match="Missing required input 'a', 'b';"):
        ni.convert_to_kwargs()


def test_convert_to_kwargs_no_inputs() -> None:
    ni = NativeInterface.from_types({}, {})
    assert ni.convert_to_kwargs() == {}
    with pytest.raises(FlyteTypeException, match=r"expected inputs: \(none\)"):
        ni.convert_to_kwargs(1)


# --------------------------------------------------------------------------- context values


def test_group_data_and_checkpoints() -> None:
    assert GroupData("g").name == "g"
    with pytest.raises(FlyteValidationException, match="GroupData name"):
        GroupData("")
    cp = Checkpoints()
    assert (cp.prev_checkpoint_path, cp.checkpoint_path) == (None, None)
    assert Checkpoints("a", "b") == Checkpoints(prev_checkpoint_path="a", checkpoint_path="b")
    with pytest.raises(FlyteValidationException, match="checkpoint_path"):
        Checkpoints(checkpoint_path=1)  # type: ignore[arg-type]


def test_code_bundle_with_downloaded_path(tmp_path: pathlib.Path) -> None:
    cb = CodeBundle(computed_version="v1", tgz="s3://b/code.tgz")
    assert cb.destination == "."
    assert cb.downloaded_path is None
    cb2 = cb.with_downloaded_path(tmp_path)
    assert cb2.downloaded_path == tmp_path
    assert cb.downloaded_path is None  # original untouched
    assert (cb2.computed_version, cb2.tgz) == ("v1", "s3://b/code.tgz")
    with pytest.raises(FlyteValidationException, match="computed_version"):
        CodeBundle(computed_version="")
    with pytest.raises(FlyteValidationException, match="not both"):
        CodeBundle(computed_version="v", tgz="a", pkl="b")


def test_raw_data_path_from_local_folder_creates(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "nested" / "raw"
    assert not target.exists()
    rdp = RawDataPath.from_local_folder(target)
    assert target.is_dir()
    assert rdp.path == str(target.resolve())
    assert os.path.isabs(RawDataPath.from_local_folder(str(target)).path)


def test_raw_data_path_from_local_folder_none_makes_temp() -> None:
    rdp = RawDataPath.from_local_folder()
    try:
        assert os.path.isdir(rdp.path)
        assert os.path.isabs(rdp.path)
        assert RawDataPath.from_local_folder().path != rdp.path
    finally:
        os.rmdir(rdp.path)


def test_raw_data_path_validation() -> None:
    with pytest.raises(FlyteValidationException, match="RawDataPath path"):
        RawDataPath("")
    with pytest.raises(FlyteValidationException, match="empty path"):
        RawDataPath.from_local_folder("")


def test_get_random_remote_path_local(tmp_path: pathlib.Path) -> None:
    rdp = RawDataPath(str(tmp_path))
    p1 = rdp.get_random_remote_path("data.csv")
    p2 = rdp.get_random_remote_path("data.csv")
    assert p1 != p2
    assert os.path.isabs(p1)
    assert os.path.basename(p1) == "data.csv"
    assert os.path.dirname(os.path.dirname(p1)) == str(tmp_path)
    assert not os.path.exists(os.path.dirname(p1))  # nothing created
    rand = rdp.get_random_remote_path()
    assert os.path.dirname(os.path.dirname(rand)) == str(tmp_path)
    assert os.path.basename(rand)


def test_get_random_remote_path_url() -> None:
    p = RawDataPath("s3://bucket/prefix/").get_random_remote_path("f.txt")
    assert re.fullmatch(r"s3://bucket/prefix/[0-9a-f]{32}/f\.txt", p), p
    q = RawDataPath("s3://bucket").get_random_remote_path()
    assert re.fullmatch(r"s3://bucket/[0-9a-f]{32}/[0-9a-f]{16}", q), q


def test_serialization_context() -> None:
    sc = SerializationContext(version="v1")
    assert sc.input_path == "{{.input}}"
    assert sc.output_path == "{{.outputPrefix}}"
    assert (sc.project, sc.domain, sc.org, sc.code_bundle, sc.image_cache, sc.root_dir) == (
        None,
        None,
        None,
        None,
        None,
        None,
    )
    expected = os.path.join(os.path.dirname(sys.executable), "flyte-nb")
    assert sc.get_entrypoint_path() == expected
    assert sc.get_entrypoint_path("/opt/venv/bin/python") == os.path.join(
        "/opt/venv/bin", "flyte-nb"
    )
    with pytest.raises(FlyteValidationException, match="version"):
        SerializationContext(version="")
    with pytest.raises(FlyteValidationException, match="code_bundle"):
        SerializationContext(version="v", code_bundle="x")  # type: ignore[arg-type]


def _ctx(tmp_path: pathlib.Path, **kw: Any) -> TaskContext:
    return TaskContext(
        action=ActionID("a", run_name="r"),
        version="v1",
        raw_data_path=RawDataPath(str(tmp_path)),
        output_path=str(tmp_path / "out"),
        run_base_dir=str(tmp_path),
        **kw,
    )


def test_task_context_defaults(tmp_path: pathlib.Path) -> None:
    ctx = _ctx(tmp_path)
    assert ctx.mode == "local"
    assert ctx.data == {}
    assert _ctx(tmp_path).data is not ctx.data  # no shared mutable default
    assert (ctx.report, ctx.group_data, ctx.checkpoints, ctx.code_bundle) == (
        None,
        None,
        None,
        None,
    )
    assert not ctx.is_in_cluster()
    assert _ctx(tmp_path, mode="remote").is_in_cluster()
    assert not _ctx(tmp_path, mode="hybrid").is_in_cluster()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.version = "v2"  # type: ignore[misc]


def test_task_context_replace(tmp_path: pathlib.Path) -> None:
    ctx = _ctx(tmp_path)
    child_action = ctx.action.new_sub_action("child")
    child = ctx.replace(action=child_action, group_data=GroupData("g"), mode="remote")
    assert child.action is child_action
    assert child.group_data == GroupData("g")
    assert child.is_in_cluster()
    assert (child.version, child.raw_data_path) == (ctx.version, ctx.raw_data_path)
    assert ctx.action.name == "a"  # original unchanged
    with pytest.raises(FlyteValidationException, match="no field 'bogus'"):
        ctx.replace(bogus=1)
    with pytest.raises(FlyteValidationException, match="mode must be one of"):
        ctx.replace(mode="cloud")


def test_task_context_validation(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FlyteValidationException, match="action must be an ActionID"):
        _ctx(tmp_path).replace(action="a")
    with pytest.raises(FlyteValidationException, match="RawDataPath"):
        _ctx(tmp_path).replace(raw_data_path=str(tmp_path))


def test_import_is_stdlib_only() -> None:
    code = (
        "import sys, flyte_nb.models;"
        "print(sorted(m for m in ('pydantic', 'asyncio', 'sqlalchemy') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(_REPO_ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
