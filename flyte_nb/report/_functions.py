"""``flyte_nb.report.log/replace/flush/get_tab/current_report``, each with an ``.aio`` twin.

Design decisions:

* The report belongs to the running attempt: it lives on ``current_docs().report``, which
  the engine sets to a fresh ``Report()`` when an attempt of a ``report=True`` task
  starts. Outside a task these functions raise ``NotInTaskContextError``; in a task that
  was not declared ``report=True`` they raise ``FlyteValidationException`` naming the fix.
  Failing loudly beats Flyte 2's silent no-op here: a report that never shows up is much
  harder to debug than an error at the line that wrote to it.
* ``flush`` hands the page to the attempt's sink, ``publish("report", "report", html)``,
  which is a synchronous hand-off (a recorder call, or a message queued to the backend).
  So the plain functions are safe to call from an async task body: nothing blocks on an
  event loop. ``.aio`` (Flyte 2's calling convention, ``await fl.report.log.aio(...)``)
  runs the same code in the awaiting task's context; it exists so code written for Flyte
  2 runs unchanged.
* ``.aio`` is attached to the real function (``with_aio``), so ``log`` stays a plain
  function: picklable by reference, and ``inspect.signature`` shows its parameters.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, Protocol, TypeVar, cast

from ..deck._deck import running_docs
from ..exceptions import FlyteValidationException, NotInTaskContextError
from ._report import MAIN_TAB, Report, Tab, _check_content

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class SyncWithAio(Protocol[P, R_co]):
    """A function callable as ``f(...)`` and awaitable as ``await f.aio(...)``."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...

    def aio(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, R_co]: ...


def with_aio(fn: Callable[P, R]) -> SyncWithAio[P, R]:
    """Attach ``fn.aio``: a coroutine function doing what ``fn`` does."""

    @functools.wraps(fn)
    async def aio(*args: P.args, **kwargs: P.kwargs) -> R:
        return fn(*args, **kwargs)

    aio.__qualname__ = f"{fn.__qualname__}.aio"
    fn.aio = aio  # type: ignore[attr-defined]
    return cast("SyncWithAio[P, R]", fn)


def _task_name() -> str:
    context = sys.modules.get("flyte_nb.engine._context")
    frame = context.current_frame() if context is not None else None
    return f"task {frame.state.task_name!r}" if frame is not None else "the running task"


def _report(api: str) -> Report:
    docs = running_docs()
    if docs is None:
        raise NotInTaskContextError(
            f"flyte_nb.report.{api} works only inside a running task declared with "
            "@env.task(report=True); outside a task, build a flyte_nb.report.Report() and "
            "show it (make it a cell's last expression)"
        )
    report = docs.report
    if report is None:
        raise FlyteValidationException(
            f"flyte_nb.report.{api}: {_task_name()} has no report because it was not "
            "declared with report=True; declare the task with @env.task(report=True)"
        )
    return cast(Report, report)


@with_aio
def current_report() -> Report:
    """The running ``report=True`` task's report."""
    return _report("current_report()")


@with_aio
def get_tab(name: str, create_if_missing: bool = True) -> Tab:
    """A tab of the running task's report, created (after the others) if it is new."""
    return _report(f"get_tab({name!r})").get_tab(name, create_if_missing)


@with_aio
def flush() -> None:
    """Publish the report as it is now, so watchers see it before the task ends."""
    docs = running_docs()
    report = _report("flush()")
    assert docs is not None  # _report raised otherwise
    docs.publish("report", "report", report.to_html())


@with_aio
def log(content: str, do_flush: bool = False) -> None:
    """Append ``content`` (HTML) to the report's Main tab; ``do_flush`` publishes it now."""
    _check_content("flyte_nb.report.log", content)
    _report("log()").get_tab(MAIN_TAB).log(content)
    if do_flush:
        flush()


@with_aio
def replace(content: str, do_flush: bool = False) -> None:
    """Make ``content`` (HTML) the Main tab's only content; ``do_flush`` publishes it now."""
    _check_content("flyte_nb.report.replace", content)
    _report("replace()").get_tab(MAIN_TAB).replace(content)
    if do_flush:
        flush()
