"""The app supervisor: deploys apps, checks their port, restarts them, stops them.

Plain Python on the backend's event loop (the HTTP handlers in ``server/_apps_routes.py``
call it). Design decisions:

- One asyncio task per app runs its whole life: materialize the parameters (in a
  thread: ``_app_params.py``), start the process, wait for its port, watch it. States:
  PENDING (recorded, not started), DEPLOYING (parameters, process start, health check,
  restarts), ACTIVE (the port answers), FAILED (``reason`` says why and what to do),
  STOPPED. Every change is written to the ``apps`` table before anyone can read it, so
  the API, the panel and a restarted backend see one truth.
- Health: a TCP connect to ``127.0.0.1:port``. Before starting, something already
  answering there is a FAILED "port in use", so another program can never pass our health
  check. After ACTIVE, a crash is seen at once as the process exiting.
- Restarts: a process that exits (any code: apps are meant to run until stopped) is
  started again after 0.5 s, 1 s, 2 s; the fourth exit in a row is FAILED with its exit
  status and last output line. A process that ran ``STABLE_AFTER`` seconds before exiting
  starts a fresh count. A command that cannot start at all (not found, not executable) or
  a port that never opens within ``FLYTE_NB_APP_STARTUP_TIMEOUT`` seconds (default 60)
  fails at once: restarting cannot fix those.
- Processes lead their own process group (stop kills the app's children too: SIGTERM,
  then SIGKILL after ``STOP_GRACE`` s) and inherit the backend's environment plus
  ``FLYTE_NB_HOME``, ``FLYTE_NB_APP_NAME``/``_PORT``/``_DIR``/``_PARAMETERS``, the app's
  env vars and its parameters' env vars; none of the backend's own ``FLYTE_NB_*``
  settings (its token, its database URL) reach an app. Output is captured line by line into
  ``app_logs`` (batched every 0.25 s; ``_app_output.py``).
- Backend stop and restart: a stopping backend stops every app and records it STOPPED
  ("the backend stopped") while keeping ``desired`` ACTIVE; a starting backend deploys
  again every app whose ``desired`` state is ACTIVE and that had not FAILED, as the same
  revision with each ``RunOutput`` pinned to the run it resolved to before, so a restart
  never silently changes what an app serves (an explicit redeploy re-resolves). A backend
  that was killed may have left app processes behind: the recorded process identity (pid
  and start time) lets the new backend kill exactly those, never a reused pid.
- Database writes go through one writer thread, in order: a write issued by a cancelled
  deployment can never land after the STOPPED written by the stop that cancelled it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import shutil
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..store import process_identity
from ._app_output import FLUSH_EVERY, AppOutput
from ._app_params import AppDeployError
from ._app_process import POLL, app_env, exit_text, kill_orphan, port_open, terminate

if TYPE_CHECKING:
    from ._app_records import Key
    from ._service import Backend

MAX_RESTARTS = 3
STABLE_AFTER = 30.0
STARTUP_ENV = "FLYTE_NB_APP_STARTUP_TIMEOUT"
BACKEND_STOPPED = "the backend stopped; it deploys the app again when it starts"
RUNNING = ("PENDING", "DEPLOYING", "ACTIVE")


@dataclass(eq=False)
class _Live:
    key: Key
    row: dict[str, Any]
    task: asyncio.Task[None] | None = None
    proc: asyncio.subprocess.Process | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=20))


class AppSupervisor:
    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.home = backend.raw_root.parent
        self.root = self.home / "apps"
        self.startup_timeout = _startup_timeout(os.environ.get(STARTUP_ENV, "60"))
        self.live: dict[Key, _Live] = {}
        self.output = AppOutput(self._call)
        self._writer = concurrent.futures.ThreadPoolExecutor(1, "flyte-nb-apps")
        self._tasks: set[asyncio.Task[Any]] = set()
        self._flusher: asyncio.Task[None] | None = None
        # Deploys and stops run one at a time: two deploys of one app (or of two apps on one
        # port) must not both pass their checks before either is recorded.
        self._changing = asyncio.Lock()

    @property
    def engine(self) -> Any:
        return self._backend.engine

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the log flusher, and bring back the apps a previous backend ran. They are
        marked PENDING before the server answers anyone, so no client reads the state a
        dead backend left (an ACTIVE app whose process is gone)."""
        self._flusher = self._spawn(self._flush_loop())
        if not self._maybe_apps():
            return
        from . import _app_records as records

        fields = {
            "state": "PENDING",
            "restarts": 0,
            "updated_at": time.time(),
            "reason": "deploying again after a backend restart",
        }
        for row in records.to_restore(self.engine):
            key = (row["project"], row["domain"], row["name"])
            records.update_app(self.engine, key, fields)
            live = _Live(key, {**row, **fields})
            self.live[key] = live
            live.task = self._spawn(self._restore(live, row))

    async def stop(self) -> None:
        lives = list(self.live.values())
        self.live.clear()
        running = [live for live in lives if live.row["state"] in RUNNING]
        await asyncio.gather(*(self._halt(live) for live in lives))
        for live in running:  # a FAILED app stays FAILED: a restart must not revive it
            await self._write(live, {"state": "STOPPED", "reason": BACKEND_STOPPED})
        if self._flusher is not None:
            self._flusher.cancel()
        await self._flush()
        await asyncio.get_running_loop().run_in_executor(None, self._writer.shutdown)

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _maybe_apps(self) -> bool:
        """Whether the records may hold apps to restore; a SQLite file is asked with the
        stdlib driver so a backend with no apps never imports SQLAlchemy at start."""
        import sqlite3

        db_path = getattr(self._backend.recorder, "db_path", None)
        if db_path is None:
            return True
        try:
            with contextlib.closing(sqlite3.connect(db_path, timeout=30)) as conn:
                row = conn.execute(
                    "SELECT 1 FROM apps WHERE desired = 'ACTIVE' AND state != 'FAILED' LIMIT 1"
                ).fetchone()
        except sqlite3.Error:
            return True
        return row is not None

    async def _restore(self, live: _Live, row: dict[str, Any]) -> None:
        await kill_orphan(row)
        await self._run(live, _pinned(json.loads(row["spec"]), json.loads(row["resolved"] or "[]")))

    # -- the API -------------------------------------------------------------------------
    async def deploy(
        self, project: str, domain: str, spec: dict[str, Any], version: str | None
    ) -> dict[str, Any]:
        """Record a new revision of the app and start deploying it; returns its view."""
        async with self._changing:
            return await self._deploy(project, domain, spec, version)

    async def _deploy(
        self, project: str, domain: str, spec: dict[str, Any], version: str | None
    ) -> dict[str, Any]:
        from . import _app_records as records
        from ._errors import BackendError

        key = (project, domain, spec["name"])
        for other in self.live.values():
            if (
                other.row["state"] in RUNNING
                and other.key != key
                and other.row["port"] == spec["port"]
            ):
                raise BackendError(
                    409,
                    "conflict",
                    f"port {spec['port']} is used by app {other.key[2]!r} "
                    f"({other.key[0]}/{other.key[1]}); stop it or deploy with another port",
                )
        old = self.live.pop(key, None)
        if old is not None:
            await self._halt(old)
        existing = await self._call(records.get_app, self.engine, key)
        now = time.time()
        row = {
            "project": project,
            "domain": domain,
            "name": spec["name"],
            "revision": existing["revision"] + 1 if existing else 1,
            "state": "PENDING",
            "reason": None,
            "desired": "ACTIVE",
            "spec": json.dumps(spec),
            "version": version,
            "resolved": None,
            "port": spec["port"],
            "restarts": 0,
            "owner_host": None,
            "owner_pid": None,
            "owner_started": None,
            "created_at": existing["created_at"] if existing else now,
            "updated_at": now,
            "deployed_at": now,
            "active_at": None,
        }
        await self._call(records.put_app, self.engine, row)
        await self._call(records.prune_logs, self.engine, key, row["revision"])
        live = _Live(key, row)
        self.live[key] = live
        self._publish(live)
        live.task = self._spawn(self._run(live, spec))
        return records.app_view(row)

    async def redeploy(self, key: Key) -> dict[str, Any]:
        """Deploy the recorded spec again as a new revision; RunOutputs resolve afresh."""
        from . import _app_records as records

        row = await self._call(records.get_app, self.engine, key)
        if row is None:
            raise _unknown(key)
        return await self.deploy(key[0], key[1], json.loads(row["spec"]), row["version"])

    async def stop_app(self, key: Key) -> dict[str, Any]:
        from . import _app_records as records

        async with self._changing:
            row = await self._call(records.get_app, self.engine, key)
            if row is None:
                raise _unknown(key)
            live = self.live.pop(key, None) or _Live(key, row)
            await self._halt(live)
            await self._write(
                live,
                {
                    "state": "STOPPED",
                    "desired": "STOPPED",
                    "owner_pid": None,
                    "reason": "stopped by the user",
                },
            )
        return records.app_view(live.row)

    def get(self, key: Key) -> dict[str, Any] | None:
        from . import _app_records as records

        row = records.get_app(self.engine, key)
        return records.app_view(row) if row else None

    def list_apps(self, **filters: Any) -> list[dict[str, Any]]:
        from . import _app_records as records

        return [records.app_view(r) for r in records.list_apps(self.engine, **filters)]

    def logs(self, key: Key, after: int, limit: int, revision: int | None) -> list[dict[str, Any]]:
        from . import _app_records as records

        if records.get_app(self.engine, key) is None:
            raise _unknown(key)
        return records.list_logs(self.engine, key, after=after, limit=limit, revision=revision)

    # -- one app's life ------------------------------------------------------------------
    async def _run(self, live: _Live, spec: dict[str, Any]) -> None:
        try:
            await self._write(live, {"state": "DEPLOYING"})
            app_dir = self._app_dir(live)
            resolved = await asyncio.to_thread(self._materialize, live, spec, app_dir)
            await self._write(live, {"resolved": json.dumps(resolved)})
            env = app_env(self.home, live.key[2], spec, resolved, app_dir, live.row["version"])
            await self._serve(live, spec, env, app_dir)
        except AppDeployError as exc:
            await self._write(live, {"state": "FAILED", "reason": str(exc), "owner_pid": None})
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # our bug: say so in the record, not only in server.log
            print(f"flyte_nb backend: app {live.key} failed: {exc!r}", file=sys.stderr)
            reason = f"internal error while deploying: {exc!r}; see the backend's server.log"
            await self._write(live, {"state": "FAILED", "reason": reason, "owner_pid": None})
        finally:
            if live.proc is not None and live.proc.returncode is None:
                await terminate(live.proc)

    def _app_dir(self, live: _Live) -> Path:
        project, domain, name = live.key
        base = self.root / project / domain / name
        if base.is_dir():
            for old in base.iterdir():
                shutil.rmtree(old, ignore_errors=True)
        path = base / f"r{live.row['revision']}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _materialize(self, live: _Live, spec: dict[str, Any], app_dir: Path) -> Any:
        from ._app_params import materialize

        return materialize(
            self.engine,
            self._backend.recorder.blobs,
            spec,
            project=live.key[0],
            domain=live.key[1],
            version=live.row["version"],
            app_dir=app_dir,
        )

    async def _serve(
        self, live: _Live, spec: dict[str, Any], env: dict[str, str], app_dir: Path
    ) -> None:
        port, argv = spec["port"], spec["argv"]
        cwd = spec.get("cwd") or str(app_dir)
        if not await asyncio.to_thread(os.path.isdir, cwd):
            raise AppDeployError(
                f"the app's working folder {cwd} does not exist any more; "
                "deploy it again from where its files are"
            )
        streak = 0  # exits in a row, for the restart policy
        while True:
            if await port_open(port):
                raise AppDeployError(
                    f"port {port} is already in use on 127.0.0.1 (another program answers "
                    "there); stop that program or deploy with another port="
                )
            started = time.monotonic()
            proc = await self._start_process(live, argv, cwd, env)
            pumps = [
                self._spawn(self.output.pump(live.key, live.row["revision"], s, n, live.tail))
                for s, n in ((proc.stdout, "stdout"), (proc.stderr, "stderr"))
            ]
            ready = await self._wait_ready(live, proc, port)
            if ready:
                await self._write(
                    live, {"state": "ACTIVE", "reason": None, "active_at": time.time()}
                )
            code = await proc.wait()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # what it started must not keep the port
            await asyncio.gather(*pumps, return_exceptions=True)
            live.proc = None
            if ready and time.monotonic() - started >= STABLE_AFTER:
                streak = 0
            how = exit_text(code)
            last = f"; last output: {live.tail[-1]!r}" if live.tail else ""
            if streak >= MAX_RESTARTS:
                raise AppDeployError(
                    f"the app process exited ({how}) and was restarted {MAX_RESTARTS} times; "
                    f"gave up{last}. Read its logs (flyte-nb apps logs {live.key[2]}), fix "
                    "it and deploy again"
                )
            streak += 1
            reason = f"the app process exited ({how}){last}; restart {streak} of {MAX_RESTARTS}"
            await self._write(
                live,
                {
                    "state": "DEPLOYING",
                    "restarts": live.row["restarts"] + 1,
                    "owner_pid": None,
                    "reason": reason,
                },
            )
            await asyncio.sleep(0.5 * 2 ** (streak - 1))

    async def _start_process(
        self, live: _Live, argv: list[str], cwd: str, env: dict[str, str]
    ) -> asyncio.subprocess.Process:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=cwd,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise AppDeployError(
                f"cannot start {argv[0]!r}: {exc.strerror or exc}; check command= (the "
                "program must exist on the backend's PATH, or be given by its full path)"
            ) from None
        live.proc = proc
        host, pid, started = process_identity(proc.pid)
        await self._write(live, {"owner_host": host, "owner_pid": pid, "owner_started": started})
        return proc

    async def _wait_ready(self, live: _Live, proc: asyncio.subprocess.Process, port: int) -> bool:
        """True once the port answers; False if the process exited first."""
        exited = asyncio.ensure_future(proc.wait())
        deadline = time.monotonic() + self.startup_timeout
        try:
            while not exited.done():
                if await port_open(port):
                    return proc.returncode is None
                if time.monotonic() > deadline:
                    await terminate(proc)
                    raise AppDeployError(
                        f"the app did not open port {port} within {self.startup_timeout:g} s; "
                        f"it must listen on 127.0.0.1:{port} (FLYTE_NB_APP_PORT). Read its "
                        f"logs: flyte-nb apps logs {live.key[2]}"
                    )
                await asyncio.wait({exited}, timeout=POLL)
            return False
        finally:
            if not exited.done():
                exited.cancel()

    async def _halt(self, live: _Live) -> None:
        task = live.task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if live.proc is not None and live.proc.returncode is None:
            await terminate(live.proc)

    # -- records, logs, events -----------------------------------------------------------
    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a database call on the writer thread, in submission order."""
        return await asyncio.get_running_loop().run_in_executor(self._writer, fn, *args)

    async def _write(self, live: _Live, fields: dict[str, Any]) -> None:
        from . import _app_records as records

        fields = {**fields, "updated_at": time.time()}
        live.row.update(fields)
        await self._call(records.update_app, self.engine, live.key, fields)
        self._publish(live)

    def _publish(self, live: _Live) -> None:
        project, domain, name = live.key
        self._backend.events.publish(
            f"app:{project}/{domain}/{name}",
            {
                "kind": "app",
                "project": project,
                "domain": domain,
                "name": name,
                "state": live.row["state"],
                "revision": live.row["revision"],
            },
        )

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            await self._flush()

    async def _flush(self) -> None:
        revisions = {key: live.row["revision"] for key, live in self.live.items()}
        await self.output.flush(self.engine, revisions)


# -- helpers ---------------------------------------------------------------------------------
def _startup_timeout(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:
        raise ValueError(
            f"{STARTUP_ENV} must be a number of seconds > 0 (how long an app may take to "
            f"open its port), got {text!r}"
        )
    return seconds


def _unknown(key: Key) -> Exception:
    from ._errors import BackendError

    project, domain, name = key
    return BackendError(
        404,
        "not_found",
        f"no app named {name!r} in {project}/{domain}; "
        "list apps with GET /api/v1/apps or `flyte-nb apps list`",
    )


def _pinned(spec: dict[str, Any], resolved: list[dict[str, Any]]) -> dict[str, Any]:
    """``spec`` with each RunOutput pinned to the run it resolved to last time."""
    runs = {p["name"]: p["run"] for p in resolved if p.get("run")}
    params = []
    for p in spec["parameters"]:
        if p.get("run_output") is not None and p["name"] in runs:
            p = {**p, "run_output": {"type": p["run_output"]["type"], "run_name": runs[p["name"]]}}
        params.append(p)
    return {**spec, "parameters": params}
