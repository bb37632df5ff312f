"""The local engine: runs a task's actions in this process and records them.

``_execute_run`` starts and finishes runs, ``_controller`` runs actions (retries, timeouts,
cache, concurrency), ``_context`` tracks which action is running, ``_loop`` owns the event
loop async bodies run on, ``_capture`` records stdout/stderr per action, ``_map`` and
``group`` shape fan-out. The engine depends on ``store`` and ``types``, never on the SDK
modules that call it.
"""

from ._context import ActionFrame, ctx, current_context, current_frame, custom_context, group
from ._controller import RunController
from ._execute_run import RunOutcome, execute_run, recorder
from ._loop import block_on
from ._map import MapResult, map
from ._traceback import trim_traceback

__all__ = [
    "ActionFrame",
    "MapResult",
    "RunController",
    "RunOutcome",
    "block_on",
    "ctx",
    "current_context",
    "current_frame",
    "custom_context",
    "execute_run",
    "group",
    "map",
    "recorder",
    "trim_traceback",
]
