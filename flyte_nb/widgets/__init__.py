"""Notebook views of runs: ``RunView`` (a live ipywidgets view) and ``run_html`` (static).

Displaying a ``Run`` in Jupyter uses both (see ``_display.py``); import these to build a
view yourself. ``RunView`` is imported on first use, so ``run_html`` (and the display of
runs outside a kernel) never loads ipywidgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._snapshot import run_html

if TYPE_CHECKING:
    from ._run_widget import RunView

__all__ = ["RunView", "run_html"]


def __getattr__(name: str) -> Any:
    if name == "RunView":
        from ._run_widget import RunView

        return RunView
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
