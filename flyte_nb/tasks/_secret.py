"""Secrets a task asks for (``@task(secrets=...)``) and how they are found when it runs locally.

Design: a ``Secret`` is only a *reference* (group/key); it never holds the value, so it can be
pickled, shown and recorded freely. Names are restricted to ``[A-Za-z0-9_.-]+`` (and never
``.``/``..``) because they become environment-variable and file names, and must not escape the
secrets folder.

Local lookup order of ``Secret.resolve()`` (the first hit wins, ``None`` when nothing matches):

1. the environment variable named by ``env_var``, when given and set;
2. ``FLYTE_NB_SECRET_<GROUP>_<KEY>`` (with both group and key), then ``FLYTE_NB_SECRET_<KEY>``
   (or ``FLYTE_NB_SECRET_<GROUP>`` when there is only a group), names uppercased with every
   character that is not a letter or digit replaced by ``_``;
3. a file mounted for the running task (``mount_requirement=MountType.FILE``):
   ``$FLYTE_NB_SECRETS_DIR/<group>/<key>`` (see ``flyte_nb.secrets``);
4. the file ``$FLYTE_NB_HOME/secrets/<group>/<key>``, then ``$FLYTE_NB_HOME/secrets/<key>`` (or
   ``secrets/<group>``), with ``FLYTE_NB_HOME`` defaulting to ``~/.flyte_nb`` (``resolve(home=)``
   names another home). This folder is the local secrets store that ``flyte-nb secrets set``
   writes. Trailing newlines are stripped, since ``echo value > file`` is how most people write
   them.

Environment beats files so a one-off ``FLYTE_NB_SECRET_X=... jupyter lab`` overrides a stored one.
"""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flyte_nb.exceptions import FlyteValidationException

__all__ = ["MountType", "Secret", "normalize_secrets"]

_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIELDS = ("group", "key", "group_version", "mount_requirement", "env_var")
_EXAMPLE = 'Secret(group="openai", key="api_key")'


class MountType(enum.Enum):
    """Where a remote backend should expose the secret (values match flytekit's)."""

    ANY = 0
    ENV_VAR = 1
    FILE = 2


def _coerce_mount(value: object) -> MountType:
    if isinstance(value, MountType):
        return value
    if isinstance(value, str) and value.upper() in MountType.__members__:
        return MountType[value.upper()]
    if isinstance(value, int) and not isinstance(value, bool):
        for member in MountType:
            if member.value == value:
                return member
    raise FlyteValidationException(
        f"Secret(mount_requirement={value!r}): expected one of "
        f"{', '.join('MountType.' + m for m in MountType.__members__)}. "
        f'Example: Secret(key="token", mount_requirement=MountType.ENV_VAR)'
    )


def _env_part(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


@dataclass(frozen=True, repr=False)
class Secret:
    """A reference to a secret by group and/or key; the value is looked up only when needed."""

    group: str | None = None
    key: str | None = None
    group_version: str | None = None
    mount_requirement: MountType = MountType.ANY
    env_var: str | None = None

    def __post_init__(self) -> None:
        if self.group is None and self.key is None:
            raise FlyteValidationException(
                f"Secret() needs a key or a group (or both). Example: {_EXAMPLE}"
            )
        for name in ("group", "key", "group_version"):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, str) or not _NAME_RE.match(value) or value in (".", ".."):
                raise FlyteValidationException(
                    f"Secret({name}={value!r}): names may only use letters, digits, '_', '.' "
                    f"and '-' (and cannot be '.' or '..'). Example: {_EXAMPLE}"
                )
        if self.env_var is not None and (
            not isinstance(self.env_var, str) or not _ENV_RE.match(self.env_var)
        ):
            raise FlyteValidationException(
                f"Secret(env_var={self.env_var!r}): not a valid environment variable name "
                '(letters, digits and "_", not starting with a digit). '
                'Example: Secret(key="api_key", env_var="OPENAI_API_KEY")'
            )
        object.__setattr__(self, "mount_requirement", _coerce_mount(self.mount_requirement))

    def __repr__(self) -> str:
        parts = [
            f"{n}={getattr(self, n)!r}"
            for n in ("group", "key", "group_version", "env_var")
            if getattr(self, n) is not None
        ]
        if self.mount_requirement is not MountType.ANY:
            parts.append(f"mount_requirement=MountType.{self.mount_requirement.name}")
        return f"Secret({', '.join(parts)})"

    @property
    def is_empty(self) -> bool:
        """True when nothing differs from the defaults (kept for flytekit compatibility)."""
        return self.to_dict() == {
            "group": None,
            "key": None,
            "group_version": None,
            "mount_requirement": MountType.ANY.name,
            "env_var": None,
        }

    def short_string(self) -> str:
        """``group/key`` (or just one of them): what logs and error messages show."""
        return "/".join(p for p in (self.group, self.key) if p is not None)

    def verbose_string(self) -> str:
        """Every field, including defaults, for debugging."""
        return (
            f"Secret(group={self.group!r}, key={self.key!r}, "
            f"group_version={self.group_version!r}, "
            f"mount_requirement=MountType.{self.mount_requirement.name}, env_var={self.env_var!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "key": self.key,
            "group_version": self.group_version,
            "mount_requirement": self.mount_requirement.name,
            "env_var": self.env_var,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Secret:
        if not isinstance(d, Mapping):
            raise FlyteValidationException(
                f"Secret.from_dict expects a dict like {{'group': 'g', 'key': 'k'}}, "
                f"got {type(d).__name__} {d!r}"
            )
        unknown = sorted(str(k) for k in d if k not in _FIELDS)
        if unknown:
            raise FlyteValidationException(
                f"Secret.from_dict: unknown field(s) {', '.join(unknown)}; "
                f"valid fields are {', '.join(_FIELDS)}"
            )
        values = dict(d)
        if "mount_requirement" in values:
            values["mount_requirement"] = _coerce_mount(values["mount_requirement"])
        return cls(**values)

    def serialize_to_string(self) -> str:
        """Stable JSON (sorted keys, no spaces): usable as a cache or dedup key."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def to_flyte_idl(self) -> dict[str, Any]:
        """flytekit returns the protobuf message; with no protobuf here, its fields as a
        dict (``to_dict()``), which ``from_flyte_idl`` reads back."""
        return self.to_dict()

    @classmethod
    def from_flyte_idl(cls, pb2_object: Any) -> Secret:
        """A ``Secret`` from ``to_flyte_idl()``'s dict, or from any object with the IDL
        message's fields (``group``, ``key``, ``group_version``, ``mount_requirement``,
        ``env_var``), such as flyteidl's ``security_pb2.Secret``."""
        if isinstance(pb2_object, Mapping):
            return cls.from_dict(pb2_object)
        if not all(hasattr(pb2_object, f) for f in ("group", "key")):
            raise FlyteValidationException(
                "Secret.from_flyte_idl expects to_flyte_idl()'s dict or an object with group, "
                f"key, group_version, mount_requirement and env_var, got {pb2_object!r}"
            )
        values = {f: getattr(pb2_object, f, None) for f in _FIELDS}
        values = {k: (v or None) if k != "mount_requirement" else v for k, v in values.items()}
        if values["mount_requirement"] is None:
            values.pop("mount_requirement")
        return cls.from_dict(values)

    def env_name(self) -> str:
        """The environment variable a running task finds the secret in: ``env_var`` when
        given, else ``FLYTE_NB_SECRET_<GROUP>_<KEY>`` (the first name ``resolve`` tries)."""
        return self._env_candidates()[0]

    def _env_candidates(self) -> list[str]:
        names = [self.env_var] if self.env_var else []
        if self.group and self.key:
            names.append(f"FLYTE_NB_SECRET_{_env_part(self.group)}_{_env_part(self.key)}")
        last = self.key or self.group
        if last:
            names.append(f"FLYTE_NB_SECRET_{_env_part(last)}")
        return names

    def relative_path(self) -> Path:
        """``<group>/<key>`` (or the one that is set): where the secret sits under a secrets
        folder, the local store's or a task's mounted one."""
        return Path(*[p for p in (self.group, self.key) if p is not None])

    def _file_candidates(self, home: Path | None = None) -> list[Path]:
        if home is None:
            home = Path(os.environ.get("FLYTE_NB_HOME") or "~/.flyte_nb").expanduser()
        roots = [home / "secrets"]
        mounted = os.environ.get("FLYTE_NB_SECRETS_DIR")
        if mounted:
            roots.insert(0, Path(mounted))
        paths = []
        for root in roots:
            if self.group and self.key:
                paths.append(root / self.group / self.key)
            last = self.key or self.group
            if last:
                paths.append(root / last)
        return paths

    def resolve(self, home: Path | None = None) -> str | None:
        """The secret's value for local execution (lookup order in the module docstring)."""
        for name in self._env_candidates():
            value = os.environ.get(name)
            if value is not None:
                return value
        for path in self._file_candidates(home):
            if path.is_file():
                return path.read_text(encoding="utf-8").rstrip("\r\n")
        return None


# The seed's ``Secret.MountType`` (flytekit nests the enum in the class).
Secret.MountType = MountType  # type: ignore[attr-defined]


def normalize_secrets(value: str | Secret | Sequence[str | Secret] | None) -> tuple[Secret, ...]:
    """Accept the shapes users write (``"key"``, ``Secret``, or a list of either)."""
    if value is None:
        return ()
    items: Sequence[object]
    if isinstance(value, (str, Secret)):
        items = [value]
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise FlyteValidationException(
            f"secrets={value!r}: expected a key string, a Secret, or a list of them. "
            f'Example: secrets=["api_key", {_EXAMPLE}]'
        )
    out: list[Secret] = []
    for item in items:
        if isinstance(item, Secret):
            out.append(item)
        elif isinstance(item, str):
            out.append(Secret(key=item))
        else:
            raise FlyteValidationException(
                f"secrets: item {item!r} ({type(item).__name__}) is not a key string or a "
                f'Secret. Example: secrets=["api_key", {_EXAMPLE}]'
            )
    return tuple(out)
