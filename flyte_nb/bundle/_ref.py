"""``CodeRef``: how a worker finds a task's code, as a small JSON-able value.

Design decisions:

* Two kinds only. ``"module"`` names an importable module and the attribute path of the task
  in it (the worker imports it, exactly like ``pickle`` would by reference); ``"bundle"`` names
  a content-addressed blob holding the task by value. Keeping the reference tiny and flat lets
  it travel inside every job message and be stored with the run.
* Validated at construction, so a ``CodeRef`` that exists is always usable: a malformed one
  read back from a message fails in ``from_dict`` with a message saying which field is wrong,
  not later as a confusing import or blob lookup error in a worker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..exceptions import FlyteValidationException

__all__ = ["CodeRef"]

_KINDS = ("module", "bundle")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_FIELDS = ("kind", "task_name", "module", "qualname", "digest")


@dataclass(frozen=True)
class CodeRef:
    """Where a worker gets a task: ``module`` + ``qualname``, or the ``digest`` of a bundle."""

    kind: Literal["module", "bundle"]
    task_name: str
    module: str | None = None
    qualname: str | None = None
    digest: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise _bad(f"kind must be 'module' or 'bundle', got {self.kind!r}")
        if not isinstance(self.task_name, str) or not self.task_name:
            raise _bad(f"task_name must be a non-empty string, got {self.task_name!r}")
        where = f"(task {self.task_name!r})"
        if self.kind == "module":
            for name in ("module", "qualname"):
                value = getattr(self, name)
                if not isinstance(value, str) or not _DOTTED.match(value):
                    raise _bad(
                        f"kind 'module' needs {name} as a dotted Python name, got {value!r} {where}"
                    )
            if self.digest is not None:
                raise _bad(f"kind 'module' takes no digest, got {self.digest!r} {where}")
        else:
            if not isinstance(self.digest, str) or not _DIGEST.match(self.digest):
                raise _bad(
                    "kind 'bundle' needs digest as 64 lowercase hex characters (sha256), "
                    f"got {self.digest!r} {where}"
                )
            if self.module is not None or self.qualname is not None:
                raise _bad(f"kind 'bundle' takes no module or qualname {where}")

    def to_dict(self) -> dict[str, Any]:
        """The fields that are set, ready for JSON; ``from_dict`` reads it back."""
        return {k: getattr(self, k) for k in _FIELDS if getattr(self, k) is not None}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CodeRef:
        """Read a ``to_dict`` value back; a malformed one raises ``ValueError`` naming the field."""
        if not isinstance(d, Mapping):
            raise _bad(f"expected a mapping, got {type(d).__name__}: {d!r}")
        unknown = sorted(str(k) for k in d if k not in _FIELDS)
        if unknown:
            raise _bad(f"unknown field(s) {unknown}; accepted fields are {list(_FIELDS)}")
        missing = [k for k in ("kind", "task_name") if k not in d]
        if missing:
            raise _bad(f"missing field(s) {missing} in {dict(d)!r}")
        return cls(**{k: d[k] for k in _FIELDS if k in d})


def _bad(message: str) -> FlyteValidationException:
    return FlyteValidationException(f"Invalid CodeRef: {message}")
