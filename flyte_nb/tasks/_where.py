"""Where a task was written: the notebook cell, or the module and line, recorded at decoration.

Every run carries this (``RunOptions.source``), so the panel's run view can say where the
code that ran came from and "Go to cell" can open the notebook at that cell: no peer
records it, and in a notebook it is what a reader of a run most often wants.

Design decisions:

* **Recorded when the task is defined, not when it runs.** The cell that defines a task is
  often not the one that runs it; only at decoration is the defining cell the one executing.
* **From what the kernel already holds.** JupyterLab sends the cell's id in the
  ``execute_request`` metadata (``cellId``); ipykernel (>= 6) keeps that request as the
  shell channel's parent (``kernel.get_parent("shell")``), with the cell's code in its
  content; the running cell's ``ExecutionResult`` has its ``In [n]``; Jupyter server
  (>= 2) starts a notebook's kernel with ``JPY_SESSION_NAME`` set to the notebook's
  absolute path, which ipykernel also puts in ``__session__``. Nothing is imported: when
  IPython is not in ``sys.modules`` this is not a kernel, and the cost is two attribute
  reads, so import time and fan-out (where tasks are defined once, in modules) do not move.
* **Cell-defined** means: defined in ``__main__`` by code that is not ``__main__``'s own file
  (``%run script.py`` defines in ``__main__`` too, from a real file), while a cell runs. A
  task defined in an imported module records its module, file and line, even when the
  import happens in a cell.
* **The cell's source is kept** (up to ``MAX_SOURCE`` characters), so the panel can tell a
  cell that changed since the run (and show what ran) from one that did not.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["MAX_SOURCE", "defined_at"]

MAX_SOURCE = 20_000


def defined_at(func: Any) -> dict[str, Any] | None:
    """Where ``func`` was written, as ``RunOptions.source`` carries it; None when unknown
    (a builtin, a callable without code)."""
    code = getattr(func, "__code__", None)
    if code is None:
        return None
    module = getattr(func, "__module__", None) or "?"
    function = getattr(func, "__qualname__", None) or getattr(func, "__name__", "?")
    if module == "__main__" and "IPython" in sys.modules:
        cell = _cell(code)
        if cell is not None:
            return {**cell, "function": function}
    return {
        "kind": "module",
        "module": module,
        "file": code.co_filename,
        "line": code.co_firstlineno,
        "function": function,
    }


def _cell(code: Any) -> dict[str, Any] | None:
    """The executing cell of the running kernel, when ``code`` was compiled from it."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file and os.path.abspath(main_file) == os.path.abspath(code.co_filename):
        return None  # ``%run script.py`` or ``python script.py``: a file, not a cell
    getter = getattr(sys.modules.get("IPython.core.getipython"), "get_ipython", None)
    shell = getter() if getter is not None else None
    kernel = getattr(shell, "kernel", None)
    get_parent = getattr(kernel, "get_parent", None)
    if shell is None or get_parent is None:
        return None
    try:
        parent = get_parent("shell") or {}
    except Exception:  # an older or foreign kernel: no parent to read
        return None
    if (parent.get("header") or {}).get("msg_type") != "execute_request":
        return None
    metadata = parent.get("metadata") or {}
    cell_id = metadata.get("cellId")
    source = (parent.get("content") or {}).get("code")
    notebook = os.environ.get("JPY_SESSION_NAME") or shell.user_ns.get("__session__")
    # the running cell's ExecutionResult holds its In [n]; ``shell.execution_count`` is
    # already n + 1 by then in IPython 9 (it was n in 8), so it is only the fallback
    running = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    count = getattr(running, "execution_count", None)
    if not isinstance(count, int):
        count = getattr(shell, "execution_count", None)
    return {
        "kind": "cell",
        "notebook": str(notebook) if notebook else None,
        "cell_id": str(cell_id) if cell_id else None,
        "execution_count": count if isinstance(count, int) else None,
        "cell_source": source[:MAX_SOURCE] if isinstance(source, str) else None,
        "line": code.co_firstlineno,
        "file": code.co_filename,
    }
