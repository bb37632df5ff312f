"""The backend's side of the nesting depth limit (the rule is ``engine/_depth.py``).

A child submitted past ``FLYTE_NB_MAX_DEPTH`` fails at once, before it is queued: a runaway
recursion would otherwise hold one more waiting worker per level. Its error is marked
non-recoverable, so the parent that receives it does not retry either.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..attempts import unrecoverable
from ..engine import _state as ph
from ..engine._depth import chain_to, nesting_error

if TYPE_CHECKING:
    from ._records import ActionRecord, RunRecord
    from ._service import Backend

__all__ = ["fail_if_too_deep"]


def fail_if_too_deep(backend: Backend, run: RunRecord, rec: ActionRecord) -> bool:
    """Fail ``rec`` when it nests past the backend's limit; whether it did."""

    def lineage(name: str) -> tuple[str | None, str] | None:
        up = run.actions.get(name)
        return None if up is None else (up.state.parent, up.state.short_name)

    limit = backend.max_depth
    if len(chain_to(lineage, rec.state.name, limit + 2)) <= limit + 1:
        return False
    exc = nesting_error(chain_to(lineage, rec.state.name), limit)
    record = {"type": "NestingTooDeepError", "message": str(exc)}
    rec.state.error = json.dumps(unrecoverable(record, exc))  # the parent does not retry
    rec.state.set_phase(ph.FAILED)
    backend._complete(rec)
    return True
