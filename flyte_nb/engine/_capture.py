"""Per-action stdout/stderr capture.

``sys.stdout``/``sys.stderr`` are process-wide, but actions interleave on one loop and
run in several threads. A thin tee replaces each stream once: every write still goes to
the original stream (the notebook shows it as usual) and, when an action is running in
the writing context, is also recorded against that action and attempt. Outside actions
the tee costs one context-variable read per write. Recorded text has the values of the
secrets running tasks hold masked (``flyte_nb.secrets``), per action and stream with a
``StreamMasker``: a value written in pieces (``print(*value, sep="")`` writes one
character at a time) is masked like a whole one. The end of a write that could be the
start of a value is held until that action's next write to the stream, or recorded when
the next write anywhere finds the action ended. Backend workers capture at the
file-descriptor level instead (``backend/_output.py``).
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from ..secrets._inject import held_values
from ..secrets._mask import StreamMasker
from ._context import ActionFrame, current_frame
from ._state import TERMINAL


class _Held:
    """An action's stream whose last write ended with what may be the start of a secret."""

    __slots__ = ("frame", "masker")

    def __init__(self, frame: ActionFrame, masker: StreamMasker) -> None:
        self.frame = frame
        self.masker = masker


class _Tee:
    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream = stream
        self._name = name
        self._held: dict[int, _Held] = {}  # id(frame) -> its held tail

    def write(self, text: str) -> int:
        frame = current_frame()
        if self._held:
            self._release_ended(frame)
        if frame is not None and text:
            self._record(frame, text)
        return self._stream.write(text)

    def _record(self, frame: ActionFrame, text: str) -> None:
        held = self._held.pop(id(frame), None)
        values = held_values()
        if held is None and not values:
            self._log(frame, text)  # no secret anywhere: the common, cheap path
            return
        masker = held.masker if held is not None and held.frame is frame else StreamMasker()
        masker.add(values)
        out = masker.feed(text.encode("utf-8", "surrogatepass"))
        if masker.pending:
            self._held[id(frame)] = _Held(frame, masker)
        if out:
            self._log(frame, out.decode("utf-8", "replace"))

    def _release_ended(self, current: ActionFrame | None) -> None:
        for key, held in list(self._held.items()):
            if held.frame is not current and held.frame.state.phase in TERMINAL:
                del self._held[key]
                rest = held.masker.flush()
                if rest:
                    self._log(held.frame, rest.decode("utf-8", "replace"))

    def _log(self, frame: ActionFrame, text: str) -> None:
        state = frame.state
        frame.controller.recorder.log(
            {
                "run_name": state.run_name,
                "action_name": state.name,
                "attempt": frame.attempt,
                "stream": self._name,
                "ts": time.time(),
                "text": text,
            }
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def install() -> None:
    """Wrap the current streams (again, if someone — e.g. ipykernel — replaced them)."""
    if not isinstance(sys.stdout, _Tee) and sys.stdout is not None:
        sys.stdout = _Tee(sys.stdout, "stdout")
    if not isinstance(sys.stderr, _Tee) and sys.stderr is not None:
        sys.stderr = _Tee(sys.stderr, "stderr")
