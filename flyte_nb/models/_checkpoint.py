"""Flyte 2's ``flyte.Checkpoint`` and flytekit's ``current_context().checkpoint``, one object.

Why it is built this way:

- One layout for both APIs: attempt *n* of an action keeps its checkpoint in the folder
  ``<action output>/checkpoints/<n>`` (the layout ``flyte_nb.union._context`` chose for
  flytekit), and the previous checkpoint is the newest earlier attempt's folder. So a
  Flyte 2 task and a flytekit task resume the same way, and ``TaskContext.checkpoints``
  (the seeds' ``Checkpoints(prev_checkpoint_path, checkpoint_path)``) names both folders.
- The folder lives under the run's raw data folder, which every attempt of the action
  sees whoever runs it: the kernel, a backend worker after another worker was killed, or a
  backend restarted after a crash (attempt numbers keep counting across restarts).
- A save is written next to its target and renamed into place, so a process killed in the
  middle of a save leaves the previous checkpoint intact rather than half of a new one.
- Bytes (or one file) are kept as ``payload``; a folder is kept as a folder. ``load``
  returns ``path / "payload"`` for the first and ``path`` for the second, as Flyte 2 does.
- ``save`` serves both APIs: flytekit calls it and goes on; Flyte 2 awaits it. It does the
  work at once and returns an already finished awaitable.
- It lives in ``models``, next to ``TaskContext`` whose ``checkpoint`` it is: stdlib only,
  so the engine (which names each attempt's folders) and the backend (which recovers runs)
  use it without importing ``durable`` above them. ``flyte_nb.Checkpoint`` is this class;
  ``latest_checkpoint``, which asks the running task, is ``durable``'s.
"""

from __future__ import annotations

import os
import shutil
import tarfile
from collections.abc import Callable, Generator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException

if TYPE_CHECKING:
    from ..models._context import Checkpoints, TaskContext

PAYLOAD = "payload"
RECOVERED_FROM_ENV = "_FLYTE_NB_RECOVERED_FROM"  # set by ``_recover`` on a recovered run
_FLYTEKIT_FILE = "_chkpt"  # what flytekit's SyncCheckpoint.write names its bytes


def _local(uri: str) -> str:
    """A path from a ``file://`` URI (Flyte 2 passes those); other strings are paths."""
    return uri[len("file://") :] if uri.startswith("file://") else uri


def checkpoint_root(output_path: str) -> Path:
    return Path(output_path) / "checkpoints"


def previous(root: Path, attempt: int) -> Path | None:
    """The newest earlier attempt's checkpoint folder, or None."""
    try:
        names = os.listdir(root)
    except OSError:
        return None
    best = -1
    for name in names:
        if name.isdigit() and best < int(name) < attempt and (root / name).is_dir():
            best = int(name)
    return root / str(best) if best >= 0 else None


def checkpoint_paths(output_path: str, attempt: int) -> Checkpoints:
    """The seeds' ``Checkpoints`` of an attempt: where it writes, and what it resumes.

    In a recovered run (``_recover``), an action with no earlier attempt of its own
    resumes from the newest checkpoint the same action left in the run it recovers.
    """
    from ..models._context import Checkpoints

    root = checkpoint_root(output_path)
    prev = previous(root, attempt)
    recovered_from = os.environ.get(RECOVERED_FROM_ENV)
    if prev is None and recovered_from:
        action = Path(output_path)
        prev = previous(
            checkpoint_root(str(action.parent.parent / recovered_from / action.name)), 1 << 30
        )
    return Checkpoints(
        prev_checkpoint_path=str(prev) if prev is not None else None,
        checkpoint_path=str(root / str(attempt)),
    )


class _Done:
    """An awaitable whose work is already done (see the module doc on ``save``)."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield


class Checkpoint:
    """A task attempt's checkpoint: ``load``/``load_sync`` the previous attempt's, and
    ``save``/``save_sync`` this attempt's (bytes, a file, or a folder).

    Inside a task use ``flyte.ctx().checkpoint``; ``Checkpoint(dest, src)`` builds one
    for explicit folders, as Flyte 2's does.
    """

    def __init__(self, checkpoint_dest: str, checkpoint_src: str | None = None) -> None:
        if not isinstance(checkpoint_dest, (str, os.PathLike)) or not str(checkpoint_dest):
            raise FlyteValidationException(
                f"Checkpoint(checkpoint_dest=...) takes a folder path, got {checkpoint_dest!r}; "
                "inside a task use flyte.ctx().checkpoint instead of building one"
            )
        if checkpoint_src is not None and not isinstance(checkpoint_src, (str, os.PathLike)):
            raise FlyteValidationException(
                f"Checkpoint(checkpoint_src=...) takes a folder path or None, got "
                f"{checkpoint_src!r}"
            )
        self._dest = Path(_local(str(checkpoint_dest)))
        src = str(checkpoint_src).strip().strip('"') if checkpoint_src is not None else ""
        self._src = Path(_local(src)) if src else None

    def __repr__(self) -> str:
        return f"Checkpoint({str(self._dest)!r}, {self.remote_source!r})"

    @property
    def remote_destination(self) -> str:
        return str(self._dest)

    @property
    def remote_source(self) -> str | None:
        return str(self._src) if self._src is not None else None

    @property
    def path(self) -> Path:
        """The local folder ``load`` restores into."""
        path = self._dest.parent / f"{self._dest.name}.restored"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def prev_exists(self) -> bool:
        """Whether there is a previous checkpoint to resume (Flyte 2: a source was given)."""
        return self._src is not None

    def _found(self) -> Path | None:
        return self._src if self._src is not None and self._src.exists() else None

    # -- Flyte 2 -------------------------------------------------------------------------
    def load_sync(self) -> Path | None:
        """Restore the previous attempt's checkpoint into ``path``; None when there is none."""
        src = self._found()
        if src is None:
            return None
        target = self.path
        shutil.rmtree(target)
        if src.is_file():  # a single object, as Flyte 2 stores one: a tarball or raw bytes
            target.mkdir()
            if tarfile.is_tarfile(src):
                with tarfile.open(src) as archive:
                    archive.extractall(target, filter="data")
                return target
            shutil.copy2(src, target / PAYLOAD)
            return target / PAYLOAD
        shutil.copytree(src, target)
        entries = os.listdir(target)
        if entries == [_FLYTEKIT_FILE]:
            os.replace(target / _FLYTEKIT_FILE, target / PAYLOAD)
            entries = [PAYLOAD]
        return target / PAYLOAD if entries == [PAYLOAD] else target

    async def load(self) -> Path | None:
        return self.load_sync()

    def save_sync(self, data: bytes | str | os.PathLike[str] | IO[bytes]) -> None:
        """Keep ``data`` as this attempt's checkpoint: bytes, a file, or a folder (a path
        given as a str or Path), replacing what this attempt saved before."""
        if isinstance(data, (bytes, bytearray, memoryview)):
            blob = bytes(data)
            self._replace(lambda tmp: (tmp / PAYLOAD).write_bytes(blob))
            return
        if hasattr(data, "read"):
            raw = data.read()
            self.save_sync(raw if isinstance(raw, bytes) else str(raw).encode())
            return
        if not isinstance(data, (str, os.PathLike)):
            raise FlyteValidationException(
                f"checkpoint.save takes bytes, or the path of a file or folder, got "
                f"{type(data).__qualname__}; encode text with .encode() or write it to a file"
            )
        source = Path(data)
        if source.is_dir():
            self._replace(lambda tmp: shutil.copytree(source, tmp, dirs_exist_ok=True))
        elif source.is_file():
            self._replace(lambda tmp: shutil.copy2(source, tmp / PAYLOAD))
        else:
            raise FlyteValidationException(
                f"checkpoint.save: {str(source)!r} is neither a file nor a folder; pass bytes "
                "(e.g. b'step 3' or text.encode()), or the path of something that exists"
            )

    def save(self, data: Any) -> _Done:
        """Flyte 2's ``await checkpoint.save(...)`` and flytekit's ``checkpoint.save(...)``."""
        self.save_sync(data)
        return _Done()

    def _replace(self, fill: Callable[[Path], object]) -> None:
        tmp = self._dest.parent / f".{self._dest.name}.saving"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        fill(tmp)
        old = self._dest.parent / f".{self._dest.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        if self._dest.exists():
            os.replace(self._dest, old)
        os.replace(tmp, self._dest)
        shutil.rmtree(old, ignore_errors=True)

    # -- flytekit's SyncCheckpoint ------------------------------------------------------
    def read(self) -> bytes | None:
        loaded = self.load_sync()
        if loaded is None or not loaded.is_file():
            return None
        return loaded.read_bytes()

    def write(self, b: bytes) -> None:
        if not isinstance(b, (bytes, bytearray)):
            raise FlyteValidationException(
                f"checkpoint.write takes bytes, got {type(b).__qualname__}; encode text first"
            )
        self.save_sync(bytes(b))

    def restore(self, path: str | os.PathLike[str] | None = None) -> Path | None:
        """Copy the previous attempt's checkpoint into ``path`` (``self.path`` if None)."""
        loaded = self.load_sync()
        if loaded is None or path is None:
            return None if loaded is None else self.path
        target = Path(path)
        shutil.copytree(self.path, target, dirs_exist_ok=True)
        return target


def for_context(ctx: TaskContext) -> Checkpoint:
    """The running attempt's checkpoint (``flyte.ctx().checkpoint``)."""
    paths = ctx.checkpoints
    if paths is None or paths.checkpoint_path is None:
        attempt = int(ctx.data.get("attempt") or 1)
        paths = checkpoint_paths(ctx.output_path or ctx.run_base_dir, attempt)
    assert paths.checkpoint_path is not None
    return Checkpoint(paths.checkpoint_path, paths.prev_checkpoint_path)
