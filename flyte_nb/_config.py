"""Where flyte_nb keeps its records, and how a process learns it.

One folder, the *home*, holds the metadata database, the blob folder and (later) server
state. It is chosen, first match wins, by ``init(home=...)``, the ``FLYTE_NB_HOME``
environment variable, then ``~/.flyte_nb``. Resolution is lazy and cheap so that
``import flyte_nb`` touches no disk.
"""

from __future__ import annotations

import os
from pathlib import Path

_home_override: Path | None = None


def set_home(path: str | os.PathLike[str] | None) -> None:
    """Point this process at another home folder (``None`` returns to the default)."""
    global _home_override
    _home_override = Path(path).expanduser().resolve() if path is not None else None


def home() -> Path:
    """The home folder, created on first use."""
    if _home_override is not None:
        path = _home_override
    else:
        env = os.environ.get("FLYTE_NB_HOME")
        path = Path(env).expanduser() if env else Path.home() / ".flyte_nb"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path() -> Path:
    return home() / "flyte_nb.db"


def blob_dir() -> Path:
    return home() / "blobs"
