"""Errors that cross a process boundary.

An action that fails in a backend worker must fail its parent (in another worker) and
the kernel's ``run.outputs()`` with the user's own exception type, as in local mode. The
exception is cloudpickled into the blob store and named in the error record; when it
cannot be pickled, or the worker died before it could say anything, the record alone
rebuilds an exception of the right flyte_nb kind with the original type and message.

Either way the rebuilt exception is also made a Flyte 2 ``RuntimeUserError`` (see
``flyte_nb.errors``), exactly as a failed child's exception is in the kernel. The record
says when an error is a ``NonRecoverableError`` (``"recoverable": false``) so the backend,
which never unpickles user objects, can stop the retries; reading and writing that flag, and
telling a timeout from its record, is the attempt policy's (``flyte_nb.attempts``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from ..attempts import failure_phase, recoverable, unrecoverable
from ..errors import BaseRuntimeError, NonRecoverableError, RuntimeSystemError
from ..errors._mark import as_task_error
from ..exceptions import ActionAbortedError, ActionFailedError, ActionTimeoutError
from . import _state as ph
from ._traceback import user_traceback_text


def pack_error(exc: BaseException, put: Callable[[bytes], str]) -> str:
    """The error record for ``exc``, with the pickled exception stored as a blob if it can be."""
    import cloudpickle

    record: dict[str, Any] = {"type": type(exc).__qualname__, "message": str(exc)}
    if isinstance(exc, BaseRuntimeError):
        record["code"] = exc.code
    unrecoverable(record, exc)
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
                return as_task_error(exc)
        except Exception:  # fall back to the record
            pass
    message = data.get("message") or f"the action ended {phase}"
    kind = data.get("type", "Error")
    if phase == ph.TIMED_OUT or failure_phase(data) == ph.TIMED_OUT:
        return ActionTimeoutError(message)
    if phase == ph.ABORTED:
        return ActionAbortedError(message)
    failed = ActionFailedError(f"{kind}: {message}", kind, data.get("traceback", ""))
    if kind == "WorkerDied":  # the platform's failure, not the user's code
        return as_task_error(failed, code=kind, base=RuntimeSystemError)
    if not recoverable(data):  # e.g. NestingTooDeepError: the parent stops too
        return as_task_error(failed, code=data.get("code", kind), base=NonRecoverableError)
    return as_task_error(failed, code=data.get("code", kind))
