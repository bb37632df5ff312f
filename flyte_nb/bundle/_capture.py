"""What a task's code drags along when it is shipped by value, and the pickler that ships it.

Design decisions:

* **Where a module lives decides how it travels.** A module under ``site-packages`` /
  ``dist-packages`` or the standard library is *installed*: a worker in the same environment
  imports it, so it goes by reference. ``__main__`` and in-memory modules are *dynamic*: no
  worker can import them. Anything else with a file is *local* (a helper next to the
  notebook): importable here, maybe not in a worker, so a bundle registers it with
  ``cloudpickle.register_pickle_by_value`` for the duration of one pickle (then restores the
  registry). ``flyte_nb`` itself always goes by reference: the worker runs it.
* **The scan mirrors what cloudpickle captures.** Globals are found from the
  ``LOAD/STORE/DELETE_GLOBAL`` instructions (as cloudpickle does), recursing into nested code
  objects, plus closure cells, then transitively through the functions, classes, tasks and
  by-value modules those reach (bounded). ``co_names`` alone would be wrong: it also lists
  attribute names, so ``x.data`` would count an unrelated global ``data`` as captured.
* **The scan serves the error messages (``_diagnose``) and the memo, not the pickling**:
  pickling the whole task is one cloudpickle call with the found modules registered.
* **Open files are refused** even though cloudpickle would copy a readable file's text into
  a ``StringIO``: the worker would silently get a snapshot, not the file.
* **Environments travel without their registry.** ``TaskEnvironment.tasks`` lists every task
  decorated in this process; pickled along, each bundle would carry all sibling tasks (and
  their globals) and its digest would change whenever an unrelated cell is re-run.
"""

from __future__ import annotations

import copyreg
import dis
import functools
import io
import os
import sys
import sysconfig
import threading
import types
import weakref
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Literal

import cloudpickle

from ..tasks._environment import TaskEnvironment
from ..tasks._template import TaskTemplate

ModuleKind = Literal["flyte_nb", "installed", "local", "dynamic"]

_SITE_DIRS = frozenset({"site-packages", "dist-packages"})
_GLOBAL_OPS = frozenset({"LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL"})
_MAX_NODES = 2000  # objects visited per scan: a runaway graph must not stall packing
_MAX_ITEMS = 100  # items looked at per container when looking for by-value classes
CODE_LIKE = (types.FunctionType, type, types.ModuleType, TaskTemplate)
_names_by_code: weakref.WeakKeyDictionary[types.CodeType, tuple[str, ...]] = (
    weakref.WeakKeyDictionary()
)


# -- where modules live ---------------------------------------------------------------------
@functools.cache
def _stdlib_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    return tuple({os.path.realpath(paths[k]) + os.sep for k in ("stdlib", "platstdlib")})


@functools.lru_cache(maxsize=4096)
def _file_kind(path: str) -> ModuleKind:
    real = os.path.realpath(path)
    parts = set(real.split(os.sep)) | set(os.path.abspath(path).split(os.sep))
    if parts & _SITE_DIRS or real.startswith(_stdlib_roots()):
        return "installed"
    return "local"


def module_kind(name: str | None) -> ModuleKind:
    """How code from the module called ``name`` reaches a worker (see the module docstring)."""
    if not name or name in ("__main__", "__mp_main__"):
        return "dynamic"
    if name == "flyte_nb" or name.startswith("flyte_nb."):
        return "flyte_nb"
    if name in sys.builtin_module_names:
        return "installed"
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if module is None or not isinstance(path, str):
        return "dynamic"
    return _file_kind(path)


# -- what the code captures -----------------------------------------------------------------
@dataclass(frozen=True)
class Capture:
    """One value the shipped code refers to: ``name`` as the code spells it, used by ``owner``."""

    name: str
    owner: str
    value: Any
    closure: bool = False


@dataclass
class Scan:
    captures: list[Capture] = field(default_factory=list)
    by_value_modules: set[str] = field(default_factory=set)  # to register with cloudpickle
    packages: set[str] = field(default_factory=set)  # installed third-party top-level names


def _global_names(code: types.CodeType) -> tuple[str, ...]:
    names = _names_by_code.get(code)
    if names is None:
        found = dict.fromkeys(
            i.argval for i in dis.get_instructions(code) if i.opname in _GLOBAL_OPS
        )
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                found.update(dict.fromkeys(_global_names(const)))
        names = tuple(found)
        _names_by_code[code] = names
    return names


def scan(func: Any) -> Scan:
    """Walk what pickling ``func`` by value pulls in; see the module docstring."""
    result = Scan()
    seen: set[int] = set()
    queue: deque[Any] = deque([func])

    def note(module_name: str | None) -> bool:
        """Record the module; True when its code goes by value (so it is worth walking)."""
        kind = module_kind(module_name)
        if kind in ("local", "dynamic") and module_name in sys.modules and module_name:
            if module_name not in ("__main__", "__mp_main__"):
                result.by_value_modules.add(module_name)
        elif kind == "installed" and module_name:
            top = module_name.partition(".")[0]
            if top not in sys.stdlib_module_names:
                result.packages.add(top)
        return kind in ("local", "dynamic")

    def capture(name: str, owner: str, value: Any, closure: bool = False) -> None:
        result.captures.append(Capture(name, owner, value, closure))
        queue.append(value)

    while queue and len(seen) < _MAX_NODES:
        obj = queue.popleft()
        if id(obj) in seen or obj is None or isinstance(obj, (str, bytes, int, float)):
            continue
        seen.add(id(obj))
        if isinstance(obj, TaskTemplate):
            queue.append(obj.func)
        elif isinstance(obj, types.FunctionType):
            if not note(obj.__module__):
                continue
            owner = obj.__qualname__
            for name in _global_names(obj.__code__):
                if name in obj.__globals__:
                    capture(name, owner, obj.__globals__[name])
            for name, cell in zip(obj.__code__.co_freevars, obj.__closure__ or (), strict=False):
                with suppress(ValueError):  # an empty cell: nothing captured yet
                    capture(name, owner, cell.cell_contents, closure=True)
            # Defaults and annotations (a task's input types) are pickled with the function.
            queue.extend(obj.__defaults__ or ())
            queue.extend((obj.__kwdefaults__ or {}).values())
            queue.extend(obj.__annotations__.values())
        elif isinstance(obj, type):
            if note(obj.__module__):
                queue.extend(b for b in obj.__bases__ if b is not object)
                for member in vars(obj).values():
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    elif isinstance(member, property):
                        queue.extend((member.fget, member.fset, member.fdel))
                        continue
                    queue.append(member)
        elif isinstance(obj, types.ModuleType):
            if note(obj.__name__):  # pickled by value: its whole namespace travels
                for key, value in vars(obj).items():
                    if not key.startswith("__"):
                        capture(f"{obj.__name__}.{key}", obj.__name__, value)
        elif isinstance(obj, functools.partial):
            queue.extend((obj.func, *obj.args, *obj.keywords.values()))
        elif isinstance(obj, types.MethodType):
            queue.extend((obj.__func__, obj.__self__))
        else:
            if note(type(obj).__module__):
                queue.append(type(obj))
            if isinstance(obj, dict):
                queue.extend(list(obj.values())[:_MAX_ITEMS])
            elif isinstance(obj, (list, tuple, set, frozenset)):
                queue.extend(list(obj)[:_MAX_ITEMS])
    return result


# -- pickling -------------------------------------------------------------------------------
class _BundlePickler(cloudpickle.Pickler):  # type: ignore[misc]
    """cloudpickle, refusing open files and leaving environments' task registries behind."""

    def reducer_override(self, obj: Any) -> Any:
        if (
            isinstance(obj, io.IOBase)
            and not isinstance(obj, (io.BytesIO, io.StringIO))
            and obj is not sys.stdout
            and obj is not sys.stderr
        ):
            raise TypeError(
                f"cannot pickle '{type(obj).__qualname__}' object: an open file or stream"
            )
        if isinstance(obj, TaskEnvironment):
            # A copy starts with an empty registry; load_task registers the loaded task in it.
            state = {**vars(obj), "tasks": {}}
            return copyreg.__newobj__, (type(obj),), state  # type: ignore[attr-defined]
        return super().reducer_override(obj)


def dumps(obj: Any) -> bytes:
    """Pickle with the bundle rules; callers wrap it in ``pickled_by_value`` as needed."""
    with io.BytesIO() as buffer:
        _BundlePickler(buffer, protocol=5).dump(obj)
        return buffer.getvalue()


_registry_lock = threading.RLock()


@contextmanager
def pickled_by_value(module_names: Iterable[str]) -> Iterator[None]:
    """Register local modules with cloudpickle for one pickle, then restore its registry.

    The registry is process-global; the lock keeps two packs from unregistering each other's
    modules mid-pickle.
    """
    with _registry_lock:
        listed = getattr(cloudpickle, "list_registry_pickle_by_value", None)
        before: set[str] = set(listed()) if callable(listed) else set()
        added: list[types.ModuleType] = []
        try:
            for name in sorted(module_names):
                module = sys.modules.get(name)
                # cloudpickle finds a module by its __name__; skip aliases it could not find.
                if module is not None and module.__name__ == name and name not in before:
                    cloudpickle.register_pickle_by_value(module)
                    added.append(module)
            yield
        finally:
            for module in added:
                with suppress(ValueError):
                    cloudpickle.unregister_pickle_by_value(module)
