"""Recovering a finished backend run: a new run that reuses what the old one finished.

Flyte 2's ``recover``: the new run starts from the old run's root task and inputs; every
action the old run finished successfully (a task call or a trace) is reused when the new
run reaches it under the same deterministic name with the same inputs, and only what
failed or never ran executes. Names are derived from the parent's name, the task and the
inputs (never the run's name), so the same call in the new run has the same name.

Decisions:

- Backend runs only, as in Flyte 2 (a kernel run has no stored code to start again).
- Reused actions end ``SUCCEEDED`` with an attempt-log entry naming the run they came
  from (Flyte 2 shows a ``RECOVERED`` phase; ours keeps the phases every view knows).
- The link to the old run travels in the new run's environment
  (``_FLYTE_NB_RECOVERED_FROM``), the way Flyte 2's custom context does here: it needs no
  new field in the backend's protocol, is stored with the run, and so survives a restart
  of the server, which then rebuilds the reuse table from the old run's records.
- The route that starts a recovery is left out of the OpenAPI document (the panel's
  generated types do not need it); the client and ``flyte-nb`` call it.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ..engine import _state as ph
from ..exceptions import FlyteValidationException
from ..models._checkpoint import RECOVERED_FROM_ENV

if TYPE_CHECKING:
    from ..backend import Backend
    from ..backend._records import ActionRecord, RunRecord

_ATTR = "_flyte_nb_recovered"


class Source:
    """The finished actions of the run being recovered, by name."""

    __slots__ = ("actions", "run_name")

    def __init__(self, run_name: str, rows: list[dict[str, Any]]) -> None:
        self.run_name = run_name
        # name -> (parent, inputs, outputs, is_trace) of each succeeded action
        self.actions: dict[str, tuple[str | None, str, str, bool]] = {}
        for row in rows:
            if row["phase"] != ph.SUCCEEDED or row["outputs"] is None:
                continue
            spec = json.loads(row.get("spec") or "{}").get("spec") or {}
            self.actions[row["name"]] = (
                row["parent"],
                row["inputs"],
                row["outputs"],
                bool(spec.get("trace")),
            )


def source_of(backend: Backend, run: RunRecord) -> Source | None:
    """The recovery source of ``run`` (read once per run), or None for a plain run."""
    spec = run.state.spec
    if not spec or RECOVERED_FROM_ENV not in spec:  # the common case: one substring test
        return None
    table: dict[str, Source] = backend.__dict__.setdefault(_ATTR, {})
    found = table.get(run.name)
    if found is None:
        from ..store import _queries

        options = json.loads(spec).get("options") or {}
        old = (options.get("env_vars") or {}).get(RECOVERED_FROM_ENV)
        if not old:
            return None
        found = table[run.name] = Source(old, _queries.list_actions(backend.engine, old))
    return found


def serve_recovered(backend: Backend, rec: ActionRecord) -> bool:
    """Finish a new action from the recovered run when it finished there; True if so."""
    source = source_of(backend, rec.run)
    if source is None:
        return False
    entry = source.actions.get(rec.name)
    if entry is None or entry[3] or entry[1] != rec.state.inputs:
        return False
    state = rec.state
    now = time.time()
    state.attempt_log.append(
        {"attempt": 0, "recovered_from": source.run_name, "started_at": now, "ended_at": now}
    )
    state.outputs = entry[2]
    state.set_phase(ph.SUCCEEDED)
    backend._complete(rec)
    return True


def recovered_traces(backend: Backend, rec: ActionRecord) -> dict[str, str]:
    """name -> outputs of the recovered run's succeeded traces under ``rec``."""
    source = source_of(backend, rec.run)
    if source is None:
        return {}
    return {
        name: outputs
        for name, (parent, _inputs, outputs, is_trace) in source.actions.items()
        if is_trace and parent == rec.name
    }


def recover_run(backend: Backend, old: str, name: str | None, env_vars: dict[str, str]) -> str:
    """Start the recovery of the finished run ``old``; return the new run's name.

    The same start as the panel's Re-run (``backend/_rerun.py``), linked to ``old``."""
    from ..backend._rerun import relaunch

    return relaunch(backend, old, name=name, env_vars=env_vars, recover=True)


def recover(run: Any, *, name: str | None = None, env_vars: dict[str, str] | None = None) -> Any:
    """Start a new run that reuses everything ``run`` finished and runs only the rest.

    ``run`` is a finished backend run (a ``Run`` or its name). Succeeded task calls and
    traces are reused by their deterministic name and inputs; failed or never-run ones
    execute. ``env_vars`` are added to the old run's (e.g. the fix a flaky step needed).
    Returns the new ``Run``, linked to the old one.
    """
    from ..client import connect, current
    from ..remote._handles import Run
    from ..remote._sources import RemoteSource

    old = run if isinstance(run, str) else getattr(run, "name", None)
    if not isinstance(old, str) or not old:
        raise FlyteValidationException(
            f"recover() takes a Run or a run name, got {run!r}; e.g. fl.recover(run)"
        )
    if getattr(run, "mode", "backend") != "backend":
        raise FlyteValidationException(
            f"run {old!r} ran in this kernel; only backend runs can be recovered (as in "
            "Flyte 2). Run it again with fl.run(...), or on a backend after fl.init()"
        )
    if name is not None and not isinstance(name, str):
        raise FlyteValidationException(f"recover(name=...) takes a run name, got {name!r}")
    if env_vars is not None and (
        not isinstance(env_vars, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in env_vars.items())
    ):
        raise FlyteValidationException(
            f"recover(env_vars=...) takes a dict of strings, got {env_vars!r}; "
            "e.g. env_vars={'FLAKY_OK': '1'}"
        )
    session = current() or connect()
    view = session.client.recover_run(old, {"name": name, "env_vars": env_vars or {}})
    return Run(view, source=RemoteSource(session.client))
