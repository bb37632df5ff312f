"""Every message flyte_nb builds has the keys its wire shape declares (``flyte_nb.wire``).

The backend, its workers and the server build their messages as dict literals in many
modules; mypy checks the ones passed where a wire type is expected, and this test reads
all the others: each dict literal with an ``"op"`` (a channel message) anywhere in
flyte_nb, and each with an event ``"kind"`` in the backend and the server, may only use
keys its ``TypedDict`` declares, and an ``op`` must be declared at all. So a key added on
one side, or a new message, fails here until ``flyte_nb/wire`` says what it is.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, get_args, get_type_hints

from flyte_nb import wire

PACKAGE = Path(__file__).resolve().parent.parent / "flyte_nb"
EVENT_SENDERS = ("backend/", "server/")


def _by_tag(union: Any, tag: str) -> dict[str, Any]:
    return {get_args(get_type_hints(shape)[tag])[0]: shape for shape in get_args(union)}


OPS = {**_by_tag(wire.ToWorker, "op"), **_by_tag(wire.FromWorker, "op")}
KINDS = _by_tag(wire.Event, "kind")


def literals(source: str, tag: str) -> list[tuple[int, str, set[str]]]:
    """(line, tag value, string keys) of each dict literal in ``source`` whose ``tag`` key
    is a string constant."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Dict):
            continue
        keys = {
            k.value: v
            for k, v in zip(node.keys, node.values, strict=True)
            if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }
        value = keys.get(tag)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.append((node.lineno, value.value, set(keys)))
    return found


def _offences(tag: str, shapes: dict[str, Any], where: tuple[str, ...] | None) -> list[str]:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("wire/") or (where is not None and not rel.startswith(where)):
            continue
        for line, value, keys in literals(path.read_text(), tag):
            shape = shapes.get(value)
            if shape is None:
                if where is None:  # every op is a channel message: it must be declared
                    bad.append(f"flyte_nb/{rel}:{line}: {tag} {value!r} has no wire shape")
                continue
            extra = keys - set(shape.__annotations__)
            if extra:
                bad.append(f"flyte_nb/{rel}:{line}: {shape.__name__} has no {sorted(extra)}")
    return bad


def test_every_channel_message_has_its_declared_keys() -> None:
    bad = _offences("op", OPS, None)
    assert not bad, "declare these in flyte_nb/wire/_channel.py:\n" + "\n".join(bad)


def test_every_event_the_backend_builds_has_its_declared_keys() -> None:
    bad = _offences("kind", KINDS, EVENT_SENDERS)
    assert not bad, "declare these in flyte_nb/wire/_events.py:\n" + "\n".join(bad)


def test_the_reader_sees_keys_and_tags() -> None:
    source = 'send({"op": "done", "run": r, "colour": c, **more})\nx = {"op": op}\n'
    assert literals(source, "op") == [(1, "done", {"op", "run", "colour"})]


def test_each_tag_names_one_shape() -> None:
    assert len(OPS) == len(get_args(wire.ToWorker)) + len(get_args(wire.FromWorker))
    assert len(KINDS) == len(get_args(wire.Event))
