"""What a worker needs to run a job: loading its task and inputs, running the body,
submitting its children, and packing its result.

Why it is a module of its own (issue 17, "a worker ready in <= 0.1 s"): everything here
pulls in the engine, the type engine, the task model, secrets and the bundle loader, which
cost a fresh interpreter more than its own start (about 0.1 s and 6 MiB on a loaded
2-core machine), and asyncio with them. ``_worker`` imports this module on its first job,
not at start, so a worker is ready as soon as its channel is up, and an idle worker that
never ran a job holds none of it. The first job of a fresh worker pays the import once;
``tests/test_backend_imports.py`` holds the line.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..action import artifact_hooks as artifacts
from ..engine._action_spec import cache_identity, child_name, task_spec
from ..engine._context import (
    ActionFrame,
    current_group,
    current_node,
    custom_context_from_env,
    effective_custom_context,
    encode_custom_context,
    enter,
    leave,
)
from ..engine._controller import RunController
from ..engine._decks import ActionDocs, close_docs, start_docs
from ..engine._errors import pack_error, rebuild_error
from ..engine._execute_run import _environ
from ..engine._state import ActionState
from ..secrets._inject import received
from ..types import check_output, decode_values, encode_values
from ._limits import enforced

if TYPE_CHECKING:
    from ..tasks._template import TaskTemplate
    from ._framing import Message
    from ._worker import Worker


class _RunInfo:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class WorkerController:
    """The controller of an action running in a worker: children go to the backend."""

    mode = "remote"

    def __init__(self, worker: Worker, run_name: str, raw_dir: str) -> None:
        # One per job: an attempt's own state hangs on it (its trace log, durable/_log.py).
        self.worker = worker
        self.run = _RunInfo(run_name)
        self._raw_dir = raw_dir
        self.recorder = self  # the stdout/stderr tee asks ``controller.recorder.log``
        self.blobs = worker.blobs

    @property
    def raw_data_dir(self) -> Path:
        """Made when asked: most jobs never write raw data, and a fan-out's thousand
        children paid a ``Path`` each."""
        return Path(self._raw_dir)

    def log(self, row: dict[str, Any]) -> None:
        self.worker.send({"op": "log", "row": row})

    def new_docs(self, frame: ActionFrame) -> ActionDocs:
        """Decks go to the shared blob store from here; the backend indexes them."""
        state, attempt = frame.state, frame.attempt

        def publish(kind: str, name: str, html: str) -> None:
            data = html.encode()
            self.worker.send(
                {
                    "op": "doc",
                    "run": state.run_name,
                    "action": state.name,
                    "attempt": attempt,
                    "kind": kind,
                    "name": name,
                    "digest": self.blobs.put(data),
                    "size": len(data),
                }
            )

        return ActionDocs(publish)

    bind = staticmethod(RunController.bind)

    def call(self, parent: ActionFrame, task: TaskTemplate, args: tuple, kwargs: dict) -> Any:
        values = self.bind(task, args, kwargs)
        if parent.is_async and task.is_async:
            return self.run_async(parent, task, values)
        return self._outcome(task, self._submit(parent, task, values).result())

    async def run_async(self, parent: ActionFrame, task: TaskTemplate, values: dict) -> Any:
        message = await asyncio.wrap_future(self._submit(parent, task, values))
        return self._outcome(task, message)

    def _submit(
        self, parent: ActionFrame, task: TaskTemplate, values: dict[str, Any]
    ) -> concurrent.futures.Future[Message]:
        put = self.blobs.put
        inputs = encode_values(values, put)
        group = current_group()
        cache = cache_identity(task, values, inputs, put)
        spec = spec_for(self.worker, task)
        inherited = encode_custom_context(effective_custom_context())  # Flyte 2 custom_context
        if inherited:
            spec = {**spec, "env": {**spec.get("env", {}), **inherited}}
        node = current_node()
        if node is not None:  # a workflow node's call: the run's graph places it there
            spec = {**spec, "node": node}
        return self.worker.request(
            {
                "op": "submit",
                "run": self.run.name,
                "parent": parent.state.name,
                "name": child_name(parent, task, inputs, group),
                "spec": spec,
                "inputs": inputs,
                "group": group,
                "cache": list(cache) if cache else None,
            }
        )

    def _outcome(self, task: TaskTemplate, message: Message) -> Any:
        if message["phase"] == "SUCCEEDED":
            return task.unpack_outputs(decode_values(message["outputs"], self.blobs.get))
        raise rebuild_error(message["error"], message["phase"], self.blobs.get)


class Action:
    """One action ready to run in this worker: its task, inputs, state and frame."""

    __slots__ = ("done", "frame", "state", "task", "values")

    def __init__(
        self,
        task: TaskTemplate,
        values: dict[str, Any],
        state: ActionState,
        frame: ActionFrame,
        done: Message,
    ) -> None:
        self.task = task
        self.values = values
        self.state = state
        self.frame = frame
        self.done = done


def spec_for(worker: Worker, task: TaskTemplate) -> dict[str, Any]:
    """The task's spec, its code packed once per process (children reuse the bundle)."""
    specs = worker.specs
    cached = specs.get(id(task))
    if cached is not None and cached[0] is task:
        return cached[1]
    from ..bundle import pack_task

    ref, data = pack_task(task, interactive=True)
    if data is not None and ref.digest is not None and not worker.blobs.exists(ref.digest):
        worker.blobs.put(data)
    spec = task_spec(task, ref.to_dict())
    spec["async"] = task.is_async  # whether it may share its parent's loop (``_hosting``)
    specs[id(task)] = (task, spec)
    return spec


def body_loop(worker: Worker) -> asyncio.AbstractEventLoop:
    """The loop the worker's async jobs run on, made and set as the main thread's current
    loop by the first job (a sync body asking for the current loop finds it, as before)."""
    loop = worker.body_loop
    if loop is None:
        loop = worker.body_loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop


def execute(worker: Worker, job: Message) -> Message:
    """Run ``job`` as the worker's job (on the main thread) and return its ``done``."""
    loop = body_loop(worker)
    act = prepare(worker, job)
    if not isinstance(act, Action):
        return act
    task, frame = act.task, act.frame
    with _environ(job["env"]):
        tokens = enter(frame)
        if task.is_async:  # its in-process children share its loop (``_guests``)
            worker.loops[act.state.name] = loop
        try:
            start_docs(frame, task)
            limits = enforced(job["spec"].get("resources"))
            with limits, received(job.get("secrets"), task.name):
                if task.is_async:
                    result = loop.run_until_complete(task.func(**act.values))
                else:
                    result = task.func(**act.values)
        except BaseException as exc:
            return conclude(worker, act, None, exc)
        else:
            return conclude(worker, act, result, None)
        finally:
            worker.loops.pop(act.state.name, None)
            leave(tokens)


def prepare(worker: Worker, job: Message) -> Action | Message:
    """The action ``job`` runs, or its ``done`` message when its code or inputs cannot be
    loaded."""
    done: Message = {"op": "done", "run": job["run"], "action": job["action"]}
    done["attempt"] = job["attempt"]
    done["dispatch"] = job["dispatch"]
    for entry in job["sys_path"]:
        if entry not in sys.path:
            sys.path.append(entry)
    blobs = worker.blobs
    try:
        from ..bundle import load_task_dict

        task = load_task_dict(job["spec"]["ref"], blobs.get)
        values = decode_values(job["inputs"], blobs.get)
    except BaseException as exc:
        done.update(phase="FAILED", error=pack_error(exc, blobs.put))
        return done
    state = ActionState(
        job["run"],
        job["action"],
        job["parent"],
        0,
        task.name,
        task.short_name,
        job["group"],
        job["inputs"],
    )
    state.attempts = job["attempt"]
    state.custom_context = custom_context_from_env(job["env"])
    state.transitions = [["RUNNING", time.time()]]  # for the Timeline deck
    controller = WorkerController(worker, job["run"], job["raw_dir"])
    frame = ActionFrame(controller, state, task.is_async, task.cache_version())  # type: ignore[arg-type]
    return Action(task, values, state, frame, done)


def conclude(worker: Worker, act: Action, result: Any, exc: BaseException | None) -> Message:
    """The ``done`` message of a body that returned ``result`` or raised ``exc``; its decks
    are closed here (call with the action's frame current)."""
    task, done, blobs = act.task, act.done, worker.blobs
    if exc is None:
        try:
            result = check_output(task.name, task.return_type, result)
            outputs = encode_values(task.pack_outputs(result), blobs.put)
            if task.output_artifacts:  # Annotated[T, MyArtifact]: sent with the result
                done["artifacts"] = artifacts.claims(task, act.state, outputs, blobs.get)
        except BaseException as error:
            exc = error
    if exc is not None:
        close_docs(act.frame, task, act.values, None, exc)
        done.update(phase="FAILED", error=pack_error(exc, blobs.put))
        return done
    close_docs(act.frame, task, act.values, result, None)
    done.update(phase="SUCCEEDED", outputs=outputs)
    return done
