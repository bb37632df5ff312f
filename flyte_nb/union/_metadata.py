"""flytekit's task metadata names: ``TaskMetadata``, the legacy cache arguments, ``HashMethod``.

Decisions:

* ``@task(cache=True, cache_version="1", cache_serialize=True)`` (flytekit before ``Cache``)
  becomes ``Cache(version="1", serialize=True)``: the explicit version pins the cache key,
  as in flytekit. ``cache=True`` alone keeps flyte_nb's default (version from the body).
* ``TaskMetadata`` validates like flytekit's (``cache=True`` needs ``cache_version``,
  ``cache_serialize`` needs ``cache``) and turns into the same task settings ``@task`` takes
  (``settings()``), so ``map_task(t, metadata=...)`` changes what really runs.
* ``HashMethod(fn)`` in ``Annotated[T, HashMethod(fn)]`` makes ``fn(value)`` the value's
  identity in cache keys. On a task *input* it applies wherever the task is called; on a
  task *output*, to the consumers of that output inside a workflow (the graph knows where
  each value came from; a plain Python value passed by hand carries no hash).
"""

from __future__ import annotations

import datetime
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..cache import Cache
from ..exceptions import FlyteValidationException

__all__ = [
    "HashMethod",
    "TaskMetadata",
    "apply_metadata",
    "hash_methods",
    "legacy_cache",
    "merge_requests_limits",
    "output_hashers",
]

T = TypeVar("T")


class HashMethod(Generic[T]):
    """A user hash for values of one type: ``Annotated[pd.DataFrame, HashMethod(fn)]``."""

    def __init__(self, function: Callable[[T], str]) -> None:
        if not callable(function):
            raise FlyteValidationException(
                f"HashMethod needs a function value -> str, got {function!r}; "
                "e.g. HashMethod(lambda df: str(pd.util.hash_pandas_object(df).sum()))"
            )
        self._function = function

    def calculate(self, obj: T) -> str:
        value = self._function(obj)
        if not isinstance(value, str):
            raise FlyteValidationException(
                f"HashMethod function {getattr(self._function, '__name__', self._function)!r} "
                f"returned {type(value).__qualname__}; it must return a str"
            )
        return value


def _hash_method(annotation: Any) -> HashMethod[Any] | None:
    if typing.get_origin(annotation) is typing.Annotated:
        for extra in annotation.__metadata__:
            if isinstance(extra, HashMethod):
                return extra
    return None


def hash_methods(types: Mapping[str, Any]) -> dict[str, HashMethod[Any]]:
    """The inputs (or outputs) annotated with a ``HashMethod``, by name."""
    found = {name: _hash_method(tp) for name, tp in types.items()}
    return {name: method for name, method in found.items() if method is not None}


def output_hashers(entity: Any) -> dict[str, HashMethod[Any]]:
    interface = getattr(entity, "interface", None)
    outputs = getattr(interface, "outputs", None)
    return hash_methods(outputs) if isinstance(outputs, Mapping) else {}


def legacy_cache(
    where: str,
    cache: bool | Cache | str,
    cache_version: str | None,
    cache_serialize: bool | None,
    cache_ignore_input_vars: tuple[str, ...] | list[str] | None,
) -> bool | Cache | str:
    """flytekit's ``cache=True, cache_version=..., cache_serialize=...`` as one ``Cache``."""
    legacy = {
        "cache_version": cache_version,
        "cache_serialize": cache_serialize,
        "cache_ignore_input_vars": cache_ignore_input_vars,
    }
    given = {k: v for k, v in legacy.items() if v not in (None, "", ())}
    if not given:
        return cache
    if isinstance(cache, Cache):
        raise FlyteValidationException(
            f"{where}: {sorted(given)} cannot be combined with cache=Cache(...); put them in "
            'the Cache, e.g. Cache(version="1", serialize=True)'
        )
    if cache is not True:
        raise FlyteValidationException(
            f"{where}: {sorted(given)} given but caching is off; add cache=True"
        )
    if cache_version is not None and (not isinstance(cache_version, str) or not cache_version):
        raise FlyteValidationException(
            f"{where}: cache_version must be a non-empty string, got {cache_version!r}"
        )
    if cache_serialize is not None and not isinstance(cache_serialize, bool):
        raise FlyteValidationException(
            f"{where}: cache_serialize must be True or False, got {cache_serialize!r}"
        )
    ignored: Any = cache_ignore_input_vars or ()
    if isinstance(ignored, str) or not all(isinstance(n, str) for n in ignored):
        raise FlyteValidationException(
            f"{where}: cache_ignore_input_vars must be a tuple of input names, got {ignored!r}"
        )
    return Cache(
        version=cache_version or None,
        serialize=bool(cache_serialize),
        ignored_inputs=tuple(ignored),
    )


@dataclass
class TaskMetadata:
    """flytekit's ``TaskMetadata``: caching, retries, timeout and Kubernetes-only flags."""

    cache: bool = False
    cache_serialize: bool = False
    cache_version: str = ""
    cache_ignore_input_vars: tuple[str, ...] = ()
    interruptible: bool | None = None
    deprecated: str = ""
    retries: int = 0
    timeout: datetime.timedelta | int | None = None
    pod_template_name: str | None = None
    generates_deck: bool = False
    is_eager: bool = False
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = field(default=None)

    def __post_init__(self) -> None:
        for name in ("cache", "cache_serialize", "generates_deck", "is_eager"):
            if not isinstance(getattr(self, name), bool):
                raise FlyteValidationException(
                    f"TaskMetadata({name}={getattr(self, name)!r}): must be True or False"
                )
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise FlyteValidationException(
                f"TaskMetadata(retries={self.retries!r}): must be a whole number >= 0"
            )
        if self.timeout:
            if isinstance(self.timeout, int) and not isinstance(self.timeout, bool):
                self.timeout = datetime.timedelta(seconds=self.timeout)
            elif not isinstance(self.timeout, datetime.timedelta):
                raise FlyteValidationException(
                    f"TaskMetadata(timeout={self.timeout!r}): give seconds (int) or a timedelta"
                )
        if self.cache and not self.cache_version:
            raise FlyteValidationException(
                "TaskMetadata(cache=True) needs cache_version, e.g. "
                'TaskMetadata(cache=True, cache_version="1")'
            )
        if self.cache_serialize and not self.cache:
            raise FlyteValidationException(
                "TaskMetadata(cache_serialize=True) needs cache=True (and a cache_version)"
            )
        if self.cache_ignore_input_vars and not self.cache:
            raise FlyteValidationException(
                "TaskMetadata(cache_ignore_input_vars=...) needs cache=True (and a cache_version)"
            )

    @property
    def retry_strategy(self) -> int:
        return self.retries

    def settings(self) -> dict[str, Any]:
        """The ``TaskTemplate.override`` changes this metadata stands for."""
        cache: Cache | bool = False
        if self.cache:
            cache = Cache(
                version=self.cache_version,
                serialize=self.cache_serialize,
                ignored_inputs=tuple(self.cache_ignore_input_vars),
            )
        return {
            "cache": cache,
            "retries": self.retries,
            "timeout": self.timeout or None,
        }


def apply_metadata(mapped: Any, metadata: TaskMetadata) -> None:
    """``map_task(t, metadata=TaskMetadata(...))``: every item runs with these settings."""
    from ..tasks import TaskTemplate

    if not isinstance(metadata, TaskMetadata):
        raise FlyteValidationException(
            f"map_task(metadata=...) takes a TaskMetadata, got {type(metadata).__qualname__}; "
            "e.g. metadata=TaskMetadata(retries=2)"
        )
    if not isinstance(mapped.task, TaskTemplate):
        raise FlyteValidationException(
            f"map_task(metadata=...) applies to a mapped task, not {mapped.task!r}"
        )
    mapped.task = mapped.task.override(**metadata.settings())


def merge_requests_limits(requests: Any, limits: Any) -> Any:
    """flytekit's ``requests=`` and ``limits=`` as one ``Resources``: a field given in both
    becomes ``(request, limit)`` (cpu, memory); otherwise the one given is used."""
    if limits is None or requests is None:
        return requests if limits is None else limits
    from ..tasks import Resources

    def pick(value: Any, index: int) -> Any:
        return value[index] if isinstance(value, tuple) else value

    fields: dict[str, Any] = {}
    for name in ("cpu", "mem"):
        req, lim = getattr(requests, name), getattr(limits, name)
        if req is not None and lim is not None:
            fields[name] = (pick(req, 0), pick(lim, -1))
        elif req is not None or lim is not None:
            fields[name] = req if req is not None else lim
    for name in ("gpu", "ephemeral_storage", "shm"):
        value = getattr(limits, name)
        fields[name] = value if value is not None else getattr(requests, name)
    return Resources(**{k: v for k, v in fields.items() if v is not None})
