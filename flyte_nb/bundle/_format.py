"""The bundle byte format and the versions a bundle must be loaded with.

Layout: ``b"FNB1"`` + 4-byte big-endian header length + header (JSON) + zlib(cloudpickle).

Design decisions:

* **The header is plain JSON in front of the payload** so a loader can refuse a bundle from
  another environment *before* unpickling it: unpickling across Python or cloudpickle
  versions fails with errors about bytecode or missing internals that do not say "versions
  differ". It records the Python, cloudpickle and flyte_nb versions and the installed
  distributions the captured code uses (best effort, via ``packages_distributions``).
* **Deterministic bytes.** Sorted keys, no timestamps, fixed zlib level (6: most of level 9's
  ratio for a fraction of the time), so an unchanged task always gets the same digest and the
  content-addressed blob store keeps one copy.
* **Python micro versions may differ** (3.11.7 vs 3.11.9 share bytecode and pickle
  internals); major.minor, cloudpickle and library versions must match exactly, because a
  by-value function compiled against one library version may call APIs another lacks.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import platform
import struct
import sys
from collections.abc import Iterable, Mapping
from typing import Any

import cloudpickle

from .._version import __version__
from ..exceptions import BundleError, BundleVersionMismatchError

MAGIC = b"FNB1"
FORMAT = 1
_LENGTH = struct.Struct(">I")
ZLIB_LEVEL = 6


@functools.cache
def _distributions_by_module() -> Mapping[str, list[str]]:
    """Top-level module -> distributions; scanning every installed package is slow, so once."""
    try:
        return importlib.metadata.packages_distributions()
    except Exception:  # a broken install's metadata must not stop packing: best effort
        return {}


def _installed_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def distribution_versions(top_level_modules: Iterable[str]) -> dict[str, str]:
    versions: dict[str, str] = {}
    for top in sorted(set(top_level_modules)):
        for dist in _distributions_by_module().get(top, []):
            version = _installed_version(dist)
            if version is not None:
                versions[dist] = version
    return versions


def make_header(task_name: str, top_level_modules: Iterable[str]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "task": task_name,
        "python": platform.python_version(),
        "cloudpickle": cloudpickle.__version__,
        "flyte_nb": __version__,
        "packages": distribution_versions(top_level_modules),
    }


def encode(header: Mapping[str, Any], compressed_payload: bytes) -> bytes:
    head = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return MAGIC + _LENGTH.pack(len(head)) + head + compressed_payload


def decode(data: bytes, task_name: str) -> tuple[dict[str, Any], bytes]:
    """Split a bundle into its header and its compressed payload."""
    start = len(MAGIC) + _LENGTH.size
    if not data.startswith(MAGIC) or len(data) < start:
        raise BundleError(
            f"The code bundle of task '{task_name}' is not a flyte_nb bundle (it does not start "
            f"with {MAGIC!r}); the blob store may hold another file under that digest"
        )
    (length,) = _LENGTH.unpack_from(data, len(MAGIC))
    try:
        header = json.loads(data[start : start + length])
    except ValueError as exc:
        raise BundleError(f"The code bundle of task '{task_name}' has a corrupt header") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else header
        raise BundleError(
            f"The code bundle of task '{task_name}' has format {found!r}; this flyte_nb "
            f"{__version__} reads format {FORMAT}. Use the same flyte_nb for kernel and workers"
        )
    return header, data[start + length :]


def check_versions(header: Mapping[str, Any], task_name: str) -> None:
    """Raise ``BundleVersionMismatchError`` listing every version this process lacks."""
    here = platform.python_version()
    packed = str(header.get("python", "?"))
    problems: list[str] = []
    if packed.split(".")[:2] != here.split(".")[:2]:
        problems.append(f"Python: packed with {packed}, this process runs {here}")
    for name, mine in (("cloudpickle", cloudpickle.__version__), ("flyte_nb", __version__)):
        theirs = header.get(name)
        if theirs != mine:
            problems.append(f"{name}: packed with {theirs}, this process has {mine}")
    packages = header.get("packages") or {}
    for dist, theirs in sorted(packages.items()):
        mine = _installed_version(dist)
        if mine != theirs:
            here = f"this process has {mine}" if mine else "it is not installed here"
            problems.append(f"{dist}: packed with {theirs}, {here}")
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise BundleVersionMismatchError(
            f"Cannot load task '{task_name}': its code was packed in a different environment "
            f"than this process ({sys.executable}):\n{lines}\n"
            "Code shipped by value only runs under the same Python, cloudpickle and library "
            "versions. Run the notebook kernel and the backend workers in the same "
            "environment (the same virtualenv or image), then re-run the task."
        )
