"""The running action, as the layers below the engine see it.

User code deep inside a task body (a task call, a new file, a deck) must find the action it
runs in. The engine keeps that action in a context variable; this package holds the
variable, the protocols of what it holds (``Frame``, ``Controller``), the decks and report
of the running attempt, and the hooks the engine calls into higher packages (artifacts).
So ``tasks``, ``io`` and ``deck`` find the current action without importing the engine,
which sits above them (docs/architecture.md), and the engine calls artifacts without
importing it. Stdlib only: every kernel and worker imports it.
"""

from __future__ import annotations

from . import artifact_hooks
from ._frame import Controller, Frame, current_frame

__all__ = ["Controller", "Frame", "artifact_hooks", "current_frame"]
