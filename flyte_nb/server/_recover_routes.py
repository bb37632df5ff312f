"""The backend route that starts a recovery (``flyte_nb.recover``); see ``backend/_recovery.py``.

Its own module so that pydantic and FastAPI load only in the server, never with
``@flyte.trace``. In the OpenAPI document: the panel's Recover button calls it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from ..backend import Backend, Views
from ..backend._recovery import recover_run
from ._common import ERRORS, run_or_404
from ._schemas import RunModel


class RecoverBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
    env_vars: dict[str, str] = {}


def add_recover_routes(app: FastAPI, backend: Backend, views: Views) -> None:
    @app.post(
        "/api/v1/runs/{name}/recover", status_code=201, response_model=RunModel, responses=ERRORS
    )
    async def recover(name: str, body: RecoverBody) -> dict[str, Any]:
        """A new run that reuses every action of this finished run that succeeded and runs
        only what failed or never ran."""
        return run_or_404(views, recover_run(backend, name, body.name, body.env_vars))
