"""Secrets on the backend: checked when an action is submitted, resolved when it is dispatched.

The backend, not the kernel, resolves secrets for the actions it runs (its environment, then
the secrets store of its home), so a task's values never pass through a run's inputs, specs
or records: a spec names secrets by group and key, and the values travel only inside the job
message to the worker (a socketpair between two of our processes), which exposes them for
that attempt (``flyte_nb.secrets``). A missing secret fails the action before it is queued:
the root's at ``create_run`` (the client gets the error), a child's at submission.
"""

from __future__ import annotations

import json
from typing import Any

from .. import _config
from ..secrets._inject import missing_message
from ..tasks._secret import Secret

__all__ = ["job_secrets", "missing_secrets"]

_parsed: dict[str, tuple[Secret, ...]] = {}


def _secrets(spec: dict[str, Any]) -> tuple[Secret, ...]:
    raw = spec.get("secrets")
    if not raw:
        return ()
    key = json.dumps(raw, sort_keys=True)
    found = _parsed.get(key)
    if found is None:
        found = _parsed[key] = tuple(Secret.from_dict(d) for d in raw)
    return found


def missing_secrets(spec: dict[str, Any]) -> str | None:
    """The error message when a secret the task asks for is not set, else None."""
    secrets = _secrets(spec)
    if not secrets:
        return None
    home = _config.home()
    absent = [s for s in secrets if s.resolve(home) is None]
    if not absent:
        return None
    return missing_message(f"Task '{spec['task']}'", absent)


def job_secrets(spec: dict[str, Any]) -> list[tuple[dict[str, Any], str | None]] | None:
    """The (reference, value) pairs sent with a job; None when the task asks for none."""
    secrets = _secrets(spec)
    if not secrets:
        return None
    home = _config.home()
    return [(s.to_dict(), s.resolve(home)) for s in secrets]
