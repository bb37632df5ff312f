"""The local secrets store: one file per secret under ``<home>/secrets/``, readable only by you.

Design decisions:

* **The store is the folder ``Secret.resolve()`` already reads.** ``<home>/secrets/<group>/<key>``
  (or ``<home>/secrets/<key>`` without a group) is where a secret set here is found again by a
  task in the kernel, by the backend (which resolves secrets for its workers) and by anything
  that follows the documented layout; no second format, no index to keep in step.
* **Only the owner can read it.** The folder (and each group folder) is ``0700`` and each file
  ``0600``, created with those modes (never chmod-ed after the value is written) and replaced
  atomically, so a concurrent reader sees the old value or the new one, never half of one. An
  existing folder that others can read is tightened to ``0700`` on the next write.
* **Values never come back out of the listing.** ``list()`` returns ``Secret`` references; only
  ``get()`` reads a value, and the CLI never prints one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..exceptions import FlyteValidationException
from ..tasks._secret import Secret

__all__ = ["SecretsStore"]

_DIR_MODE = 0o700
_FILE_MODE = 0o600


def _default_home() -> Path:
    from .. import _config

    return _config.home()


class SecretsStore:
    """The secrets of one flyte_nb home (``fl.init(home=)``, ``$FLYTE_NB_HOME`` or ~/.flyte_nb)."""

    def __init__(self, home: str | os.PathLike[str] | None = None) -> None:
        self.home = Path(home).expanduser() if home is not None else _default_home()
        self.root = self.home / "secrets"

    # -- paths ---------------------------------------------------------------------------
    @staticmethod
    def _ref(key: str, group: str | None) -> Secret:
        if not isinstance(key, str) or not key:
            raise FlyteValidationException(
                f"a secret needs a key (non-empty string), got {key!r}; e.g. "
                "flyte-nb secrets set api_key --group openai"
            )
        return Secret(group=group, key=key)

    def path(self, key: str, group: str | None = None) -> Path:
        """Where the secret ``group/key`` is stored (whether or not it is set)."""
        return self.root / self._ref(key, group).relative_path()

    def _ensure_dir(self, path: Path) -> None:
        path.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(_DIR_MODE)

    # -- operations ----------------------------------------------------------------------
    def set(self, key: str, value: str, group: str | None = None) -> Secret:
        """Store ``value`` (replacing an old one); return the reference a task asks for."""
        secret = self._ref(key, group)
        if not isinstance(value, str) or not value or "\0" in value:
            raise FlyteValidationException(
                f"secret {secret.short_string()!r}: the value must be a non-empty string "
                "without NUL characters"
            )
        if value != value.rstrip("\r\n"):
            raise FlyteValidationException(
                f"secret {secret.short_string()!r}: the value ends with a newline, which reads "
                "back stripped; store it without the trailing newline"
            )
        target = self.root / secret.relative_path()
        if target.is_dir():
            raise FlyteValidationException(
                f"secret {secret.short_string()!r}: {target} is a group of secrets; use "
                "another key or give a group"
            )
        self._ensure_dir(self.root)
        self._ensure_dir(target.parent)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _FILE_MODE)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(value)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return secret

    def get(self, key: str, group: str | None = None) -> str | None:
        """The stored value, or None when the secret is not set."""
        path = self.path(key, group)
        if not path.is_file():
            return None
        return path.read_text(encoding="utf-8").rstrip("\r\n")

    def list(self) -> list[Secret]:
        """Every stored secret as a reference (never its value), sorted by group and key."""
        if not self.root.is_dir():
            return []
        found: list[Secret] = []
        for entry in sorted(self.root.iterdir()):
            if entry.name.startswith("."):
                continue
            if entry.is_file():
                found.append(Secret(key=entry.name))
            elif entry.is_dir():
                found.extend(
                    Secret(group=entry.name, key=item.name)
                    for item in sorted(entry.iterdir())
                    if item.is_file() and not item.name.startswith(".")
                )
        return found

    def delete(self, key: str, group: str | None = None) -> bool:
        """Remove the secret; False when it was not set."""
        path = self.path(key, group)
        if not path.is_file():
            return False
        path.unlink()
        if group is not None and not any(path.parent.iterdir()):
            path.parent.rmdir()
        return True
