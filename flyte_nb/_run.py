"""``fl.init``, ``fl.run`` and ``fl.with_runcontext``: starting runs.

Two modes, one ``Run`` handle:

- ``mode="local"`` runs in this process. The call blocks until the run is finished; a
  failed run raises the task's own exception (original type, traceback trimmed to user
  frames) with a note naming the run.
- ``mode="remote"`` (the default once ``fl.init()`` has connected to a backend) submits
  the run and returns at once; ``run.wait()``, ``run.outputs()`` (which raises the task's
  own exception on failure) and ``run.watch()`` follow it. ``fl.init()`` starts the
  embedded backend of the home folder when none answers.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from typing import Any

from . import _config
from .exceptions import FlyteValidationException
from .remote import Run
from .remote._sources import LocalSource
from .store._views import run_view

_RUN_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_MODES = ("local", "remote")


def init(
    endpoint: str | None = None,
    *,
    token: str | None = None,
    home: str | os.PathLike[str] | None = None,
    project: str | None = None,
    domain: str | None = None,
    interactive_mode: bool | None = None,
    bundle_size_limit: int | None = None,
    local: bool = False,
) -> None:
    """Connect this kernel to a backend, starting this machine's one if none answers.

    ``home`` is where records live (default ``$FLYTE_NB_HOME`` or ``~/.flyte_nb``);
    ``endpoint``/``token`` connect to another server; ``local=True`` sets the home only
    and keeps every run in this process. Settings not given come from the environment
    and ``<home>/config.toml`` (see docs/configuration.md).
    """
    if home is not None and not isinstance(home, (str, os.PathLike)):
        raise FlyteValidationException(
            f"fl.init(home=...) takes a folder path, got {type(home).__qualname__}"
        )
    if not isinstance(local, bool):
        raise FlyteValidationException(f"fl.init(local=...) must be True or False, got {local!r}")
    from .client import connect, disconnect

    _config.set_home(home)
    disconnect()
    if local:
        return
    options: dict[str, Any] = {
        "project": project,
        "domain": domain,
        "interactive_mode": interactive_mode,
        "bundle_size_limit": bundle_size_limit,
    }
    connect(endpoint, token=token, **{k: v for k, v in options.items() if v is not None})


class RunContext:
    """Options for the runs started through it: ``fl.with_runcontext(...).run(task, ...)``."""

    def __init__(
        self,
        mode: str | None = None,
        name: str | None = None,
        overwrite_cache: bool = False,
        max_action_concurrency: int | None = None,
        env_vars: Mapping[str, str] | None = None,
    ) -> None:
        if mode is not None and mode not in _MODES:
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
        from .tasks import TaskTemplate

        # Run targets that are not tasks (a LaunchPlan) name the task to run and its merged
        # inputs through ``__flyte_nb_target__(args, kwargs) -> (task, kwargs)``.
        target = getattr(type(task), "__flyte_nb_target__", None)
        if target is not None and not isinstance(task, TaskTemplate):
            plan = task
            task, kwargs = target(plan, args, kwargs)
            args = ()
            # The plan's run settings apply unless this context sets its own.
            ctx = copy.copy(self)
            ctx.max_action_concurrency = self.max_action_concurrency or getattr(
                plan, "max_parallelism", None
            )
            ctx.overwrite_cache = self.overwrite_cache or bool(
                getattr(plan, "overwrite_cache", False)
            )
            return ctx.run(task, **kwargs)
        if not isinstance(task, TaskTemplate):
            raise FlyteValidationException(
                f"fl.run needs a task (a function decorated with @env.task), got {task!r}"
            )
        if self._mode() == "remote":
            return self._run_remote(task, args, kwargs)
        outcome = execute_run(task, args, kwargs, **self._options())
        run = Run(run_view(outcome.state.row()), outcome, LocalSource())
        if outcome.error is not None:
            outcome.error.add_note(
                f"flyte_nb: run {run.name!r} failed; inspect it with "
                f"fl.remote.Run.get({run.name!r})"
            )
            raise outcome.error
        return run

    def _options(self) -> dict[str, Any]:
        """The run options both modes take, by keyword."""
        return {
            "name": self.name,
            "overwrite_cache": self.overwrite_cache,
            "max_action_concurrency": self.max_action_concurrency,
            "env_vars": self.env_vars,
        }

    def _mode(self) -> str:
        if self.mode is not None:
            return self.mode
        from .client import current

        return "remote" if current() is not None else "local"

    def _run_remote(self, task: Any, args: tuple, kwargs: dict[str, Any]) -> Run:
        __tracebackhide__ = True
        from .client import connect, current, submit_run
        from .remote._sources import RemoteSource

        session = current() or connect()
        view = submit_run(session, task, args, kwargs, **self._options())
        return Run(view, source=RemoteSource(session.client))


def with_runcontext(
    mode: str | None = None,
    *,
    name: str | None = None,
    overwrite_cache: bool = False,
    max_action_concurrency: int | None = None,
    env_vars: Mapping[str, str] | None = None,
) -> RunContext:
    """Run options for the next ``.run(task, ...)``: mode (``"local"`` or ``"remote"``;
    default remote once ``fl.init()`` connected), name, cache override, fan-out limit."""
    return RunContext(
        mode=mode,
        name=name,
        overwrite_cache=overwrite_cache,
        max_action_concurrency=max_action_concurrency,
        env_vars=env_vars,
    )


def run(task: Any, *args: Any, **kwargs: Any) -> Run:
    """Run ``task`` (or a ``LaunchPlan``) with these inputs and return its ``Run`` (local
    mode: when finished; on a backend: at once)."""
    __tracebackhide__ = True
    return RunContext().run(task, *args, **kwargs)
