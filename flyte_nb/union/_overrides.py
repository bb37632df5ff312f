"""``promise.with_overrides(...)``: change one node's settings in a workflow body.

The node's entity is replaced by a copy with the new settings (``TaskTemplate.override``),
so what the engine runs for that node (its retries, timeout, cache, resources, display name)
is the override, and every other call of the task is unchanged.

Decisions:

* ``name`` is the node's name in the action tree (the action's short name); ``node_name``
  is the node id (``n0``...) made DNS-safe, as flytekit does. A map task's overrides apply to
  each item (flytekit overrides its sub-node).
* ``timeout=None`` removes the task's timeout; ``cache=True`` with ``cache_version`` pins the
  version; ``cache=Cache(...)`` may not be mixed with ``cache_version``/``cache_serialize``.
* ``requests``/``limits``/``resources`` become the node's ``resources`` (a field in both
  ``requests`` and ``limits`` becomes ``(request, limit)``), which the backend's workers
  enforce. The Kubernetes-only settings (``interruptible``, ``container_image``,
  ``accelerator``, ``shared_memory``, ``pod_template``, ``task_config``) are validated and
  recorded on the node's ``union_settings``; they change nothing on this machine.
"""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any

from ..cache import Cache
from ..exceptions import FlyteValidationException
from ..tasks import Resources, TaskTemplate
from ._metadata import legacy_cache, merge_requests_limits
from ._promise import Node, contains_promise

__all__ = ["apply_overrides"]

_ALLOWED = frozenset(
    {
        "node_name",
        "aliases",
        "requests",
        "limits",
        "timeout",
        "retries",
        "interruptible",
        "name",
        "task_config",
        "container_image",
        "accelerator",
        "cache",
        "cache_version",
        "cache_serialize",
        "shared_memory",
        "pod_template",
        "resources",
    }
)
_RECORDED = ("interruptible", "container_image", "accelerator", "shared_memory")
_UNSET: Any = object()


def _dnsify(value: str) -> str:
    text = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
    return text[:63] or "node"


def apply_overrides(node: Node, overrides: dict[str, Any]) -> None:
    """Apply ``with_overrides(**overrides)`` to ``node`` (validated first, all or nothing)."""
    where = f"with_overrides on node {node.id} ({node.label})"
    unknown = sorted(set(overrides) - _ALLOWED)
    if unknown:
        raise FlyteValidationException(
            f"{where}: unknown setting(s) {unknown}; it accepts {sorted(_ALLOWED)}"
        )
    for key, value in overrides.items():
        if contains_promise(value):
            raise FlyteValidationException(
                f"{where}: {key} is a promise; overrides are fixed when the workflow is "
                "defined, so pass a plain value"
            )
    if node.kind != "call":
        raise FlyteValidationException(
            f"{where}: a conditional's output has no task to override; override the "
            "task calls inside its cases"
        )
    entity = node.entity
    target = entity.task if hasattr(entity, "task") and hasattr(entity, "bound") else entity
    if not isinstance(target, TaskTemplate):
        raise FlyteValidationException(f"{where}: {entity!r} has no settings to override")
    changes = _changes(where, target, overrides)
    new_target = target.override(**changes) if changes else copy.copy(target)
    recorded = {k: overrides[k] for k in _RECORDED if overrides.get(k) is not None}
    for key in ("pod_template", "task_config"):
        if overrides.get(key) is not None:
            recorded[key] = overrides[key]
    if recorded:
        settings = dict(getattr(new_target, "union_settings", None) or {})
        settings.update(recorded)
        new_target.union_settings = settings  # type: ignore[attr-defined]
        if "task_config" in recorded:
            new_target.task_config = recorded["task_config"]  # type: ignore[attr-defined]
    if target is entity:
        node.entity = new_target
    else:
        mapped = copy.copy(entity)
        mapped.task = new_target
        node.entity = mapped
    node_name = overrides.get("node_name")
    if node_name is not None:
        if not isinstance(node_name, str) or not node_name.strip():
            raise FlyteValidationException(f"{where}: node_name must be a non-empty string")
        node.id = _dnsify(node_name)


def _changes(where: str, target: TaskTemplate, o: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    name = o.get("name")
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise FlyteValidationException(f"{where}: name must be a non-empty string")
        changes["short_name"] = name
    retries = o.get("retries")
    if retries is not None:
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise FlyteValidationException(
                f"{where}: retries must be a whole number >= 0, got {retries!r}"
            )
        changes["retries"] = retries
    timeout = o.get("timeout", _UNSET)
    if timeout is not _UNSET:
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, (int, float, datetime.timedelta))
        ):
            raise FlyteValidationException(
                f"{where}: timeout must be seconds (int) or a timedelta, got {timeout!r}"
            )
        changes["timeout"] = timeout or None
    cache = o.get("cache")
    if cache is not None or o.get("cache_version") or o.get("cache_serialize") is not None:
        if cache is not None and not isinstance(cache, (bool, Cache)):
            raise FlyteValidationException(
                f"{where}: cache must be True, False or a Cache(...), got {cache!r}"
            )
        if cache is None:
            cache = True
        changes["cache"] = legacy_cache(
            where, cache, o.get("cache_version"), o.get("cache_serialize"), None
        )
    resources, requests = o.get("resources"), o.get("requests")
    if resources is not None and (requests is not None or o.get("limits") is not None):
        raise FlyteValidationException(
            f"{where}: give either resources= or requests=/limits=, not both"
        )
    for key in ("resources", "requests", "limits"):
        value = o.get(key)
        if value is not None and not isinstance(value, Resources):
            raise FlyteValidationException(
                f"{where}: {key} must be a Resources(...), got {type(value).__qualname__}"
            )
    if resources is not None:
        changes["resources"] = resources
    elif requests is not None or o.get("limits") is not None:
        changes["resources"] = merge_requests_limits(requests, o.get("limits"))
    interruptible = o.get("interruptible")
    if interruptible is not None and not isinstance(interruptible, bool):
        raise FlyteValidationException(f"{where}: interruptible must be True or False")
    aliases = o.get("aliases")
    if aliases is not None and not isinstance(aliases, dict):
        raise FlyteValidationException(f"{where}: aliases must be a dict of str to str")
    return changes
