"""Routes that act on recorded runs: re-run (same or edited inputs), its form, and compare.

Thin: ``backend/_rerun.py`` starts the new run (the same function recoveries use),
``backend/_rerun_form.py`` builds the form and checks edited values, and
``backend/_compare.py`` lines runs up. A bad edited value is a 400 whose message starts
with ``input '<name>':``, so a form can show it next to the box it came from.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from ..backend import Backend, Views
from ._common import ERRORS, run_or_404
from ._schemas import NAME, RunModel


class RerunBody(BaseModel):
    """A re-run: ``inputs`` maps the names of edited inputs to their new values (JSON, or
    the text a form box holds); the others keep the old run's values."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, pattern=NAME)
    inputs: dict[str, Any] = Field(default={}, max_length=1000)
    env_vars: dict[str, str] = {}


class Choice(BaseModel):
    label: str
    value: Any


class FormField(BaseModel):
    name: str
    type: str = Field(description="the annotation, as written in Python")
    kind: str = Field(description="int, float, bool, str, enum, list, dict or other")
    optional: bool
    required: bool
    editable: bool
    value: Any = Field(description="the value in this run (a description when not editable)")
    choices: list[Choice] | None = None
    items: str | None = Field(default=None, description="the kind of a list's or dict's members")


class RerunForm(BaseModel):
    run: str
    fields: list[FormField]


class CompareRow(BaseModel):
    section: str = Field(description="run, inputs, outputs or tasks")
    field: str
    values: list[Any] = Field(description="one per run, in the order asked")
    differs: bool
    unit: str | None = None


class Comparison(BaseModel):
    runs: list[RunModel]
    rows: list[CompareRow]


def add_act_routes(app: FastAPI, backend: Backend, views: Views) -> None:
    from ..backend._compare import compare_runs
    from ..backend._rerun import relaunch, rerun_form

    @app.get("/api/v1/runs/{name}/rerun", response_model=RerunForm, responses=ERRORS)
    async def get_rerun_form(name: str) -> dict[str, Any]:
        """The run's inputs as a form: what a re-run with edited inputs starts from."""
        run_or_404(views, name)
        return {"run": name, "fields": rerun_form(backend, name)}

    @app.post(
        "/api/v1/runs/{name}/rerun", status_code=201, response_model=RunModel, responses=ERRORS
    )
    async def rerun(name: str, body: RerunBody) -> dict[str, Any]:
        """Start the run again, with the same inputs or some of them edited."""
        run_or_404(views, name)
        new = relaunch(backend, name, name=body.name, env_vars=body.env_vars, edits=body.inputs)
        return run_or_404(views, new)

    @app.get("/api/v1/compare", response_model=Comparison, responses=ERRORS)
    async def compare(
        runs: Annotated[list[str], Query(description="2 to 10 run names")],
    ) -> dict[str, Any]:
        """Two or more runs side by side: inputs, outputs, durations, task versions."""
        return compare_runs(backend, runs)
