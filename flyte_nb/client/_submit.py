"""Submitting a run from the kernel: values and code uploaded once, then one POST.

Inputs are encoded exactly as in local mode (``flyte_nb.types``); blobs and the task's
code bundle go up by content digest, so re-running an unchanged cell uploads nothing.
The action name, cache identity and task spec come from ``engine/_action_spec.py``, shared
with the local engine and with workers.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..action import artifact_hooks as artifacts
from ..engine._action_spec import cache_identity, task_spec
from ..engine._controller import RunController
from ..exceptions import FlyteValidationException
from ..types import encode_value, encode_values
from ..types._describe import describe_inputs

if TYPE_CHECKING:
    from ..tasks._template import TaskTemplate
    from ..wire import CreateRunBody
    from ._session import Session


def _name_the_input(
    exc: FlyteValidationException, task: TaskTemplate, values: Mapping[str, Any]
) -> FlyteValidationException:
    """A value the server refused as too big: say which input it was (measured again,
    only on this error path, with a put that stores nothing)."""
    if "max_blob_bytes" not in str(exc):
        return exc
    sizes: dict[str, int] = {}
    for key, value in values.items():
        found: list[int] = []

        def measure(data: bytes, found: list[int] = found) -> str:
            found.append(len(data))
            return "0" * 64

        encode_value(value, measure)
        sizes[key] = max(found, default=0)
    biggest = max(sizes, key=lambda k: sizes[k]) if sizes else None
    if biggest is None or not sizes[biggest]:
        return exc
    return FlyteValidationException(
        f"input {biggest!r} of {task.name} is {sizes[biggest]} bytes encoded, too big for "
        f"the server: {exc}"
    )


def import_path() -> list[str]:
    """This kernel's import path, so workers can import the local modules that tasks
    outside interactive mode are shipped by reference from."""
    return [os.path.abspath(p or ".") for p in sys.path if os.path.isdir(p or ".")]


def submit_run(
    session: Session,
    task: TaskTemplate,
    args: tuple,
    kwargs: dict[str, Any],
    *,
    name: str | None,
    overwrite_cache: bool,
    max_action_concurrency: int | None,
    env_vars: Mapping[str, str],
    custom_context: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    __tracebackhide__ = True
    from ..bundle import pack_task

    client = session.client
    args, kwargs, consumed = artifacts.resolve_remote(
        task, args, kwargs, client, session.project, session.domain
    )  # artifact queries and versions -> their values; ``consumed`` is the run's lineage
    values = RunController.bind(task, args, kwargs)

    def put(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        client.put_blob(digest, data)
        return digest

    try:
        inputs = encode_values(values, put)
    except FlyteValidationException as exc:
        raise _name_the_input(exc, task, values) from None
    ref, bundle = pack_task(
        task, interactive=session.interactive_mode, size_limit=session.bundle_size_limit
    )
    if bundle is not None and ref.digest is not None:
        client.put_blob(ref.digest, bundle)
    cache = cache_identity(task, values, inputs, put)
    spec = _with_custom_context(task_spec(task, ref.to_dict()), custom_context)
    # The root's inputs as data, for re-runs with edited inputs (backend/_rerun.py).
    spec["interface"] = describe_inputs(task.interface, put)
    body: CreateRunBody = {
        "name": name,
        "project": session.project,
        "domain": session.domain,
        "spec": spec,
        "inputs": inputs,
        "cache": list(cache) if cache else None,
        "options": {
            "overwrite_cache": overwrite_cache,
            "max_action_concurrency": max_action_concurrency,
            "env_vars": dict(env_vars),
            "sys_path": import_path(),
            "artifacts": consumed,
            "source": getattr(task, "defined_at", None),  # tasks/_where.py
        },
    }
    return client.create_run(body)


def _with_custom_context(
    spec: dict[str, Any], custom_context: Mapping[str, str] | None
) -> dict[str, Any]:
    """The root's spec env carries the run's Flyte 2 custom context (not the run's env,
    which would override what a parent hands its children)."""
    from ..engine._context import encode_custom_context

    inherited = encode_custom_context(custom_context or {})
    if inherited:
        spec["env"] = {**spec.get("env", {}), **inherited}
    return spec
