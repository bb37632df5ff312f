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

import contextlib
import sys
from collections.abc import Callable, Container
from typing import TYPE_CHECKING, Any

from ._render import esc
from ._snapshot import run_html

if TYPE_CHECKING:
    from ..remote import Run
    from ._run_widget import RunView

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


def display_run(run: Run) -> None:
    """Show ``run`` in the kernel's output (``Run._ipython_display_``).

    Like ``run_mimebundle``, with one difference for a run still live: the output is given
    a display id, and when the widget has followed the run to its end, the output is
    updated in place with the final snapshot (the same widget view, a new ``text/html``).
    Without that, the saved notebook, and its HTML export, said RUNNING forever: the
    snapshot was taken once, at display time.
    """
    from IPython import display as ipython_display

    display: Callable[..., Any] = ipython_display.display
    bundle, view = _bundle(run, None, None)
    if view is None or not view.following:
        display(bundle, raw=True)
        return
    handle = display(bundle, raw=True, display_id=True)

    def ended() -> None:
        final = {**bundle, "text/plain": repr(run), "text/html": safe_run_html(run)}
        if handle is not None:
            with contextlib.suppress(Exception):  # the kernel went away: nothing to update
                handle.update(final, raw=True)

    view.when_done(ended)


def run_mimebundle(
    run: Run, include: Container[str] | None = None, exclude: Container[str] | None = None
) -> dict[str, Any]:
    """``text/plain`` and ``text/html`` always; the live widget's view inside a kernel."""
    return _bundle(run, include, exclude)[0]


def _bundle(
    run: Run, include: Container[str] | None, exclude: Container[str] | None
) -> tuple[dict[str, Any], RunView | None]:
    """The MIME bundle, and the ``RunView`` behind its widget view (if one was made)."""
    widget: RunView | None = None
    bundle: dict[str, Any] = {"text/plain": repr(run)}

    def wanted(mime: str) -> bool:
        return (include is None or mime in include) and (exclude is None or mime not in exclude)

    if wanted("text/html"):
        bundle["text/html"] = safe_run_html(run)
    if wanted(WIDGET_MIME) and kernel_available():
        try:
            from ._run_widget import RunView as View

            widget = View(run)
            view = widget._repr_mimebundle_()
        except Exception:  # no widget then: the snapshot above stands in for it
            view = {}
        if WIDGET_MIME in view:
            bundle[WIDGET_MIME] = view[WIDGET_MIME]
    kept = {mime: data for mime, data in bundle.items() if mime == "text/plain" or wanted(mime)}
    return kept, widget
