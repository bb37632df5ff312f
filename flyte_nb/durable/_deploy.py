"""``fl.deploy(env)``: register an environment's triggers with the backend, and manage them.

Only triggers need deploying here: a task's code reaches the backend with each run. Each
trigger becomes a scheduled launch plan of its task (see ``_trigger``); ``triggers()``
lists them and ``set_trigger_active`` turns one on or off (``flyte-nb triggers``).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException
from ._trigger import LABEL, TASK_LABEL, plan_body, task_triggers

if TYPE_CHECKING:
    from ..wire import RegisterLaunchPlanBody


def _tasks_of(targets: tuple[Any, ...]) -> list[Any]:
    from ..tasks import TaskEnvironment, TaskTemplate

    tasks: list[Any] = []
    for target in targets:
        if isinstance(target, TaskEnvironment):
            tasks.extend(target.tasks.values())
        elif isinstance(target, TaskTemplate):
            tasks.append(target)
        else:
            raise FlyteValidationException(
                f"deploy() takes TaskEnvironments or tasks, got {target!r}; e.g. fl.deploy(env)"
            )
    return tasks


def deploy(*envs: Any, version: str | None = None, **_flyte2: Any) -> list[str]:
    """Register the triggers of these environments' tasks (or of these tasks) with the
    backend ``fl.init()`` connected to; return the trigger plans' names
    (``<task>.<trigger>``). A trigger with ``auto_activate=True`` starts firing at once.
    Flyte 2's other deploy options (``dryrun``, ``copy_style``...) are accepted, unused.
    """
    from ..union.remote import UnionRemote

    if not envs:
        raise FlyteValidationException("deploy() needs at least one TaskEnvironment: deploy(env)")
    if version is not None and not isinstance(version, str):
        raise FlyteValidationException(f"deploy(version=...) takes a str, got {version!r}")
    pairs = [(t, trig) for t in _tasks_of(envs) for trig in task_triggers(t)]
    if not pairs:
        return []
    remote = UnionRemote()
    session = remote._scoped("deploy", None, None)
    client = session.client

    def put(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        client.put_blob(digest, data)
        return digest

    names = []
    for task, trigger in pairs:
        name, spec = plan_body(task, trigger, put)  # checks before anything is registered
        registered = remote._register(session, task, task.name, version)
        body: RegisterLaunchPlanBody = {
            "project": session.project,
            "domain": session.domain,
            "name": name,
            "version": registered.version,
            "workflow_name": registered.name,
            "workflow_version": registered.version,
            "spec": spec,
        }
        view = client.register_launch_plan(body)
        plan = remote._plan_from_view(view, client)
        if trigger.auto_activate and not plan.is_active:
            remote.activate_launchplan(plan)
        names.append(name)
    return names


def triggers() -> list[dict[str, Any]]:
    """The deployed triggers: name, task, schedule, active, version (newest version each)."""
    from ..client import connect, current

    client = (current() or connect()).client
    items = client.list_launch_plans(limit=1000)
    out: dict[str, dict[str, Any]] = {}
    for view in items:
        labels = view["spec"].get("labels") or {}
        if LABEL not in labels:
            continue
        entry = out.get(view["name"])
        if entry is not None and not view.get("active") and entry["active"]:
            continue
        out[view["name"]] = {
            "name": view["name"],
            "trigger": labels[LABEL],
            "task": labels.get(TASK_LABEL),
            "schedule": view["spec"].get("schedule"),
            "active": bool(view.get("active")),
            "version": view["version"],
        }
    return sorted(out.values(), key=lambda e: e["name"])


def set_trigger_active(name: str, active: bool) -> dict[str, Any]:
    """Activate or deactivate the deployed trigger ``name`` (``<task>.<trigger>``)."""
    from ..union.remote import LaunchPlanId, UnionRemote

    found = next((t for t in triggers() if t["name"] == name), None)
    if found is None:
        raise FlyteValidationException(
            f"no deployed trigger named {name!r}; list them with `flyte-nb triggers`"
        )
    remote = UnionRemote()
    session = remote._scoped("set_trigger_active", None, None)
    ident = LaunchPlanId(session.project, session.domain, name, found["version"])
    if active:
        remote.activate_launchplan(ident)
    else:
        remote.deactivate_launchplan(ident)
    return {**found, "active": active}
