"""What ``UnionRemote`` returns, and the plain functions behind it.

Design decisions:

* ``UnionExecution`` wraps a ``flyte_nb.remote.Run`` instead of copying its fields. The run
  handle already knows how to refresh, wait, abort and rebuild a failed task's exception; the
  execution only adds the Union SDK's spelling on top (``id.name``, ``is_done``, ``outputs``
  as a dict of named outputs, ``error.message``, ``closure.phase``), so code pasted from the
  Union SDK and code written against ``fl.remote.Run`` read the same records the same way.
* Everything else returned is a frozen dataclass of plain values: answers, not handles, and
  printing one in a notebook shows everything there is to know.
* ``closure`` is the execution itself: the seed nests ``phase`` one level down, and a
  separate object would only be one more thing to keep in sync.
* Arguments are checked against one table of rules (``RULES``) so every method words its
  errors the same way: method, parameter, what it must be, what it got. These checks, blob
  transfer and the registration payload live here, as functions, so that ``_union.py``
  reads as the API itself.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import os
import pathlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException, RunNotFoundError

if TYPE_CHECKING:
    from ..client import BackendClient, Session
    from ..tasks import TaskTemplate
    from ..wire import RegisterTaskBody, TaskView
    from ._run import Action, Run
    from ._sources import RemoteSource

BLOB_URI = "flyte-nb://blobs/"
MAX_LIMIT = 1000
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_SCOPE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
# Seed options only a Union cloud gives meaning to: accepted as None, refused otherwise.
CLOUD_ONLY = frozenset({"image_config", "options", "type_hints", "interruptible", "tags",
                        "cluster_pool", "execution_cluster_label",
                        "serialization_settings"})  # fmt: skip


@dataclass(frozen=True)
class ExecutionId:
    """Where an execution lives: ``project``/``domain`` and its run ``name``."""

    project: str
    domain: str
    name: str


@dataclass(frozen=True)
class ExecutionError:
    """Why an execution failed: the task's exception type (``code``) and message."""

    code: str
    message: str
    traceback: str = ""


@dataclass(frozen=True)
class TaskId:
    """A registered task version: ``project``/``domain``/``name``/``version``."""

    project: str
    domain: str
    name: str
    version: str


@dataclass(frozen=True)
class RegisteredTask:
    """A task version stored on the backend (``register_task``/``fetch_task``).

    Pass it to ``UnionRemote.execute`` to run that version's code; ``ref`` says where the
    code is (an importable module, or a content-addressed bundle blob).
    """

    id: TaskId
    ref: dict[str, Any]
    spec: dict[str, Any] | None
    interface: dict[str, Any] | None
    created_at: float

    @classmethod
    def from_view(cls, view: TaskView) -> RegisteredTask:
        task_id = TaskId(view["project"], view["domain"], view["name"], view["version"])
        return cls(task_id, view["ref"], view.get("spec"), view.get("interface"),
                   view["created_at"])  # fmt: skip

    @property
    def name(self) -> str:
        return self.id.name

    @property
    def version(self) -> str:
        return self.id.version


@dataclass(frozen=True)
class Project:
    """A project the backend knows about (any project a run or task was recorded in)."""

    id: str
    name: str


@dataclass(frozen=True)
class Domain:
    """A domain the backend offers (development, staging, production)."""

    id: str
    name: str


@dataclass(eq=False)
class UnionExecution:
    """One run, seen the Union SDK's way; ``run`` is the ``flyte_nb.remote.Run`` behind it.

    State is a snapshot: ``UnionRemote.sync``/``wait`` refresh it. ``node_executions`` (the
    run's actions by name) is filled by a sync with ``sync_nodes=True``.
    """

    run: Run
    source: RemoteSource = field(repr=False)
    node_executions: dict[str, Action] = field(default_factory=dict, repr=False)
    _outputs: dict[str, Any] | None = field(default=None, init=False, repr=False)

    @property
    def id(self) -> ExecutionId:
        return ExecutionId(self.run.project, self.run.domain, self.run.name)

    @property
    def phase(self) -> str:
        """QUEUED, RUNNING, SUCCEEDED, FAILED, ABORTED or TIMED_OUT."""
        return self.run.phase

    @property
    def closure(self) -> UnionExecution:
        """The seed's ``execution.closure.phase`` reads ``phase`` here."""
        return self

    @property
    def is_done(self) -> bool:
        return self.run.done

    @property
    def is_successful(self) -> bool:
        return self.run.phase == "SUCCEEDED"

    @property
    def error(self) -> ExecutionError | None:
        """Set once the execution failed, timed out or was aborted."""
        data = self.run.error
        if data is None:
            if self.run.phase in ("FAILED", "TIMED_OUT", "ABORTED"):
                return ExecutionError(self.run.phase, f"the execution ended {self.run.phase}")
            return None
        return ExecutionError(
            str(data.get("type", self.run.phase)),
            str(data.get("message", "")),
            str(data.get("traceback", "")),
        )

    @property
    def inputs(self) -> dict[str, Any]:
        return self.run.inputs()

    @property
    def outputs(self) -> dict[str, Any]:
        """Named outputs (``o0``, ``o1``, ...). Before the end this raises saying to wait;
        after a failure it raises the task's own exception, as ``Run.outputs()`` does."""
        if self._outputs is None:
            if not self.is_successful:
                self.run.outputs()  # raises the right error for this phase
            self._outputs = self.source.values(self.run.name, None, "outputs")
        return self._outputs

    def __repr__(self) -> str:
        i = self.id
        return f"UnionExecution({i.project}/{i.domain}/{i.name}, {self.phase})"


# -- argument checks ---------------------------------------------------------------------------
def _str_map(v: Any) -> bool:
    return isinstance(v, Mapping) and all(
        isinstance(k, str) and k and isinstance(x, str) for k, x in v.items()
    )


RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "scope": (lambda v: isinstance(v, str) and bool(_SCOPE.match(v)),
              "lowercase letters, digits, '-' or '_' (e.g. 'default')"),
    "run": (lambda v: isinstance(v, str) and bool(_NAME.match(v)),
            "a run name: 1-63 lowercase letters, digits or '-' (e.g. 'train-1')"),
    "str": (lambda v: isinstance(v, str) and bool(v.strip()), "a non-empty str"),
    "bool": (lambda v: isinstance(v, bool), "True or False"),
    "limit": (lambda v: type(v) is int and 1 <= v <= MAX_LIMIT, f"an int from 1 to {MAX_LIMIT}"),
    "seconds": (lambda v: isinstance(v, datetime.timedelta) or (type(v) in (int, float) and v > 0),
                "seconds > 0 (int, float or timedelta)"),
    "url": (lambda v: isinstance(v, str) and v.startswith(("http://", "https://")),
            "an http(s):// URL"),
    "path": (lambda v: isinstance(v, str | os.PathLike), "a path (str or pathlib.Path)"),
    "inputs": (lambda v: isinstance(v, Mapping) and all(isinstance(k, str) for k in v),
               "a dict of input name to value (e.g. {'x': 3})"),
    "envs": (_str_map, "a dict of str to str"),
}  # fmt: skip


class EntityNotSupportedError(FlyteValidationException, NotImplementedError):
    """``execute`` got something other than a task (a workflow or launch plan, say)."""


def invalid(method: str, message: str) -> FlyteValidationException:
    return FlyteValidationException(f"UnionRemote.{method}: {message}")


def arg(method: str, param: str, value: Any, rule: str, default: Any = None) -> Any:
    """``value`` checked against ``RULES[rule]``; ``None`` gives ``default``."""
    if value is None:
        return default
    check, hint = RULES[rule]
    if not check(value):
        raise invalid(method, f"{param} must be {hint}, got {value!r}")
    return value


def required(method: str, param: str, value: Any, rule: str, example: str) -> Any:
    if value is None:
        raise invalid(method, f"{param} is required, e.g. {example}")
    return arg(method, param, value, rule)


def no_filters(method: str, **given: Any) -> None:
    for param, value in given.items():
        if value is not None:
            raise invalid(
                method,
                f"{param} takes flytekit filter models, which flyte_nb does not have; filter "
                "by project/domain or use fl.remote.Run.listall()",
            )


# -- blobs and registration --------------------------------------------------------------------
def upload_blob(client: BackendClient, path: pathlib.Path) -> tuple[bytes, str]:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    client.put_blob(digest, data)
    return hashlib.md5(data).digest(), BLOB_URI + digest


def _digest_of(data: Any) -> str:
    text = data[len(BLOB_URI) :] if isinstance(data, str) and data.startswith(BLOB_URI) else data
    if not isinstance(text, str) or not _DIGEST.match(text):
        raise invalid("download", f"data must be a '{BLOB_URI}<sha256>' URI (from upload_file) "
                      f"or a blob digest (64 hex digits), got {data!r}")  # fmt: skip
    return text


def download_blobs(client: BackendClient, data: Any, target: pathlib.Path) -> pathlib.Path:
    """Write one blob to ``target`` (into it when a folder), or a dict of name to blob as
    files in the folder ``target``; returns the file or folder written."""
    if isinstance(data, Mapping):
        files = {target / pathlib.Path(str(k)).name: _digest_of(v) for k, v in data.items()}
        target.mkdir(parents=True, exist_ok=True)
    else:
        digest = _digest_of(data)
        files = {target / digest if target.is_dir() else target: digest}
    for path, digest in files.items():
        try:
            content = client.get_blob(digest)
        except RunNotFoundError:
            raise RunNotFoundError(
                f"UnionRemote.download: no blob {digest} on {client.endpoint}; upload files "
                "with remote.upload_file(path)"
            ) from None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return target if isinstance(data, Mapping) else next(iter(files))


def registration(
    session: Session, task: TaskTemplate, name: str, version: str | None
) -> RegisterTaskBody:
    """The POST /tasks body for ``task``, its code bundle (if any) uploaded first. The
    default version is the task's cache version: a digest of its source."""
    from ..bundle import pack_task
    from ..engine._submit import task_spec

    if version is None:
        try:
            version = task.cache_version()
        except Exception as exc:
            raise invalid("register_task", f"cannot derive a version of {task.name!r} from "
                          f"its source ({exc}); pass version='...'") from exc  # fmt: skip
    ref, bundle = pack_task(
        task, interactive=session.interactive_mode, size_limit=session.bundle_size_limit
    )
    if bundle is not None and ref.digest is not None:
        session.client.put_blob(ref.digest, bundle)
    fmt = inspect.formatannotation
    interface = {
        "inputs": {n: fmt(t) for n, (t, _) in task.interface.inputs.items()},
        "outputs": {n: fmt(t) for n, t in task.interface.outputs.items()},
    }
    spec = task_spec(task, ref.to_dict())
    if ref.kind == "module":  # the backend may start it itself (schedules): say where it is
        from ..client._submit import import_path

        spec["sys_path"] = import_path()
    return {"project": session.project, "domain": session.domain, "name": name,
            "version": version, "spec": spec, "interface": interface}  # fmt: skip


# -- workflows and launch plans ----------------------------------------------------------------
@dataclass(frozen=True)
class RegisteredWorkflow(RegisteredTask):
    """A workflow version stored on the backend (``register_workflow``/``fetch_workflow``).

    A workflow is registered exactly as a task is (its code and spec), so this is a
    ``RegisteredTask`` under the name the Union SDK gives it.
    """


@dataclass(frozen=True)
class LaunchPlanId:
    """A registered launch plan version: ``project``/``domain``/``name``/``version``."""

    project: str
    domain: str
    name: str
    version: str


@dataclass(frozen=True)
class RegisteredLaunchPlan:
    """A launch plan version stored on the backend (``register_launch_plan``/
    ``fetch_launch_plan``): its workflow version, decoded inputs, schedule and settings.

    Pass it to ``UnionRemote.execute`` to run its workflow with its inputs applied.
    """

    id: LaunchPlanId
    workflow_id: TaskId
    default_inputs: dict[str, Any]
    fixed_inputs: dict[str, Any]
    schedule: Any
    labels: dict[str, str]
    annotations: dict[str, str]
    max_parallelism: int | None
    overwrite_cache: bool | None
    is_active: bool
    created_at: float

    @property
    def name(self) -> str:
        return self.id.name

    @property
    def version(self) -> str:
        return self.id.version

    def merge_inputs(self, inputs: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Defaults, then ``inputs``, then the fixed inputs; passing a fixed one is an error.
        Missing required inputs are left to the workflow's own input check."""
        fixed = sorted(set(inputs) & set(self.fixed_inputs))
        if fixed:
            values = {k: self.fixed_inputs[k] for k in fixed}
            raise invalid(where, f"launch plan {self.name!r} fixes {fixed}; they cannot be "
                          f"passed (fixed values: {values!r})")  # fmt: skip
        return {**self.default_inputs, **inputs, **self.fixed_inputs}
