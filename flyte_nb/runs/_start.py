"""``fl.run`` and ``fl.with_runcontext``: starting runs.

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
import re
from collections.abc import Mapping
from typing import Any

from ..exceptions import FlyteValidationException
from ..remote import Run
from ..remote._handles import outputs_style
from ._init import _apply_log_level, _check_flyte2_init

_RUN_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_MODES = ("local", "remote")


# Flyte 2's ``with_runcontext`` parameters with no meaning on this machine (service
# accounts, image versions, code-bundle copying, queues, notifications, ...): accepted so
# Flyte 2 programs run unchanged, kept on the RunContext, and otherwise ignored.
_FLYTE2_RUN = frozenset(
    {
        "service_account",
        "version",
        "copy_style",
        "copy_bundle_to",
        "interactive_mode",
        "raw_data_path",
        "run_base_dir",
        "run_start_time",
        "project",
        "domain",
        "log_format",
        "user_log_level",
        "reset_root_logger",
        "disable_run_cache",
        "queue",
        "notifications",
        "cache_lookup_scope",
        "preserve_original_types",
        "debug",
        "tracked",
        "tracked_strict",
    }
)


def _check_str_dict(what: str, value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        raise FlyteValidationException(
            f"with_runcontext: {what} must be a dict of str to str, got {value!r}; "
            f'e.g. {what}={{"team": "ml"}}'
        )
    return dict(value)


class RunContext:
    """Options for the runs started through it: ``fl.with_runcontext(...).run(task, ...)``."""

    def __init__(
        self,
        mode: str | None = None,
        name: str | None = None,
        overwrite_cache: bool = False,
        max_action_concurrency: int | None = None,
        env_vars: Mapping[str, str] | None = None,
        custom_context: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
        interruptible: bool | None = None,
        log_level: int | None = None,
        dry_run: bool = False,
        **flyte2: Any,
    ) -> None:
        from ..engine._context import check_custom_context

        if mode == "hybrid":
            raise FlyteValidationException(
                "with_runcontext: mode='hybrid' (a local parent with remote children) is not "
                "supported; use mode='local' (in this kernel) or mode='remote' (a backend)"
            )
        if mode is not None and mode not in _MODES:
            raise FlyteValidationException(
                f"with_runcontext: mode must be one of {list(_MODES)}, got {mode!r}"
            )
        if name is not None and (not isinstance(name, str) or not _RUN_NAME.match(name)):
            raise FlyteValidationException(
                f"with_runcontext: run name must be 1-63 lowercase letters, digits or '-', "
                f"starting and ending with a letter or digit, got {name!r}; e.g. name='train-1'"
            )
        for flag, value in (("overwrite_cache", overwrite_cache), ("dry_run", dry_run)):
            if not isinstance(value, bool):
                raise FlyteValidationException(
                    f"with_runcontext: {flag} must be True or False, got {value!r}"
                )
        if dry_run:
            raise FlyteValidationException(
                "with_runcontext: dry_run=True (build the code bundle without running) is "
                "not supported; run the task, or call it directly to test it"
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
        if interruptible is not None and not isinstance(interruptible, bool):
            raise FlyteValidationException(
                f"with_runcontext: interruptible must be True, False or None, got {interruptible!r}"
            )
        unknown = sorted(set(flyte2) - _FLYTE2_RUN)
        if unknown:
            raise FlyteValidationException(
                f"with_runcontext() got unknown argument(s) {unknown}; see "
                "help(fl.with_runcontext) for the run options"
            )
        _check_flyte2_init("with_runcontext", {}, None, log_level)
        self.mode = mode
        self.name = name
        self.overwrite_cache = overwrite_cache
        self.max_action_concurrency = max_action_concurrency
        self.env_vars = _check_str_dict("env_vars", env_vars)
        self.custom_context = check_custom_context(custom_context, "with_runcontext")
        self.labels = _check_str_dict("labels", labels)
        self.annotations = _check_str_dict("annotations", annotations)
        self.interruptible = interruptible
        self.log_level = log_level
        self.flyte2_options = dict(flyte2)  # recorded, no local meaning
        # What ``outputs()`` of its runs returns. Fixed when a user asks for the context
        # (``with_runcontext``, ``fl.run``) from the session's style; a RunContext made by
        # flyte_nb itself (a workflow called in the kernel) always wants plain values.
        self.outputs_style = "value"

    @property
    def run(self) -> _BoundRun:
        """``ctx.run(task, ...)``, and Flyte 2's ``await ctx.run.aio(task, ...)``."""
        return _BoundRun(self)

    def _run(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        __tracebackhide__ = True  # IPython and pytest hide this frame from user tracebacks
        from ..remote._kernel_run import run_in_kernel
        from ..tasks import TaskTemplate

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
            return ctx._run(task, **kwargs)
        if not isinstance(task, TaskTemplate):
            raise FlyteValidationException(
                f"fl.run needs a task (a function decorated with @env.task), got {task!r}"
            )
        _apply_log_level(self.log_level)
        if self._mode() == "remote":
            run = self._run_remote(task, args, kwargs)
            run.outputs_style = self.outputs_style
            return run
        return run_in_kernel(
            task, args, kwargs, outputs_style=self.outputs_style, **self._options()
        )

    async def run_aio(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        """``await``-able ``run``: the run starts (and, locally, runs) off the event loop."""
        import asyncio

        return await asyncio.to_thread(self._run, task, *args, **kwargs)

    def _options(self) -> dict[str, Any]:
        """The run options both modes take, by keyword."""
        return {
            "name": self.name,
            "overwrite_cache": self.overwrite_cache,
            "max_action_concurrency": self.max_action_concurrency,
            "env_vars": self.env_vars,
            "custom_context": self.custom_context,
        }

    def _mode(self) -> str:
        if self.mode is not None:
            return self.mode
        from ..client import current

        return "remote" if current() is not None else "local"

    def _run_remote(self, task: Any, args: tuple, kwargs: dict[str, Any]) -> Run:
        __tracebackhide__ = True
        from ..client import connect, current, submit_run
        from ..remote._sources import RemoteSource

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
    custom_context: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    interruptible: bool | None = None,
    log_level: int | None = None,
    dry_run: bool = False,
    **flyte2: Any,
) -> RunContext:
    """Run options for the next ``.run(task, ...)``: mode (``"local"`` or ``"remote"``;
    default remote once ``fl.init()`` connected), name, cache override, fan-out limit,
    env vars, and Flyte 2's ``custom_context`` (read in tasks as
    ``fl.ctx().custom_context``, handed on to their children).

    ``labels``, ``annotations``, ``interruptible`` and Flyte 2's cloud options
    (``service_account``, ``queue``, ``copy_style``, ...) are accepted and kept on the
    returned context, with no effect on this machine; ``log_level`` sets flyte_nb's
    logger level.
    """
    ctx = RunContext(
        mode=mode,
        name=name,
        overwrite_cache=overwrite_cache,
        max_action_concurrency=max_action_concurrency,
        env_vars=env_vars,
        custom_context=custom_context,
        labels=labels,
        annotations=annotations,
        interruptible=interruptible,
        log_level=log_level,
        dry_run=dry_run,
        **flyte2,
    )
    ctx.outputs_style = outputs_style()
    return ctx


class _BoundRun:
    """What ``ctx.run`` is: call it to run, or await its ``aio`` from async code."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx

    def __call__(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        __tracebackhide__ = True
        return self._ctx._run(task, *args, **kwargs)

    async def aio(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        return await self._ctx.run_aio(task, *args, **kwargs)


class _RunFunction:
    """``fl.run(task, ...)``, and Flyte 2's ``await fl.run.aio(task, ...)``."""

    def __call__(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        """Run ``task`` (or a ``LaunchPlan``) with these inputs and return its ``Run``
        (local mode: when finished; on a backend: at once)."""
        __tracebackhide__ = True
        return with_runcontext()._run(task, *args, **kwargs)

    async def aio(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        """``await fl.run.aio(task, ...)``: ``fl.run`` from async code."""
        return await with_runcontext().run_aio(task, *args, **kwargs)


run = _RunFunction()
