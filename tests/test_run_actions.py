"""Acting on runs, the plain-Python parts: describing a task's inputs, the re-run form,
edited inputs checked and encoded as the SDK encodes them, and comparing runs."""

from __future__ import annotations

import enum
import hashlib
import json
from typing import Annotated, Any, Literal

import pytest

from flyte_nb.backend._compare import compare
from flyte_nb.backend._rerun_form import InputError, edited_inputs, form
from flyte_nb.models._interface import NativeInterface
from flyte_nb.types import encode_values
from flyte_nb.types._describe import describe_inputs


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


BLOBS: dict[str, bytes] = {}


def put(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    BLOBS[digest] = data
    return digest


def sig(
    n: int,
    x: float,
    flag: bool,
    s: str,
    color: Color,
    mode: Literal["fast", "slow"],
    xs: list[int],
    d: dict[str, float],
    maybe: int | None = None,
    tagged: Annotated[int, "meta"] = 1,
    anything: object = None,
) -> None: ...


INTERFACE = NativeInterface.from_callable(sig)
VALUES: dict[str, Any] = dict(
    n=1,
    x=0.5,
    flag=True,
    s="a",
    color=Color.RED,
    mode="fast",
    xs=[1, 2],
    d={"k": 1.5},
    maybe=None,
    tagged=1,
    anything=None,
)


@pytest.fixture(scope="module")
def described() -> list[dict[str, Any]]:
    return describe_inputs(INTERFACE, put)


@pytest.fixture(scope="module")
def stored() -> str:
    return encode_values(VALUES, put)


def test_each_input_is_described_with_the_kind_a_form_edits(described: list[dict]) -> None:
    kinds = {e["name"]: (e["kind"], e["optional"], e["required"]) for e in described}
    assert kinds == {
        "n": ("int", False, True),
        "x": ("float", False, True),
        "flag": ("bool", False, True),
        "s": ("str", False, True),
        "color": ("enum", False, True),
        "mode": ("enum", False, True),
        "xs": ("list", False, True),
        "d": ("dict", False, True),
        "maybe": ("int", True, False),
        "tagged": ("int", False, False),
        "anything": ("other", False, False),
    }
    by = {e["name"]: e for e in described}
    assert by["xs"]["items"] == "int"
    assert by["d"]["items"] == "float"
    assert [c["label"] for c in by["color"]["choices"]] == ["RED", "BLUE"]
    assert [c["value"] for c in by["mode"]["choices"]] == ["fast", "slow"]
    assert json.dumps(described)  # plain JSON, for the spec


def test_the_form_shows_the_runs_values_and_what_can_be_edited(
    described: list[dict], stored: str
) -> None:
    fields = {f["name"]: f for f in form(described, stored)}
    assert fields["n"]["value"] == 1
    assert fields["n"]["editable"]
    assert fields["color"]["value"] == "RED"
    assert fields["color"]["editable"]
    assert fields["xs"]["value"] == [1, 2]
    assert "encoded" not in json.dumps(fields)  # the member pickles stay on the backend
    assert fields["anything"]["editable"] is False


def test_a_run_recorded_without_an_interface_gets_one_from_its_values(stored: str) -> None:
    fields = {f["name"]: f for f in form(None, stored)}
    assert (fields["n"]["kind"], fields["x"]["kind"], fields["s"]["kind"]) == (
        "int",
        "float",
        "str",
    )
    assert fields["xs"]["kind"] == "list"
    assert fields["xs"]["editable"]
    assert fields["color"]["kind"] == "other"
    assert not fields["color"]["editable"]


def test_edited_inputs_encode_as_the_sdk_encodes_the_same_values(
    described: list[dict], stored: str
) -> None:
    edits = {
        "n": "7",
        "x": 2,
        "flag": "false",
        "color": "BLUE",
        "mode": "slow",
        "xs": "[3, 4]",
        "d": {"k": 2},
        "maybe": 5,
    }
    got = edited_inputs(described, stored, edits, put)
    want = encode_values(
        {
            **VALUES,
            "n": 7,
            "x": 2.0,
            "flag": False,
            "color": Color.BLUE,
            "mode": "slow",
            "xs": [3, 4],
            "d": {"k": 2.0},
            "maybe": 5,
        },
        put,
    )
    assert got == want  # byte for byte: same action names and cache keys as from a notebook


def test_unedited_inputs_keep_their_stored_encoding(described: list[dict], stored: str) -> None:
    assert edited_inputs(described, stored, {}, put) == stored
    got = json.loads(edited_inputs(described, stored, {"s": "b"}, put))
    assert got["color"] == json.loads(stored)["color"]  # the pickled member, untouched


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        ({"n": "abc"}, "input 'n': expects an int, got 'abc'"),
        ({"n": 2.5}, "input 'n': expects an int, got 2.5"),
        ({"n": True}, "input 'n': expects an int, got True"),
        ({"x": "nan"}, "input 'x': expects a finite float"),
        ({"flag": "yes"}, "input 'flag': expects a bool (true or false), got 'yes'"),
        ({"s": 3}, "input 's': expects a str, got 3"),
        ({"color": "GREEN"}, "input 'color': expects one of RED, BLUE; got 'GREEN'"),
        ({"xs": "[1, "}, "input 'xs': expects a list[int] written as JSON"),
        ({"xs": [1, "two"]}, "input 'xs': item 1 should be a int, got 'two'"),
        ({"xs": {"a": 1}}, "input 'xs': expects a list[int] (a JSON list)"),
        ({"d": {"k": "v"}}, "input 'd': key 'k' should be a float, got 'v'"),
        ({"n": None}, "input 'n': a value is required"),
        ({"nope": 1}, "input 'nope': the task has no such input (its inputs: n, x,"),
        ({"anything": 1}, "input 'anything': a object value cannot be edited in a form"),
    ],
)
def test_a_bad_edit_names_the_input_and_says_what_it_expects(
    described: list[dict], stored: str, edits: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError) as info:
        edited_inputs(described, stored, edits, put)
    assert str(info.value).startswith(message), str(info.value)
    assert info.value.input == next(iter(edits))


def test_an_optional_input_may_be_cleared(described: list[dict], stored: str) -> None:
    got = json.loads(edited_inputs(described, stored, {"maybe": ""}, put))
    assert got["maybe"] is None


def _entry(
    name: str,
    inputs: dict[str, Any],
    outputs: dict[str, Any] | None,
    duration: float,
    version: str,
    tasks: list[tuple[str, float]],
) -> tuple:
    view = {
        "name": name,
        "task_name": "wf",
        "phase": "SUCCEEDED" if outputs else "FAILED",
        "duration": duration,
        "action_count": 1 + len(tasks),
    }
    row = {
        "inputs": encode_values(inputs, put),
        "outputs": json.dumps(outputs) if outputs is not None else None,
    }
    spec = {"spec": {"task": "wf", "ref": {"kind": "bundle", "task_name": "wf", "digest": version}}}
    root = {
        "name": "a0",
        "task_name": "wf",
        "spec": json.dumps(spec),
        "started_at": 0.0,
        "ended_at": duration,
    }
    actions = [root] + [
        {"name": f"a{i + 1}", "task_name": t, "started_at": 0.0, "ended_at": took}
        for i, (t, took) in enumerate(tasks)
    ]
    return view, row, root, actions


def test_compare_marks_what_differs_and_only_that() -> None:
    a = _entry("a", {"n": 1, "s": "x"}, {"o0": 2}, 10.0, "1" * 64, [("step", 4.0)])
    b = _entry("b", {"n": 2, "s": "x"}, {"o0": 2}, 10.2, "1" * 64, [("step", 4.0), ("step", 4)])
    out = compare([a, b])
    rows = {(r["section"], r["field"]): r for r in out["rows"]}
    assert rows[("inputs", "n")]["values"] == [1, 2]
    assert rows[("inputs", "n")]["differs"]
    assert not rows[("inputs", "s")]["differs"]
    assert not rows[("outputs", "o0")]["differs"]
    assert not rows[("run", "duration")]["differs"]  # 2 % apart: not a difference
    assert not rows[("run", "task version")]["differs"]
    assert rows[("tasks", "step: calls")]["values"] == [1, 2]
    assert rows[("tasks", "step: time")]["differs"]  # 4 s against 8 s
    assert [r["name"] for r in out["runs"]] == ["a", "b"]


def test_compare_shows_a_missing_value_and_a_new_version() -> None:
    a = _entry("a", {"n": 1}, {"o0": 1}, 1.0, "1" * 64, [])
    b = _entry("b", {"n": 1, "extra": [1]}, None, 3.0, "2" * 64, [])
    rows = {(r["section"], r["field"]): r for r in compare([a, b])["rows"]}
    assert rows[("inputs", "extra")]["values"] == [None, [1]]
    assert rows[("inputs", "extra")]["differs"]
    assert rows[("outputs", "o0")]["values"] == [1, None]
    assert rows[("outputs", "o0")]["differs"]
    assert rows[("run", "task version")]["values"] == ["bundle 111111111111", "bundle 222222222222"]
    assert rows[("run", "duration")]["differs"]
    assert rows[("run", "phase")]["differs"]


def test_the_notebook_widget_says_waiting_for_you_while_a_gate_waits() -> None:
    from flyte_nb.widgets._render import RunState, status_html

    def state(phase: str, waiting: tuple[str, ...]) -> RunState:
        return RunState("r", "wf", phase, 0.0, None, 0, 1, {}, "", "", {}, None, waiting)

    assert "waiting for you" in status_html(state("RUNNING", ("ok",)))
    assert 'title="waiting for an answer at ok"' in status_html(state("RUNNING", ("ok",)))
    assert "waiting for you" not in status_html(state("RUNNING", ()))
    assert "waiting for you" not in status_html(state("SUCCEEDED", ("ok",)))


def test_a_description_is_kept_unless_it_stored_enum_members() -> None:
    def plain(n: int, xs: list[str]) -> None: ...

    calls: list[bytes] = []

    def counting(data: bytes) -> str:
        calls.append(data)
        return put(data)

    plain_interface = NativeInterface.from_callable(plain)
    assert describe_inputs(plain_interface, counting) is describe_inputs(plain_interface, counting)
    with_enum = NativeInterface.from_callable(sig)
    describe_inputs(with_enum, counting)
    describe_inputs(with_enum, counting)
    assert len(calls) == 2 * len(Color)  # each backend gets the members' blobs
