"""A decorated task: the function, its typed interface and its execution settings.

Calling a task does different things depending on where the call happens, like Flyte 2:
- inside a running task it becomes a child action of that run (recorded, cached, retried);
  from an async body, an async task call is awaitable so ``asyncio.gather`` fans out;
- outside any run it is the plain function, with its inputs and output type-checked, so
  tasks stay unit-testable as ordinary Python;
- inside a ``@workflow`` body being compiled it is a node of the workflow's graph.

Everything the engine needs per call (input types, the task hash, the cache version) is
computed once here, at decoration, so the per-action cost stays small.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
import inspect
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, ParamSpec, TypeVar, overload

from ..action import artifact_hooks as artifacts
from ..cache import Cache, VersionParameters
from ..exceptions import FlyteTypeException, FlyteValidationException
from ..models._interface import NativeInterface, is_namedtuple
from ..types import check_input, check_output, digest, encode_value
from ._resources import Resources
from ._retry import RetryStrategy, TimeoutType, coerce_timeout
from ._secret import Secret, normalize_secrets
from ._where import defined_at

if TYPE_CHECKING:
    from ._environment import TaskEnvironment

_EMPTY: Any = inspect.Parameter.empty

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

# The graph a ``@workflow`` body is building (``flyte_nb.union``), while it is built: a task
# called then becomes a node of that graph instead of running. Kept here, not in ``union``,
# so every task (a Flyte 2 ``@env.task`` too) can be a workflow node without this layer
# importing the Union layer built on it.
compiling: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "flyte_nb_workflow_compiler", default=None
)


def bind_inputs(task: TaskTemplate, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
    """A call's arguments as ``{input name: checked value}``: the one binding rule for a
    call in the kernel, in an action and on a backend worker (the engine's
    ``RunController.bind`` is this function)."""
    __tracebackhide__ = True
    try:
        values = task.interface.convert_to_kwargs(*args, **kwargs)
    except FlyteTypeException as exc:
        raise FlyteTypeException(f"Task '{task.name}': {exc}") from None
    for name, annotation in task.input_types.items():
        values[name] = check_input(task.name, name, annotation, values[name])
    return values


class TaskTemplate(Generic[P, R]):
    """What ``@env.task`` returns. Call it like the function; see the module docstring.

    Generic over the function's parameters and result (``TaskTemplate[[int], int]`` for
    ``def square(x: int) -> int``), so a user's editor and type checker see ``square(3)`` as an
    ``int`` (an awaitable of one for an ``async def``) and flag ``square("a")``. Inside a
    ``@workflow`` body a call gives a promise instead; the static type is the function's,
    as it is in flytekit and Flyte 2.
    """

    def __init__(
        self,
        func: Callable[P, R],
        env: TaskEnvironment,
        *,
        short_name: str | None = None,
        cache: Cache | str | bool | None = None,
        retries: int | RetryStrategy | None = 0,
        timeout: TimeoutType | None = None,
        report: bool = False,
        enable_deck: bool = False,
        deck_fields: Iterable[str] | None = None,
        docs: str | None = None,
    ) -> None:
        _check_function(func)
        self.func: Callable[..., Any] = func  # the engine calls it with bound values
        self.env = env
        self.name = f"{env.name}.{func.__name__}"
        self.short_name = _check_short_name(short_name, self.name) or func.__name__
        self.is_async = inspect.iscoroutinefunction(func)
        self.interface = NativeInterface.from_callable(func)
        self.input_types = {k: t for k, (t, _) in self.interface.inputs.items()}
        ret = self.interface.return_annotation
        self.return_type: Any = None if ret is _EMPTY else ret
        self._output_names = tuple(self.interface.outputs)
        self._multi_output = len(self._output_names) > 1 or is_namedtuple(self.return_type)
        self.cache = Cache.coerce(env.cache if cache is None else cache)
        self.retries = RetryStrategy.coerce(retries, self.name)
        self.timeout = coerce_timeout(timeout, self.name)
        if not isinstance(report, bool):
            raise FlyteValidationException(
                f"Task '{self.name}': report must be True or False, got {report!r}"
            )
        self.report = report
        self.enable_deck, self.deck_fields = _check_decks(enable_deck, deck_fields, self.name)
        self.docs = docs if docs is not None else inspect.getdoc(func)
        self.resources: Resources | None = env.resources
        self.env_vars: dict[str, str] = dict(env.env_vars)
        self.secrets: tuple[Secret, ...] = env.secrets
        self.task_hash = digest(self.name)
        self.flyte2_options: dict[str, Any] = {}  # Flyte 2 cluster settings, recorded only
        # the notebook cell or module line it was written in (_where.py): sent with each run
        self.defined_at = defined_at(func)
        self._cache_version: str | None = None
        self._check_defaults()
        self.output_artifacts: dict[str, Any] = artifacts.declared(self)  # Annotated[T, A]
        functools.update_wrapper(self, func)

    # -- decoration-time checks ------------------------------------------------------------
    def _check_defaults(self) -> None:
        for name, (annotation, default) in self.interface.inputs.items():
            if default is _EMPTY or artifacts.is_query(default):  # resolved at launch
                continue
            check_input(self.name, name, annotation, default)
            try:
                encode_value(default, lambda data: "")
            except Exception as exc:
                raise FlyteValidationException(
                    f"Task '{self.name}': the default of argument '{name}' "
                    f"({type(default).__qualname__}) cannot be serialised ({exc}); use a "
                    "plain value (number, string, list, dict, dataclass) or None as the default"
                ) from None

    # A task's bundle (its code, by value when written in a notebook) must be the same bytes
    # before and after the task first ran, or registering the same version again would look
    # like other code. So a pickle holds each lazy cache in one state: the cache version
    # always computed (a worker must key the cache as the kernel did, and a function pickled
    # by value may not have the source the version is read from), the others unset.
    _PICKLED_UNSET: ClassVar[dict[str, Any]] = {}

    def __getstate__(self) -> dict[str, Any]:
        if self._cache_version is None:
            with contextlib.suppress(Exception):  # no version: the worker derives one
                self.cache_version()
        return {**self.__dict__, **self._PICKLED_UNSET}

    # -- what the engine asks ----------------------------------------------------------
    @property
    def output_names(self) -> tuple[str, ...]:
        return self._output_names

    def cache_version(self) -> str:
        if self._cache_version is None:
            self._cache_version = self.cache.get_version(VersionParameters(func=self.func))
        return self._cache_version

    def environment_variables(self) -> dict[str, str]:
        """Env vars of this task's environment and the environments it depends on."""
        merged: dict[str, str] = {}
        for env in reversed(self.env.all_environments()):
            merged.update(env.env_vars)
        merged.update(self.env_vars)
        return merged

    def pack_outputs(self, value: Any) -> dict[str, Any]:
        names = self._output_names
        if not names:
            return {}
        if self._multi_output:
            return dict(zip(names, value, strict=True))
        return {names[0]: value}

    def unpack_outputs(self, outputs: Mapping[str, Any]) -> Any:
        names = self._output_names
        if not names:
            return None
        if self._multi_output:
            values = [outputs[n] for n in names]
            return self.return_type(*values) if is_namedtuple(self.return_type) else tuple(values)
        return outputs[names[0]]

    # -- calling -------------------------------------------------------------------------
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True
        from ..action import current_frame

        compiler = compiling.get()
        if compiler is not None:  # inside a @workflow body being compiled: a graph node
            return compiler.add_call(self, args, kwargs)
        frame = current_frame()
        if frame is not None:
            return frame.controller.call(frame, self, args, kwargs)
        values = self._bind(args, kwargs)
        if self.is_async:
            coroutine: Any = self._checked_async(values)
            return coroutine  # what calling the ``async def`` gives: an awaitable of R
        result = self.func(**values)
        return check_output(self.name, self.return_type, result)

    def forward(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Flyte 2's ``task.forward(...)``: the function body itself, here, with no action.

        Inside a run the call is not recorded, cached or retried (it is part of the
        caller's action); an async task's ``forward`` is awaited for its value.
        """
        __tracebackhide__ = True
        return self.func(*args, **kwargs)

    @overload
    def aio(
        self: TaskTemplate[P, Coroutine[Any, Any, T]], *args: P.args, **kwargs: P.kwargs
    ) -> Coroutine[Any, Any, T]: ...

    @overload
    def aio(
        self: TaskTemplate[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> Coroutine[Any, Any, T]: ...

    def aio(self, *args: Any, **kwargs: Any) -> Any:
        """An awaitable of this task, sync or async: ``await t.aio(x)``, or gather many."""
        from ..action import current_frame

        frame = current_frame()
        values = self._bind(args, kwargs)
        if frame is not None:
            return frame.controller.run_async(frame, self, values)
        if self.is_async:
            return self._checked_async(values)
        return self._sync_in_thread(values)

    def _bind(self, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
        __tracebackhide__ = True
        return bind_inputs(self, args, kwargs)

    async def _checked_async(self, values: dict[str, Any]) -> Any:
        result = await self.func(**values)
        return check_output(self.name, self.return_type, result)

    async def _sync_in_thread(self, values: dict[str, Any]) -> Any:
        import asyncio

        result = await asyncio.to_thread(self.func, **values)
        return check_output(self.name, self.return_type, result)

    # -- overrides ---------------------------------------------------------------------
    _OVERRIDABLE = (
        "short_name",
        "cache",
        "retries",
        "timeout",
        "report",
        "enable_deck",
        "deck_fields",
        "resources",
        "env_vars",
        "secrets",
    )

    def override(self, **changes: Any) -> TaskTemplate:
        """A copy of this task with other settings; the original is unchanged."""
        unknown = sorted(set(changes) - set(self._OVERRIDABLE))
        if unknown:
            raise FlyteValidationException(
                f"Task '{self.name}': override() got unknown setting(s) {unknown}; "
                f"it accepts {list(self._OVERRIDABLE)}"
            )
        new = copy.copy(self)
        if "short_name" in changes:
            new.short_name = _check_short_name(changes["short_name"], self.name) or self.short_name
        if "cache" in changes:
            new.cache = Cache.coerce(changes["cache"])
            new._cache_version = None
        if "retries" in changes:
            new.retries = RetryStrategy.coerce(changes["retries"], self.name)
        if "timeout" in changes:
            new.timeout = coerce_timeout(changes["timeout"], self.name)
        if "report" in changes:
            if not isinstance(changes["report"], bool):
                raise FlyteValidationException(f"Task '{self.name}': report must be True or False")
            new.report = changes["report"]
        if "enable_deck" in changes or "deck_fields" in changes:
            new.enable_deck, new.deck_fields = _check_decks(
                changes.get("enable_deck", self.enable_deck),
                changes.get("deck_fields", self.deck_fields),
                self.name,
            )
        if "resources" in changes:
            new.resources = _check_resources(changes["resources"], self.name)
        if "env_vars" in changes:
            new.env_vars = {**self.env_vars, **check_env_vars(changes["env_vars"], self.name)}
        if "secrets" in changes:
            new.secrets = normalize_secrets(changes["secrets"])
        return new

    def __repr__(self) -> str:
        kind = "async " if self.is_async else ""
        return f"<{kind}task {self.name}{self.interface!r}>"


def _check_function(func: object) -> None:
    if not callable(func) or isinstance(func, type):
        raise FlyteValidationException(
            f"@env.task decorates a function, got {func!r}; put it above a `def`"
        )
    name = getattr(func, "__name__", "")
    if name == "<lambda>":
        raise FlyteValidationException(
            "@env.task cannot decorate a lambda: tasks are recorded by name; use `def`"
        )
    if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
        raise FlyteValidationException(
            f"Task '{name}' is a generator; tasks return one value. Return a list instead "
            "of yielding, or use fl.map over a task"
        )


def _check_short_name(value: object, task: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise FlyteValidationException(
            f"Task '{task}': short_name must be a non-empty string, got {value!r}"
        )
    return value


def _check_resources(value: object, where: str) -> Resources | None:
    if value is None or isinstance(value, Resources):
        return value
    raise FlyteValidationException(
        f"'{where}': resources must be a Resources(...), got {type(value).__qualname__}; "
        'e.g. resources=Resources(cpu=1, mem="1Gi")'
    )


def check_env_vars(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        raise FlyteValidationException(
            f"'{where}': env_vars must be a dict of str to str, got {value!r}; "
            'e.g. env_vars={"LOG_LEVEL": "debug"}'
        )
    return dict(value)


# flyte_nb.deck.DeckField's values (tests/test_deck_tasks.py keeps them equal); spelled out
# here so that decorating a task never imports the rendering code.
DECK_FIELDS = ("source_code", "dependencies", "timeline", "input", "output")


def _check_decks(
    enable_deck: object, deck_fields: Iterable[str] | None, task: str
) -> tuple[bool, tuple[str, ...]]:
    if not isinstance(enable_deck, bool):
        raise FlyteValidationException(
            f"Task '{task}': enable_deck must be True or False, got {enable_deck!r}"
        )
    if deck_fields is None:
        return enable_deck, DECK_FIELDS
    if isinstance(deck_fields, str) or not isinstance(deck_fields, Iterable):
        raise FlyteValidationException(
            f"Task '{task}': deck_fields must be a list of deck names from {list(DECK_FIELDS)}, "
            f"got {deck_fields!r}; e.g. deck_fields=['input', 'output']"
        )
    fields = tuple(str(getattr(f, "value", f)) for f in deck_fields)
    unknown = [f for f in fields if f not in DECK_FIELDS]
    if unknown:
        raise FlyteValidationException(
            f"Task '{task}': unknown deck field {unknown[0]!r}; use some of {list(DECK_FIELDS)}"
        )
    return enable_deck, fields
