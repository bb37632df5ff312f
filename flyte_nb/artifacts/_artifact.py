"""``Artifact`` and ``ArtifactQuery``: named, versioned values, and how to ask for the newest.

One class plays both of Union's roles, as the seed's does:

- a *definition*, ``Pricing = Artifact(name="pricing", partition_keys=["region"])``, used in
  output annotations (``Annotated[pd.DataFrame, Pricing(region=Inputs.region)]``), in
  ``Pricing.create_from(df, region="dubai")`` inside a task, and in
  ``Pricing.query(region="dubai")`` as a default input;
- a *version* read back from the records (``query(...).fetch()``,
  ``UnionRemote.get_artifact``, ``search_artifacts``): it has a ``version``, concrete
  partitions and a value, read with ``get(as_type)``.

Decisions:
- Everything a user can get wrong is checked where it is written: an undeclared partition
  key in ``MyArtifact(...)``, ``create_from`` or ``query`` is an error naming the key and
  the declared ones, not a silent mismatch found later.
- ``get`` on a definition reads the newest version (``query()`` with no filters), so
  ``Pricing.get()`` is "the latest pricing"; ``as_type`` checks the value strictly (the same
  checks as task inputs), so a wrong type is an error naming the artifact, its stored type
  and the type asked for.
- Reads go to the backend after ``fl.init()`` and to this machine's records otherwise
  (``_source.py``), like ``fl.remote.Run``.
- ``tags`` of ``initialize`` and the Flyte IDL arguments (``literal``, ``literal_type``,
  ``source``) have no meaning here; they are refused rather than dropped.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Mapping
from typing import Any

from ..exceptions import ArtifactNotFoundError, FlyteTypeException, FlyteValidationException
from ..store._artifact_rows import (
    TIME_PARTITION_KEY,
    name_problem,
    version_problem,
)
from ._seed import ArtifactSeedMethods
from ._spec import (
    Granularity,
    InputBinding,
    Partitions,
    TimePartition,
    as_value,
    card_text,
    check_keys,
    check_scope,
    epoch_to_datetime,
    partition_value,
    time_value,
    undeclared,
)

__all__ = ["Artifact", "ArtifactQuery"]

_UNSET: Any = object()


def _bound(where: str, key: str, value: object) -> str | InputBinding:
    return value if isinstance(value, InputBinding) else partition_value(where, key, value)


def _time(where: str, value: object) -> float | InputBinding:
    if isinstance(value, TimePartition) and isinstance(value.value, InputBinding):
        return value.value
    return value if isinstance(value, InputBinding) else time_value(where, value)


class Artifact(ArtifactSeedMethods):
    """A named, versioned value with partitions (see the module docstring)."""

    def __init__(
        self,
        *args: Any,
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        version: str | None = None,
        time_partitioned: bool = False,
        time_partition: TimePartition | datetime.date | InputBinding | float | None = None,
        time_partition_granularity: Granularity | str | None = None,
        partition_keys: list[str] | None = None,
        partitions: Partitions | Mapping[str, Any] | None = None,
        python_val: Any = None,
        python_type: Any = None,
        literal: Any = None,
        literal_type: Any = None,
        short_description: str | None = None,
        source: Any = None,
        card: Any = None,
        **kwargs: Any,
    ) -> None:
        where = f"Artifact({name!r})" if isinstance(name, str) else "Artifact(...)"
        if args:
            raise FlyteValidationException(
                f"{where} takes keyword arguments only, e.g. "
                "Artifact(name='pricing', partition_keys=['region'])"
            )
        if kwargs:
            raise FlyteValidationException(f"{where}: unexpected argument(s) {sorted(kwargs)}")
        for idl, value in (
            ("literal", literal),
            ("literal_type", literal_type),
            ("source", source),
        ):
            if value is not None:
                raise FlyteValidationException(
                    f"{where}: {idl} is a Flyte service object with no meaning in flyte_nb; "
                    "give the value as python_val (and its type as python_type)"
                )
        if name is not None and name_problem(name):
            raise FlyteValidationException(f"{where}: {name_problem(name)}")
        if version is not None and version_problem(version):
            raise FlyteValidationException(f"{where}: {version_problem(version)}")
        if not isinstance(time_partitioned, bool):
            raise FlyteValidationException(f"{where}: time_partitioned must be True or False")
        if short_description is not None and not isinstance(short_description, str):
            raise FlyteValidationException(f"{where}: short_description must be a str")
        self.project = check_scope(where, "project", project)
        self.domain = check_scope(where, "domain", domain)
        self.name = name
        self.version = version
        if partitions is not None and not isinstance(partitions, Mapping):
            raise FlyteValidationException(
                f"{where}: partitions must be a dict of key -> value, got {partitions!r}"
            )
        given = dict(partitions) if partitions is not None else {}
        keys = check_keys(list(given) if partition_keys is None else partition_keys, where)
        undeclared(where, name or "?", keys, list(given))
        self.partition_keys: list[str] = keys
        self._partitions: dict[str, str | InputBinding] = {
            k: _bound(where, k, v) for k, v in given.items()
        }
        self._time: float | InputBinding | None = None
        if time_partition is not None:
            time_partitioned = True
            if isinstance(time_partition, TimePartition) and time_partition_granularity is None:
                time_partition_granularity = time_partition.granularity
            self._time = _time(where, time_partition)
        if time_partition_granularity is not None and not time_partitioned:
            raise FlyteValidationException(
                f"{where}: time_partition_granularity needs time_partitioned=True"
            )
        self.time_partitioned = time_partitioned
        self.time_partition_granularity: Granularity | None = (
            Granularity.coerce(time_partition_granularity or Granularity.DAY, where)
            if time_partitioned
            else None
        )
        self.python_val = python_val
        self.python_type = python_type
        self.short_description = short_description
        self.card = card_text(where, card)
        self._view: dict[str, Any] | None = None  # set on a version read from the records
        self._source: Any = None

    # -- what a version read back carries ---------------------------------------------------
    @classmethod
    def from_view(cls, view: dict[str, Any], source: Any) -> Artifact:
        """The version described by ``view`` (``version_view``), read through ``source``."""
        granularity = view["granularity"]
        art = cls(
            project=view["project"],
            domain=view["domain"],
            name=view["name"],
            version=view["version"],
            partitions=view["partitions"],
            time_partition=view["time_partition"],
            time_partition_granularity=granularity,
            short_description=view["short_description"],
            card=view["card"],
        )
        art._view = view
        art._source = source
        return art

    @property
    def partitions(self) -> Partitions | None:
        """The partition values (bound ones, for a definition); None without partition keys."""
        return Partitions(self._partitions) if self.partition_keys else None

    @property
    def time_partition(self) -> TimePartition | None:
        if not self.time_partitioned:
            return None
        value = self._time
        shown = value if isinstance(value, InputBinding) else epoch_to_datetime(value)
        return TimePartition(shown, self.time_partition_granularity or Granularity.DAY)

    @property
    def uri(self) -> str | None:
        """``flyte://av0.1/<project>/<domain>/<name>@<version>`` of a version; else None."""
        if self._view is not None:
            return str(self._view["uri"])
        return None

    @property
    def concrete_artifact_id(self) -> str | None:
        """The seed's name for a version's identity: here its URI."""
        return self.uri

    def metadata(self) -> dict[str, Any]:
        """What the records say about this version (type, run, action, output, created_at,
        uri, ...); a definition's own settings when it is not a version."""
        if self._view is not None:
            return {k: v for k, v in self._view.items() if k != "value"}
        granularity = self.time_partition_granularity
        return {
            "project": self.project,
            "domain": self.domain,
            "name": self.name,
            "version": self.version,
            "partition_keys": list(self.partition_keys),
            "partitions": {
                k: repr(v) if isinstance(v, InputBinding) else v
                for k, v in self._partitions.items()
            },
            "time_partitioned": self.time_partitioned,
            "granularity": granularity.value if granularity else None,
            "short_description": self.short_description,
            "card": self.card,
        }

    # -- binding partitions ----------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Artifact:
        """This artifact with partitions (and the time partition) bound, to annotate an
        output: ``Pricing(region=Inputs.region)`` or ``Pricing(region="dubai")``."""
        where = f"{self.name}(...)"
        if args:
            raise FlyteValidationException(
                f"{where} binds partitions by name, e.g. {self.name}(region=Inputs.region)"
            )
        time = kwargs.pop(TIME_PARTITION_KEY, _UNSET)
        undeclared(where, self.name or "?", self.partition_keys, list(kwargs))
        new = copy.copy(self)
        new._partitions = {
            **self._partitions,
            **{k: _bound(where, k, v) for k, v in kwargs.items()},
        }
        if time is not _UNSET:
            self._need_time(where)
            new._time = _time(where, time)
        return new

    def _need_time(self, where: str) -> None:
        if not self.time_partitioned:
            raise FlyteValidationException(
                f"{where}: artifact {self.name!r} is not time partitioned; declare it with "
                "Artifact(..., time_partitioned=True) to give it a time_partition"
            )

    def create_from(self, o: Any, card: Any = None, *args: Any, **kwargs: Any) -> Any:
        """Return ``o`` unchanged, noting partition values (and ``time_partition``, ``card``)
        for this artifact's output of the running task: values only known in the body."""
        where = f"{self.name}.create_from"
        if args:
            raise FlyteValidationException(
                f"{where} takes partition values by name, e.g. "
                f"{self.name}.create_from(value, region='dubai')"
            )
        time = kwargs.pop(TIME_PARTITION_KEY, None)
        undeclared(where, self.name or "?", self.partition_keys, list(kwargs))
        values = {k: partition_value(where, k, v) for k, v in kwargs.items()}
        ts = None
        if time is not None:
            self._need_time(where)
            ts = time_value(where, time)
        from ._produce import remember_dynamic

        remember_dynamic(self.name or "", values, ts, card_text(where, card))
        return o

    # -- reading ---------------------------------------------------------------------------
    def query(
        self,
        project: str | None = None,
        domain: str | None = None,
        time_partition: datetime.date | TimePartition | InputBinding | None = None,
        partitions: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """An ``ArtifactQuery``: the newest version matching these partitions; as a default
        input it is resolved when a run is launched. Partitions left out match any value.

        Typed ``Any`` (like pydantic's ``Field()``) so that ``x: int = A.query()`` checks."""
        where = f"{self.name}.query"
        if self.name is None:
            raise FlyteValidationException("Artifact.query needs an artifact with a name")
        given = {
            **{k: v for k, v in self._partitions.items() if isinstance(v, str)},
            **dict(partitions or {}),
            **kwargs,
        }
        undeclared(where, self.name, self.partition_keys, list(given))
        time: float | InputBinding | None = None
        if time_partition is not None:
            self._need_time(where)
            time = _time(where, time_partition)
        return ArtifactQuery(
            self,
            check_scope(where, "project", project) or self.project,
            check_scope(where, "domain", domain) or self.domain,
            {k: _bound(where, k, v) for k, v in given.items()},
            time,
        )

    def get(self, as_type: Any = None) -> Any:
        """The value of this version (of the newest version, for a definition; the
        ``python_val`` of one made by ``initialize`` and not created yet)."""
        if self._view is None and self.python_val is not None and self.version is None:
            return as_value(self, self.python_val, as_type)
        target = self if self._view is not None else self._latest()
        assert target._view is not None
        from ..types import decode_value

        return as_value(target, decode_value(target._view["value"], target._source.blob), as_type)

    def _latest(self, source: Any = None) -> Artifact:
        """This definition's version ``self.version``, else its newest version."""
        if source is None:
            from ._source import current_source

            source = current_source()
        if self.version is not None and self.name is not None:
            view = source.version(
                self.project or source.project,
                self.domain or source.domain,
                self.name,
                self.version,
            )
            return Artifact.from_view(view, source)
        return self.query().fetch(source)

    @classmethod
    def initialize(
        cls,
        python_val: Any,
        python_type: Any = None,
        name: str | None = None,
        literal_type: Any = None,
        version: str | None = None,
        tags: list[str] | None = None,
    ) -> Artifact:
        """An artifact for ``python_val``, not stored yet: store it with
        ``UnionRemote().create_artifact(...)`` (which names it when ``name`` is None)."""
        if tags:
            raise FlyteValidationException(
                "Artifact.initialize: tags are not kept by flyte_nb; describe versions with "
                "partitions or short_description instead"
            )
        if python_type is not None:
            from ..types import checker_for, type_name

            if checker_for(python_type)(python_val) is not None:
                raise FlyteTypeException(
                    f"Artifact.initialize: python_val {python_val!r} is not a "
                    f"{type_name(python_type)}; pass a value of python_type, or leave it out"
                )
        return cls(
            name=name,
            version=version,
            python_val=python_val,
            python_type=python_type,
            literal_type=literal_type,
        )

    def __repr__(self) -> str:
        parts = [f"name={self.name!r}"]
        if self.version is not None:
            parts.append(f"version={self.version!r}")
        if self._partitions:
            parts.append(f"partitions={dict(self._partitions)!r}")
        elif self.partition_keys:
            parts.append(f"partition_keys={self.partition_keys!r}")
        tp = self.time_partition
        if tp is not None:
            shown = tp.value.isoformat() if isinstance(tp.value, datetime.datetime) else tp.value
            parts.append(f"time_partition={shown!r}")
        return f"Artifact({', '.join(parts)})"


class ArtifactQuery:
    """``Artifact.query(...)``: the newest version of an artifact matching partitions.

    As a task's or workflow's default input it is resolved when a run is launched, and the
    run is recorded as a consumer of the version it got. ``fetch()`` resolves it now.
    Partition values may be ``Inputs.<name>``: the launch's value of that other input.
    """

    def __init__(
        self,
        artifact: Artifact,
        project: str | None,
        domain: str | None,
        partitions: dict[str, str | InputBinding],
        time_partition: float | InputBinding | None,
    ) -> None:
        self.artifact = artifact
        self.project = project
        self.domain = domain
        self.partitions = partitions
        self.time_partition = time_partition

    @property
    def name(self) -> str:
        return self.artifact.name or ""

    def bindings(self) -> list[str]:
        """The inputs this query reads (``Inputs.<name>`` values)."""
        values = [*self.partitions.values(), self.time_partition]
        return [v.input for v in values if isinstance(v, InputBinding)]

    def bind(self, values: Mapping[str, Any], where: str) -> ArtifactQuery:
        """This query with every ``Inputs.<name>`` replaced by ``values[name]``."""

        def resolve(key: str, v: Any) -> Any:
            if not isinstance(v, InputBinding):
                return v
            if v.input not in values:
                raise FlyteValidationException(
                    f"{where}: {self!r} reads input {v.input!r}, which the launch does not have"
                )
            got = values[v.input]
            if key == TIME_PARTITION_KEY:
                return time_value(where, got)
            return partition_value(where, key, got)

        return ArtifactQuery(
            self.artifact,
            self.project,
            self.domain,
            {k: resolve(k, v) for k, v in self.partitions.items()},
            resolve(TIME_PARTITION_KEY, self.time_partition),
        )

    def filters(self, source: Any) -> dict[str, Any]:
        """The search filters of this (bound) query, in ``source``'s scope by default."""
        if self.bindings():
            raise FlyteValidationException(
                f"{self!r} reads input(s) {self.bindings()}: it is resolved when a run is "
                "launched, with that run's inputs"
            )
        return {
            "project": self.project or source.project,
            "domain": self.domain or source.domain,
            "name": self.name,
            "partitions": dict(self.partitions) or None,
            "time_partition": self.time_partition,
        }

    def fetch(self, source: Any = None) -> Artifact:
        """The newest matching version (``ArtifactNotFoundError`` naming the query if none)."""
        if source is None:
            from ._source import current_source

            source = current_source()
        filters = self.filters(source)
        found = source.search(**filters, limit=1)
        if not found:
            raise ArtifactNotFoundError(
                f"no version of artifact {self.name!r} matches {self!r} in "
                f"{filters['project']}/{filters['domain']} ({source.where()}); run the task "
                "that produces it first, or query other partitions"
            )
        return Artifact.from_view(found[0], source)

    def get(self, as_type: Any = None) -> Any:
        """The value of the newest matching version."""
        return self.fetch().get(as_type)

    def __repr__(self) -> str:
        args = [repr(self.name)]
        args += [f"{k}={v!r}" for k, v in self.partitions.items()]
        if self.time_partition is not None:
            tp = self.time_partition
            shown = tp if isinstance(tp, InputBinding) else epoch_to_datetime(tp)
            args.append(f"time_partition={shown!s}")
        return f"Artifact.query({', '.join(args)})"


def _register_hooks() -> None:
    """From now on the engine, workers and submission call into artifacts (``_hooks``)."""
    from ..action import artifact_hooks
    from . import _hooks

    artifact_hooks.register(_hooks)


_register_hooks()
