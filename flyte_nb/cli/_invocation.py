"""How to spell the ``flyte-nb`` command so that a hint we print works when pasted.

The README installs flyte_nb into ``.venv`` without activating it, so a bare ``flyte-nb``
is often not on ``PATH``. Hints name the command the way this process can reach it: the bare
name when ``PATH`` finds this very installation, else the script beside this interpreter
(shown relative to the working folder when it lies below it), else ``python -m``.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

__all__ = ["flyte_nb_command"]


def flyte_nb_command() -> str:
    """The shell words that run this installation's ``flyte-nb``."""
    script = Path(sys.executable).parent / ("flyte-nb.exe" if os.name == "nt" else "flyte-nb")
    on_path = shutil.which("flyte-nb")
    if on_path and script.exists() and Path(on_path).resolve() == script.resolve():
        return "flyte-nb"
    if script.exists():
        try:  # a relative path with a slash in it runs as printed from this folder
            return str(script.absolute().relative_to(Path.cwd()))
        except ValueError:
            return str(script)
    return f"{sys.executable} -m flyte_nb.cli"
