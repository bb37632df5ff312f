"""Notebook display of runs: the MIME bundle behind ``Run._repr_mimebundle_``.

One output carries both views of a run: ``text/html`` (the static ``run_html`` snapshot)
always, and the live ``RunView`` widget (``application/vnd.jupyter.widget-view+json``)
when a kernel with comms is there to drive it. JupyterLab renders the richest type, the
widget; nbconvert, GitHub and a notebook reopened without its kernel fall back to the
snapshot, which is why it is always included rather than only without a kernel.

``flyte_nb.remote`` imports this module only when a run is displayed, and this module
imports ipywidgets (~0.2 s, and IPython with it) only when a kernel is running, so
``import flyte_nb`` and scripts never pay for it. Display never raises: a failure to
draw becomes a line in the HTML, because a traceback in place of a run helps nobody.
"""

from __future__ import annotations

import sys
from collections.abc import Container
from typing import TYPE_CHECKING, Any

from ._render import esc
from ._snapshot import run_html

if TYPE_CHECKING:
    from ..remote import Run

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def kernel_available() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a ``kernel``), where widgets live.

    Looks at ``sys.modules`` instead of importing IPython: no IPython loaded, no kernel.
    """
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    if get_ipython is None:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def safe_run_html(run: Run) -> str:
    try:
        return run_html(run)
    except Exception as exc:
        return f"<pre>{esc(repr(run))}\n(could not draw the run: {esc(repr(exc))})</pre>"


def run_mimebundle(
    run: Run, include: Container[str] | None = None, exclude: Container[str] | None = None
) -> dict[str, Any]:
    """``text/plain`` and ``text/html`` always; the live widget's view inside a kernel."""
    bundle: dict[str, Any] = {"text/plain": repr(run)}

    def wanted(mime: str) -> bool:
        return (include is None or mime in include) and (exclude is None or mime not in exclude)

    if wanted("text/html"):
        bundle["text/html"] = safe_run_html(run)
    if wanted(WIDGET_MIME) and kernel_available():
        try:
            from ._view import RunView

            view = RunView(run)._repr_mimebundle_()
        except Exception:  # no widget then: the snapshot above stands in for it
            view = {}
        if WIDGET_MIME in view:
            bundle[WIDGET_MIME] = view[WIDGET_MIME]
    return {mime: data for mime, data in bundle.items() if mime == "text/plain" or wanted(mime)}
