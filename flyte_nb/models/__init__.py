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
"""

from __future__ import annotations

from flyte_nb.models._action import ActionID, generate_random_name
from flyte_nb.models._context import (
    Checkpoints,
    CodeBundle,
    GroupData,
    RawDataPath,
    SerializationContext,
    TaskContext,
)
from flyte_nb.models._interface import NativeInterface

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
