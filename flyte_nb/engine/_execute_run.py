"""Starting and finishing a run in this process.

A run's first and last rows are written synchronously (so a kernel that dies mid-run
leaves a RUNNING row that the next start marks ABORTED); everything in between is batched
by the recorder. The root action runs inline when its body is sync (the caller blocks
anyway) and on the engine loop when it is async.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .. import _config
from ..action import artifact_hooks as artifacts
from ..models._action import generate_random_name
from ..store import get_recorder, process_identity
from ..types import encode_values
from . import _capture
from . import _state as ph
from ._context import current_frame
from ._controller import RunController
from ._loop import block_on
from ._state import RunState, error_record
from ._traceback import trim_traceback, user_traceback_text

if TYPE_CHECKING:
    from ..store import Recorder
    from ..tasks._template import TaskTemplate


class RunOutcome:
    """What a finished local run left behind: its state, and the value or the exception."""

    __slots__ = ("error", "output_names", "state", "value")

    def __init__(
        self,
        state: RunState,
        value: Any,
        error: BaseException | None,
        output_names: tuple[str, ...] = ("o0",),
    ) -> None:
        self.state = state
        self.value = value
        self.error = error
        self.output_names = output_names  # how Flyte 2's tuple of outputs names them


def recorder() -> Recorder:
    return get_recorder(_config.database_path(), _config.blob_dir())


def execute_run(
    task: TaskTemplate,
    args: tuple,
    kwargs: dict[str, Any],
    *,
    name: str | None,
    overwrite_cache: bool,
    max_action_concurrency: int | None,
    env_vars: Mapping[str, str],
    custom_context: Mapping[str, str] | None = None,
) -> RunOutcome:
    if current_frame() is not None:
        from ..exceptions import FlyteValidationException

        raise FlyteValidationException(
            f"fl.run({task.name}) was called inside a running task; call the task directly "
            "(it becomes a child action of this run)"
        )
    rec = recorder()
    args, kwargs, consumed = artifacts.resolve_local(task, args, kwargs)  # queries -> values
    values = RunController.bind(task, args, kwargs)
    run_name = name or generate_random_name()
    if rec.run_exists(run_name):
        from ..exceptions import FlyteValidationException

        raise FlyteValidationException(
            f"A run named {run_name!r} already exists; pick another name or leave name= unset"
        )
    inputs = encode_values(values, rec.blobs.put)
    environment = {**task.environment_variables(), **env_vars}
    state = RunState(run_name, task.name, inputs, process_identity(), environment)
    source = getattr(task, "defined_at", None)  # where it was written (tasks/_where.py)
    if source is not None:
        state.spec = json.dumps({"options": {"source": source}})
    raw_data_dir = _config.home() / "raw" / run_name
    controller = RunController(
        state,
        rec,
        overwrite_cache=overwrite_cache,
        max_action_concurrency=max_action_concurrency,
        raw_data_dir=raw_data_dir,
        custom_context=dict(custom_context or {}),
    )
    _capture.install()
    rec.write_run(state)
    artifacts.consumed_local(run_name, consumed)  # lineage: the versions it reads
    value: Any = None
    error: BaseException | None = None
    with _environ(environment):
        try:
            if task.is_async:
                value = block_on(controller.run_async(None, task, values))
            else:
                value = controller.run_sync(None, task, values)
        except (KeyboardInterrupt, asyncio.CancelledError) as exc:
            state.finish(ph.ABORTED, error=error_record(exc))
            rec.write_run(state)
            raise
        except BaseException as exc:
            error = trim_traceback(exc)
            phase = ph.TIMED_OUT if _timed_out(exc) else ph.FAILED
            state.finish(phase, error=error_record(exc, user_traceback_text(exc)))
        else:
            outputs = encode_values(task.pack_outputs(value), rec.blobs.put)
            state.finish(ph.SUCCEEDED, outputs=outputs)
    rec.write_run(state)
    return RunOutcome(state, value, error, task.output_names)


def _timed_out(exc: BaseException) -> bool:
    from ..exceptions import ActionTimeoutError

    return isinstance(exc, ActionTimeoutError)


@contextmanager
def _environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set the run's environment variables for its duration, then restore the old ones."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, old in saved.items():
            if old is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = old
