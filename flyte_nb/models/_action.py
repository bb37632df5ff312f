"""Action identities: who an action is, and how a child's name is derived from its parent.

Design decisions:

* ``ActionID`` is a frozen dataclass: identities are used as dict keys, compared, pickled to
  worker processes and logged, so they must never change after creation.
* Names are lowercase base36 with a leading letter, so one value is valid as a run name, a
  directory name, a DNS-label-ish Kubernetes name and a URL segment without escaping.
* ``new_sub_action_from`` must give the *same* name for the same call in every process (that
  is what makes recovery and caching find the earlier attempt), so it hashes with
  ``hashlib.sha256`` rather than ``hash()``, which is salted per process.
* Encoding is done with ``bytes.translate`` over a 256-entry table rather than repeated
  ``divmod``: one C call instead of ~20 Python-level divisions keeps the hot path (one call
  per task invocation) around a microsecond. Each byte maps to ``byte % 36``; the resulting
  bias (4 of 36 symbols are 8/256 instead of 7/256 likely) costs well under a bit of the
  ~98 bits of entropy in a 19-symbol name, which is irrelevant for naming.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from flyte_nb.exceptions import FlyteValidationException

__all__ = ["ActionID", "generate_random_name"]

_ALPHABET = b"0123456789abcdefghijklmnopqrstuvwxyz"
# Maps every byte value to one base36 symbol; see the module docstring for the bias argument.
_BASE36_TABLE = bytes(_ALPHABET[i % 36] for i in range(256))
_NAME_BODY_LEN = 19
_sha256 = hashlib.sha256
_new = object.__new__


def _base36(raw: bytes) -> str:
    return raw[:_NAME_BODY_LEN].translate(_BASE36_TABLE).decode("ascii")


def generate_random_name() -> str:
    """Return a fresh, unguessable 20-character name such as ``r3k0f...``.

    The ``r`` prefix guarantees the name starts with a letter (DNS labels, Python identifiers
    and Kubernetes names all require it). Bytes come from ``os.urandom`` (the source behind
    ``secrets``, without importing it) so forked processes cannot collide through a shared
    PRNG state.
    """
    return "r" + _base36(os.urandom(_NAME_BODY_LEN))


def _check_optional_str(owner: str, field_name: str, value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise FlyteValidationException(
            f"{owner} {field_name} must be a str or None, got {type(value).__name__} {value!r}"
        )


@dataclass(frozen=True)
class ActionID:
    """The identity of one action inside a run (a run's root action shares the run's name)."""

    name: str
    run_name: str | None = None
    project: str | None = None
    domain: str | None = None
    org: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise FlyteValidationException(
                f"ActionID name must be a non-empty str, got {self.name!r}; "
                "use ActionID.create_random() if you do not need a specific name"
            )
        _check_optional_str("ActionID", "run_name", self.run_name)
        _check_optional_str("ActionID", "project", self.project)
        _check_optional_str("ActionID", "domain", self.domain)
        _check_optional_str("ActionID", "org", self.org)

    @classmethod
    def create_random(cls) -> ActionID:
        """Create a root action: its name doubles as the run name, as a run *is* its root."""
        name = generate_random_name()
        return cls(name=name, run_name=name)

    def new_sub_action(self, name: str | None = None) -> ActionID:
        """Child action in the same run/project/domain/org; random when no name is given."""
        return ActionID(
            name=generate_random_name() if name is None else name,
            run_name=self.run_name,
            project=self.project,
            domain=self.domain,
            org=self.org,
        )

    def new_sub_action_from(
        self,
        task_call_seq: int,
        task_hash: str,
        input_hash: str,
        group: str | None = None,
    ) -> ActionID:
        """Child action whose name is a pure function of the call, stable across processes.

        Re-running the same parent with the same call sequence, task and inputs yields the
        same child name, which is how a resumed run recognises work it already did.
        """
        key = f"{self.name}-{input_hash}-{task_hash}-{task_call_seq}-{group}"
        name = "a" + _base36(_sha256(key.encode()).digest())
        # Hot path: the parent's fields were validated when it was built and ``name`` is
        # well-formed by construction, so copy the parent's field dict instead of paying
        # ~1 µs for the frozen ``__init__`` (five ``object.__setattr__``) and re-validation.
        child = _new(ActionID)
        fields = child.__dict__
        fields.update(self.__dict__)
        fields["name"] = name
        return child

    def unique_id_str(self) -> str:
        """``run/action``: action names are unique only within their run."""
        return f"{self.run_name}/{self.name}"
