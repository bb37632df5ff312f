"""Gate signals and schedule state: the rows the backend keeps so gates and schedules
survive a restart.

SQLAlchemy Core on the caller's engine, as ``_queries.py``. Both tables are small and
read by primary key, so no index beyond it.

- A signal row is created once, WAITING, when a gate first waits (``ensure_signal``
  inserts if absent and returns what is there: a gate re-submitted after a restart finds
  the answer given meanwhile). ``answer_signal`` moves it to SET or REJECTED only from
  WAITING, in one conditional UPDATE, so two people answering at once cannot both win.
- ``claim_fire`` advances a schedule's ``last_fire_at`` with a compare-and-set (only if
  it still holds the value the scheduler read), so two backends on one PostgreSQL, or a
  scheduler racing itself after a restart, fire a slot once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ._db import writing
from ._schema import schedule_state, signals

WAITING, SET, REJECTED = "WAITING", "SET", "REJECTED"


def ensure_signal(engine: Engine, row: dict[str, Any]) -> dict[str, Any]:
    """The signal (run_name, name): inserted WAITING from ``row`` when absent."""
    s = signals.c
    key = (s.run_name == row["run_name"], s.name == row["name"])
    with writing(engine) as conn:
        found = conn.execute(select(signals).where(*key)).mappings().first()
        if found is not None:
            return dict(found)
        conn.execute(insert(signals).values(**{**row, "state": WAITING}))
        return dict(conn.execute(select(signals).where(*key)).mappings().one())


def get_signal(engine: Engine, run_name: str, name: str) -> dict[str, Any] | None:
    s = signals.c
    with engine.connect() as conn:
        row = conn.execute(select(signals).where(s.run_name == run_name, s.name == name)).mappings()
        found = row.first()
    return dict(found) if found is not None else None


def list_signals(engine: Engine, run_name: str, limit: int = 100) -> list[dict[str, Any]]:
    """A run's signals, oldest first."""
    query = (
        select(signals)
        .where(signals.c.run_name == run_name)
        .order_by(signals.c.created_at)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def answer_signal(
    engine: Engine,
    run_name: str,
    name: str,
    state: str,
    value: str | None,
    at: float,
    by: str | None,
) -> bool:
    """Answer a WAITING signal; False when it was not WAITING (already answered)."""
    s = signals.c
    with writing(engine) as conn:
        result = conn.execute(
            update(signals)
            .where(s.run_name == run_name, s.name == name, s.state == WAITING)
            .values(state=state, value=value, set_at=at, set_by=by)
        )
    return bool(result.rowcount)


def last_fire(engine: Engine, project: str, domain: str, name: str) -> float | None:
    c = schedule_state.c
    with engine.connect() as conn:
        return conn.execute(
            select(c.last_fire_at).where(c.project == project, c.domain == domain, c.name == name)
        ).scalar()


def claim_fire(
    engine: Engine, project: str, domain: str, name: str, previous: float | None, slot: float
) -> bool:
    """Move the schedule's last fire time from ``previous`` to ``slot``; False if another
    scheduler moved it first."""
    c = schedule_state.c
    with writing(engine) as conn:
        if previous is None:  # the first claim: the primary key lets one inserter win
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(schedule_state).values(
                            project=project, domain=domain, name=name, last_fire_at=slot
                        )
                    )
            except IntegrityError:
                return False
            return True
        result = conn.execute(
            update(schedule_state)
            .where(
                c.project == project,
                c.domain == domain,
                c.name == name,
                c.last_fire_at == previous,
            )
            .values(last_fire_at=slot)
        )
    return bool(result.rowcount)


def reset_schedule(engine: Engine, project: str, domain: str, name: str) -> None:
    """Forget the schedule's last fire time (the next check counts from then)."""
    c = schedule_state.c
    with writing(engine) as conn:
        conn.execute(
            delete(schedule_state).where(c.project == project, c.domain == domain, c.name == name)
        )
