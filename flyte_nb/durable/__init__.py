"""Durable runs (Flyte 2): traced calls replayed on the next attempt, checkpoints kept
across attempts, and recovery of a failed run.

``_trace`` and ``_log`` record and replay ``@flyte.trace`` calls (in the kernel and on
backend workers; the backend's side is ``backend/_traces.py``); ``_checkpoint`` is
``latest_checkpoint`` (``Checkpoint`` itself is ``models/_checkpoint.py``, below the
engine); ``recover`` starts a run that reuses what an earlier run finished (asked by the run
handles, ``remote/_recover.py``, done by the backend, ``backend/_recovery.py``);
``_condition`` pauses a task for an answer; ``_trigger`` and ``_deploy`` put tasks on
schedules.
"""

from ..models._checkpoint import Checkpoint
from ..remote._recover import recover
from ._checkpoint import latest_checkpoint
from ._condition import Condition, ConditionWebhook, new_condition
from ._deploy import deploy
from ._trace import trace
from ._trigger import Cron, FixedRate, Trigger, TriggerTime

__all__ = [
    "Checkpoint",
    "Condition",
    "ConditionWebhook",
    "Cron",
    "FixedRate",
    "Trigger",
    "TriggerTime",
    "deploy",
    "latest_checkpoint",
    "new_condition",
    "recover",
    "trace",
]
