"""Flyte 2's ``latest_checkpoint``: the newest checkpoint file under a folder, or the running
task's previous checkpoint.

``Checkpoint`` itself (the layout of an attempt's checkpoint folders, saving and loading)
is ``models/_checkpoint.py``, below the engine that names those folders; this helper asks
the running task for its context, so it stays in ``durable``, above the engine.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..exceptions import FlyteValidationException, NotInTaskContextError
from ..models._checkpoint import for_context


def latest_checkpoint(
    root: str | os.PathLike[str] | None = None,
    glob_pattern: str = "**/last.ckpt",
    *,
    key: Callable[[Path], Any] | None = None,
) -> Path | None:
    """Flyte 2's helper: the file under ``root`` matching ``glob_pattern`` that ranks
    highest by ``key`` (newest modification time by default), or None.

    With no ``root``, inside a task: the previous attempt's checkpoint, restored (what
    ``flyte.ctx().checkpoint.load_sync()`` returns).
    """
    if root is None:
        from ..engine._context import ctx

        context = ctx()
        if context is None:
            raise NotInTaskContextError(
                "latest_checkpoint() without a folder means the running task's previous "
                "checkpoint; call it inside a task, or pass the folder to search"
            )
        return for_context(context).load_sync()
    if not isinstance(root, (str, os.PathLike)) or not isinstance(glob_pattern, str):
        raise FlyteValidationException(
            f"latest_checkpoint(root, glob_pattern) takes a folder path and a glob string, "
            f"got {root!r}, {glob_pattern!r}; e.g. latest_checkpoint(path, '**/*.ckpt')"
        )
    base = Path(root)
    if glob_pattern.startswith("**/"):
        matches = list(base.rglob(glob_pattern[3:]))
    else:
        matches = list(base.glob(glob_pattern))
    if not matches:
        return None
    return max(matches, key=key if key is not None else (lambda p: p.stat().st_mtime))
