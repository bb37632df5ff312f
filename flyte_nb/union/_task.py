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
  backend, they change nothing. ``requests``/``limits``/``resources`` do become
  ``template.resources`` (a field in both ``requests`` and ``limits`` is ``(request, limit)``).
"""

from __future__ import annotations

import datetime
import functools
import inspect
import re
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar, overload

from ..cache import Cache
from ..exceptions import FlyteValidationException
from ..models._interface import is_namedtuple
from ..tasks import Resources, Secret, TaskEnvironment, TaskTemplate
from ..types import digest
from ..types._check import require_typed
from ._metadata import hash_methods, legacy_cache, merge_requests_limits
from ._untyped import fill_untyped

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["UnionTask", "default_environment", "stable_name", "task", "task_decorator"]

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


class UnionTask(TaskTemplate[P, R]):
    """A flytekit-style task: a ``TaskTemplate`` with its Kubernetes-only settings kept (like
    every ``TaskTemplate``, it becomes a graph node when called in a workflow body)."""

    union_settings: dict[str, Any]
    # The plugin config (``task_config=``): an ActorEnvironment, whose tasks run on its warm
    # workers. A config provides ``task_environment`` and ``execution_settings()``.
    task_config: Any = None
    # Inputs annotated ``Annotated[T, HashMethod(fn)]``: ``fn(value)`` keys the cache.
    input_hashers: dict[str, Any] = {}  # replaced per task, never mutated


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
def task(_task_function: Callable[P, R]) -> UnionTask[P, R]: ...


@overload
def task(
    _task_function: None = None, **settings: Any
) -> Callable[[Callable[P, R]], UnionTask[P, R]]: ...


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
    cache_version: str | None = None,
    cache_serialize: bool | None = None,
    cache_ignore_input_vars: tuple[str, ...] | None = None,
    **kwargs: Any,
) -> UnionTask | Callable[[Callable[..., Any]], UnionTask]:
    """Turn a function into a task (``@task`` or ``@task(retries=2, cache=True)``).

    Called outside a workflow it runs like the function (or as a child action inside a
    running task); inside a ``@workflow`` body it adds a node and returns a promise.
    """
    settings = dict(locals())
    settings.pop("_task_function")
    settings.pop("kwargs")
    return task_decorator(UnionTask, _task_function, settings, kwargs)


def task_decorator(
    cls: type[UnionTask],
    function: Callable[..., Any] | None,
    settings: dict[str, Any],
    unknown: dict[str, Any],
    decorator: str = "@task",
) -> Any:
    """``@task``'s work for any ``UnionTask`` class (``@dynamic`` and ``@eager`` share it)."""
    if unknown:
        raise FlyteValidationException(
            f"{decorator} got unknown setting(s) {sorted(unknown)}; see the seed's task() "
            "parameters"
        )
    task_config = settings["task_config"]
    plugin_env = getattr(task_config, "task_environment", None)
    if task_config is not None and not isinstance(plugin_env, TaskEnvironment):
        raise FlyteValidationException(
            f"{decorator}(task_config={task_config!r}): task plugins (Spark, Ray...) are not "
            "supported; run the code in a plain @task (or on an ActorEnvironment's @actor.task)"
        )

    def decorate(func: Callable[..., Any]) -> UnionTask:
        if not callable(func) or isinstance(func, type):
            raise FlyteValidationException(f"{decorator} decorates a function, got {func!r}")
        return _build(cls, func, plugin_env, settings)

    if function is None:
        return decorate
    return decorate(function)


def _build(
    cls: type[UnionTask],
    func: Callable[..., Any],
    plugin_env: TaskEnvironment | None,
    s: dict[str, Any],
) -> UnionTask:
    env = plugin_env or default_environment(getattr(func, "__module__", None))
    label = f"{env.name}.{getattr(func, '__name__', '?')}"
    retries, resources, requests = s["retries"], s["resources"], s["requests"]
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise FlyteValidationException(
            f"Task '{label}': retries must be a whole number >= 0, got {retries!r}"
        )
    if resources is not None and (requests is not None or s["limits"] is not None):
        raise FlyteValidationException(
            f"Task '{label}': give either resources= or requests=/limits=, not both"
        )
    cache = legacy_cache(
        f"Task '{label}'",
        s["cache"],
        s["cache_version"],
        s["cache_serialize"],
        s["cache_ignore_input_vars"],
    )
    deck = bool(s["enable_deck"]) and not bool(s["disable_deck"])
    settings = _check_settings(
        label,
        {
            "interruptible": s["interruptible"],
            "deprecated": s["deprecated"] or None,
            "container_image": s["container_image"],
            "requests": requests,
            "limits": s["limits"],
            "execution_mode": s["execution_mode"],
            "node_dependency_hints": list(s["node_dependency_hints"] or ()) or None,
            "task_resolver": s["task_resolver"],
            "pod_template": s["pod_template"],
            "pod_template_name": s["pod_template_name"],
            "accelerator": s["accelerator"],
            "pickle_untyped": s["pickle_untyped"],
            "shared_memory": s["shared_memory"],
            "labels": dict(s["labels"]) if s["labels"] else None,
            "annotations": dict(s["annotations"]) if s["annotations"] else None,
        },
    )
    template = cls(
        flytekit_signature(fill_untyped(func, bool(s["pickle_untyped"]), label)),
        env,
        cache=Cache.coerce(cache),
        retries=retries,
        timeout=_timeout(s["timeout"], label),
        enable_deck=deck,
        deck_fields=s["deck_fields"],
        docs=_docs(s["docs"]),
    )
    template.union_settings = settings
    if not s["pickle_untyped"]:  # flytekit: untyped values are pickled only when asked for
        require_typed(label, template.input_types, template.interface.outputs)
    template.task_config = s["task_config"]
    template.input_hashers = hash_methods(template.input_types)
    changes: dict[str, Any] = {}
    if resources is not None:
        changes["resources"] = resources
    elif requests is not None or s["limits"] is not None:
        changes["resources"] = merge_requests_limits(requests, s["limits"])
    if s["environment"]:
        changes["env_vars"] = s["environment"]
    if s["secret_requests"]:
        changes["secrets"] = s["secret_requests"]
    if changes:
        template = template.override(**changes)  # type: ignore[assignment]
    rename(template, stable_name(env, func))
    return template


def fix_tuple_return(func: Callable[..., Any]) -> None:
    """flytekit reads ``-> (int, str)`` as two outputs; so do we (the annotation is rewritten
    in place to ``tuple[int, str]``, which is what it means)."""
    annotations = getattr(func, "__annotations__", None)
    if isinstance(annotations, dict) and isinstance(annotations.get("return"), tuple):
        annotations["return"] = tuple.__class_getitem__(annotations["return"])


def flytekit_signature(func: Callable[..., Any]) -> Callable[..., Any]:
    """Accept flytekit's return spellings: ``-> (int, str)`` (outputs o0, o1) and a one-field
    NamedTuple returned as a bare value. The first rewrites the annotation in place (what
    flytekit reads it as); the second wraps the function so the bare value is packed."""
    fix_tuple_return(func)
    try:
        ret = typing.get_type_hints(func).get("return")
    except Exception:  # unresolvable hints: NativeInterface reports them clearly
        return func
    nt: Any = ret
    if not (is_namedtuple(nt) and len(nt._fields) == 1):
        return func

    def pack(value: Any) -> Any:
        return value if isinstance(value, nt) else nt(value)

    if inspect.iscoroutinefunction(func):

        async def packed_async(*args: Any, **kwargs: Any) -> Any:
            return pack(await func(*args, **kwargs))

        return functools.update_wrapper(packed_async, func)

    def packed(*args: Any, **kwargs: Any) -> Any:
        return pack(func(*args, **kwargs))

    return functools.update_wrapper(packed, func)
