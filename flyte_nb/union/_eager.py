"""``@eager``: an async task whose body runs tasks as it goes, with plain Python in between.

flytekit's semantics, which the engine already has for async task bodies: inside the body
a sync ``@task`` or ``@dynamic`` call returns its value; an async task, another
``@eager`` or a workflow call returns an awaitable (``await``, ``asyncio.gather`` and
``asyncio.create_task`` all work). Every call is a child action of the eager task's action,
so the awaited tasks show in the run's action tree, locally and on the backend.

Decisions:

* A workflow or launch plan called in the body gives its value (it runs as a child
  action while the body waits), as in flytekit.
* An ``EagerTask`` is a ``UnionTask`` (``@task``'s settings) whose function must be
  ``async def``. Inside a ``@workflow`` body it is a node like any task.
* Called outside any run, as flytekit's ``await eager_wf(x=1)``, it returns a coroutine that
  runs it as a local run (recorded like any run) and gives the plain result.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from collections.abc import Callable
from typing import Any

from ..exceptions import FlyteValidationException
from ._promise import current_compiler
from ._task import UnionTask, task_decorator

__all__ = ["EagerTask", "eager", "in_eager_body"]

# The action frame whose body is an @eager function, while that body runs. Compared with
# the current frame, so a task the eager body calls (its own frame) is not "in" it.
_eager_frame: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "flyte_nb_eager_frame", default=None
)


def in_eager_body() -> bool:
    """True in the code of an @eager body itself (not in the tasks it calls)."""
    from ..engine import current_frame

    frame = current_frame()
    return frame is not None and _eager_frame.get() is frame


class EagerTask(UnionTask):
    """What ``@eager`` returns; see the module docstring."""

    def __init__(self, func: Callable[..., Any], env: Any, **settings: Any) -> None:
        if not inspect.iscoroutinefunction(func):
            raise FlyteValidationException(
                f"@eager '{getattr(func, '__name__', func)}' must be `async def`: its body "
                "awaits the tasks it runs (for a sync graph-building body, use @dynamic)"
            )
        self.eager_function = func
        template = self

        async def run_eager(**inputs: Any) -> Any:
            return await template._run_body(inputs)

        super().__init__(functools.update_wrapper(run_eager, func), env, **settings)

    async def _run_body(self, inputs: dict[str, Any]) -> Any:
        from ..engine import current_frame

        token = _eager_frame.set(current_frame())
        try:
            return await self.eager_function(**inputs)
        finally:
            _eager_frame.reset(token)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        from ..engine import current_frame

        if current_compiler() is None and current_frame() is None:
            return self._local_run(args, kwargs)
        return super().__call__(*args, **kwargs)

    async def _local_run(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        from ..remote._kernel_run import run_in_kernel

        def run() -> Any:
            return run_in_kernel(self, args, kwargs).outputs()

        return await asyncio.to_thread(run)

    def __repr__(self) -> str:
        return f"<eager {self.name}{self.interface!r}>"


def eager(_fn: Callable[..., Any] | None = None, **settings: Any) -> Any:
    """Declare an eager workflow (``@eager`` or ``@eager(retries=1)``); it takes ``@task``'s
    settings."""
    from ._dynamic import _task_defaults
    from ._task import task

    defaults = _task_defaults(task)
    unknown = {k: v for k, v in settings.items() if k not in defaults}
    return task_decorator(EagerTask, _fn, {**defaults, **settings}, unknown, "@eager")
