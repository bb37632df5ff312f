"""``TaskEnvironment``: the settings a group of tasks share, and the registry of their names.

A task's name is ``<environment>.<function>``, and it is how runs, caches and action names
find the task again, so two *different* functions may not share one. Re-running a notebook
cell re-defines the *same* function (same module and qualified name): that replaces the
old task instead of clashing, which is what a notebook user expects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ParamSpec, TypeVar, overload

from ..cache import Cache
from ..exceptions import FlyteValidationException, TaskNameClashError
from ._resources import Resources
from ._retry import RetryStrategy, TimeoutType
from ._reuse import ReusePolicy
from ._secret import Secret, normalize_secrets
from ._template import TaskTemplate, _check_resources, check_env_vars

P = ParamSpec("P")
R = TypeVar("R")

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}$")
# Flyte 2's ``@env.task`` settings that concern a cloud cluster (pods, queues, inline I/O
# limits, UI links...): accepted, kept on the task, no effect here.
_FLYTE2_TASK = frozenset(
    {
        "pod_template",
        "interruptible",
        "max_inline_io_bytes",
        "queue",
        "triggers",
        "links",
        "task_resolver",
        "entrypoint",
        "produces_artifacts",
    }
)


class TaskEnvironment:
    """Shared settings (resources, cache, env vars, secrets) for the tasks it decorates."""

    def __init__(
        self,
        name: str,
        *,
        resources: Resources | None = None,
        cache: Cache | str | bool = "disable",
        env_vars: dict[str, str] | None = None,
        secrets: str | Secret | Sequence[str | Secret] | None = None,
        description: str | None = None,
        depends_on: Sequence[TaskEnvironment] = (),
        image: Any = "auto",
        reusable: ReusePolicy | None = None,
        pod_template: Any = None,
        interruptible: bool = False,
        include: Sequence[str] = (),
        queue: str | None = None,
        plugin_config: Any = None,
    ) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise FlyteValidationException(
                f"TaskEnvironment name must start with a letter and use only letters, digits, "
                f"'-' and '_' (at most 63 characters), got {name!r}; e.g. "
                'TaskEnvironment(name="demo")'
            )
        self.name = name
        self.resources = _check_resources(resources, f"TaskEnvironment {name}")
        self.cache = Cache.coerce(cache)
        self.env_vars = check_env_vars(env_vars, f"TaskEnvironment {name}")
        self.secrets = normalize_secrets(secrets)
        if description is not None and not isinstance(description, str):
            raise FlyteValidationException(
                f"TaskEnvironment {name}: description must be a string, got {description!r}"
            )
        self.description = description
        deps = list(depends_on) if isinstance(depends_on, (list, tuple)) else None
        if deps is None or not all(isinstance(d, TaskEnvironment) for d in deps):
            raise FlyteValidationException(
                f"TaskEnvironment {name}: depends_on must be a list of TaskEnvironment, "
                f"got {depends_on!r}"
            )
        if any(d is self or d.name == name for d in deps):
            raise FlyteValidationException(f"TaskEnvironment {name} cannot depend on itself")
        self.depends_on: tuple[TaskEnvironment, ...] = tuple(deps)
        self.tasks: dict[str, TaskTemplate] = {}
        # Flyte 2's container settings: validated and recorded; tasks run in the kernel or
        # in backend workers here (docs/compatibility.md).
        self.image = _check_image(image, name)
        if reusable is not None and not isinstance(reusable, ReusePolicy):
            raise FlyteValidationException(
                f"TaskEnvironment {name}: reusable must be a flyte_nb.ReusePolicy(...), got "
                f"{type(reusable).__qualname__}; e.g. reusable=ReusePolicy(replicas=2)"
            )
        self.reusable = reusable
        if not isinstance(interruptible, bool):
            raise FlyteValidationException(
                f"TaskEnvironment {name}: interruptible must be True or False, "
                f"got {interruptible!r}"
            )
        self.interruptible = interruptible
        if isinstance(include, str) or not all(isinstance(p, str) for p in include):
            raise FlyteValidationException(
                f"TaskEnvironment {name}: include must be a tuple of file paths, got {include!r}"
            )
        self.include = tuple(include)
        if queue is not None and not isinstance(queue, str):
            raise FlyteValidationException(
                f"TaskEnvironment {name}: queue must be a string, got {queue!r}"
            )
        self.queue = queue
        self.pod_template = pod_template
        self.plugin_config = plugin_config

    _CLONE = (
        "resources",
        "cache",
        "env_vars",
        "secrets",
        "description",
        "depends_on",
        "image",
        "reusable",
        "pod_template",
        "interruptible",
        "include",
        "queue",
        "plugin_config",
    )

    def clone_with(self, name: str, **changes: Any) -> TaskEnvironment:
        """Flyte 2's ``env.clone_with("other", cache="auto")``: a new environment (no tasks)
        with this one's settings, except those given."""
        unknown = sorted(set(changes) - set(self._CLONE))
        if unknown:
            raise FlyteValidationException(
                f"TaskEnvironment {self.name}: clone_with() got unknown setting(s) {unknown}; "
                f"it takes {list(self._CLONE)}"
            )
        settings: dict[str, Any] = {k: getattr(self, k) for k in self._CLONE}
        settings["secrets"] = list(self.secrets)
        settings["depends_on"] = list(self.depends_on)
        settings.update({k: v for k, v in changes.items() if v is not None or k == "reusable"})
        return TaskEnvironment(name, **settings)

    def all_environments(self) -> list[TaskEnvironment]:
        """This environment and everything it depends on, transitively, each once."""
        seen: dict[int, TaskEnvironment] = {}
        stack = [self]
        while stack:
            env = stack.pop()
            if id(env) not in seen:
                seen[id(env)] = env
                stack.extend(env.depends_on)
        return list(seen.values())

    @overload
    def task(self, _func: Callable[P, R]) -> TaskTemplate[P, R]: ...

    @overload
    def task(
        self,
        _func: None = None,
        *,
        short_name: str | None = None,
        cache: Cache | str | bool | None = None,
        retries: int | RetryStrategy = 0,
        timeout: TimeoutType | None = None,
        report: bool = False,
        enable_deck: bool = False,
        deck_fields: Iterable[str] | None = None,
        docs: Any = None,
        **flyte2: Any,
    ) -> Callable[[Callable[P, R]], TaskTemplate[P, R]]: ...

    def task(
        self,
        _func: Callable[..., Any] | None = None,
        *,
        short_name: str | None = None,
        cache: Cache | str | bool | None = None,
        retries: int | RetryStrategy = 0,
        timeout: TimeoutType | None = None,
        report: bool = False,
        enable_deck: bool = False,
        deck_fields: Iterable[str] | None = None,
        docs: Any = None,
        **flyte2: Any,
    ) -> TaskTemplate | Callable[[Callable[..., Any]], TaskTemplate]:
        """Turn a function into a task of this environment (``@env.task`` or ``@env.task(...)``).

        Flyte 2's other settings (``pod_template``, ``interruptible``, ``queue``,
        ``max_inline_io_bytes``, ``triggers``, ``links``, ...) are accepted and kept in
        ``task.flyte2_options``; they concern a cloud cluster, not this machine.
        """
        unknown = sorted(set(flyte2) - _FLYTE2_TASK)
        if unknown:
            raise FlyteValidationException(
                f"@{self.name}.task got unknown setting(s) {unknown}; it takes short_name, "
                "cache, retries, timeout, report, enable_deck, deck_fields, docs and Flyte 2's "
                f"{sorted(_FLYTE2_TASK)}"
            )
        if isinstance(docs, str) or docs is None:
            doc_text = docs
        else:  # Flyte 2's Documentation(description=...)
            doc_text = getattr(docs, "description", None) or str(docs)

        def decorate(func: Callable[..., Any]) -> TaskTemplate:
            template = TaskTemplate(
                func,
                self,
                short_name=short_name,
                cache=cache,
                retries=retries,
                timeout=timeout,
                report=report,
                enable_deck=enable_deck,
                deck_fields=deck_fields,
                docs=doc_text,
            )
            template.flyte2_options = dict(flyte2)
            self._register(template)
            return template

        if _func is None:
            return decorate
        if not callable(_func):
            raise FlyteValidationException(
                f"@{self.name}.task got {_func!r}; use it as @env.task or @env.task(retries=2)"
            )
        return decorate(_func)

    def _register(self, template: TaskTemplate) -> None:
        old = self.tasks.get(template.name)
        if old is not None and _origin(old.func) != _origin(template.func):
            raise TaskNameClashError(
                f"Task name '{template.name}' is already used by {_where(old.func)}; "
                f"{_where(template.func)} cannot take it too. Rename one of the functions or "
                "put it in another TaskEnvironment"
            )
        self.tasks[template.name] = template

    def __repr__(self) -> str:
        return f"TaskEnvironment(name={self.name!r}, tasks={sorted(self.tasks)})"


def _check_image(image: object, env: str) -> Any:
    """``"auto"``, None, an image reference string, a ``flyte_nb.Image`` or an ``ImageSpec``."""
    if image is None or isinstance(image, str):
        if isinstance(image, str) and not image.strip():
            raise FlyteValidationException(f"TaskEnvironment {env}: image must not be empty")
        return image
    from ..image import Image, ImageSpec

    if isinstance(image, (Image, ImageSpec)):
        return image
    raise FlyteValidationException(
        f"TaskEnvironment {env}: image must be an image reference (str), flyte_nb.Image or "
        f"ImageSpec, got {type(image).__qualname__}; e.g. image=Image.from_debian_base()"
    )


def _origin(func: Callable[..., Any]) -> tuple[str, str]:
    return getattr(func, "__module__", "?"), getattr(func, "__qualname__", "?")


def _where(func: Callable[..., Any]) -> str:
    module, qualname = _origin(func)
    return f"{module}.{qualname}"
