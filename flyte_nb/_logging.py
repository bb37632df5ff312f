"""``flyte_nb.logger``: Flyte 2's ``flyte.logger``, the logger for users' task code.

Named ``flyte_nb.user`` so a user can tune it with the standard ``logging`` calls without
touching flyte_nb's own loggers. It writes INFO and above to the *current* ``sys.stderr`` (looked
up at each record, not bound once), which is what the engine captures into the action's logs
in the kernel and in backend workers. It does not propagate to the root logger, so a notebook
that configured ``logging.basicConfig`` does not print each line twice.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

__all__ = ["logger"]


class _CurrentStderr(logging.StreamHandler):
    """A stream handler whose stream is whatever ``sys.stderr`` is when a record arrives."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:  # StreamHandler.__init__ assigns it; ignore
        pass


def _make() -> logging.Logger:
    log = logging.getLogger("flyte_nb.user")
    if not log.handlers:
        handler = _CurrentStderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


logger = _make()
