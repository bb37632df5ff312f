"""Artifacts: named, versioned values with partitions and lineage (Union's ``Artifact``).

    Pricing = Artifact(name="pricing", partition_keys=["region"])

    @task
    def price(region: str) -> Annotated[float, Pricing(region=Inputs.region)]: ...

    @workflow
    def report(p: float = Pricing.query(region="dubai")) -> str: ...

``_artifact`` holds ``Artifact`` and ``ArtifactQuery``, ``_spec`` the parts they are made
of (``Inputs``, ``Granularity``, partitions), ``_produce`` how a task's outputs become
versions, ``_launch`` how queries become a run's inputs, ``_source`` where reads go (this
machine's records, or the backend after ``fl.init()``) and ``_hooks`` the few calls the
engine, workers and run submission make. The rows are the store's
(``store/_artifact_rows.py``, ``store/_artifact_queries.py``).

The engine sits below this package (docs/architecture.md), so it does not import
``_hooks``: it calls ``flyte_nb.action.artifact_hooks``, which ``_artifact`` fills with
``_hooks`` when it is imported. Until then no artifact can exist and every hook is a no-op,
so a program that never touches an artifact does not load this package at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr

if TYPE_CHECKING:
    from ._artifact import Artifact, ArtifactQuery
    from ._spec import Granularity, InputBinding, Inputs, Partitions, TimePartition

_LAZY = {
    "Artifact": "._artifact",
    "ArtifactQuery": "._artifact",
    "Granularity": "._spec",
    "InputBinding": "._spec",
    "Inputs": "._spec",
    "Partitions": "._spec",
    "TimePartition": "._spec",
}

__all__ = [
    "Artifact",
    "ArtifactQuery",
    "Granularity",
    "InputBinding",
    "Inputs",
    "Partitions",
    "TimePartition",
]

__getattr__ = lazy_getattr(__name__, _LAZY)
