"""Gate nodes: ``approve``, ``wait_for_input`` and ``sleep`` inside a ``@workflow``.

A gate is a small ``UnionTask`` whose spec carries ``gate`` (kind, signal name, type,
timeout or duration), so it is a node, an action in the run tree and a child of the
workflow's action like any other. What differs is who finishes it:

- On the backend the worker submits the gate as a child and the *backend* finishes it
  (``backend/_gates.py``): it never occupies a worker, waits for a signal row that
  ``UnionRemote.approve/reject/set_input/set_signal`` answers, or for a timer, and
  survives a backend restart (the signal row is kept; a re-submitted gate whose signal
  was already answered finishes at once).
- In the kernel (local mode) the gate's own body runs, as flytekit's local execution
  does: ``sleep`` sleeps, ``approve`` and ``wait_for_input`` ask on stdin (a notebook shows
  an input box). Without a stdin (a script under CI, nbval) they fail with an error that
  says to run on the backend and answer with ``UnionRemote``.

Signals are named by the user (``name=``) and unique per run: two gates with the same
name in one run share one answer, as Flyte's signals do.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import re
from typing import Any

from ..exceptions import FlyteNbException, FlyteValidationException
from ..tasks import TaskEnvironment
from ..types import digest
from ._promise import Promise, PromiseTuple, current_compiler
from ._task import UnionTask

__all__ = [
    "GATE_TYPES",
    "FlyteDisapprovedException",
    "GateNotAnsweredError",
    "approve",
    "parse_signal_text",
    "sleep",
    "wait_for_input",
]

# The Python types a ``wait_for_input`` may expect, by the name stored with the signal.
GATE_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
_ENV: TaskEnvironment | None = None


class FlyteDisapprovedException(FlyteNbException, RuntimeError):
    """An ``approve`` gate was rejected (flytekit's name)."""


class GateNotAnsweredError(FlyteNbException, RuntimeError):
    """A gate in the kernel had nobody to ask (no stdin)."""


def _env() -> TaskEnvironment:
    global _ENV
    if _ENV is None:
        _ENV = TaskEnvironment(name="flyte-nb-gates")
    return _ENV


def _check_name(fn: str, name: object) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise FlyteValidationException(
            f"{fn}: name must be a signal name of letters, digits, '_', '-' or '.' "
            f"(e.g. 'approve-report'), got {name!r}"
        )
    return name


def _seconds(fn: str, what: str, value: object) -> float:
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        seconds = -1.0
    if seconds <= 0:
        raise FlyteValidationException(
            f"{fn}: {what} must be a positive datetime.timedelta (e.g. timedelta(hours=1)), "
            f"got {value!r}"
        )
    return seconds


def _compiling(fn: str) -> Any:
    compiler = current_compiler()
    if compiler is None:
        raise FlyteValidationException(
            f"{fn}() is a gate node: call it inside a @workflow body, where it becomes a "
            "node that waits; in plain Python code, just wait or ask directly"
        )
    return compiler


def _gate_task(func: Any, kind: str, spec: dict[str, Any], short: str) -> UnionTask:
    template = UnionTask(func, _env(), short_name=short, cache=False)
    template.name = f"flyte-nb-gates.{kind}"
    template.task_hash = digest(kind, spec.get("name", ""), json.dumps(spec, sort_keys=True))
    template.union_settings = {}
    template.gate_spec = spec  # type: ignore[attr-defined]
    return template


def parse_signal_text(text: str, type_name: str) -> Any:
    """A typed answer from text (a stdin line or a CLI argument)."""
    text = text.strip()
    if type_name == "bool":
        lowered = text.lower()
        if lowered in ("y", "yes", "true", "1", "approve"):
            return True
        if lowered in ("n", "no", "false", "0", "reject"):
            return False
        raise FlyteValidationException(f"expected yes or no, got {text!r}")
    if type_name in ("int", "float"):
        try:
            return GATE_TYPES[type_name](text)
        except ValueError:
            raise FlyteValidationException(f"expected a {type_name}, got {text!r}") from None
    return text


def _ask(kind: str, name: str, type_name: str) -> Any:
    """flytekit's local behaviour: ask on stdin, or explain how to answer instead."""
    prompt = (
        f"[approve gate {name!r}] approve? (y/n): "
        if kind == "approve"
        else f"[input gate {name!r}] value ({type_name}): "
    )
    try:
        text = input(prompt)
    except Exception as exc:  # EOFError, ipykernel's StdinNotImplementedError, OSError
        raise GateNotAnsweredError(
            f"gate {name!r} waits for a human answer, and this kernel has no stdin to ask "
            f"({type(exc).__name__}). Run the workflow on the backend (fl.init(), then "
            f"UnionRemote().execute(wf, ...)) and answer with UnionRemote()."
            f"{'approve' if kind == 'approve' else 'set_input'}({name!r}, execution_name)"
        ) from None
    return parse_signal_text(text, "bool" if kind == "approve" else type_name)


def approve(upstream_item: Any, name: str, timeout: datetime.timedelta) -> Any:
    """Wait until someone approves, then pass ``upstream_item`` on; rejection fails the node.

    ``UnionRemote().approve(name, execution_name)`` / ``reject(...)`` answer it.
    """
    fn = "approve"
    compiler = _compiling(fn)
    name = _check_name(fn, name)
    seconds = _seconds(fn, "timeout", timeout)
    if isinstance(upstream_item, PromiseTuple):
        raise FlyteValidationException(
            "approve: pass one output (e.g. t().o0), not a tuple of outputs"
        )
    kind_type: Any = Any
    if isinstance(upstream_item, Promise) and upstream_item.node and upstream_item.output:
        entity = upstream_item.node.entity
        outputs = getattr(getattr(entity, "interface", None), "outputs", {}) or {}
        kind_type = outputs.get(upstream_item.output, Any)

    async def approve_gate(upstream: Any) -> Any:
        if not _ask("approve", name, "bool"):
            raise FlyteDisapprovedException(f"gate {name!r} was rejected")
        return upstream

    approve_gate.__annotations__ = {"upstream": kind_type, "return": kind_type}
    spec = {"kind": "approve", "name": name, "type": "bool", "timeout": seconds}
    gate = _gate_task(approve_gate, "approve", spec, name)
    return compiler.add_call(gate, (upstream_item,), {})


def wait_for_input(name: str, timeout: datetime.timedelta, expected_type: type) -> Any:
    """Wait for a value of ``expected_type`` (int, float, str or bool) set by a human.

    ``UnionRemote().set_input(name, execution_name, value)`` answers it.
    """
    fn = "wait_for_input"
    compiler = _compiling(fn)
    name = _check_name(fn, name)
    seconds = _seconds(fn, "timeout", timeout)
    type_name = next((k for k, v in GATE_TYPES.items() if v is expected_type), None)
    if type_name is None:
        raise FlyteValidationException(
            f"wait_for_input: expected_type must be one of {sorted(GATE_TYPES)} (a value a "
            f"human types in), got {expected_type!r}"
        )

    async def input_gate() -> Any:
        return _ask("input", name, type_name)

    input_gate.__annotations__ = {"return": expected_type}
    spec = {"kind": "input", "name": name, "type": type_name, "timeout": seconds}
    return compiler.add_call(_gate_task(input_gate, "input", spec, name), (), {})


def sleep(duration: datetime.timedelta) -> Any:
    """A node that waits ``duration``; order it with ``>>`` (``sleep(...) >> t()``)."""
    fn = "sleep"
    compiler = _compiling(fn)
    seconds = _seconds(fn, "duration", duration)

    async def sleep_gate() -> None:
        await asyncio.sleep(seconds)

    spec = {"kind": "sleep", "duration": seconds}
    return compiler.add_call(_gate_task(sleep_gate, "sleep", spec, "sleep"), (), {})
