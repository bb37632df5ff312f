"""Tracebacks that show the user's code, not ours.

A user's exception travels through the engine's frames (and asyncio's, and the thread
pool's) on its way back to the cell. We rebuild its traceback keeping only frames from
other files, so the user sees where *their* code failed and nothing else; the exception
object and its type are the original ones, so ``except ValueError`` still works.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
import traceback
import types

# flyte_nb's own directory, found from this file rather than by importing the package: the
# engine sits below the facade (docs/architecture.md) and must not import it.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

_INTERNAL = (
    _PACKAGE_DIR,
    *(
        os.path.dirname(os.path.abspath(m.__file__ or "")) + os.sep
        for m in (asyncio, concurrent.futures)
    ),
    os.path.abspath(threading.__file__),
    os.path.abspath(contextlib.__file__),
)


def _is_internal(filename: str) -> bool:
    return filename.startswith(_INTERNAL)


def trim_traceback(exc: BaseException) -> BaseException:
    """Drop internal frames from ``exc`` (and its cause/context chain) in place."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = _filtered(current.__traceback__)
        current = current.__cause__ or current.__context__
    return exc


def _filtered(tb: types.TracebackType | None) -> types.TracebackType | None:
    frames = []
    while tb is not None:
        if not _is_internal(tb.tb_frame.f_code.co_filename):
            frames.append(tb)
        tb = tb.tb_next
    result = None
    for item in reversed(frames):
        result = types.TracebackType(result, item.tb_frame, item.tb_lasti, item.tb_lineno)
    return result


def user_traceback_text(exc: BaseException) -> str:
    """The user-frame traceback of ``exc`` as text, for the records."""
    tb = _filtered(exc.__traceback__)
    lines = traceback.format_list(traceback.extract_tb(tb))
    lines.extend(traceback.format_exception_only(type(exc), exc))
    return "".join(lines)
