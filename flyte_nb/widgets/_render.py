"""The HTML fragments of a run, shared by the live widget and the static snapshot.

Everything here is plain string building with no ipywidgets import, so ``run_html`` (and
``Run._repr_html_``) work in any process, and the widget's update thread can build its
fragments off the kernel's main thread. Every name that came from user code (run, task,
action, group, deck names, error messages, tracebacks) goes through ``html.escape``:
task code is untrusted with respect to the notebook page, and ``<script>`` in an error
message must stay text.

A fan-out can have thousands of children; drawing all of them would send megabytes to
the browser four times a second. ``tree_html`` shows the first ``max_children`` children
of each action and sums up the rest by phase ("... 800 more: 790 SUCCEEDED, 10 RUNNING"),
so the fragment's size is bounded whatever the run's width.
"""

from __future__ import annotations

import html
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..remote import Action, Run
    from ..remote._handles import ActionTree

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"})

PHASE_COLOURS = {
    "QUEUED": "#7f8c8d",
    "RUNNING": "#1f77d0",
    "SUCCEEDED": "#1e8e3e",
    "FAILED": "#d93025",
    "ABORTED": "#e8710a",
    "TIMED_OUT": "#b06000",
}
MAX_CHILDREN = 200
"""Children of one action drawn in the tree; the rest are summed up by phase."""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def phase_badge(phase: str) -> str:
    colour = PHASE_COLOURS.get(phase, "#7f8c8d")
    return (
        f'<span class="flyte-nb-phase" style="background:{colour};color:#fff;border-radius:3px;'
        f'padding:0 0.4em;font-weight:600">{esc(phase)}</span>'
    )


def phase_text(phase: str) -> str:
    """The phase as coloured text: the tree's lighter form of ``phase_badge``."""
    colour = PHASE_COLOURS.get(phase, "#7f8c8d")
    return f'<span style="color:{colour};font-weight:600">{esc(phase)}</span>'


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "not started"
    # Compare what is printed, not the raw value: 0.9996 s printed as "1000 ms" is "1.0 s",
    # and 59.97 s as "60.0 s" is "1 min 00 s".
    if round(seconds * 1000) < 1000:
        return f"{seconds * 1000:.0f} ms"
    if round(seconds * 10) < 600:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@dataclass(frozen=True)
class RunState:
    """What one update shows, fetched and rendered off the main thread."""

    name: str
    task_name: str
    phase: str
    started_at: float | None
    ended_at: float | None
    finished: int
    total: int
    counts: dict[str, int]
    tree: str
    error: str
    short_names: dict[str, str]
    root: str | None
    # Gates the live run waits on for an answer: shown as "waiting for you".
    waiting: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return self.phase in TERMINAL

    def elapsed(self, now: float | None = None) -> float | None:
        if self.started_at is None:
            return None
        end = self.ended_at if self.ended_at is not None else (now or time.time())
        return max(0.0, end - self.started_at)


def capture(run: Run, tree: ActionTree) -> RunState:
    """The state of ``run`` (as last refreshed) and its action ``tree``, rendered.

    ``tree`` is ``run.tree(max_children)``: cut by the backend, so a redraw costs the same
    for a run of 1 000 or 100 000 actions.
    """
    actions = tree.actions
    finished = sum(n for phase, n in tree.counts.items() if phase in TERMINAL)
    roots = [a for a in actions if a.parent is None]
    return RunState(
        name=run.name,
        task_name=run.task_name,
        phase=run.phase,
        started_at=run.started_at,
        ended_at=run.ended_at,
        finished=finished,
        total=tree.total,
        counts=dict(tree.counts),
        tree=tree_html(actions, tree.hidden),
        error=error_html(run.error),
        short_names={a.name: a.short_name for a in actions},
        root=roots[0].name if roots else None,
        waiting=tuple(getattr(run, "waiting", ()) or ()),
    )


def status_html(state: RunState) -> str:
    """The phase badge, and "waiting for you" while a gate waits for an answer: the
    phase stays RUNNING, so this says why nothing moves (the panel shows the same)."""
    badge = phase_badge(state.phase)
    if not state.waiting or state.done:
        return badge
    gates = ", ".join(state.waiting)
    return (
        f'{badge} <span class="flyte-nb-waiting" title="waiting for an answer at {esc(gates)}" '
        'style="background:#6a1b9a;color:#fff;border-radius:8px;padding:0 0.5em;'
        f'font-weight:600">waiting for you</span>'
    )


def title_html(state: RunState) -> str:
    return (
        f'<span style="font-weight:600">{esc(state.name)}</span>'
        f' <span style="color:#666">task <code>{esc(state.task_name)}</code></span>'
    )


def elapsed_html(state: RunState) -> str:
    return f'<span style="color:#666">{esc(format_duration(state.elapsed()))}</span>'


def progress_text(state: RunState) -> str:
    """``12/50 actions finished (38 RUNNING)``: the phases still open are named."""
    open_phases = ", ".join(
        f"{n} {phase}" for phase, n in sorted(state.counts.items()) if phase not in TERMINAL
    )
    failed = sum(state.counts.get(p, 0) for p in ("FAILED", "ABORTED", "TIMED_OUT"))
    extra = [part for part in (open_phases, f"{failed} failed" if failed else "") if part]
    suffix = f" ({'; '.join(extra)})" if extra else ""
    return f"{state.finished}/{state.total} actions finished{suffix}"


def _action_line(action: Action) -> str:
    parts = [f"<code>{esc(action.short_name)}</code>"]
    if action.group:
        parts.append(f'<span style="color:#666">[{esc(action.group)}]</span>')
    parts.append(phase_text(action.phase))
    if action.cache_hit:
        parts.append('<span style="color:#666">cache hit</span>')
    if action.attempts > 1:
        parts.append(f'<span style="color:#666">attempts={action.attempts}</span>')
    if action.duration is not None:
        parts.append(f'<span style="color:#999">{esc(format_duration(action.duration))}</span>')
    parts.append(f'<span style="color:#bbb;font-size:0.8em">{esc(action.name)}</span>')
    return " ".join(parts)


def _summary_of(hidden: dict[str, int]) -> str:
    counts = Counter(hidden)
    phases = ", ".join(f"{n} {esc(phase)}" for phase, n in counts.most_common())
    return f'<li style="color:#666">... {sum(hidden.values())} more: {phases}</li>'


_UL = '<ul style="list-style:none;margin:0;padding-left:1.2em">'


def tree_html(actions: Sequence[Action], hidden: dict[str, dict[str, int]] | None = None) -> str:
    """The action tree as nested lists; an action with children is a ``<details>``.

    ``hidden`` counts, per parent, the children the tree leaves out (``Run.tree``).
    """
    hidden = hidden or {}
    if not actions:
        return '<div style="color:#666">no actions yet</div>'
    out: list[str] = []

    def walk(action: Action) -> None:
        line = _action_line(action)
        rest = hidden.get(action.name)
        if not action.children and not rest:
            out.append(f"<li>{line}</li>")
            return
        out.append(f"<li><details open><summary>{line}</summary>{_UL}")
        for child in action.children:
            walk(child)
        if rest:
            out.append(_summary_of(rest))
        out.append("</ul></details></li>")

    out.append(_UL.replace("padding-left:1.2em", "padding-left:0"))
    for root in (a for a in actions if a.parent is None):
        walk(root)
    out.append("</ul>")
    return "".join(out)


def error_html(error: dict[str, Any] | None) -> str:
    """The run's error: type and message, the traceback folded away."""
    if not error:
        return ""
    kind = esc(error.get("type") or "Error")
    message = esc(error.get("message") or "")
    trace = error.get("traceback") or ""
    folded = (
        f'<details><summary style="cursor:pointer">traceback</summary>'
        f'<pre style="white-space:pre-wrap;font-size:0.85em">{esc(trace)}</pre></details>'
        if trace
        else ""
    )
    return (
        '<div class="flyte-nb-error" style="border-left:3px solid #d93025;padding:0.2em 0.6em;'
        f'margin:0.3em 0"><b>{kind}</b>: <span style="white-space:pre-wrap">{message}</span>'
        f"{folded}</div>"
    )
