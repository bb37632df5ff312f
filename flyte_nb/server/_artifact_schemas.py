"""The HTTP API's artifact models (part of ``/openapi.json``; see ``_schemas.py`` for the
rules every model follows). The shapes are ``store/_artifact_rows.version_view`` and the
reads of ``store/_artifact_queries.py``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..store._artifact_rows import NAME_PATTERN, VERSION_PATTERN
from ._schemas import SCOPE, Out, Strict

Granularity = Literal["MINUTE", "HOUR", "DAY", "MONTH"]  # store._artifact_rows.GRANULARITIES


class ArtifactVersionModel(Out):
    project: str
    domain: str
    name: str
    version: str
    uri: str = Field(description="flyte://av0.1/<project>/<domain>/<name>@<version>")
    partitions: dict[str, str]
    time_partition: float | None = Field(description="epoch seconds, truncated to granularity")
    granularity: Granularity | None
    type: str = Field(description="the Python type of the value, as annotated")
    value: Any = Field(description="encoded value: a scalar, or a $json or $blob tag")
    preview: str = Field(description="a short text of the value, for lists")
    run: str | None = Field(description="the run that produced it; None when made by hand")
    action: str | None
    output: str | None = Field(description="the producing task's output name (o0, ...)")
    created_at: float
    short_description: str | None
    card: str | None = Field(description="markdown")


class ArtifactVersionList(Out):
    items: list[ArtifactVersionModel]


class ArtifactSummary(Out):
    project: str
    domain: str
    name: str
    versions: int
    partition_keys: list[str]
    time_partitioned: bool
    latest: ArtifactVersionModel


class ArtifactList(Out):
    items: list[ArtifactSummary]
    total: int
    offset: int
    limit: int


class PartitionValue(Out):
    value: str
    versions: int
    latest_at: float


class TimePartitionValue(Out):
    time_partition: float
    granularity: Granularity
    versions: int
    latest_at: float


class ArtifactPartitions(Out):
    keys: dict[str, list[PartitionValue]] = Field(
        description="per partition key, its values, most recently written first"
    )
    time_partitions: list[TimePartitionValue] = Field(description="newest first")


class Producer(Out):
    run: str
    action: str
    output: str | None
    task_name: str | None
    phase: str | None


class Consumer(Out):
    run: str
    input: str
    consumed_at: float
    task_name: str | None
    phase: str | None


class Lineage(Out):
    producer: Producer | None = Field(description="None for a version created by hand")
    consumers: list[Consumer] = Field(description="runs that read it, newest first")


class ConsumedVersion(Out):
    input: str
    artifact: ArtifactVersionModel


class RunArtifacts(Out):
    produced: list[ArtifactVersionModel]
    consumed: list[ConsumedVersion]


class CreateArtifact(Strict):
    """A version made by hand. ``value`` is a ``flyte_nb.types`` encoding (upload blobs
    first); ``version`` defaults to a fresh random one."""

    project: str = Field(default="default", pattern=SCOPE)
    domain: str = Field(default="development", pattern=SCOPE)
    name: str = Field(pattern=NAME_PATTERN)
    version: str | None = Field(default=None, pattern=VERSION_PATTERN)
    partitions: dict[str, str] = {}
    time_partition: float | None = Field(default=None, ge=-62_135_596_800.0, le=253_402_300_799.0)
    granularity: Granularity | None = None
    value: Any
    type: str = Field(min_length=1, max_length=256)
    short_description: str | None = Field(default=None, max_length=10_000)
    card: str | None = Field(default=None, max_length=1_000_000)
