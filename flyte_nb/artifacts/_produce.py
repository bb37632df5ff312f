"""Registering what tasks produce: output annotations, ``create_from``, and claims.

The path of one produced version:

1. At decoration, ``output_artifacts`` reads ``Annotated[T, MyArtifact(...)]`` off the
   task's outputs and checks it against the task (bindings name real inputs, one artifact
   per output, no fixed version): mistakes surface where the task is written.
2. In the body, ``MyArtifact.create_from(value, region=...)`` notes partition values on
   the running action's state, tagged with the attempt, so a failed attempt's notes never
   leak into the retry and nothing outlives the action.
3. When the action succeeds, ``claims`` turns each annotated output into a claim: its
   partitions (create_from, else a binding to an input, else a fixed value; a key left
   without a value fails the action, naming the key and the fixes), its time partition
   (create_from, an input, a fixed time, else the run's start), its type and the output's
   *encoded* value, taken from the action's outputs document so nothing is serialised
   twice. Claims are plain JSON: a backend worker sends them with its result.
4. The store turns claims into rows (``_artifact_rows.produced_rows``): in the kernel
   right here (``record_local``), on the backend in ``backend/_artifacts.py``.

A cache hit produces nothing: the version is the one the run that filled the cache made.
"""

from __future__ import annotations

import datetime
import json
import sys
import time
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from ..exceptions import FlyteValidationException
from ._artifact import Artifact
from ._spec import InputBinding, partition_value, time_value

if TYPE_CHECKING:
    from ..engine._controller import RunController
    from ..engine._state import ActionState
    from ..tasks._template import TaskTemplate

__all__ = ["claims", "output_artifacts", "record_local", "remember_dynamic"]

_TIMES = (datetime.datetime, datetime.date)


def output_artifacts(task: TaskTemplate) -> dict[str, Artifact]:
    """Output name -> the artifact its annotation declares, checked against ``task``."""
    found: dict[str, Artifact] = {}
    where = f"Task '{task.name}'"
    for output, tp in task.interface.outputs.items():
        if typing.get_origin(tp) is not Annotated:
            continue
        metas = typing.get_args(tp)[1:]
        if Artifact in metas:
            raise FlyteValidationException(
                f"{where}: output {output!r} is annotated with the Artifact class; annotate "
                "it with an artifact, e.g. Annotated[int, Artifact(name='my_artifact')]"
            )
        arts = [m for m in metas if isinstance(m, Artifact)]
        if not arts:
            continue
        if len(arts) > 1:
            raise FlyteValidationException(
                f"{where}: output {output!r} is annotated with {len(arts)} artifacts; an "
                "output is one artifact"
            )
        found[output] = _checked(where, output, arts[0], task, found)
    return found


def _checked(
    where: str, output: str, art: Artifact, task: TaskTemplate, found: dict[str, Artifact]
) -> Artifact:
    if art.name is None:
        raise FlyteValidationException(
            f"{where}: output {output!r} is annotated with an artifact without a name; "
            "give it one, e.g. Artifact(name='my_artifact')"
        )
    if art.version is not None:
        raise FlyteValidationException(
            f"{where}: output {output!r}'s artifact {art.name!r} fixes version "
            f"{art.version!r}; a task makes a new version each run, named after the run"
        )
    twice = [o for o, a in found.items() if a.name == art.name]
    if twice:
        raise FlyteValidationException(
            f"{where}: outputs {twice[0]!r} and {output!r} are both artifact {art.name!r}; "
            "an action makes one version of an artifact"
        )
    inputs = task.input_types
    for key, value in [*art._partitions.items(), ("time_partition", art._time)]:
        if not isinstance(value, InputBinding):
            continue
        if value.input not in inputs:
            raise FlyteValidationException(
                f"{where}: output {output!r} binds {key} of artifact {art.name!r} to "
                f"{value!r}, but the task has no input {value.input!r}; its inputs are "
                f"{list(inputs)}"
            )
        if key == "time_partition" and inputs[value.input] not in _TIMES:
            raise FlyteValidationException(
                f"{where}: the time partition of artifact {art.name!r} is bound to input "
                f"{value.input!r}, which is not a datetime; annotate it datetime.datetime"
            )
    return art


def remember_dynamic(
    name: str, partitions: dict[str, str], ts: float | None, card: str | None
) -> None:
    """Note ``create_from``'s values on the running action (a no-op outside a task)."""
    from ..engine import current_frame

    frame = current_frame()
    if frame is None:
        return
    state: Any = frame.state
    stash = getattr(state, "artifacts", None)
    if stash is None or stash[0] != frame.attempt:
        stash = state.artifacts = (frame.attempt, {})
    notes: dict[str, dict[str, Any]] = stash[1]
    entry = notes.setdefault(name, {"partitions": {}, "time": None, "card": None})
    entry["partitions"].update(partitions)
    if ts is not None:
        entry["time"] = ts
    if card is not None:
        entry["card"] = card


def claims(
    task: TaskTemplate, state: ActionState, outputs: str | None, get_blob: Callable[[str], bytes]
) -> list[dict[str, Any]]:
    """What the successful attempt ``state`` of ``task`` produced (see the module doc)."""
    from ..models._interface import type_name
    from ..types import decode_value

    stash = getattr(state, "artifacts", None)
    dynamic: dict[str, Any] = stash[1] if stash is not None and stash[0] == state.attempts else {}
    encoded = json.loads(outputs or "{}")
    inputs: dict[str, Any] | None = None

    def input_value(name: str) -> Any:
        nonlocal inputs
        if inputs is None:
            inputs = json.loads(state.inputs or "{}")
        return decode_value(inputs[name], get_blob)

    out = []
    specs: dict[str, Artifact] = task.output_artifacts
    for output, art in specs.items():
        where = f"Task '{task.name}' output {output!r} (artifact {art.name!r})"
        dyn = dynamic.get(art.name or "", {})
        partitions = {}
        for key in art.partition_keys:
            given = dyn.get("partitions", {}).get(key)
            bound = art._partitions.get(key)
            if given is not None:
                partitions[key] = given
            elif isinstance(bound, InputBinding):
                partitions[key] = partition_value(where, key, input_value(bound.input))
            elif bound is not None:
                partitions[key] = bound
            else:
                raise FlyteValidationException(
                    f"{where}: partition {key!r} has no value; bind it in the annotation "
                    f"({art.name}({key}=Inputs.<input>) or {key}='...') or set it in the "
                    f"body with {art.name}.create_from(value, {key}=...)"
                )
        ts: float | None = None
        if art.time_partitioned:
            if dyn.get("time") is not None:
                ts = dyn["time"]
            elif isinstance(art._time, InputBinding):
                ts = time_value(where, input_value(art._time.input))
            else:
                ts = art._time
        granularity = art.time_partition_granularity
        inner = typing.get_args(task.interface.outputs[output])[0]
        out.append(
            {
                "name": art.name,
                "project": art.project,
                "domain": art.domain,
                "output": output,
                "partitions": partitions,
                "time_partition": ts,
                "time_from_run": art.time_partitioned and ts is None,
                "granularity": granularity.value if granularity else None,
                "type": type_name(inner),
                "value": encoded[output],
                "short_description": art.short_description,
                "card": dyn.get("card") or art.card,
            }
        )
    stray = sorted(set(dynamic) - {a.name for a in specs.values()})
    if stray:
        print(
            f"flyte_nb: {stray[0]}.create_from(...) was called in task '{task.name}', but "
            f"none of its outputs is annotated with artifact {stray[0]!r}; nothing was kept",
            file=sys.stderr,
        )
    return out


def record_local(controller: RunController, state: ActionState, task: TaskTemplate) -> None:
    """Store the versions a successful in-kernel action produced (local mode)."""
    from ..store._artifact_queries import insert_versions, local_engine
    from ..store._artifact_rows import produced_rows

    recorder = controller.recorder
    found = claims(task, state, state.outputs, recorder.blobs.get)
    if not found:
        return
    rows = produced_rows(found, controller.run, state.name, time.time())
    insert_versions(local_engine(recorder.db_path), rows)
