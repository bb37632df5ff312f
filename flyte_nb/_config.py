"""Where flyte_nb keeps its records, and how a process learns it.

One folder, the *home*, holds the metadata database, the blob folder and (later) server
state. It is chosen, first match wins, by ``init(home=...)``, the ``FLYTE_NB_HOME``
environment variable, then ``~/.flyte_nb``. Resolution is lazy and cheap so that
``import flyte_nb`` touches no disk.

A home folder flyte_nb creates is private (``0700``): it holds the server token, secrets,
run records and logs. An existing folder is used as it is (it may be the user's own). A
path that is a file is refused with one message naming it, not a bare ``FileExistsError``.
"""

from __future__ import annotations

import os
from pathlib import Path

_home_override: Path | None = None


def set_home(path: str | os.PathLike[str] | None) -> None:
    """Point this process at another home folder (``None`` returns to the default)."""
    global _home_override
    resolved = Path(path).expanduser().resolve() if path is not None else None
    if resolved is not None and resolved.exists() and not resolved.is_dir():
        ensure_home(resolved)  # refuses it with the message that says what to do
    _home_override = resolved


HOME_MODE = 0o700


def ensure_home(path: Path) -> Path:
    """``path`` as a home folder: created private if missing, refused if it is not a folder."""
    if path.is_dir():
        return path
    from .exceptions import FlyteValidationException

    if path.exists() or path.is_symlink():
        raise FlyteValidationException(
            f"the flyte_nb home {path} is a file, not a folder; pass a folder to "
            "fl.init(home=...) or FLYTE_NB_HOME (it is created if missing), or move the file"
        )
    try:
        path.mkdir(mode=HOME_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise FlyteValidationException(
            f"cannot create the flyte_nb home {path}: {exc.strerror or exc}; choose a folder "
            "you can write to with fl.init(home=...) or FLYTE_NB_HOME"
        ) from None
    return path


def home() -> Path:
    """The home folder, created on first use."""
    if _home_override is not None:
        path = _home_override
    else:
        env = os.environ.get("FLYTE_NB_HOME")
        path = Path(env).expanduser() if env else Path.home() / ".flyte_nb"
    return ensure_home(path)


def database_path() -> Path:
    return home() / "flyte_nb.db"


def blob_dir() -> Path:
    return home() / "blobs"
