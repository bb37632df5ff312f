"""Code bundles: how a task defined in a notebook reaches a worker process.

A backend runs tasks in separate worker processes, which import flyte_nb but not the
notebook. ``pack_task`` turns a task into a ``CodeRef``: an importable ``module`` +
``qualname`` when the worker can import it, or the digest of a *bundle* (the task pickled by
value with cloudpickle, plus a version header) when it cannot, as for tasks written in
cells. ``load_task`` turns the ``CodeRef`` back into a task in the worker.

    ref, data = pack_task(task)              # in the kernel; store ``data`` under ref.digest
    task = load_task(ref, blobs.get)         # in the worker

Errors name the task and the fix: ``UnpicklableCaptureError`` (a captured lock, file,
socket...), ``BundleTooLargeError`` (big captured data) and ``BundleVersionMismatchError``
(worker environment differs from the kernel's). The reasoning behind each choice is in the
docstrings of ``_bundle`` (what goes by value), ``_capture`` (what travels with the code),
``_format`` (bytes and versions) and ``_memo`` (when a repack is skipped).
"""

from __future__ import annotations

from ._bundle import is_interactive, load_task, load_task_dict, pack_task
from ._ref import CodeRef

__all__ = ["CodeRef", "is_interactive", "load_task", "load_task_dict", "pack_task"]
