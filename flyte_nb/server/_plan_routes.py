"""Routes for launch plans: register a version, list and read them, (de)activate one.

Decisions:
- A launch plan names a registered workflow version (a row of ``tasks``); registering one
  whose workflow is not registered is a 400 saying to register the workflow first, so a
  stored launch plan can always be executed.
- Versions are immutable like tasks': the same version with the same body returns the
  stored row (idempotent re-registration from a re-run cell), with another body a 409.
- Activation is per version and exclusive per name (``_queries.set_launch_plan_active``
  does both updates in one transaction). The backend's ``ScheduleRunner``
  (``backend/_schedules.py``) fires the active ones; activating resets where a schedule
  stood, so it counts from the activation.
- The schedule is validated here too (cron syntax, positive rate), not only by the SDK:
  the HTTP API is public, and a scheduler must never meet a stored schedule it cannot read.
- The handlers only touch the store, so they are plain functions (thread pool).
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from fastapi import FastAPI, Query

from ..backend import Backend, BackendError, Views
from . import _schemas as s
from ._common import ERRORS, not_found

PLAN = "/api/v1/launch-plans/{project}/{domain}/{name}/{version}"


def add_plan_routes(app: FastAPI, backend: Backend, views: Views) -> None:
    from ..store import _queries

    engine = backend.engine

    @app.post(
        "/api/v1/launch-plans", status_code=201, response_model=s.LaunchPlanModel, responses=ERRORS
    )
    def register_launch_plan(body: s.RegisterLaunchPlan) -> dict[str, Any]:
        """Store a launch plan version of a registered workflow (inactive)."""
        spec = body.spec.model_dump()
        _check_schedule(spec["schedule"])
        if (
            _queries.get_task(
                engine, body.project, body.domain, body.workflow_name, body.workflow_version
            )
            is None
        ):
            raise BackendError(
                400,
                "bad_request",
                f"workflow {body.workflow_name!r} version {body.workflow_version!r} is not "
                f"registered in {body.project}/{body.domain}; register it first (POST "
                "/api/v1/tasks)",
            )
        row = {
            "project": body.project,
            "domain": body.domain,
            "name": body.name,
            "version": body.version,
            "workflow_name": body.workflow_name,
            "workflow_version": body.workflow_version,
            "spec": json.dumps(spec, sort_keys=True),
            "created_at": time.time(),
        }
        try:
            return _view(_queries.register_launch_plan(engine, row))
        except ValueError as exc:
            raise BackendError(409, "conflict", str(exc)) from None

    @app.get("/api/v1/launch-plans", response_model=s.LaunchPlanList, responses=ERRORS)
    def list_launch_plans(
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        active: bool | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        """Launch plan versions, newest first (``active=true``: the active ones)."""
        rows = _queries.list_launch_plans(
            engine, project=project, domain=domain, name=name, active=active, limit=limit
        )
        return {"items": [_view(r) for r in rows]}

    @app.get(PLAN, response_model=s.LaunchPlanModel, responses=ERRORS)
    def get_launch_plan(project: str, domain: str, name: str, version: str) -> dict[str, Any]:
        """One launch plan version."""
        row = _queries.get_launch_plan(engine, project, domain, name, version)
        if row is None:
            raise _missing(project, domain, name, version)
        return _view(row)

    @app.post(PLAN + "/activate", response_model=s.LaunchPlanModel, responses=ERRORS)
    def activate(project: str, domain: str, name: str, version: str) -> dict[str, Any]:
        """Make this version the active one of its name (the others are deactivated)."""
        return _set(project, domain, name, version, True)

    @app.post(PLAN + "/deactivate", response_model=s.LaunchPlanModel, responses=ERRORS)
    def deactivate(project: str, domain: str, name: str, version: str) -> dict[str, Any]:
        """Deactivate this version (its name then has no active version)."""
        return _set(project, domain, name, version, False)

    def _set(project: str, domain: str, name: str, version: str, on: bool) -> dict[str, Any]:
        row = _queries.set_launch_plan_active(engine, project, domain, name, version, on)
        if row is None:
            raise _missing(project, domain, name, version)
        if on:  # an activation never fires slots that passed while inactive
            backend.schedules.reset(project, domain, name)
        return _view(row)


def _missing(project: str, domain: str, name: str, version: str) -> BackendError:
    return not_found(
        f"no launch plan {name!r} version {version!r} in {project}/{domain}; list them with "
        "GET /api/v1/launch-plans"
    )


def _check_schedule(schedule: dict[str, Any] | None) -> None:
    if schedule is None:
        return
    from ..exceptions import FlyteValidationException
    from ..schedules import schedule_from_dict

    try:
        schedule_from_dict(schedule)
    except FlyteValidationException as exc:
        raise BackendError(400, "bad_request", f"spec.schedule: {exc}") from None


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "spec": json.loads(row["spec"]), "active": bool(row["active"])}
