"""flytekit's ``current_context()`` names on Flyte 2's ``TaskContext``.

``flyte_nb.current_context()`` is one function for both APIs: Flyte 2 code reads
``action``, ``raw_data_path``...; flytekit code reads ``execution_id``, ``secrets``,
``logging``, ``working_directory``, ``checkpoint``, ``raw_output_prefix``,
``execution_date``. The flytekit names are properties of ``TaskContext`` that land here on
first use, so a Flyte 2 task never imports this module.

Decisions:

* ``execution_id`` is the run: ``project``/``domain`` of the run (``default``/
  ``development`` unless set), ``name`` the run's name (flytekit's execution name).
* ``checkpoint`` is per action: attempt *n* writes ``<action output>/checkpoints/<n>``;
  ``read()``/``restore()`` see the newest earlier attempt's, so a retried task resumes.
* ``logging`` is a logger whose lines go to the task's stderr, so they are recorded as
  the action's log like ``print`` output.
* ``working_directory`` is a fresh folder per attempt under the action's output path.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException, NotInTaskContextError, SecretNotFoundError

if TYPE_CHECKING:
    from ..models._context import TaskContext

__all__ = [
    "ExecutionIdentifier",
    "SecretsManager",
    "SyncCheckpoint",
    "checkpoint",
    "execution_date",
    "execution_id",
    "user_logger",
    "working_directory",
]


@dataclass(frozen=True)
class ExecutionIdentifier:
    """flytekit's ``WorkflowExecutionIdentifier``: which run this task belongs to."""

    project: str
    domain: str
    name: str


def _frame_for(ctx: TaskContext) -> Any:
    from ..engine import current_frame

    frame = current_frame()
    if frame is None or frame.state.name != ctx.action.name:
        raise NotInTaskContextError(
            "this part of current_context() is only available while its task runs; read it "
            "inside the @task body"
        )
    return frame


def execution_id(ctx: TaskContext) -> ExecutionIdentifier:
    run = _frame_for(ctx).controller.run
    return ExecutionIdentifier(
        project=getattr(run, "project", None) or "default",
        domain=getattr(run, "domain", None) or "development",
        name=run.name,
    )


def execution_date(ctx: TaskContext) -> datetime.datetime:
    """When the run was created (UTC), as flytekit's ``execution_date``."""
    run = _frame_for(ctx).controller.run
    return datetime.datetime.fromtimestamp(run.created_at, tz=datetime.UTC)


def _attempt(ctx: TaskContext) -> int:
    attempt = ctx.data.get("attempt", 1)
    return attempt if isinstance(attempt, int) else 1


def working_directory(ctx: TaskContext) -> str:
    path = Path(ctx.output_path or ctx.run_base_dir) / "work" / str(_attempt(ctx))
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


class SecretsManager:
    """flytekit's ``current_context().secrets``: ``get(group, key)`` and env var names."""

    def get(
        self,
        group: str | None = None,
        key: str | None = None,
        group_version: str | None = None,
        encode_mode: str = "r",
    ) -> Any:
        from ..tasks import Secret

        secret = Secret(group=group, key=key, group_version=group_version)
        value = secret.resolve()
        if value is None:
            raise SecretNotFoundError(
                f"secret {secret.short_string()!r} is not set: add it with "
                f"`flyte-nb secrets create {secret.short_string()}` (or set "
                f"{secret.env_name()}) and request it with "
                f"@task(secret_requests=[Secret(group={group!r}, key={key!r})])"
            )
        if encode_mode not in ("r", "rb"):
            raise FlyteValidationException(
                f"secrets.get(encode_mode={encode_mode!r}): use 'r' (str) or 'rb' (bytes)"
            )
        return value.encode("utf-8") if encode_mode == "rb" else value

    def get_secrets_env_var(
        self, group: str | None = None, key: str | None = None, group_version: str | None = None
    ) -> str:
        from ..tasks import Secret

        return Secret(group=group, key=key, group_version=group_version).env_name()

    def get_secrets_file(
        self, group: str | None = None, key: str | None = None, group_version: str | None = None
    ) -> str:
        from ..tasks import Secret

        secret = Secret(group=group, key=key, group_version=group_version)
        for path in secret._file_candidates():
            if path.is_file():
                return str(path)
        return str(secret._file_candidates()[0])


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at emit time: the engine's per-action capture."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # pragma: no cover - logging must never fail the task
            self.handleError(record)


def user_logger() -> logging.Logger:
    logger = logging.getLogger("flyte_nb.user")
    if not logger.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


class SyncCheckpoint:
    """flytekit's ``current_context().checkpoint``: bytes or files kept across retries."""

    _FILE = "_chkpt"

    def __init__(self, root: Path, attempt: int) -> None:
        self._root = root
        self._attempt = attempt

    @property
    def _current(self) -> Path:
        return self._root / str(self._attempt)

    def _previous(self) -> Path | None:
        for attempt in range(self._attempt - 1, 0, -1):
            path = self._root / str(attempt)
            if path.is_dir():
                return path
        return None

    def prev_exists(self) -> bool:
        return self._previous() is not None

    def read(self) -> bytes | None:
        prev = self._previous()
        if prev is None or not (prev / self._FILE).is_file():
            return None
        return (prev / self._FILE).read_bytes()

    def write(self, b: bytes) -> None:
        if not isinstance(b, (bytes, bytearray)):
            raise FlyteValidationException(
                f"checkpoint.write takes bytes, got {type(b).__qualname__}; encode text first"
            )
        self._current.mkdir(parents=True, exist_ok=True)
        (self._current / self._FILE).write_bytes(bytes(b))

    def restore(self, path: str | os.PathLike[str] | None = None) -> Path | None:
        """Copy the previous attempt's checkpoint into ``path`` (a fresh folder if None)."""
        prev = self._previous()
        if prev is None:
            return None
        target = Path(path) if path is not None else self._root / f"restored-{self._attempt}"
        shutil.copytree(prev, target, dirs_exist_ok=True)
        return target

    def save(self, cp: str | os.PathLike[str] | Any) -> None:
        """Keep a file or folder (or a readable binary file object) as this attempt's."""
        self._current.mkdir(parents=True, exist_ok=True)
        if hasattr(cp, "read"):
            (self._current / self._FILE).write_bytes(cp.read())
            return
        source = Path(cp)
        if source.is_dir():
            shutil.copytree(source, self._current, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, self._current / source.name)
        else:
            raise FlyteValidationException(f"checkpoint.save: {str(source)!r} does not exist")


def checkpoint(ctx: TaskContext) -> SyncCheckpoint:
    root = Path(ctx.output_path or ctx.run_base_dir) / "checkpoints"
    return SyncCheckpoint(root, _attempt(ctx))
