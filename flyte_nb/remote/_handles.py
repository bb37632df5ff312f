"""``Run`` and ``Action``: handles on recorded runs, found again by name at any later time.

A handle is a snapshot of the records plus the ``Source`` it came from (this machine's
database, or a backend over HTTP; see ``_sources.py``) and refreshes from there; it never
holds a connection. A ``Run`` returned by ``fl.run`` in local mode also keeps the live
outcome, so ``outputs()`` returns the very object the task returned. Any other failed run
raises the user's own exception, rebuilt from the records (``engine/_errors.py``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._run_display import run_display
from ..exceptions import FlyteValidationException, RunFailedError, RunNotFoundError
from ._sources import Source, default_source

if TYPE_CHECKING:
    from ..engine import RunOutcome
    from ._decks import DeckView

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"})
PHASES = TERMINAL | {"QUEUED", "RUNNING"}
ROOT = "a0"  # every run's root action (engine/_controller.py, backend/_service.py)


# How ``Run.outputs()`` hands values back: "value" (the task's return value, what a notebook
# wants: ``run.outputs() == 9``) or "tuple" (Flyte 2's ``ActionOutputs``: ``outputs()[0]``).
# ``fl.init(outputs=...)`` sets it; ``init_from_config`` -- which only Flyte 2 programs
# call -- switches to "tuple". It lives with the handles that read it.
OUTPUTS_STYLES = ("value", "tuple")
_outputs_style = "value"


def outputs_style() -> str:
    """The session's style (a ``Run`` whose own ``outputs_style`` is None follows it)."""
    return _outputs_style


def set_outputs_style(style: str) -> None:
    global _outputs_style
    _outputs_style = style


def _outputs_value(outputs: dict[str, Any]) -> Any:
    if not outputs:
        return None
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    return tuple(outputs.values())


class ActionOutputs(tuple[Any, ...]):
    """Flyte 2's ``run.outputs()`` value: every output in a tuple (``outputs()[0]``), also
    by name (``.o0``, ``.named_outputs``). Returned once the program called
    ``fl.init_from_config()`` (see ``fl.init``'s ``outputs`` setting and
    docs/compatibility.md); a notebook's ``run.outputs()`` stays the plain value."""

    _names: tuple[str, ...]

    def __new__(cls, values: tuple[Any, ...], names: tuple[str, ...] | None = None) -> Any:
        obj = super().__new__(cls, values)
        obj._names = names or tuple(f"o{i}" for i in range(len(values)))
        return obj

    @property
    def named_outputs(self) -> dict[str, Any]:
        return dict(zip(self._names, self, strict=False))

    def __getattr__(self, name: str) -> Any:
        names = self.__dict__.get("_names", ())
        if name in names:
            return self[names.index(name)]
        raise AttributeError(f"outputs have no {name!r}; they are {list(names)}")


def _check_name(what: str, name: object) -> str:
    if not isinstance(name, str) or not name:
        raise FlyteValidationException(f"{what} needs a run name (str), got {name!r}")
    return name


def _check_attempt(what: str, attempt: object) -> int | None:
    if attempt is not None and (
        isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1
    ):
        raise FlyteValidationException(f"{what}: attempt must be an int >= 1, got {attempt!r}")
    return attempt


def _doc_views(source: Source, views: list[dict[str, Any]], kind: str) -> list[DeckView]:
    from ._decks import DeckView

    return [DeckView(v, source) for v in views if v["kind"] == kind]


def _link(actions: list[Action]) -> None:
    """Fill each action's ``children`` from the others' ``parent``."""
    by_name = {a.name: a for a in actions}
    for action in actions:
        if action.parent is not None and action.parent in by_name:
            by_name[action.parent].children.append(action)


@dataclass
class ActionTree:
    """``Run.tree()``: phase counts over all actions, the shown actions (children
    linked), and per parent the phases of the children not shown."""

    counts: dict[str, int]
    total: int
    actions: list[Action]
    hidden: dict[str, dict[str, int]]


class Action:
    """One action of a run: a task call, with its phase, attempts, values and logs."""

    def __init__(self, view: dict[str, Any], source: Source | None = None) -> None:
        self._source = source or default_source()
        self.run_name: str = view["run"]
        self.name: str = view["name"]
        self.parent: str | None = view["parent"]
        self.task_name: str = view["task_name"]
        self.short_name: str = view["short_name"]
        self.group: str | None = view["group"]
        self.phase: str = view["phase"]
        self.attempts: int = view["attempts"]
        self.cache_hit: bool = view["cache_hit"]
        self.started_at: float | None = view["started_at"]
        self.ended_at: float | None = view["ended_at"]
        self.transitions: list[list[Any]] = view["transitions"]
        self.attempt_log: list[dict[str, Any]] = view["attempt_log"]
        self.error: dict[str, Any] | None = view["error"]
        # The Resources the action ran with, as the task declared them (None: none asked).
        self.resources: dict[str, Any] | None = view.get("resources")
        self.children: list[Action] = []

    @classmethod
    def listall(cls, run_name: str) -> list[Action]:
        """The actions of run ``run_name``, in the order they started."""
        return Run.get(_check_name("Action.listall", run_name)).actions()

    @classmethod
    def get(cls, run_name: str, name: str) -> Action:
        """One action of a run: ``Action.get("my-run", "a0")`` is its root."""
        if not isinstance(name, str) or not name:
            raise FlyteValidationException(f"Action.get needs an action name, got {name!r}")
        return Run.get(_check_name("Action.get", run_name)).action(name)

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.ended_at or time.time()) - self.started_at

    def inputs(self) -> dict[str, Any]:
        return self._source.values(self.run_name, self.name, "inputs")

    def outputs(self) -> dict[str, Any]:
        """Named outputs (``o0``, ...) of a succeeded action."""
        return self._source.values(self.run_name, self.name, "outputs")

    def logs(self) -> str:
        return self._source.logs(self.run_name, self.name)

    def decks(self, attempt: int | None = None) -> list[DeckView]:
        """The decks of ``attempt`` (default: the latest attempt that published docs); a
        cache hit shows the decks of the action that filled the cache."""
        attempt = _check_attempt("Action.decks", attempt)
        return _doc_views(
            self._source, self._source.docs(self.run_name, self.name, attempt), "deck"
        )

    def get_report(self, attempt: int | None = None) -> DeckView | None:
        """The report of ``attempt`` (default: the latest attempt that published docs);
        None when it has none."""
        attempt = _check_attempt("Action.get_report", attempt)
        views = self._source.docs(self.run_name, self.name, attempt)
        return next(iter(_doc_views(self._source, views, "report")), None)

    def __repr__(self) -> str:
        extra = " (cache hit)" if self.cache_hit else ""
        group = f" [{self.group}]" if self.group else ""
        return f"<Action {self.name} {self.short_name}{group} {self.phase}{extra}>"


class Run:
    """A recorded run. ``Run.get(name)`` finds one; ``Run.listall()`` lists them."""

    def __init__(
        self,
        view: dict[str, Any],
        outcome: RunOutcome | None = None,
        source: Source | None = None,
    ) -> None:
        self._outcome = outcome
        self._source = source or default_source()
        # "value" or "tuple" (Flyte 2's ActionOutputs); None: the session's (fl.init).
        self.outputs_style: str | None = None
        self._load(view)

    def _load(self, view: dict[str, Any]) -> None:
        self._view = view
        self.name: str = view["name"]
        self.task_name: str = view["task_name"]
        self.project: str = view["project"]
        self.domain: str = view["domain"]
        self.phase: str = view["phase"]
        self.mode: str = view["mode"]
        self.created_at: float = view["created_at"]
        self.started_at: float | None = view["started_at"]
        self.ended_at: float | None = view["ended_at"]
        self.action_count: int = view["action_count"]
        self.error: dict[str, Any] | None = view["error"]
        # The gates this live run waits on for an answer ("waiting for you"); [] otherwise.
        self.waiting: list[str] = list(view.get("waiting") or [])

    # -- finding runs --------------------------------------------------------------------
    @classmethod
    def get(cls, name: str) -> Run:
        _check_name("Run.get", name)
        source = default_source()
        view = source.run(name)
        if view is None:
            raise RunNotFoundError(
                f"No run named {name!r} in {source.where()}; list recorded runs with "
                "fl.remote.Run.listall() or `flyte-nb runs`"
            )
        return cls(view, source=source)

    @classmethod
    def listall(
        cls,
        phase: str | None = None,
        task_name: str | None = None,
        limit: int = 100,
        **filters: Any,
    ) -> list[Run]:
        """Recorded runs, newest first (with a backend also: project, domain, text, sort)."""
        if phase is not None and phase not in PHASES:
            raise FlyteValidationException(
                f"Run.listall: unknown phase {phase!r}; use one of {sorted(PHASES)}"
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise FlyteValidationException(f"Run.listall: limit must be an int >= 1, got {limit!r}")
        unknown = set(filters) - {"project", "domain", "text", "sort", "offset"}
        if unknown:
            raise FlyteValidationException(
                f"Run.listall: unknown filter {sorted(unknown)[0]!r}; use phase, task_name, "
                "limit, project, domain, text, sort or offset"
            )
        source = default_source()
        views = source.runs(phase=phase, task_name=task_name, limit=limit, **filters)
        return [cls(v, source=source) for v in views]

    # -- state ---------------------------------------------------------------------------
    def refresh(self) -> Run:
        view = self._source.run(self.name)
        if view is not None:
            self._load(view)
        return self

    @property
    def done(self) -> bool:
        return self.phase in TERMINAL

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.ended_at or time.time()) - self.started_at

    def wait(self, timeout: float | None = None) -> Run:
        """Block until the run is finished (or ``timeout`` seconds pass: TimeoutError)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done:
            left = 60.0 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"Run {self.name!r} is still {self.phase} after {timeout} s")
            view = self._source.wait(self.name, left)
            if view is not None:
                self._load(view)
        return self

    def abort(self, reason: str | None = None) -> Run:
        """Stop the run: running actions are killed, queued ones never start; ``reason``
        is recorded in the actions' errors."""
        if reason is not None and not isinstance(reason, str):
            raise FlyteValidationException(f"Run.abort: reason must be a str, got {reason!r}")
        if not self.done:
            view = self._source.abort(self.name, reason)
            if view is not None:
                self._load(view)
        return self

    def recover(self, *, name: str | None = None, env_vars: dict[str, str] | None = None) -> Run:
        """A new run that reuses what this finished backend run finished and runs the rest
        (Flyte 2's recover; see ``flyte_nb.recover``)."""
        from ._recover import recover

        return recover(self, name=name, env_vars=env_vars)

    def rerun(
        self,
        *,
        name: str | None = None,
        inputs: dict[str, Any] | None = None,
        env_vars: dict[str, str] | None = None,
    ) -> Run:
        """Start this backend run again: the same code and inputs, or ``inputs`` edited
        (plain JSON values, checked against the task's interface). The panel's Re-run."""
        from ._rerun import rerun

        return rerun(self, name=name, inputs=inputs, env_vars=env_vars)

    def watch(self) -> Iterator[dict[str, Any]]:
        """Live events of this run (phase changes of the run and its actions, log lines),
        ending when the run does. Needs a backend; a local run is already finished."""
        from ._sources import RemoteSource

        if not isinstance(self._source, RemoteSource) or self.done:
            yield {"kind": "run", "run": self.name, "phase": self.refresh().phase}
            return
        for kind, data in self._source.client.run_events(self.name):
            event = {"kind": kind, **data} if isinstance(data, dict) else {"kind": kind}
            yield event
            if kind == "run" and data.get("phase") in TERMINAL:
                self.refresh()
                return

    def inputs(self) -> dict[str, Any]:
        return self._source.values(self.name, None, "inputs")

    @property
    def url(self) -> str | None:
        """Where this run's record is served (a backend's API); None for a kernel run,
        which lives in this machine's records (``Run.get(name)`` finds it again)."""
        from ._sources import RemoteSource

        if isinstance(self._source, RemoteSource):
            return self._source.client.run_url(self.name)
        return None

    def outputs(self) -> Any:
        """The root task's return value (a tuple for several outputs); a failed run raises
        the task's own error. Flyte 2 programs (after ``fl.init_from_config()``) get
        every output in an ``ActionOutputs`` tuple instead, as Flyte 2 returns them."""
        tuple_style = (self.outputs_style or outputs_style()) == "tuple"
        if self._outcome is not None:
            if self._outcome.error is not None:
                raise self._outcome.error
            if tuple_style:
                names = self._outcome.output_names
                value = self._outcome.value
                values = (value,) if len(names) == 1 else tuple(value or ())
                return ActionOutputs(values, names)
            return self._outcome.value
        if self.phase != "SUCCEEDED":
            if self.phase in TERMINAL:
                raise self._error()
            raise FlyteValidationException(
                f"Run {self.name!r} is {self.phase}; it has no outputs yet (call run.wait())"
            )
        encoded = self._view.get("outputs")  # a wait's answer carries them
        if encoded is not None:
            named = self._source.decode(encoded)
        else:
            named = self._source.values(self.name, None, "outputs")
        if tuple_style:
            return ActionOutputs(tuple(named.values()), tuple(named))
        return _outputs_value(named)

    def _error(self) -> BaseException:
        """The task's own exception when the records kept it (backend runs pickle it),
        else a ``RunFailedError`` carrying the recorded type, message and traceback."""
        record = self.error or {}
        if record.get("pickle"):
            from ..engine._errors import rebuild_error

            error = rebuild_error(record, self.phase, self._source.blob)
            error.add_note(f"flyte_nb: run {self.name!r} ended {self.phase}")
            return error
        return RunFailedError(
            self.name,
            record.get("type", self.phase),
            record.get("message", ""),
            record.get("traceback", ""),
        )

    def actions(self, summary: bool = False) -> list[Action]:
        """Every action, in the order they were started, with ``children`` linked.

        ``summary=True`` leaves each action's ``transitions`` and ``attempt_log`` empty, for
        a view that redraws a large run often (half the bytes from a backend).
        """
        if not isinstance(summary, bool):
            raise FlyteValidationException(f"Run.actions: summary must be a bool, got {summary!r}")
        views = self._source.actions(self.name, summary)
        actions = [Action(v, self._source) for v in views]
        _link(actions)
        return actions

    def tree(self, max_children: int = 200) -> ActionTree:
        """The action tree cut for display: every root and at most ``max_children``
        children under each shown action, the rest counted by phase. Its size does not
        grow with the run, which is what a live view redrawing a large run needs."""
        if isinstance(max_children, bool) or not isinstance(max_children, int) or max_children < 1:
            raise FlyteValidationException(
                f"Run.tree: max_children must be an int >= 1, got {max_children!r}"
            )
        data = self._source.tree(self.name, max_children)
        actions = [Action(v, self._source) for v in data["items"]]
        _link(actions)
        return ActionTree(data["counts"], data["total"], actions, data["hidden"])

    def action(self, name: str) -> Action:
        for action in self.actions():
            if action.name == name:
                return action
        raise RunNotFoundError(f"Run {self.name!r} has no action named {name!r}")

    def action_tree(self) -> str:
        """The action tree as indented text: name, group, phase, attempts."""
        actions = self.actions()
        lines: list[str] = []

        def walk(action: Action, depth: int) -> None:
            group = f" [{action.group}]" if action.group else ""
            hit = " cache-hit" if action.cache_hit else ""
            tries = f" attempts={action.attempts}" if action.attempts > 1 else ""
            lines.append(f"{'  ' * depth}{action.short_name}{group} {action.phase}{hit}{tries}")
            for child in action.children:
                walk(child, depth + 1)

        for root in (a for a in actions if a.parent is None):
            walk(root, 0)
        return "\n".join(lines)

    def logs(self, action: str | None = None) -> str:
        """Captured stdout/stderr of the whole run, or of one action."""
        return self._source.logs(self.name, action)

    @property
    def decks(self) -> list[DeckView]:
        """The decks of every action, in action order (each action's latest attempt that
        published docs; a cache hit's are those of the action that filled the cache)."""
        return _doc_views(self._source, self._source.docs(self.name), "deck")

    def get_report(self) -> DeckView | None:
        """The root action's report (its latest attempt that published docs), or None."""
        return next(
            iter(_doc_views(self._source, self._source.docs(self.name, ROOT), "report")), None
        )

    def __repr__(self) -> str:
        return f"Run(name={self.name!r}, task={self.task_name!r}, phase={self.phase})"

    # -- notebook display (flyte_nb/widgets, found through flyte_nb._run_display: the widgets
    # sit above the run handles, so the facade installs them; imported on display only) --
    def _repr_html_(self) -> str:
        """A static HTML snapshot (``flyte_nb.widgets.run_html``) for HTML-only tools."""
        return run_display().safe_run_html(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Plain text, the HTML snapshot and, inside a kernel, the live ``RunView`` widget."""
        return run_display().run_mimebundle(self, include, exclude)

    def _ipython_display_(self) -> None:
        """In a kernel: the same bundle, and a live run's output updated in place with its
        final snapshot when it ends (so a saved notebook does not say RUNNING forever)."""
        run_display().display_run(self)
