"""Resolving a ``RunOutput`` against the run records: which run, and its output.

One implementation for every caller, over a SQLAlchemy engine: the backend resolves app
parameters on its own engine when it deploys, ``POST /api/v1/run-outputs/resolve`` serves
``RunOutput.get()`` in a kernel connected to a backend, and a kernel without one (or an
app process, which gets ``FLYTE_NB_HOME``) reads this machine's database directly.

Rules:
- ``run_name``: that run, which must have SUCCEEDED.
- ``task_name``: the newest (by creation time) SUCCEEDED run whose root task is that task,
  in the caller's project and domain. With a version (``task_version``, the latest
  registered one for ``task_auto_version="latest"``, or the deployment's own version for
  ``"current"``), only runs whose root action ran the code registered as that version
  count: the same bundle digest, or the same module and qualified name for tasks shipped
  by reference. Runs in the kernel (local mode) record no code reference, so they never
  match a version; ask for no version to use them.
- The run must have exactly one output; that is the value.

The backend decodes outputs with ``decode_trusted=False``: it never unpickles user code,
so a pickled output is read only when its type is flyte_nb's own or a ``pathlib`` path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException, RunNotFoundError
from ._run_output import VERSION_ENV, RunOutput

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ..wire import ResolveRunOutputBody

DEFAULT_PROJECT = "default"
DEFAULT_DOMAIN = "development"
_SCAN_LIMIT = 1000  # runs of a task examined for a version match, newest first
_SAFE_PICKLES = ("flyte_nb.", "pathlib.")


@dataclass(frozen=True)
class Resolved:
    """The run a ``RunOutput`` resolved to, and its output value."""

    run: str
    task_name: str
    value: Any

    @property
    def where(self) -> str:
        return f"the output of run {self.run!r} (task {self.task_name!r})"


def find_run(
    engine: Engine,
    ro: RunOutput,
    *,
    project: str = DEFAULT_PROJECT,
    domain: str = DEFAULT_DOMAIN,
    current_version: str | None = None,
) -> dict[str, Any]:
    """The run row ``ro`` names; RunNotFoundError / FlyteValidationException saying why not."""
    from sqlalchemy import and_, select

    from ..store import _queries
    from ..store._schema import actions, runs

    if ro.run_name is not None:
        row = _queries.get_run(engine, ro.run_name)
        if row is None:
            raise RunNotFoundError(
                f"RunOutput: no run named {ro.run_name!r}; list runs with "
                "fl.remote.Run.listall() or `flyte-nb runs`"
            )
        if row["phase"] != "SUCCEEDED":
            raise FlyteValidationException(
                f"RunOutput: run {ro.run_name!r} is {row['phase']}; only a succeeded run has "
                "an output to serve: wait for it, or name another run"
            )
        return row
    assert ro.task_name is not None
    wanted = _wanted_ref(engine, ro, project, domain, current_version)
    query = (
        select(runs, actions.c.spec.label("root_spec"))
        .select_from(
            runs.outerjoin(actions, and_(actions.c.run_name == runs.c.name, actions.c.name == "a0"))
        )
        .where(
            runs.c.task_name == ro.task_name,
            runs.c.phase == "SUCCEEDED",
            runs.c.project == project,
            runs.c.domain == domain,
        )
        .order_by(runs.c.created_at.desc(), runs.c.name.desc())
        .limit(1 if wanted is None else _SCAN_LIMIT)
    )
    with engine.connect() as conn:
        for candidate in conn.execute(query).mappings():
            if wanted is None or _root_ref(candidate["root_spec"]) == wanted[1]:
                found = dict(candidate)
                found.pop("root_spec", None)
                return found
    raise _no_run(engine, ro, project, domain, wanted[0] if wanted else None)


def _wanted_ref(
    engine: Engine, ro: RunOutput, project: str, domain: str, current: str | None
) -> tuple[str, Any] | None:
    """(version, code ref) the run must match, or None when any version will do."""
    from ..store import _queries

    version = ro.task_version
    if ro.task_auto_version == "current":
        if not current:
            raise FlyteValidationException(
                f"RunOutput(task_name={ro.task_name!r}, task_auto_version='current') uses the "
                "version the app was deployed with, and there is none here; deploy with "
                "remote.deploy_app(app, version='v1'), or use task_auto_version='latest' or "
                "task_version='...'"
            )
        version = current
    if version is None and ro.task_auto_version != "latest":
        return None
    assert ro.task_name is not None
    row = _queries.get_task(engine, project, domain, ro.task_name, version)
    if row is None:
        which = f"version {version!r} of task" if version else "registered version of task"
        raise RunNotFoundError(
            f"RunOutput: no {which} {ro.task_name!r} in {project}/{domain}; register it "
            "with UnionRemote().register_task(task, version=...), or drop the version to use "
            "the newest run of any version"
        )
    return str(row["version"]), json.loads(row["ref"])


def _root_ref(spec: str | None) -> Any:
    if not spec:
        return None
    try:
        return json.loads(spec)["spec"]["ref"]
    except (ValueError, KeyError, TypeError):
        return None


def _no_run(
    engine: Engine, ro: RunOutput, project: str, domain: str, version: str | None
) -> RunNotFoundError:
    from sqlalchemy import select

    from ..store._schema import runs

    name = ro.task_name or ""
    which = f" version {version!r}" if version else ""
    short = name.rsplit(".", 1)[-1][:64]
    escaped = short.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        select(runs.c.task_name)
        .where(runs.c.task_name.like(f"%{escaped}%", escape="\\"))
        .distinct()
        .limit(5)
    )
    with engine.connect() as conn:
        similar = sorted(str(r[0]) for r in conn.execute(query) if r[0] != name)
    hint = f"; recorded tasks with a similar name: {similar}" if similar else ""
    if version:
        hint += (
            " (runs in the kernel, local mode, record no code version: run the task on the "
            "backend after fl.init())"
        )
    return RunNotFoundError(
        f"RunOutput: no succeeded run of task {name!r}{which} in {project}/{domain}; run it "
        f"first (task names are '<environment>.<function>'){hint}"
    )


def single_output(row: dict[str, Any]) -> Any:
    """The one encoded output of a run row; a clear error for none or several."""
    outputs = json.loads(row["outputs"]) if row.get("outputs") else {}
    where = f"run {row['name']!r} (task {row['task_name']!r})"
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    if not outputs:
        raise FlyteValidationException(
            f"RunOutput: {where} returned nothing; a RunOutput needs a task that returns "
            "one value (a str, or a path for type='file'/'directory')"
        )
    raise FlyteValidationException(
        f"RunOutput: {where} returned {len(outputs)} outputs ({', '.join(outputs)}); a "
        "RunOutput reads a task with exactly one output: return one value"
    )


def decode_output(encoded: Any, get_blob: Callable[[str], bytes], *, trusted: bool) -> Any:
    """Decode one stored value; untrusted callers (the backend) unpickle only safe types."""
    from ..types import decode_value

    if not trusted and isinstance(encoded, dict) and "$blob" in encoded:
        kind = str(encoded.get("type", ""))
        if not kind.startswith(_SAFE_PICKLES):
            raise FlyteValidationException(
                f"RunOutput: the run's output is a {kind} stored as a pickle, which the "
                "backend does not load (it never runs user code); return a str or a path "
                "(pathlib.Path, FlyteFile, FlyteDirectory) from the task"
            )
    return decode_value(encoded, get_blob)


def resolve(
    engine: Engine,
    get_blob: Callable[[str], bytes],
    ro: RunOutput,
    *,
    project: str = DEFAULT_PROJECT,
    domain: str = DEFAULT_DOMAIN,
    current_version: str | None = None,
    trusted: bool = True,
) -> Resolved:
    """Find the run and decode its output."""
    row = find_run(engine, ro, project=project, domain=domain, current_version=current_version)
    value = decode_output(single_output(row), get_blob, trusted=trusted)
    return Resolved(str(row["name"]), str(row["task_name"]), value)


def resolve_here(ro: RunOutput) -> Resolved:
    """Resolve in this process: through the kernel's backend when ``fl.init()`` connected
    one, else against this machine's database."""
    from ..client import current

    version = os.environ.get(VERSION_ENV) or None
    session = current()
    if session is not None:
        from ..types import decode_value

        body: ResolveRunOutputBody = {
            "run_output": ro.model_dump(),
            "project": session.project,
            "domain": session.domain,
            "current_version": version,
        }
        data = session.client.resolve_run_output(body)
        value = decode_value(data["output"], session.client.get_blob)
        return Resolved(data["run"], data["task_name"], value)
    from .. import _config
    from ..store import BlobStore, flush_all
    from ..store._reader import _engine

    flush_all()
    engine = _engine(_config.database_path())
    return resolve(
        engine, BlobStore(_config.blob_dir()).get, ro, current_version=version, trusted=True
    )
