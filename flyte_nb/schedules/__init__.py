"""When a registered launch plan or a Flyte 2 trigger fires: ``CronSchedule``, ``FixedRate``.

Plain values with their stored form (``to_dict``/``schedule_from_dict``), in a package of
their own below the backend (docs/architecture.md): the flytekit layer attaches them to
launch plans, ``durable`` to triggers, and the backend and the HTTP API read them back to
fire runs, without importing the flytekit layer. ``flyte_nb.union.CronSchedule`` and
``FixedRate`` are these classes.
"""

from __future__ import annotations

from ._schedule import CronSchedule, FixedRate, Schedule, schedule_from_dict

__all__ = ["CronSchedule", "FixedRate", "Schedule", "schedule_from_dict"]
