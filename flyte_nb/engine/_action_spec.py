"""What an action is, independent of where it runs: its name, cache identity and spec.

The local controller and the backend's callers (a kernel submitting a run, a worker
submitting a child) must agree exactly on these, or the same code would get different
action names and cache keys depending on where it ran. So they are computed here, once,
from the task and the encoded inputs, and the backend only ever receives the results.
"""

from __future__ import annotations

import contextvars
import json
from typing import TYPE_CHECKING, Any

from ..types import digest, encode_values
from ._context import ActionFrame

if TYPE_CHECKING:
    from ..tasks._template import TaskTemplate
    from ..types._values import PutBlob


def child_name(parent: ActionFrame, task: TaskTemplate, inputs: str, group: str | None) -> str:
    """The deterministic name of ``task`` called with ``inputs`` from ``parent``.

    Deterministic names are what make a resumed parent find the children it already ran.
    """
    seq = parent.next_seq(task.task_hash, inputs, group)
    return parent.action_id.new_sub_action_from(seq, task.task_hash, inputs, group).name


def cache_identity(
    task: TaskTemplate, values: dict[str, Any], inputs: str, put: PutBlob
) -> tuple[str, str] | None:
    """(version, key) of this call in the cache, or None when the task is not cached.

    The version comes from the task's source (AST), never from a pickle, so re-running an
    unchanged notebook cell keeps its cache.
    """
    cache = task.cache
    if cache.behavior == "disable":
        return None
    version = task.cache_version()
    ignored = cache.get_ignored_inputs()
    hashes = user_hashes(task, values)
    keyed = (
        inputs
        if not ignored and not hashes
        else encode_values(
            {k: hashes.get(k, v) for k, v in values.items() if k not in ignored}, put
        )
    )
    return version, digest(task.name, version, cache.salt, keyed)


# flytekit's ``HashMethod``: (task, {input: hash}) for the call being made, set by the
# workflow graph around a node whose inputs came from outputs annotated with one.
given_hashes: contextvars.ContextVar[tuple[Any, dict[str, str]] | None] = contextvars.ContextVar(
    "flyte_nb_given_hashes", default=None
)


def user_hashes(task: TaskTemplate, values: dict[str, Any]) -> dict[str, str]:
    """Inputs whose cache identity is a user's hash instead of their value."""
    given = given_hashes.get()
    hashers = getattr(task, "input_hashers", None)
    if not hashers and (given is None or given[0] is not task):
        return {}  # the common case, on every cached call: no user hash
    out: dict[str, str] = {}
    if given is not None and given[0] is task:
        out.update(given[1])
    for name, method in (hashers or {}).items():
        if name in values:
            out[name] = method.calculate(values[name])
    return {k: f"flyte_nb-hash:{v}" for k, v in out.items()}


def task_spec(task: TaskTemplate, ref: dict[str, Any]) -> dict[str, Any]:
    """The JSON a backend needs to schedule ``task``: everything but the inputs.

    The backend never unpickles user code, so retries, timeout and cache behaviour travel
    as plain data next to the code reference.
    """
    retries = task.retries
    spec = {
        "task": task.name,
        "short": task.short_name,
        "ref": ref,
        "retries": retries.wire(),
        "timeout": task.timeout,
        "cache": None
        if task.cache.behavior == "disable"
        else {"behavior": task.cache.behavior, "serialize": task.cache.serialize},
        "env": task.environment_variables(),
        **execution_settings(task),
    }
    gate = getattr(task, "gate_spec", None)
    if gate is not None:  # a workflow gate node: the backend finishes it (backend/_gates.py)
        spec["gate"] = gate
    graph = getattr(task, "graph_spec", None)
    if graph is not None:  # a workflow: its compiled graph, for the panel's graph view
        spec["graph"] = graph
    return spec


def execution_settings(task: TaskTemplate) -> dict[str, Any]:
    """What the task asks of the machine it runs on, recorded with every action and acted on
    by the backend: resources (limits enforced in workers), secrets (references only, never
    values), the pod template, and the actor environment whose warm workers run it."""
    out: dict[str, Any] = {}
    if task.resources is not None:
        out["resources"] = task.resources.to_dict()
    if task.secrets:
        out["secrets"] = [s.to_dict() for s in task.secrets]
    pod = (getattr(task, "union_settings", None) or {}).get("pod_template")
    if pod is not None:
        out["pod_template"] = {**pod.to_dict(), "version_hash": pod.version_hash()}
    config = getattr(task, "task_config", None)
    if config is not None:
        out.update(config.execution_settings())
    return out


_local_specs: dict[tuple[Any, ...], str | None] = {}


def local_spec(task: TaskTemplate) -> str | None:
    """The ``spec`` column of an action run in the kernel: its execution settings in the
    backend's shape (``{"spec": {...}}``), or None when it asks for nothing; built once."""
    graph = getattr(task, "graph_spec", None)
    if graph is not None:  # a workflow (few actions): its compiled graph, never cached here
        return json.dumps({"spec": {**execution_settings(task), "graph": graph}})
    pod = (getattr(task, "union_settings", None) or {}).get("pod_template")
    key = (task.resources, task.secrets, getattr(task, "task_config", None), pod)
    if key in _local_specs:
        return _local_specs[key]
    settings = execution_settings(task)
    text = json.dumps({"spec": settings}) if settings else None
    if len(_local_specs) > 4096:
        _local_specs.clear()
    _local_specs[key] = text
    return text


def node_spec(spec: str | None, node: str) -> str:
    """``spec`` (a ``local_spec``) with the workflow node the action was called for."""
    doc = json.loads(spec) if spec else {"spec": {}}
    doc["spec"] = {**doc.get("spec", {}), "node": node}
    return json.dumps(doc)
