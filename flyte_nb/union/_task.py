"""``@task`` in the Union/flytekit style, built on the Flyte 2 ``TaskTemplate``.

Decisions:

* A flytekit task has no ``TaskEnvironment``; ours needs one (it owns the name registry and
  shared settings). Each Python module gets one default environment, named after the
  module (``pkg.mod`` -> ``pkg-mod``, ``__main__`` -> ``main``), created on first use and
  reused, so task names are stable across kernel restarts and two modules never clash.
* A task's name is ``<environment>.<qualified name>`` with ``<locals>`` dropped, so two
  tests (or notebook functions) that each define a nested ``t1`` get distinct names, while
  re-running the same cell replaces the task as ``@env.task`` does.
* Settings that only mean something on Kubernetes (``interruptible``, ``container_image``,
  ``requests``/``limits``, ``pod_template``, ``accelerator``, ``labels``...) are validated
  here and recorded on ``template.union_settings``; running in the kernel or on this
  backend, they change nothing. ``requests``/``resources`` do become ``template.resources``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, overload

from ..cache import Cache
from ..exceptions import FlyteValidationException
from ..tasks import Resources, Secret, TaskEnvironment, TaskTemplate
from ..types import digest
from ..types._check import require_typed

__all__ = ["UnionTask", "default_environment", "stable_name", "task"]

_ENVS: dict[str, TaskEnvironment] = {}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def default_environment(module: str | None) -> TaskEnvironment:
    """The environment ``@task``/``@workflow`` functions of ``module`` share (created once)."""
    key = module or "__main__"
    env = _ENVS.get(key)
    if env is None:
        name = _UNSAFE.sub("-", key.strip("_").replace(".", "-")) or "main"
        if not name[0].isalpha():
            name = "m" + name
        if len(name) > 63:
            name = name[:50] + "-" + digest(key)[:12]
        env = _ENVS[key] = TaskEnvironment(name=name)
    return env


def stable_name(env: TaskEnvironment, func: Callable[..., Any]) -> str:
    """``<env>.<qualname without <locals>>``: unique per definition site, stable per rerun."""
    qualname = getattr(func, "__qualname__", func.__name__)
    parts = [p for p in qualname.split(".") if p != "<locals>"]
    return f"{env.name}.{'.'.join(parts)}"


def rename(template: TaskTemplate, name: str) -> None:
    """Give ``template`` its flytekit-style name and register it under that name."""
    template.name = name
    template.task_hash = digest(name)
    template.env._register(template)


class UnionTask(TaskTemplate):
    """A flytekit-style task: a ``TaskTemplate`` with its Kubernetes-only settings kept (like
    every ``TaskTemplate``, it becomes a graph node when called in a workflow body)."""

    union_settings: dict[str, Any]
    # The plugin config (``task_config=``): an ActorEnvironment, whose tasks run on its warm
    # workers. A config provides ``task_environment`` and ``execution_settings()``.
    task_config: Any = None


_K8S_BOOL = ("interruptible",)
_K8S_MAPS = ("labels", "annotations")


def _check_settings(name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Validate the Kubernetes-only settings, keep the ones that were given."""
    for key in _K8S_BOOL:
        value = settings.get(key)
        if value is not None and not isinstance(value, bool):
            raise FlyteValidationException(
                f"Task '{name}': {key} must be True, False or None, got {value!r}"
            )
    for key in _K8S_MAPS:
        value = settings.get(key)
        if value is not None and not (
            isinstance(value, Mapping)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        ):
            raise FlyteValidationException(
                f"Task '{name}': {key} must be a dict of str to str, got {value!r}"
            )
    for key in ("requests", "limits"):
        value = settings.get(key)
        if value is not None and not isinstance(value, Resources):
            raise FlyteValidationException(
                f"Task '{name}': {key} must be a Resources(...), got {type(value).__qualname__}; "
                'e.g. requests=Resources(cpu="1", mem="1Gi")'
            )
    pod = settings.get("pod_template")
    if pod is not None:
        from ..image import PodTemplate

        if not isinstance(pod, PodTemplate):
            raise FlyteValidationException(
                f"Task '{name}': pod_template must be a PodTemplate(...), got "
                f"{type(pod).__qualname__}; e.g. pod_template=PodTemplate(labels={{'team': 'ml'}})"
            )
    image = settings.get("container_image")
    if image is not None and not isinstance(image, str) and not hasattr(image, "image_name"):
        raise FlyteValidationException(
            f"Task '{name}': container_image must be an image name (str) or an ImageSpec, "
            f"got {image!r}"
        )
    for key in ("deprecated", "pod_template_name"):
        value = settings.get(key)
        if value is not None and not isinstance(value, str):
            raise FlyteValidationException(f"Task '{name}': {key} must be a string, got {value!r}")
    shm = settings.get("shared_memory")
    if shm is not None and shm is not True and not isinstance(shm, str):
        raise FlyteValidationException(
            f"Task '{name}': shared_memory must be True or a size such as '1Gi', got {shm!r}"
        )
    if not isinstance(settings.get("pickle_untyped", False), bool):
        raise FlyteValidationException(f"Task '{name}': pickle_untyped must be True or False")
    return {k: v for k, v in settings.items() if v is not None}


def _timeout(value: object, name: str) -> float | datetime.timedelta | None:
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, datetime.timedelta)):
        raise FlyteValidationException(
            f"Task '{name}': timeout must be seconds (int) or a timedelta, got {value!r}"
        )
    return value


def _docs(value: object) -> str | None:
    """flytekit's ``Documentation`` (short/long description) or a plain string."""
    if value is None or isinstance(value, str):
        return value
    for attr in ("long_description", "short_description"):
        text = getattr(value, attr, None)
        text = getattr(text, "value", text)
        if isinstance(text, str):
            return text
    raise FlyteValidationException(f"docs must be a string or a Documentation, got {value!r}")


@overload
def task(_task_function: Callable[..., Any]) -> UnionTask: ...


@overload
def task(
    _task_function: None = None, **settings: Any
) -> Callable[[Callable[..., Any]], UnionTask]: ...


def task(
    _task_function: Callable[..., Any] | None = None,
    task_config: Any = None,
    cache: bool | Cache | str = False,
    retries: int = 0,
    interruptible: bool | None = None,
    deprecated: str = "",
    timeout: datetime.timedelta | int | float = 0,
    container_image: Any = None,
    environment: dict[str, str] | None = None,
    requests: Resources | None = None,
    limits: Resources | None = None,
    secret_requests: Sequence[str | Secret] | None = None,
    execution_mode: Any = None,
    node_dependency_hints: Iterable[Any] | None = None,
    task_resolver: Any = None,
    docs: Any = None,
    disable_deck: bool | None = None,
    enable_deck: bool | None = None,
    deck_fields: Iterable[Any] | None = None,
    pod_template: Any = None,
    pod_template_name: str | None = None,
    accelerator: Any = None,
    pickle_untyped: bool = False,
    shared_memory: bool | str | None = None,
    resources: Resources | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    **kwargs: Any,
) -> UnionTask | Callable[[Callable[..., Any]], UnionTask]:
    """Turn a function into a task (``@task`` or ``@task(retries=2, cache=True)``).

    Called outside a workflow it runs like the function (or as a child action inside a
    running task); inside a ``@workflow`` body it adds a node and returns a promise.
    """
    if kwargs:
        raise FlyteValidationException(
            f"@task got unknown setting(s) {sorted(kwargs)}; see the seed's task() parameters"
        )
    plugin_env = getattr(task_config, "task_environment", None)
    if task_config is not None and not isinstance(plugin_env, TaskEnvironment):
        raise FlyteValidationException(
            f"@task(task_config={task_config!r}): task plugins (Spark, Ray...) are not "
            "supported; run the code in a plain @task (or on an ActorEnvironment's @actor.task)"
        )

    def decorate(func: Callable[..., Any]) -> UnionTask:
        if not callable(func) or isinstance(func, type):
            raise FlyteValidationException(f"@task decorates a function, got {func!r}")
        env = plugin_env or default_environment(getattr(func, "__module__", None))
        label = f"{env.name}.{getattr(func, '__name__', '?')}"
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise FlyteValidationException(
                f"Task '{label}': retries must be a whole number >= 0, got {retries!r}"
            )
        if resources is not None and (requests is not None or limits is not None):
            raise FlyteValidationException(
                f"Task '{label}': give either resources= or requests=/limits=, not both"
            )
        deck = bool(enable_deck) and not bool(disable_deck)
        settings = _check_settings(
            label,
            {
                "interruptible": interruptible,
                "deprecated": deprecated or None,
                "container_image": container_image,
                "requests": requests,
                "limits": limits,
                "execution_mode": execution_mode,
                "node_dependency_hints": list(node_dependency_hints or ()) or None,
                "task_resolver": task_resolver,
                "pod_template": pod_template,
                "pod_template_name": pod_template_name,
                "accelerator": accelerator,
                "pickle_untyped": pickle_untyped,
                "shared_memory": shared_memory,
                "labels": dict(labels) if labels else None,
                "annotations": dict(annotations) if annotations else None,
            },
        )
        template = UnionTask(
            func,
            env,
            cache=Cache.coerce(cache),
            retries=retries,
            timeout=_timeout(timeout, label),
            enable_deck=deck,
            deck_fields=deck_fields,
            docs=_docs(docs),
        )
        template.union_settings = settings
        if not pickle_untyped:  # flytekit: untyped values are pickled only when asked for
            require_typed(label, template.input_types, template.interface.outputs)
        template.task_config = task_config
        changes: dict[str, Any] = {}
        if resources is not None or requests is not None:
            changes["resources"] = resources if resources is not None else requests
        if environment:
            changes["env_vars"] = environment
        if secret_requests:
            changes["secrets"] = secret_requests
        if changes:
            template = template.override(**changes)  # type: ignore[assignment]
        rename(template, stable_name(env, func))
        return template

    if _task_function is None:
        return decorate
    return decorate(_task_function)
