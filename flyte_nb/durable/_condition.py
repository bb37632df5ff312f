"""Flyte 2's ``flyte.new_condition``: a task pauses until someone answers, on our gates.

A condition is an *input gate* (``union/_gates.py``, ``backend/_gates.py``): waiting on it
is a child action whose spec carries the gate, so on a backend it holds no worker, is
answered through the run's signals (``UnionRemote().set_signal(name, run_name, value)``,
or the signals route), and survives a restart of the server (an answered signal finishes
the re-submitted gate at once). In the kernel, as flytekit's local gates do, it asks on
stdin, or explains how to run it on a backend when there is no stdin.

Decisions:

- ``data_type`` is one of ``bool``, ``int``, ``float``, ``str`` (Flyte 2's); the answer is
  checked against it by the backend.
- ``timeout=None`` waits (for practical purposes) forever: ten years.
- A timed-out wait raises Flyte 2's ``ConditionTimedoutError``.
- ``prompt``, ``prompt_type``, ``description`` and ``webhook`` are kept on the object; no
  webhook is called (nothing here reaches out to the network).
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import Any

from ..exceptions import FlyteValidationException

_TYPES: dict[type, str] = {bool: "bool", int: "int", float: "float", str: "str"}
_FOREVER = 10 * 365 * 24 * 3600.0


class ConditionWebhook:
    """Flyte 2's webhook settings for a condition (kept, never called here)."""

    def __init__(self, url: str, payload: dict[str, Any] | None = None) -> None:
        if not isinstance(url, str) or not url:
            raise FlyteValidationException(f"ConditionWebhook(url=...) takes a URL, got {url!r}")
        self.url = url
        self.payload = payload


class _Syncified:
    """``x()`` runs it here; ``await x.aio()`` from async code (Flyte 2's syncify)."""

    def __init__(self, sync: Callable[..., Any], aio: Callable[..., Awaitable[Any]]) -> None:
        self._sync = sync
        self.aio = aio

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._sync(*args, **kwargs)


class Condition:
    """A named pause in a running task; ``wait()`` returns the answer as ``data_type``."""

    def __init__(
        self,
        name: str,
        prompt: str = "Approve?",
        prompt_type: str = "text",
        data_type: type = bool,
        description: str = "",
        timeout: datetime.timedelta | float | None = None,
        webhook: ConditionWebhook | None = None,
    ) -> None:
        from ..union._gates import _check_name

        self.name = _check_name("new_condition", name)
        if data_type not in _TYPES:
            from ..exceptions import FlyteTypeException

            raise FlyteTypeException(
                f"Invalid data_type {data_type!r} for new_condition({name!r}): it must be one "
                "of bool, int, float, str"
            )
        if prompt_type not in ("text", "markdown"):
            raise FlyteValidationException(
                f"new_condition({name!r}): prompt_type must be 'text' or 'markdown', "
                f"got {prompt_type!r}"
            )
        if not isinstance(prompt, str) or not isinstance(description, str):
            raise FlyteValidationException(
                f"new_condition({name!r}): prompt and description are strings"
            )
        if timeout is None:
            seconds = _FOREVER
        elif isinstance(timeout, datetime.timedelta):
            seconds = timeout.total_seconds()
        elif isinstance(timeout, int | float) and not isinstance(timeout, bool):
            seconds = float(timeout)
        else:
            seconds = -1.0
        if seconds <= 0:
            raise FlyteValidationException(
                f"new_condition({name!r}): timeout must be positive seconds or a timedelta "
                f"(e.g. timedelta(hours=1)) or None, got {timeout!r}"
            )
        self.prompt = prompt
        self.prompt_type = prompt_type
        self.data_type = data_type
        self.description = description
        self.timeout = timeout
        self.webhook = webhook
        self._seconds = seconds

    def __repr__(self) -> str:
        return f"Condition(name={self.name!r}, data_type={self.data_type.__name__})"

    @property
    def wait(self) -> _Syncified:
        """``condition.wait()`` in sync code, ``await condition.wait.aio()`` in async code."""
        return _Syncified(self._wait, self._wait_aio)

    def _gate(self) -> Any:
        from ..engine import current_frame
        from ..union._gates import _ask, _gate_task

        if current_frame() is None:
            raise RuntimeError("Conditions can only be awaited within a task context.")
        type_name = _TYPES[self.data_type]
        name = self.name

        def condition_gate() -> Any:
            return _ask("input", name, type_name)

        condition_gate.__annotations__ = {"return": self.data_type}
        spec = {"kind": "input", "name": name, "type": type_name, "timeout": self._seconds}
        return _gate_task(condition_gate, "input", spec, name)

    def _timed_out(self, exc: BaseException) -> BaseException:
        from ..errors import ConditionTimedoutError
        from ..exceptions import ActionTimeoutError

        if isinstance(exc, ActionTimeoutError) or "ActionTimeoutError" in type(exc).__qualname__:
            return ConditionTimedoutError(
                f"condition {self.name!r} was not answered within {self._seconds:g} s"
            )
        return exc

    def _wait(self) -> Any:
        gate = self._gate()
        try:
            return gate()
        except Exception as exc:
            mapped = self._timed_out(exc)
            if mapped is exc:
                raise
            raise mapped from None

    async def _wait_aio(self) -> Any:
        gate = self._gate()
        try:
            return await gate.aio()
        except Exception as exc:
            mapped = self._timed_out(exc)
            if mapped is exc:
                raise
            raise mapped from None


def _new_condition(
    name: str,
    /,
    prompt: str = "Approve?",
    prompt_type: str = "text",
    data_type: type = bool,
    description: str = "",
    timeout: datetime.timedelta | float | None = None,
    webhook: ConditionWebhook | None = None,
) -> Condition:
    return Condition(name, prompt, prompt_type, data_type, description, timeout, webhook)


async def _new_condition_aio(name: str, /, **kwargs: Any) -> Condition:
    return _new_condition(name, **kwargs)


new_condition = _Syncified(_new_condition, _new_condition_aio)
"""Create a condition a task can wait on: ``fl.new_condition("approval", data_type=bool)``
(or ``await fl.new_condition.aio(...)``); answer it with
``UnionRemote().set_signal("approval", run_name, True)``."""
