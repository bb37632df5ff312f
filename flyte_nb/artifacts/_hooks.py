"""The calls the engine, backend workers and run submission make into artifacts.

Registered into ``flyte_nb.action.artifact_hooks`` by ``_artifact`` when it is imported;
the callers sit below this package and reach these functions only through that registry.

Each is one line at its call site and costs nothing for programs without artifacts: an
``Artifact`` or ``ArtifactQuery`` can only exist once ``_artifact`` has been imported, so
until then every hook answers "nothing to do" without importing anything (this module
imports only the standard library).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine._controller import RunController
    from ..engine._state import ActionState
    from ..tasks._template import TaskTemplate

_LOADED = "flyte_nb.artifacts._artifact"


def declared(task: TaskTemplate) -> dict[str, Any]:
    """Output name -> artifact for ``task`` (checked at decoration; see ``_produce``)."""
    if _LOADED not in sys.modules:
        return {}
    from ._produce import output_artifacts

    return output_artifacts(task)


def is_query(value: object) -> bool:
    """Whether a default input is an ``ArtifactQuery`` (resolved at launch, not checked)."""
    module = sys.modules.get(_LOADED)
    return module is not None and isinstance(value, module.ArtifactQuery)


def record_local(controller: RunController, state: ActionState, task: TaskTemplate) -> None:
    """An in-kernel action succeeded: store the versions its outputs make."""
    from ._produce import record_local as record

    record(controller, state, task)


def claims(
    task: TaskTemplate, state: ActionState, outputs: str, get_blob: Callable[[str], bytes]
) -> list[dict[str, Any]]:
    """A worker's action succeeded: the versions to report with its result."""
    from ._produce import claims as make

    return make(task, state, outputs, get_blob)


def resolve_local(
    task: TaskTemplate, args: tuple, kwargs: dict[str, Any]
) -> tuple[tuple, dict[str, Any], list[dict[str, Any]]]:
    """A local launch: artifact inputs replaced by values from this machine's records."""
    if _LOADED not in sys.modules:
        return args, kwargs, []
    from ._launch import resolve_launch
    from ._source import LocalArtifacts

    return resolve_launch(task, args, kwargs, LocalArtifacts())


def consumed_local(run_name: str, consumed: list[dict[str, Any]]) -> None:
    """Lineage of a local run: the versions its inputs were read from."""
    if consumed:
        from ._source import LocalArtifacts

        LocalArtifacts().consumed(run_name, consumed)


def resolve_remote(
    task: TaskTemplate, args: tuple, kwargs: dict[str, Any], client: Any, project: str, domain: str
) -> tuple[tuple, dict[str, Any], list[dict[str, Any]]]:
    """A launch on a backend: artifact inputs replaced by values the backend holds."""
    if _LOADED not in sys.modules:
        return args, kwargs, []
    from ._launch import resolve_launch
    from ._source import RemoteArtifacts

    return resolve_launch(task, args, kwargs, RemoteArtifacts(client, project, domain))
