"""A run in this kernel, handed back as a ``Run``: the local half of ``fl.run``.

``fl.run`` (the SDK layer) decides where a run goes; a flytekit ``@workflow``, ``@dynamic``
or ``@eager`` called at the top level of a notebook always runs here. Both start it with
``run_in_kernel``, which lives with the run handles, below the flytekit layer, so that
``union`` does not import the SDK layer above it (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._handles import Run
from ._sources import LocalSource


def run_in_kernel(
    task: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    name: str | None = None,
    overwrite_cache: bool = False,
    max_action_concurrency: int | None = None,
    env_vars: Mapping[str, str] | None = None,
    custom_context: Mapping[str, str] | None = None,
    outputs_style: str | None = "value",
) -> Run:
    """Run ``task`` to the end in this process and return its ``Run``; a failed run raises
    the task's own exception, with a note naming the run. The options are
    ``fl.with_runcontext``'s, already checked; the defaults are a plain ``fl.run``'s."""
    __tracebackhide__ = True  # IPython and pytest hide this frame from user tracebacks
    from ..engine import execute_run
    from ..store._shapes import run_view

    outcome = execute_run(
        task,
        args,
        kwargs,
        name=name,
        overwrite_cache=overwrite_cache,
        max_action_concurrency=max_action_concurrency,
        env_vars=env_vars or {},
        custom_context=custom_context,
    )
    run = Run(run_view(outcome.state.row()), outcome, LocalSource())
    run.outputs_style = outputs_style
    if outcome.error is not None:
        outcome.error.add_note(
            f"flyte_nb: run {run.name!r} failed; inspect it with fl.remote.Run.get({run.name!r})"
        )
        raise outcome.error
    return run
