"""``pack_task`` / ``load_task``: turn a task into a ``CodeRef`` a worker can load, and back.

Design decisions:

* **By reference when a worker can import it, by value otherwise.** A task whose module is
  installed (site-packages, dist-packages, the standard library) or is flyte_nb goes as
  ``module`` + ``qualname``. Tasks from ``__main__`` (scripts, IPython cells) and from local
  helper modules go by value, as a cloudpickle *bundle*, because the worker may not have that
  source on its path, or may have an older copy of it.
* **Outside a kernel, local modules go by reference too** (``interactive=False``): a script or
  a test runs with its project importable and the workers start from the same working
  directory, and a reference keeps unpickling cheap and tracebacks pointing at real files.
  ``__main__`` still goes by value there: a worker's ``__main__`` is the worker, not the
  script; and the local helpers a by-value task uses travel by value with it, whatever the
  mode, so one bundle is self-contained. In a kernel a local module may have been edited
  and reloaded since the workers started, so shipping the code the kernel is actually
  running is the only safe choice.
* **A reference must resolve to this very task.** The attribute path is
  ``func.__qualname__`` when that leads back to the task object, else any module-level name
  bound to it (``fast = slow.override(...)``); otherwise (tasks made in a function, shadowed
  names) it goes by value, which always works.
* **The cache version travels with the task.** It is computed before pickling: in a worker
  the function's source is gone, and re-deriving the version from bytecode would give a
  different key than the kernel's (which hashes the AST).
* **Determinism.** Pickling an unchanged task gives the same bytes, so re-running an unchanged
  cell yields the same digest and the blob store keeps one copy. Exceptions (documented, not
  fixable without relying on cloudpickle internals): classes defined by value (in a cell)
  carry cloudpickle's per-class random tracker id, so their bundles change when the class
  cell is re-run or the kernel restarts; captured sets of strings follow the process's hash
  seed. Both only cost a re-upload, never a wrong result.
* **Loading in the same process is safe.** Unpickling never calls ``TaskEnvironment.task``;
  the loaded task gets a private copy of its environment (without the registry, see
  ``_capture``) and is registered there, so no ``TaskNameClashError`` can arise.
"""

from __future__ import annotations

import hashlib
import importlib
import pickle
import sys
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

from ..exceptions import (
    BundleError,
    BundleTooLargeError,
    FlyteTypeException,
    UnpicklableCaptureError,
)
from ..tasks._template import TaskTemplate
from . import _capture, _diagnose, _format
from ._memo import Packed, PackMemo, take_snapshot
from ._ref import CodeRef

__all__ = ["is_interactive", "load_task", "pack_task"]

DEFAULT_SIZE_LIMIT = 100 * 1024 * 1024
_packed = PackMemo()
_loaded: OrderedDict[tuple[tuple[str, Any], ...], TaskTemplate] = OrderedDict()
_loaded_lock = threading.Lock()
_MAX_LOADED = 256


def is_interactive() -> bool:
    """True inside an IPython kernel or shell; never imports IPython to find out."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    if not callable(get):
        return False
    try:
        return get() is not None
    except Exception:  # a half-torn-down IPython must not break packing
        return False


def pack_task(
    task: TaskTemplate, *, interactive: bool | None = None, size_limit: int = DEFAULT_SIZE_LIMIT
) -> tuple[CodeRef, bytes | None]:
    """The ``CodeRef`` of ``task`` and, for a ``"bundle"``, the bytes to store under its digest."""
    if not isinstance(task, TaskTemplate):
        raise FlyteTypeException(f"pack_task needs a task (what @env.task returns), got {task!r}")
    if interactive is None:
        interactive = is_interactive()
    ref = _module_ref(task, interactive)
    if ref is not None:
        return ref, None
    with suppress(Exception):  # a failing version fails the same way in the worker, later
        task.cache_version()
    found = _capture.scan(task)
    code = getattr(task.func, "__code__", None)
    snapshot = take_snapshot(task, (c.value for c in found.captures))
    hit = _packed.get(task, code, snapshot)
    if hit is not None:
        _check_size(task, hit.data, size_limit, found)
        return hit.ref, hit.data
    with _capture.pickled_by_value(found.by_value_modules):
        try:
            payload = _capture.dumps(task)
        except Exception as exc:
            raise _unpicklable(task, found, exc) from exc
        data = _format.encode(
            _format.make_header(task.name, found.packages),
            zlib.compress(payload, _format.ZLIB_LEVEL),
        )
        _check_size(task, data, size_limit, found)
    ref = CodeRef("bundle", task.name, digest=hashlib.sha256(data).hexdigest())
    if snapshot is not None:
        _packed.put(Packed(task, code, snapshot, ref, data))
    return ref, data


def load_task(ref: CodeRef, fetch: Callable[[str], bytes]) -> TaskTemplate:
    """The task ``ref`` points at; ``fetch(digest)`` returns a bundle's bytes."""
    key = tuple(ref.to_dict().items())
    with _loaded_lock:
        task = _loaded.get(key)
    if task is not None:
        return task
    task = _import_task(ref) if ref.kind == "module" else _unpack(ref, fetch)
    with _loaded_lock:
        task = _loaded.setdefault(key, task)  # a concurrent load of the same ref wins once
        while len(_loaded) > _MAX_LOADED:
            _loaded.popitem(last=False)
    return task


def load_task_dict(d: Mapping[str, Any], fetch: Callable[[str], bytes]) -> TaskTemplate:
    """``load_task(CodeRef.from_dict(d), fetch)``, without reading ``d`` again when it names
    a task already loaded: a fan-out's children arrive as a thousand copies of one dict,
    and checking each cost as much as the rest of loading it. Cache keys come only from
    valid refs (``to_dict``'s items, in order), so a dict that matches one is valid."""
    with _loaded_lock:
        task = _loaded.get(tuple(d.items()))
    return task if task is not None else load_task(CodeRef.from_dict(d), fetch)


# -- by reference ---------------------------------------------------------------------------
def _module_ref(task: TaskTemplate, interactive: bool) -> CodeRef | None:
    module_name = getattr(task.func, "__module__", None)
    kind = _capture.module_kind(module_name)
    if not (kind in ("installed", "flyte_nb") or (kind == "local" and not interactive)):
        return None
    assert module_name is not None
    qualname = _attribute_path(sys.modules[module_name], task)
    if qualname is None:
        return None
    return CodeRef("module", task.name, module=module_name, qualname=qualname)


def _attribute_path(module: Any, task: TaskTemplate) -> str | None:
    qualname = getattr(task.func, "__qualname__", None)
    if isinstance(qualname, str) and "<" not in qualname:
        obj = module
        with suppress(AttributeError):
            for part in qualname.split("."):
                obj = getattr(obj, part)
            if obj is task:
                return qualname
    for name, value in list(vars(module).items()):
        if value is task and name.isidentifier():
            return name
    return None


def _import_task(ref: CodeRef) -> TaskTemplate:
    try:
        obj: Any = importlib.import_module(str(ref.module))
        for part in str(ref.qualname).split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise BundleError(
            f"Cannot load task '{ref.task_name}' from {ref.module}.{ref.qualname}: {exc}. "
            "The worker must be able to import that module: install the package in the "
            "workers' environment"
        ) from exc
    if not isinstance(obj, TaskTemplate):
        raise BundleError(
            f"Cannot load task '{ref.task_name}': {ref.module}.{ref.qualname} is a "
            f"{type(obj).__qualname__}, not a task; was it renamed since the run started?"
        )
    return obj


# -- by value -------------------------------------------------------------------------------
def _unpack(ref: CodeRef, fetch: Callable[[str], bytes]) -> TaskTemplate:
    digest = str(ref.digest)
    data = fetch(digest)
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise BundleError(
            f"The code bundle of task '{ref.task_name}' is corrupt: expected sha256 "
            f"{ref.digest}, the bytes fetched hash to {actual}"
        )
    header, body = _format.decode(data, ref.task_name)
    if header.get("task") != ref.task_name:
        raise BundleError(
            f"Bundle {ref.digest} holds task {header.get('task')!r}, not '{ref.task_name}'"
        )
    _format.check_versions(header, ref.task_name)
    try:
        task = pickle.loads(zlib.decompress(body))
    except Exception as exc:
        raise BundleError(
            f"Cannot unpickle task '{ref.task_name}': {type(exc).__name__}: {exc}. The code "
            "it captures needs something this process lacks; run the workers in the "
            "kernel's environment"
        ) from exc
    if not isinstance(task, TaskTemplate):
        raise BundleError(f"Bundle {ref.digest} holds a {type(task).__qualname__}, not a task")
    task.env.tasks.setdefault(task.name, task)
    return task


def _label(cap: _capture.Capture, task: TaskTemplate) -> str:
    what = "closure variable" if cap.closure else "global"
    root = getattr(task.func, "__qualname__", None)
    return f"{what} '{cap.name}'" + ("" if cap.owner == root else f" via {cap.owner}")


def _unpicklable(task: TaskTemplate, found: _capture.Scan, exc: Exception) -> BundleError:
    culprit = _diagnose.find_unpicklable(found.captures)
    if culprit is None:
        return BundleError(
            f"Task '{task.name}' cannot be sent to a worker: pickling it failed with "
            f"{type(exc).__name__}: {exc}"
        )
    cap, path, part, error = culprit
    inside = f" whose {path} is a {type(part).__qualname__}" if path else ""
    return UnpicklableCaptureError(
        f"Task '{task.name}' uses the {_label(cap, task)}: a {type(cap.value).__qualname__}"
        f"{inside}, which cannot be sent to a worker ({error}). Locks, open files, sockets, "
        "database connections and generators belong to the process that made them: create "
        f"it inside the task body instead (move `{cap.name.rpartition('.')[2]} = ...` into the "
        "function), or pass the data it holds as an input."
    )


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _check_size(task: TaskTemplate, data: bytes, limit: int, found: _capture.Scan) -> None:
    if len(data) <= limit:
        return
    with _capture.pickled_by_value(found.by_value_modules):
        biggest = _diagnose.capture_sizes(found.captures)[:3]
    listed = ", ".join(f"{_label(c, task)} ({_mb(size)})" for c, size in biggest)
    raise BundleTooLargeError(
        f"Task '{task.name}' packs to {_mb(len(data))}, over the {_mb(limit)} bundle limit. "
        f"Largest captured values: {listed or 'none found'}. Everything a task uses from the "
        "notebook travels with its code to every worker: load big data inside the task, pass "
        "it as an input, or raise the limit with fl.init(bundle_size_limit=...)."
    )
