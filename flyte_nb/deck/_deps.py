"""Which installed packages a task's code uses, with their versions (the Dependencies deck).

Design decisions:

* Read the function's globals, not its source: a module object or anything with a
  ``__module__`` there names a top-level package the code imported. This works for
  notebook cells and cloudpickled functions (whose globals are exactly the names they
  use), where there may be no source file to parse.
* Versions come from ``importlib.metadata.version`` on the import name, with a short
  table for the well-known packages whose distribution is named differently (``PIL`` is
  ``pillow``), then ``__version__``. ``packages_distributions()`` would be exact but scans
  every installed distribution (~0.15 s here), too slow to pay at the end of each attempt.
  Names that resolve to nothing (local modules) are left out. Results are cached per
  process: the installed packages do not change under a running worker.
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform
import sys
from types import ModuleType
from typing import Any

_DIST_NAMES = {
    "PIL": "pillow",
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "yaml": "PyYAML",
    "cv2": "opencv-python",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "attr": "attrs",
    "jwt": "PyJWT",
    "dotenv": "python-dotenv",
    "OpenSSL": "pyOpenSSL",
}
_SKIP = frozenset({"builtins", "__main__", "flyte_nb"})


def _top_level(value: Any) -> str | None:
    name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
    if not isinstance(name, str):
        return None
    return name.partition(".")[0] or None


def imported_packages(func: Any) -> list[str]:
    """Top-level, non-stdlib package names the function's globals refer to, sorted."""
    namespace = getattr(func, "__globals__", None)
    if not isinstance(namespace, dict):
        return []
    names = set()
    for value in list(namespace.values()):
        try:
            top = _top_level(value)
        except Exception:  # objects with exotic __getattr__
            continue
        if top and not top.startswith("_") and top not in _SKIP:
            names.add(top)
    return sorted(names - sys.stdlib_module_names, key=str.lower)


@functools.lru_cache(maxsize=1024)
def package_version(name: str) -> str | None:
    """The installed version of the package imported as ``name``; None if unknown."""
    try:
        return importlib.metadata.version(_DIST_NAMES.get(name, name))
    except (importlib.metadata.PackageNotFoundError, ValueError):
        pass
    version = getattr(sys.modules.get(name), "__version__", None)
    return version if isinstance(version, str) else None


def dependency_rows(func: Any) -> list[tuple[str, str]]:
    """(package, version) rows: Python and flyte_nb first, then what the code imports."""
    from .._version import __version__

    rows = [("python", platform.python_version()), ("flyte_nb", __version__)]
    for name in imported_packages(func):
        version = package_version(name)
        if version is not None:
            rows.append((name, version))
    return rows
