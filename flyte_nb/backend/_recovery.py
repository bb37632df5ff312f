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
- The backend's half lives here (which actions a new run reuses, and starting one);
  ``fl.recover`` / ``Run.recover``, which ask a backend for it, are the run handles'
  (``remote/_recover.py``), and the route is ``server/_recover_routes.py``.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ..engine import _state as ph
from ..models._checkpoint import RECOVERED_FROM_ENV

if TYPE_CHECKING:
    from ._records import ActionRecord, RunRecord
    from ._service import Backend

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
    from ._rerun import relaunch

    return relaunch(backend, old, name=name, env_vars=env_vars, recover=True)
