"""Flyte 2's ``flyte.models``: the small value types every other part of flyte_nb passes around.

Design decisions:

* Stdlib only. Every worker process and every notebook kernel imports these types, so the
  package must import in milliseconds; heavy types (reports, image caches) are typed ``Any``
  rather than imported.
* Values, not objects: ``ActionID``, ``GroupData``, ``Checkpoints``, ``CodeBundle``,
  ``RawDataPath``, ``SerializationContext`` and ``TaskContext`` are frozen dataclasses that
  validate on construction, so a bad value fails where it was made, with a
  ``FlyteValidationException`` naming the field, instead of deep inside the engine.
* ``NativeInterface`` is a plain dataclass (it mirrors a function signature, built once per
  task) with a precomputed fast path for ``convert_to_kwargs``, which runs on every call.
* Action names are deterministic where they must be (``ActionID.new_sub_action_from`` hashes
  the call with SHA-256, so a resumed run in a new process finds the same child) and
  unguessable where they may be (``generate_random_name`` uses ``os.urandom``).
* Imported lazily (PEP 562), like the top-level package: the engine needs ``ActionID`` and
  ``NativeInterface`` on every run, while the seven dataclasses of ``_context`` (~7 ms to
  create) are needed only when a task asks for ``current_context()``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._action import ActionID, generate_random_name
    from ._context import (
        Checkpoints,
        CodeBundle,
        GroupData,
        RawDataPath,
        SerializationContext,
        TaskContext,
    )
    from ._interface import NativeInterface

_LAZY = {
    "ActionID": "_action",
    "generate_random_name": "_action",
    "Checkpoints": "_context",
    "CodeBundle": "_context",
    "GroupData": "_context",
    "RawDataPath": "_context",
    "SerializationContext": "_context",
    "TaskContext": "_context",
    "NativeInterface": "_interface",
}

__all__ = [
    "ActionID",
    "Checkpoints",
    "CodeBundle",
    "GroupData",
    "NativeInterface",
    "RawDataPath",
    "SerializationContext",
    "TaskContext",
    "generate_random_name",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'flyte_nb.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
