"""Which children run in their parent's worker process, and how one is stopped there.

The scheduler (``_scheduler.py``) asks ``hostable`` before it queues a child: a child that
may share its parent's process is sent back to the parent's worker as a *guest*
(``_guests.py`` runs it there) instead of waiting for a worker of its own. That is what
keeps the backend on a fixed budget: a parent waiting on its children costs no process, a
fan-out of waiting parents runs in the process of the parent above them, and a task that
calls itself stays in one process until the depth limit stops it.

A child is hosted when all of these hold:

- it asks nothing of the process that its parent does not: the same environment variables
  (the inherited ``custom_context`` aside, which travels with each job), and the same
  ``PROCESS_KEYS`` of its spec (secrets, resources, pod template, actor): a process applies
  them to itself, so two actions that differ cannot share one;
- it is no actor task (those run on their actor's replicas) and no gate (the backend ends
  those itself), and its parent runs on a plain worker of the server's own pool;
- it is async, or it is sync, has no timeout (a timeout must stop even a body stuck in C
  code, which only killing a process of its own does) and its parent has no other sync
  child running in its process: sync bodies share the interpreter lock, so the second of
  two concurrent sync children (``flyte.map``, ``asyncio.gather`` of ``.aio`` calls) goes
  to a worker of its own, where it runs in parallel.

What hosting gives up: async children of one parent share its process's CPU (a CPU-bound
async fan-out runs on one core unless its parent is sync); a hosted action's abort or
timeout cancels it rather than killing it (``STOP_GRACE``); and fd-level output of hosted
actions is attributed to the worker's own job (``_guests``).
"""

from __future__ import annotations

from typing import Any

from ..engine._context import CUSTOM_CONTEXT_ENV

__all__ = ["PROCESS_KEYS", "STOP_GRACE", "hostable", "same_process_needs"]

STOP_GRACE = 5.0  # seconds a stopped guest has to end before its worker is killed

# Spec keys a worker applies to its process (``engine/_submit.execution_settings``): the
# rest describe the task or the call (its name, code, retries, inputs' interface, ...).
PROCESS_KEYS = ("resources", "secrets", "pod_template", "actor")


def same_process_needs(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether actions with specs ``a`` and ``b`` ask the same of the process they run in."""
    for key in PROCESS_KEYS:
        if a.get(key) != b.get(key):
            return False
    env_a, env_b = a.get("env") or {}, b.get("env") or {}
    if env_a == env_b:
        return True
    return {k: v for k, v in env_a.items() if k != CUSTOM_CONTEXT_ENV} == {
        k: v for k, v in env_b.items() if k != CUSTOM_CONTEXT_ENV
    }


def hostable(spec: dict[str, Any], parent_spec: dict[str, Any]) -> bool:
    """Whether a child with ``spec`` may run in its parent's process (see the module doc;
    the parent's worker and its other children are checked by the scheduler)."""
    if spec.get("actor") or "gate" in spec or spec.get("trace"):
        return False
    if not spec.get("async") and spec.get("timeout"):
        return False
    return same_process_needs(spec, parent_spec)
