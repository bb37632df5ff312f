"""Memo of packed bundles: re-packing an unchanged task must cost a scan, not a pickle.

Design decisions:

* **What "unchanged" means.** The same task object, the same code object, and the same
  captured values: every global and closure value the scan finds, and the items of builtin
  containers and plain objects' attributes inside them (so ``config["lr"] = 0.2`` in another
  cell repacks, not just ``config = {...}``). Values are compared by identity, which is cheap
  and never calls user ``__eq__``.
* **Strong references, bounded size.** The snapshot holds the objects it compares, so an id
  can never be reused by a different object while its entry lives (comparing bare ``id()``s
  would be unsound after garbage collection). The memo is therefore an LRU bounded by entry
  count and total bundle bytes.
* **Limits.** In-place changes inside objects the snapshot does not open (a NumPy array's
  data, objects with ``__slots__`` only) are not seen; a snapshot bigger than the budget is
  not memoized at all (always repack), choosing correctness over speed.
"""

from __future__ import annotations

import threading
import types
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..tasks._environment import TaskEnvironment
from ..tasks._template import TaskTemplate
from ._ref import CodeRef

_OPAQUE = (types.FunctionType, type, types.ModuleType, TaskTemplate, TaskEnvironment)
_BUDGET = 10_000
_MAX_ENTRIES = 64
_MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Snapshot:
    objects: tuple[Any, ...]
    shape: tuple[int, ...]

    def same_as(self, other: Snapshot) -> bool:
        return (
            self.shape == other.shape
            and len(self.objects) == len(other.objects)
            and all(a is b for a, b in zip(self.objects, other.objects, strict=True))
        )


def _fields(value: Any) -> dict[str, Any] | None:
    if isinstance(value, _OPAQUE):
        return None
    try:
        fields = vars(value)
    except TypeError:  # no __dict__ (ints, slotted objects, C types)
        return None
    return fields if isinstance(fields, dict) else None


def take_snapshot(task: TaskTemplate, values: Iterable[Any]) -> Snapshot | None:
    """What ``pack_task`` compares to decide a bundle is still current; None if too big.

    The task's and its environment's own settings are compared shallowly (their containers
    are opened, their frozen setting objects are not): that keeps a memo hit cheap. Captured
    values are opened fully, since those are what notebook cells mutate.
    """
    env_state = [v for k, v in vars(task.env).items() if k != "tasks"]  # not the registry
    stack: list[tuple[Any, bool]] = [(v, True) for v in values]
    stack.extend((v, False) for v in (*vars(task).values(), *env_state))
    stack.reverse()
    objects: list[Any] = []
    shape: list[int] = []
    while stack:
        if len(objects) > _BUDGET:
            return None
        value, deep = stack.pop()
        objects.append(value)
        if isinstance(value, dict):
            items: Any = value
        elif isinstance(value, (list, tuple, set, frozenset)):
            shape.append(len(value))
            stack.extend((item, deep) for item in value)
            continue
        else:
            items = _fields(value) if deep else None
            if items is None:
                continue
        shape.append(len(items))
        for key, item in list(items.items()):
            objects.append(key)
            stack.append((item, deep))
    return Snapshot(tuple(objects), tuple(shape))


@dataclass(frozen=True)
class Packed:
    task: TaskTemplate
    code: Any
    snapshot: Snapshot
    ref: CodeRef
    data: bytes


class PackMemo:
    """LRU of ``Packed`` by task id, thread-safe (kernel threads may pack concurrently)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[int, Packed] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, task: TaskTemplate, code: Any, snapshot: Snapshot | None) -> Packed | None:
        if snapshot is None:
            return None
        with self._lock:
            entry = self._entries.get(id(task))
            if entry is None or entry.task is not task or entry.code is not code:
                return None
            if not entry.snapshot.same_as(snapshot):
                return None
            self._entries.move_to_end(id(task))
            return entry

    def put(self, entry: Packed) -> None:
        with self._lock:
            self._entries[id(entry.task)] = entry
            self._entries.move_to_end(id(entry.task))
            total = sum(len(e.data) for e in self._entries.values())
            while len(self._entries) > _MAX_ENTRIES or (
                total > _MAX_BYTES and len(self._entries) > 1
            ):
                _, dropped = self._entries.popitem(last=False)
                total -= len(dropped.data)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
