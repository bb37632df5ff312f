"""Where a run handle finds its notebook display, without importing the layer above it.

``Run`` (``flyte_nb.remote``, the run handles) must draw itself in a notebook, but the
drawing lives in ``flyte_nb.widgets``, a layer above the handles: widgets read runs
through ``remote``. A direct import from ``remote`` up into ``widgets`` would close a
cycle (``tests/test_import_layers.py`` refuses it). So the dependency is inverted: this
foundation module holds one slot, the facade (``flyte_nb/__init__.py``, above both) fills
it with a function that imports ``flyte_nb.widgets._display`` on first use, and ``Run``
asks this module. Nothing is imported until a run is displayed, so ``import flyte_nb``
and scripts never pay for ipywidgets.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any, Protocol


class RunDisplay(Protocol):
    """What ``flyte_nb.widgets._display`` provides (a module satisfies it)."""

    def safe_run_html(self, run: Any) -> str: ...

    def run_mimebundle(
        self, run: Any, include: Container[str] | None = ..., exclude: Container[str] | None = ...
    ) -> dict[str, Any]: ...

    def display_run(self, run: Any) -> None: ...


_loader: Callable[[], RunDisplay] | None = None


def set_loader(loader: Callable[[], RunDisplay]) -> None:
    """Install the function that imports the display (the facade does, at import)."""
    global _loader
    _loader = loader


def run_display() -> RunDisplay:
    """The display for runs; an error that says why if nothing installed one."""
    if _loader is None:
        raise RuntimeError(
            "flyte_nb's run display is not installed: import flyte_nb (the package) first"
        )
    return _loader()
