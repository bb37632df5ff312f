"""Loading a user's Python file for ``flyte-nb run`` and ``flyte-nb apps deploy``.

The file is imported as a module named after it (so tasks shipped by reference find it
again in workers), and the named object must be of the expected kind; otherwise the user
gets one line saying what the file does hold, never an AttributeError.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

__all__ = ["load_object"]


def load_object(command: str, file: str, name: str, kind: type, what: str) -> Any | None:
    """``name`` from the Python file ``file`` if it is a ``kind``; else print why (``what``
    is the kind in words, e.g. "a task") and return None."""
    path = Path(file)
    if not path.is_file():
        print(f"flyte-nb {command}: no such file {path}", file=sys.stderr)
        return None
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    value = getattr(module, name, None)
    if not isinstance(value, kind):
        found = sorted(n for n, v in vars(module).items() if isinstance(v, kind))
        print(
            f"flyte-nb {command}: {name!r} is not {what} in {path}; there: {found}", file=sys.stderr
        )
        return None
    return value
