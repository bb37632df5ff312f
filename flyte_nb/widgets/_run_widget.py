"""``RunView``: a run as an ipywidgets view that follows it live.

Layout: a header (run name and task, the phase as a coloured badge, the elapsed time), an
``IntProgress`` of finished/total actions with a line naming the open phases, the error
(type and message; the traceback folded), the action tree (in an ``Accordion``, so a user
who folds it keeps it folded across updates), and a ``Tab`` with one tab per deck and one
for the report, each a ``sandboxed_iframe`` in an ``HTML`` widget.

Threads: the constructor draws the run once, synchronously (one ``refresh`` and one
``actions`` read), so a finished run is complete when the cell returns. An unfinished run
is then followed by ``_follow.Follower`` in daemon threads: the kernel is never blocked,
and ipykernel's comm machinery sends widget state from any thread. Reading (``_fetch``:
HTTP, JSON, HTML building) happens outside the lock; every widget mutation happens in
``_apply``, under one lock, so an update and ``close`` never interleave.

Without a kernel (a script, the benchmark) ipywidgets' comms are no-ops: the view still
follows the run and its widgets hold the values, which is what the tests read.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import ipywidgets as widgets

from ..exceptions import FlyteValidationException
from ._decks import MAX_TABS, WIDGET_MAX_BYTES, DocKey, DocRef, framed, list_docs, too_large
from ._follow import Follower
from ._render import (
    MAX_CHILDREN,
    RunState,
    capture,
    elapsed_html,
    esc,
    progress_text,
    status_html,
    title_html,
)

if TYPE_CHECKING:
    from ..remote import Run

_BAR_STYLES = {"SUCCEEDED": "success", "FAILED": "danger", "TIMED_OUT": "danger"}


@dataclass
class _Frame:
    """One update's data, read off the lock: the state, and the documents that changed."""

    state: RunState
    docs: list[tuple[DocKey, str, str]] = field(default_factory=list)  # key, title, html
    more: str | None = None  # the last tab's list of documents past ``max_tabs``


class RunView(widgets.VBox):  # type: ignore[misc]
    """A live view of ``run``: header, progress, action tree, error, decks and report.

    Display it (``RunView(run)`` as a cell's last line, or just ``run``). It follows an
    unfinished run in the background until the run ends or the view is ``close``d.
    ``updates`` counts the background updates, ``cpu_seconds`` the CPU time they took.

    Knobs (see ``_follow.py``): at most one update per ``min_interval`` seconds, updates
    spaced so they take at most ``cpu_share`` of a core, the event stream dropped for
    polling once reading it takes more than ``stream_share``; at most ``max_children``
    children drawn per action, ``max_tabs`` document tabs, documents up to
    ``max_doc_bytes`` shown.
    """

    def __init__(
        self,
        run: Run,
        *,
        live: bool = True,
        min_interval: float = 0.25,
        cpu_share: float = 0.03,
        stream_share: float = 0.02,
        max_children: int = MAX_CHILDREN,
        max_tabs: int = MAX_TABS,
        max_doc_bytes: int = WIDGET_MAX_BYTES,
    ) -> None:
        super().__init__()
        self.run = run
        self.max_children, self.max_tabs, self.max_doc_bytes = max_children, max_tabs, max_doc_bytes
        self._lock = threading.RLock()
        self._closed = False
        self._state: RunState | None = None
        self._shown: dict[DocKey, tuple[Any, ...]] = {}  # key -> the version drawn
        self._tab_keys: list[DocKey | str] = []  # the tabs' documents, "more" last
        self._follower: Follower | None = None
        self._when_done: list[Callable[[], None]] = []
        self.title = widgets.HTML()
        self.phase = widgets.HTML()
        self.elapsed = widgets.HTML()
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="actions")
        self.progress_text = widgets.HTML()
        self.error = widgets.HTML(layout=widgets.Layout(display="none"))
        self.tree = widgets.HTML()
        self.tree_box = widgets.Accordion(children=[self.tree], titles=("actions",))
        self.tree_box.selected_index = 0
        self.tabs = widgets.Tab(layout=widgets.Layout(display="none"))
        self.status = widgets.HTML()
        self.open_link = widgets.HTML(open_in_panel_html(run.name))
        self.children = [
            widgets.HBox([self.title, self.phase, self.elapsed, self.open_link]),
            widgets.HBox([self.progress, self.progress_text]),
            self.error,
            self.tree_box,
            self.tabs,
            self.status,
        ]
        cpu = time.thread_time()
        first = self._fetch(True, set())
        self._apply(first)
        cpu = time.thread_time() - cpu
        if live and not first.state.done:
            self._follower = Follower(
                run,
                self._update,
                self._tick,
                self._failed,
                min_interval=min_interval,
                cpu_share=cpu_share,
                stream_share=stream_share,
                first_cost=cpu,
            )
            self._follower.start()

    # -- reading (off the lock) -----------------------------------------------------------
    def _fetch(self, docs_changed: bool, published: set[DocKey]) -> _Frame:
        """Re-read the run once: refresh, actions, and the decks when they changed."""
        run = self.run
        if not run.done:
            run.refresh()
        frame = _Frame(capture(run, run.tree(self.max_children)))
        if docs_changed:
            try:
                docs = list_docs(run, frame.state.short_names, frame.state.root)
            except Exception as exc:  # decks are extras: keep following the run
                frame.more = f'<div style="color:#666">could not list decks: {esc(repr(exc))}</div>'
                return frame
            shown = docs[: self.max_tabs]
            for doc in shown:
                if self._shown.get(doc.key) == doc.version and doc.key not in published:
                    continue
                frame.docs.append((doc.key, doc.title, self._doc_html(doc)))
                self._shown[doc.key] = doc.version
            if len(docs) > len(shown):
                frame.more = _more_html(docs[len(shown) :])
        return frame

    def _doc_html(self, doc: DocRef) -> str:
        if doc.size > self.max_doc_bytes:
            return too_large(doc, f"more than the {self.max_doc_bytes:,} bytes this view shows")
        try:
            return framed(doc, doc.html())
        except Exception as exc:  # one unreadable document must not stop the view
            return f'<div style="color:#666">could not read it: {esc(repr(exc))}</div>'

    # -- the follower's callbacks (its updater thread) -------------------------------------
    def _update(self, docs_changed: bool, published: set[DocKey]) -> bool:
        frame = self._fetch(docs_changed, published)
        self._apply(frame)
        if frame.state.done:
            self._finished()
        return frame.state.done

    def when_done(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the view has drawn the run's end (now, if it has).

        ``display_run`` uses it to replace the output's snapshot with the final one. It
        runs on the follower's thread; an exception in it is dropped, never the view's.
        """
        if not callable(callback):
            raise FlyteValidationException(
                f"RunView.when_done takes a function of no arguments, got {callback!r}"
            )
        with self._lock:
            done = self._state is not None and self._state.done
            if not done:
                self._when_done.append(callback)
        if done:
            _call(callback)

    def _finished(self) -> None:
        with self._lock:
            callbacks, self._when_done = self._when_done, []
        for callback in callbacks:
            _call(callback)

    def _tick(self) -> None:
        self._apply(None)

    def _failed(self, exc: BaseException, final: bool) -> None:
        why = "stopped following the run" if final else "could not update, retrying"
        self._apply(None, note=f"{why}: {exc!r}")

    # -- the one place widgets change ------------------------------------------------------
    def _apply(self, frame: _Frame | None, *, note: str | None = None) -> None:
        with self._lock:
            if self._closed:
                return
            if note is not None:
                self.status.value = f'<span style="color:#b06000">{esc(note)}</span>'
            if frame is None:  # a clock tick, or a note
                if self._state is not None:
                    self.elapsed.value = elapsed_html(self._state)
                return
            state = self._state = frame.state
            self.status.value = ""
            self.title.value = title_html(state)
            self.phase.value = status_html(state)
            self.elapsed.value = elapsed_html(state)
            self.progress.max = max(state.total, 1)
            self.progress.value = state.finished
            self.progress.bar_style = _BAR_STYLES.get(state.phase, "" if state.done else "info")
            self.progress_text.value = esc(progress_text(state))
            self.error.value = state.error
            self.error.layout.display = "" if state.error else "none"
            self.tree.value = state.tree
            self._apply_docs(frame)

    def _apply_docs(self, frame: _Frame) -> None:
        tabs = self.tabs
        children, titles = list(tabs.children), list(tabs.titles)
        keys = self._tab_keys
        for key, title, html in frame.docs:
            if key in keys:
                children[keys.index(key)].value = html
                titles[keys.index(key)] = title
                continue
            at = keys.index("more") if "more" in keys else len(keys)
            keys.insert(at, key)
            children.insert(at, widgets.HTML(html))
            titles.insert(at, title)
        if frame.more is not None:
            if "more" in keys:
                children[keys.index("more")].value = frame.more
            else:
                keys.append("more")
                children.append(widgets.HTML(frame.more))
                titles.append("more")
        if len(children) != len(tabs.children):
            tabs.children = children
        if titles != list(tabs.titles):
            tabs.titles = titles
        tabs.layout.display = "" if children else "none"

    # -- the view's life -------------------------------------------------------------------
    @property
    def updates(self) -> int:
        """Background updates drawn so far (each one read of the run)."""
        return self._follower.updates if self._follower is not None else 0

    @property
    def cpu_seconds(self) -> float:
        """CPU time the follower's threads took, counted as each thread ends."""
        return self._follower.cpu_seconds if self._follower is not None else 0.0

    @property
    def following(self) -> bool:
        return self._follower is not None and self._follower.alive

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the view stopped following (the run ended, or it was closed)."""
        return self._follower is None or self._follower.join(timeout)

    def close(self) -> None:
        """Stop following and close the widgets (the frontend removes the view)."""
        if self._follower is not None:
            self._follower.close()
        with self._lock:
            self._closed = True
            for child in self.children:
                for widget in getattr(child, "children", ()):
                    widget.close()
                child.close()
            for widget in self.tabs.children:
                widget.close()
            super().close()

    def __repr__(self) -> str:
        return f"RunView({self.run!r})"


def open_in_panel_html(name: str) -> str:
    """The header's "Open in panel" link: the JupyterLab panel (its ``data-flyte-nb-open``
    handler) opens the run's view in place; without the panel the ``href`` goes through
    JupyterLab's router (``?flyte-nb=run/<name>``), which the panel also handles."""
    target = "run/" + quote(name, safe="")
    return (
        f'<a class="flyte-nb-open" href="?flyte-nb={esc(target)}" '
        f'data-flyte-nb-open="{esc(target)}" title="Open this run in the flyte_nb panel" '
        'style="margin-left:1em">Open in panel</a>'
    )


def _call(callback: Callable[[], None]) -> None:
    with contextlib.suppress(Exception):
        callback()


def _more_html(docs: list[DocRef]) -> str:
    items = "".join(
        f"<li>{esc(d.key[1])} <b>{esc(d.title)}</b>: <code>{esc(d.opener)}</code></li>"
        for d in docs
    )
    return f"<div>{len(docs)} more documents, not drawn here:<ul>{items}</ul></div>"
