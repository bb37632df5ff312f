"""The calls the engine, backend workers, run submission and tasks make into artifacts.

A registry, filled by ``flyte_nb.artifacts`` when its ``Artifact`` class is imported
(``artifacts/_artifact.py`` calls ``register``). Until then no ``Artifact`` or
``ArtifactQuery`` can exist, so each hook answers "nothing to do" at the cost of one
check. It lives here, below the engine and ``tasks``, so that they call artifacts without
importing a package above them (docs/architecture.md); the functions keep the names of
``artifacts/_hooks.py``, which implements them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class ArtifactHooks(Protocol):
    """What ``flyte_nb.artifacts`` registers (``artifacts/_hooks.py`` is one)."""

    def declared(self, task: Any) -> dict[str, Any]: ...

    def is_query(self, value: object) -> bool: ...

    def record_local(self, controller: Any, state: Any, task: Any) -> None: ...

    def claims(
        self, task: Any, state: Any, outputs: str, get_blob: Callable[[str], bytes]
    ) -> list[dict[str, Any]]: ...

    def resolve_local(
        self, task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any], list[dict[str, Any]]]: ...

    def consumed_local(self, run_name: str, consumed: list[dict[str, Any]]) -> None: ...

    def resolve_remote(
        self,
        task: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        client: Any,
        project: str,
        domain: str,
    ) -> tuple[tuple[Any, ...], dict[str, Any], list[dict[str, Any]]]: ...


_hooks: ArtifactHooks | None = None


def register(hooks: ArtifactHooks) -> None:
    """Called by ``flyte_nb.artifacts`` once its classes exist."""
    global _hooks
    _hooks = hooks


def declared(task: Any) -> dict[str, Any]:
    """Output name -> artifact for ``task`` (checked at decoration)."""
    return {} if _hooks is None else _hooks.declared(task)


def is_query(value: object) -> bool:
    """Whether a default input is an ``ArtifactQuery`` (resolved at launch, not checked)."""
    return _hooks is not None and _hooks.is_query(value)


def record_local(controller: Any, state: Any, task: Any) -> None:
    """An in-kernel action succeeded: store the versions its outputs make."""
    if _hooks is not None:
        _hooks.record_local(controller, state, task)


def claims(
    task: Any, state: Any, outputs: str, get_blob: Callable[[str], bytes]
) -> list[dict[str, Any]]:
    """A worker's action succeeded: the versions to report with its result."""
    return [] if _hooks is None else _hooks.claims(task, state, outputs, get_blob)


def resolve_local(
    task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any], list[dict[str, Any]]]:
    """A local launch: artifact inputs replaced by values from this machine's records."""
    if _hooks is None:
        return args, kwargs, []
    return _hooks.resolve_local(task, args, kwargs)


def consumed_local(run_name: str, consumed: list[dict[str, Any]]) -> None:
    """Lineage of a local run: the versions its inputs were read from."""
    if _hooks is not None and consumed:
        _hooks.consumed_local(run_name, consumed)


def resolve_remote(
    task: Any, args: tuple[Any, ...], kwargs: dict[str, Any], client: Any, project: str, domain: str
) -> tuple[tuple[Any, ...], dict[str, Any], list[dict[str, Any]]]:
    """A launch on a backend: artifact inputs replaced by values the backend holds."""
    if _hooks is None:
        return args, kwargs, []
    return _hooks.resolve_remote(task, args, kwargs, client, project, domain)
