"""Artifacts as inputs: queries and versions resolved when a run is launched.

``def wf(data: pd.DataFrame = Pricing.query(region="dubai"))``, or an input given as an
``Artifact`` version or an ``ArtifactQuery``, is replaced by the value of the version it
resolves to *before* the inputs are checked and encoded, so the run records, caches and
ships the value like any other input. The run is then noted as a consumer of that version
(lineage): in the kernel's records right after the run's first row, on a backend with the
run's creation (``RunOptions.artifacts``).

Decisions:
- Resolution happens once, at launch, in the launching process, against the store the run
  goes to (this machine's records, or the backend). A task *called inside a run* with a
  query default is not resolved: the query is what gets type-checked, which fails naming
  the input; launch it as a run instead (Union resolves queries only at launch too).
- A query's ``Inputs.<name>`` values come from the launch's other inputs, so
  ``def wf(day: datetime, data = Daily.query(time_partition=Inputs.day))`` reads the
  version of the day the run is launched for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import ArtifactNotFoundError, FlyteTypeException
from ._artifact import Artifact, ArtifactQuery

if TYPE_CHECKING:
    from ..tasks._template import TaskTemplate
    from ._source import ArtifactSource

__all__ = ["resolve_launch"]

_KINDS = (Artifact, ArtifactQuery)


def _needed(task: TaskTemplate, args: tuple, kwargs: dict[str, Any]) -> bool:
    if any(isinstance(v, _KINDS) for v in (*args, *kwargs.values())):
        return True
    return any(isinstance(d, ArtifactQuery) for _, d in task.interface.inputs.values())


def resolve_launch(
    task: TaskTemplate, args: tuple, kwargs: dict[str, Any], source: ArtifactSource | None = None
) -> tuple[tuple, dict[str, Any], list[dict[str, Any]]]:
    """``(args, kwargs, consumed)`` for launching ``task``: artifacts replaced by values,
    and the versions read (``input``, ``project``, ``domain``, ``name``, ``version``)."""
    if not _needed(task, args, kwargs):
        return args, kwargs, []
    try:
        values = task.interface.convert_to_kwargs(*args, **kwargs)
    except FlyteTypeException:
        return args, kwargs, []  # binding the inputs reports it, naming the task
    if source is None:
        from ._source import current_source

        source = current_source()
    plain = {k: v for k, v in values.items() if not isinstance(v, _KINDS)}
    consumed = []
    for name, value in values.items():
        if not isinstance(value, _KINDS):
            continue
        where = f"Task '{task.name}': input {name!r}"
        try:
            if isinstance(value, ArtifactQuery):
                version = value.bind(plain, where).fetch(source)
            elif value._view is None:
                version = value._latest(source)
            else:
                version = value
        except ArtifactNotFoundError as exc:
            raise ArtifactNotFoundError(f"{where}: {exc}") from None
        values[name] = version.get()
        view = version._view
        assert view is not None
        consumed.append(
            {"input": name, **{k: view[k] for k in ("project", "domain", "name", "version")}}
        )
    return (), values, consumed
