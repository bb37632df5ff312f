"""Errors that cross a process boundary.

An action that fails in a backend worker must fail its parent (in another worker) and
the kernel's ``run.outputs()`` with the user's own exception type, as in local mode. The
exception is cloudpickled into the blob store and named in the error record; when it
cannot be pickled, or the worker died before it could say anything, the record alone
rebuilds an exception of the right flyte_nb kind with the original type and message.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from ..exceptions import ActionAbortedError, ActionFailedError, ActionTimeoutError
from . import _state as ph
from ._traceback import user_traceback_text


def pack_error(exc: BaseException, put: Callable[[bytes], str]) -> str:
    """The error record for ``exc``, with the pickled exception stored as a blob if it can be."""
    import cloudpickle

    record: dict[str, Any] = {"type": type(exc).__qualname__, "message": str(exc)}
    text = user_traceback_text(exc)
    if text:
        record["traceback"] = text
    with contextlib.suppress(Exception):  # unpicklable exceptions travel as their record
        record["pickle"] = put(cloudpickle.dumps(exc.with_traceback(None)))
    return json.dumps(record)


def rebuild_error(
    record: str | dict[str, Any] | None, phase: str, get: Callable[[str], bytes]
) -> BaseException:
    data: dict[str, Any] = (json.loads(record) if isinstance(record, str) else record) or {}
    digest = data.get("pickle")
    if digest:
        try:
            import cloudpickle

            exc = cloudpickle.loads(get(digest))
            if isinstance(exc, BaseException):
                return exc
        except Exception:  # fall back to the record
            pass
    message = data.get("message") or f"the action ended {phase}"
    kind = data.get("type", "Error")
    if phase == ph.TIMED_OUT or kind == "ActionTimeoutError":
        return ActionTimeoutError(message)
    if phase == ph.ABORTED:
        return ActionAbortedError(message)
    return ActionFailedError(f"{kind}: {message}", kind, data.get("traceback", ""))
