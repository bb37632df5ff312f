"""``ActorEnvironment``: warm worker processes that run many small tasks without starting one.

Decisions:

* **An actor environment is a ``TaskEnvironment`` plus a placement.** Its tasks are ordinary
  Union ``@task``s (``@actor.task`` is ``@task(task_config=actor)``): they run in the kernel,
  in workflows, under ``map_task``/``fl.map``, with caching and retries, like any task. What
  the actor adds travels in the task's spec (``execution_settings``): the backend routes the
  task to the actor's own pool of ``replica_count`` worker processes, started on first use,
  reused across tasks *and runs*, and stopped after ``ttl_seconds`` without work
  (``backend/_actors.py``). In the kernel (local mode) actor tasks run in the kernel like any
  task, so ``actor_cache`` memoizes there.
* **The environment owns the settings.** ``environment``, ``requests``/``limits`` (or
  ``resources``), ``secret_requests``, ``container_image``, ``pod_template`` belong to the
  replicas, so ``@actor.task`` refuses them (one clear error instead of a setting that would be
  silently ignored for a process that is already running).
* **``version`` names the replica set.** Any change of settings gives a new version, and the
  backend starts new replicas for it instead of reusing processes started with the old ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..exceptions import FlyteValidationException
from ..tasks import Resources, Secret, TaskEnvironment
from ..tasks._secret import normalize_secrets
from ..types import digest

__all__ = ["DEFAULT_TTL_SECONDS", "ActorEnvironment"]

DEFAULT_TTL_SECONDS = 100
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}$")
_OWNED = frozenset(
    {
        "container_image",
        "environment",
        "requests",
        "limits",
        "resources",
        "secret_requests",
        "pod_template",
        "pod_template_name",
        "accelerator",
        "interruptible",
        "task_config",
    }
)
_EXAMPLE = 'ActorEnvironment(name="model-server", replica_count=2, ttl_seconds=300)'


def _bad(field: str, value: object, why: str) -> FlyteValidationException:
    return FlyteValidationException(
        f"ActorEnvironment({field}={value!r}): {why}. Example: {_EXAMPLE}"
    )


def _combine(requests: object, limits: object, resources: object) -> Resources | None:
    """One ``Resources`` from flytekit's requests/limits pair, or ``resources`` as given."""
    for field, value in (("requests", requests), ("limits", limits), ("resources", resources)):
        if value is not None and not isinstance(value, Resources):
            raise _bad(field, value, 'expected a Resources(...), e.g. Resources(cpu=1, mem="1Gi")')
    if isinstance(resources, Resources):
        if requests is not None or limits is not None:
            raise _bad("resources", resources, "give either resources= or requests=/limits=")
        return resources
    if not isinstance(requests, Resources):
        return limits if isinstance(limits, Resources) else None
    if not isinstance(limits, Resources):
        return requests
    merged: dict[str, Any] = {}
    for field in ("cpu", "mem", "gpu", "ephemeral_storage"):
        low, high = getattr(requests, field), getattr(limits, field)
        low = low[0] if isinstance(low, tuple) else low
        high = high[1] if isinstance(high, tuple) else high
        if low is not None and high is not None:
            merged[field] = (low, high)
        elif low is not None or high is not None:
            merged[field] = low if low is not None else high
    return Resources(**merged)


class ActorEnvironment:
    """Settings of an actor: how many warm replicas, for how long, with what environment."""

    def __init__(
        self,
        name: str,
        container_image: Any = None,
        replica_count: int = 1,
        ttl_seconds: float | None = None,
        environment: Mapping[str, str] | None = None,
        requests: Resources | None = None,
        limits: Resources | None = None,
        accelerator: Any = None,
        secret_requests: Sequence[str | Secret] | None = None,
        pod_template: Any = None,
        interruptible: bool = False,
        resources: Resources | None = None,
    ) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise _bad(
                "name",
                name,
                "start with a letter; use letters, digits, '-' and '_' (at most 63 characters)",
            )
        if isinstance(replica_count, bool) or not isinstance(replica_count, int):
            raise _bad("replica_count", replica_count, "expected a whole number >= 1")
        if replica_count < 1:
            raise _bad("replica_count", replica_count, "an actor needs at least one replica")
        if ttl_seconds is None:
            ttl_seconds = DEFAULT_TTL_SECONDS
        if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, (int, float)):
            raise _bad("ttl_seconds", ttl_seconds, "expected seconds (a number > 0) or None")
        if not ttl_seconds > 0:
            raise _bad("ttl_seconds", ttl_seconds, "must be more than 0 seconds")
        if container_image is not None and not isinstance(container_image, str):
            from ..image import ImageSpec

            if not isinstance(container_image, ImageSpec):
                raise _bad("container_image", container_image, "expected a str or an ImageSpec")
        if pod_template is not None:
            from ..image import PodTemplate

            if not isinstance(pod_template, PodTemplate):
                raise _bad("pod_template", pod_template, "expected a PodTemplate(...)")
        if not isinstance(interruptible, bool):
            raise _bad("interruptible", interruptible, "expected True or False")
        if accelerator is not None and not isinstance(accelerator, str):
            accelerator = getattr(accelerator, "device", None) or type(accelerator).__name__
        self.name = name
        self.container_image = container_image
        self.replica_count = replica_count
        self.ttl_seconds = float(ttl_seconds)
        self.accelerator: str | None = accelerator
        self.pod_template = pod_template
        self.interruptible = interruptible
        self.task_environment = TaskEnvironment(
            name,
            resources=_combine(requests, limits, resources),
            env_vars=dict(environment) if environment is not None else None,
            secrets=normalize_secrets(secret_requests),
        )
        self._version: str | None = None

    # -- settings as the task layer and the backend see them ---------------------------------
    @property
    def resources(self) -> Resources | None:
        return self.task_environment.resources

    @property
    def environment(self) -> dict[str, str]:
        return dict(self.task_environment.env_vars)

    @property
    def secret_requests(self) -> tuple[Secret, ...]:
        return self.task_environment.secrets

    def _settings(self) -> dict[str, Any]:
        image = self.container_image
        return {
            "name": self.name,
            "image": image if isinstance(image, str) or image is None else repr(image),
            "replica_count": self.replica_count,
            "ttl_seconds": self.ttl_seconds,
            "environment": self.environment,
            "resources": self.resources.to_dict() if self.resources else None,
            "secrets": [s.to_dict() for s in self.secret_requests],
            "pod_template": self.pod_template.version_hash() if self.pod_template else None,
            "accelerator": self.accelerator,
            "interruptible": self.interruptible,
        }

    @property
    def version(self) -> str:
        """A hash of every setting: the backend keeps one replica set per version."""
        if self._version is None:
            self._version = digest(json.dumps(self._settings(), sort_keys=True, default=str))
        return self._version

    def execution_settings(self) -> dict[str, Any]:
        """What each of its tasks' specs carries to the backend (``engine/_action_spec.py``)."""
        return {
            "actor": {
                "name": self.name,
                "version": self.version,
                "replicas": self.replica_count,
                "ttl": self.ttl_seconds,
            }
        }

    # -- decorating tasks --------------------------------------------------------------------
    @property
    def task(self) -> Callable[..., Any]:
        """The decorator for this actor's tasks: ``@actor.task`` or ``@actor.task(retries=2)``
        (every ``@task`` setting except those the environment owns)."""
        from ..union._task import task as union_task

        def actor_task(_task_function: Callable[..., Any] | None = None, **settings: Any) -> Any:
            owned = sorted(set(settings) & _OWNED)
            if owned:
                raise FlyteValidationException(
                    f"@{self.name}.task got {owned}: an actor's tasks run on its warm "
                    f"replicas, so set {', '.join(owned)} on the ActorEnvironment instead"
                )
            decorate = union_task(task_config=self, **settings)
            return decorate if _task_function is None else decorate(_task_function)

        return actor_task

    @property
    def tasks(self) -> dict[str, Any]:
        """The tasks defined on this actor, by name."""
        return dict(self.task_environment.tasks)

    def __repr__(self) -> str:
        return (
            f"ActorEnvironment(name={self.name!r}, replica_count={self.replica_count}, "
            f"ttl_seconds={self.ttl_seconds:g})"
        )
