"""Which action runs here: the frame context variable, and what a frame holds.

A ``ContextVar`` (not a thread-local) carries the running action's frame, because async
children run interleaved on one thread and each asyncio Task sees its own value. The
engine creates frames (``engine/_context.py``'s ``ActionFrame``) and sets the variable;
everything else only reads it, through the ``Frame`` and ``Controller`` protocols below:
the part of a frame that code below the engine may use.
"""

from __future__ import annotations

import contextvars
from pathlib import Path
from typing import Any, Protocol


class Controller(Protocol):
    """What runs a frame's task calls: the engine's ``RunController`` in the kernel, the
    worker's controller on a backend."""

    @property
    def raw_data_dir(self) -> Path:
        """Where the run's actions write their files (one folder per action)."""
        ...

    def call(self, frame: Any, task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A task called from ``frame``'s body: a child action, its result (or awaitable)."""
        ...

    def run_async(self, frame: Any, task: Any, values: dict[str, Any]) -> Any:
        """``task.aio(...)`` from ``frame``'s body: an awaitable of the child's result."""
        ...

    def new_docs(self, frame: Any) -> Any:
        """The decks and report of ``frame``'s attempt (``_decks.ActionDocs``), with the
        sink this controller publishes them to."""
        ...


class Frame(Protocol):
    """One running attempt of one action, as code below the engine sees it."""

    @property
    def controller(self) -> Controller: ...

    @property
    def state(self) -> Any:
        """The action's record (``engine/_state.py``'s ``ActionState``): ``.name`` and more."""
        ...

    @property
    def attempt(self) -> int: ...

    docs: Any
    """The attempt's ``ActionDocs``, created on first use (``_decks.current_docs_of``)."""


_frame: contextvars.ContextVar[Frame | None] = contextvars.ContextVar(
    "flyte_nb_frame", default=None
)


def current_frame() -> Frame | None:
    """The frame of the action running in this context, or None outside a task."""
    return _frame.get()
