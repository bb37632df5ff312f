"""Starting a recorded run again: a re-run (same or edited inputs) or a recovery.

One function, ``relaunch``, serves the panel's Re-run and Recover, ``Run.rerun``,
``Run.recover`` / ``fl.recover`` and ``UnionRemote.recover``: the new run starts from the
old run's root spec (its code reference, retries, resources...), its options (project,
domain, environment, concurrency) and its inputs, as stored. What differs:

- a *re-run* may edit inputs (checked and encoded by ``_rerun_form``) and is a plain new
  run: a link to a run it recovered is dropped, so nothing is reused but the cache;
- a *recovery* keeps the inputs and links the new run to the old one
  (``backend/_recovery.py``), which then serves every action that succeeded.

Decisions:

- Backend runs only: a kernel run has no stored code to start again (the SDK says so).
- A re-run may start while the old run is still going (a second copy is a normal thing to
  want); a recovery may not, since what it reuses is not settled yet.
- Edited inputs drop the root's cache identity: its key was computed by the SDK from the
  old inputs (with salts and ignored inputs the backend does not know), so the new root is
  not looked up in the cache; its children are, as in any run.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..models._checkpoint import RECOVERED_FROM_ENV
from ._rerun_form import InputError, edited_inputs, form

if TYPE_CHECKING:
    from ._service import Backend

__all__ = ["relaunch", "rerun_form"]


def _source(backend: Backend, old: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The old run's row, its root action's row and the root's stored spec document."""
    from ._errors import BackendError
    from ._views import Views

    views = Views(backend)  # a live run's rows from memory, a finished one's from the store
    row = views.run_row(old)
    root = views.action_row(old, "a0") if row is not None else None
    if row is None or root is None:
        raise BackendError(404, "not_found", f"no run named {old!r}; list runs with flyte-nb runs")
    stored = json.loads(root.get("spec") or "{}")
    spec = stored.get("spec")
    if row["mode"] != "backend" or not spec or "ref" not in spec:
        raise BackendError(
            400,
            "bad_request",
            f"run {old!r} ran in a kernel, not on a backend: only backend runs start again "
            "from the panel; run the task again with fl.run(...)",
        )
    return row, root, stored


def rerun_form(backend: Backend, old: str) -> list[dict[str, Any]]:
    """The inputs of run ``old`` as a re-run form (``_rerun_form.form``)."""
    _row, root, stored = _source(backend, old)
    return form(stored["spec"].get("interface"), root["inputs"])


def relaunch(
    backend: Backend,
    old: str,
    *,
    name: str | None = None,
    env_vars: dict[str, str] | None = None,
    edits: dict[str, Any] | None = None,
    recover: bool = False,
) -> str:
    """Start run ``old`` again (see the module docstring); return the new run's name."""
    from ..models._action import generate_random_name
    from ._errors import BackendError

    if recover and old in backend.runs:
        raise BackendError(
            409, "conflict", f"run {old!r} is still running; wait for it or abort it first"
        )
    if recover and edits:
        raise BackendError(
            400, "bad_request", "a recovery reuses the old inputs; it takes no edits"
        )
    row, root, stored = _source(backend, old)
    spec = stored["spec"]
    inputs = root["inputs"]
    cache = stored.get("cache_id")
    if edits:
        try:
            inputs = edited_inputs(spec.get("interface"), inputs, edits, backend.recorder.blobs.put)
        except InputError as exc:
            raise BackendError(400, "bad_request", str(exc)) from None
        if inputs != root["inputs"]:
            cache = None
    options = dict(json.loads(row["spec"] or "{}").get("options") or {})
    base_env = {k: v for k, v in (options.get("env_vars") or {}).items() if k != RECOVERED_FROM_ENV}
    options["env_vars"] = {**base_env, **(env_vars or {})}
    if recover:
        options["env_vars"][RECOVERED_FROM_ENV] = old
    state = backend.create_run(
        name=name or generate_random_name(),
        project=row["project"],
        domain=row["domain"],
        spec=spec,
        inputs=inputs,
        cache=cache,
        options=options,
    )
    return state.name
