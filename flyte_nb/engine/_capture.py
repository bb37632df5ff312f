"""Per-action stdout/stderr capture.

``sys.stdout``/``sys.stderr`` are process-wide, but actions interleave on one loop and
run in several threads. A thin tee replaces each stream once: every write still goes to
the original stream (the notebook shows it as usual) and, when an action is running in
the writing context, is also recorded against that action and attempt. Outside actions
the tee costs one context-variable read per write. Recorded text has the values of the
secrets running tasks hold masked (``flyte_nb.secrets``).
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from ..secrets._inject import redact
from ._context import current_frame


class _Tee:
    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream = stream
        self._name = name

    def write(self, text: str) -> int:
        frame = current_frame()
        if frame is not None and text:
            state = frame.state
            frame.controller.recorder.log(
                {
                    "run_name": state.run_name,
                    "action_name": state.name,
                    "attempt": frame.attempt,
                    "stream": self._name,
                    "ts": time.time(),
                    "text": redact(text),  # a running task's secret values masked
                }
            )
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def install() -> None:
    """Wrap the current streams (again, if someone — e.g. ipykernel — replaced them)."""
    if not isinstance(sys.stdout, _Tee) and sys.stdout is not None:
        sys.stdout = _Tee(sys.stdout, "stdout")
    if not isinstance(sys.stderr, _Tee) and sys.stderr is not None:
        sys.stderr = _Tee(sys.stderr, "stderr")
