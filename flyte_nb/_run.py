"""``fl.init``, ``fl.run`` and ``fl.with_runcontext``: starting runs.

In this version every run executes in the calling process (``mode="local"``): the call
blocks until the run is finished and returns a ``Run`` handle; a failed run raises the
task's own exception (original type, traceback trimmed to user frames) with a note naming
the run, so the notebook shows the user's error and the records keep the details.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from . import _config
from .exceptions import FlyteValidationException
from .remote import Run

_RUN_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_MODES = ("local",)


def init(home: str | os.PathLike[str] | None = None) -> None:
    """Choose where runs are recorded (default: ``$FLYTE_NB_HOME`` or ``~/.flyte_nb``)."""
    if home is not None and not isinstance(home, (str, os.PathLike)):
        raise FlyteValidationException(
            f"fl.init(home=...) takes a folder path, got {type(home).__qualname__}"
        )
    _config.set_home(home)


class RunContext:
    """Options for the runs started through it: ``fl.with_runcontext(...).run(task, ...)``."""

    def __init__(
        self,
        mode: str = "local",
        name: str | None = None,
        overwrite_cache: bool = False,
        max_action_concurrency: int | None = None,
        env_vars: Mapping[str, str] | None = None,
    ) -> None:
        if mode not in _MODES:
            raise FlyteValidationException(
                f"with_runcontext: mode must be one of {list(_MODES)}, got {mode!r}"
            )
        if name is not None and (not isinstance(name, str) or not _RUN_NAME.match(name)):
            raise FlyteValidationException(
                f"with_runcontext: run name must be 1-63 lowercase letters, digits or '-', "
                f"starting and ending with a letter or digit, got {name!r}; e.g. name='train-1'"
            )
        if not isinstance(overwrite_cache, bool):
            raise FlyteValidationException(
                f"with_runcontext: overwrite_cache must be True or False, got {overwrite_cache!r}"
            )
        if max_action_concurrency is not None and (
            isinstance(max_action_concurrency, bool)
            or not isinstance(max_action_concurrency, int)
            or max_action_concurrency < 1
        ):
            raise FlyteValidationException(
                "with_runcontext: max_action_concurrency must be a whole number >= 1 or None, "
                f"got {max_action_concurrency!r}"
            )
        if env_vars is not None and (
            not isinstance(env_vars, Mapping)
            or not all(isinstance(k, str) and k and isinstance(v, str) for k, v in env_vars.items())
        ):
            raise FlyteValidationException(
                f"with_runcontext: env_vars must be a dict of str to str, got {env_vars!r}"
            )
        self.mode = mode
        self.name = name
        self.overwrite_cache = overwrite_cache
        self.max_action_concurrency = max_action_concurrency
        self.env_vars = dict(env_vars or {})

    def run(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        __tracebackhide__ = True  # IPython and pytest hide this frame from user tracebacks
        from .engine import execute_run
        from .task import TaskTemplate

        if not isinstance(task, TaskTemplate):
            raise FlyteValidationException(
                f"fl.run needs a task (a function decorated with @env.task), got {task!r}"
            )
        outcome = execute_run(
            task,
            args,
            kwargs,
            name=self.name,
            overwrite_cache=self.overwrite_cache,
            max_action_concurrency=self.max_action_concurrency,
            env_vars=self.env_vars,
        )
        run = Run(outcome.state.row(), outcome)
        if outcome.error is not None:
            outcome.error.add_note(
                f"flyte_nb: run {run.name!r} failed; inspect it with "
                f"fl.remote.Run.get({run.name!r})"
            )
            raise outcome.error
        return run


def with_runcontext(
    mode: str = "local",
    *,
    name: str | None = None,
    overwrite_cache: bool = False,
    max_action_concurrency: int | None = None,
    env_vars: Mapping[str, str] | None = None,
) -> RunContext:
    """Run options for the next ``.run(task, ...)``: mode, name, cache override, fan-out limit."""
    return RunContext(
        mode=mode,
        name=name,
        overwrite_cache=overwrite_cache,
        max_action_concurrency=max_action_concurrency,
        env_vars=env_vars,
    )


def run(task: Any, *args: Any, **kwargs: Any) -> Run:
    """Run ``task`` with these inputs and return its ``Run`` (local mode: when finished)."""
    __tracebackhide__ = True
    return RunContext().run(task, *args, **kwargs)
