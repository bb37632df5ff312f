"""Giving a running task its secrets, and keeping their values out of logs.

How a secret reaches the task (``Secret.mount_requirement``):

* ``ENV_VAR`` or ``ANY``: the environment variable ``secret.env_name()`` (``env_var`` when
  given, else ``FLYTE_NB_SECRET_<GROUP>_<KEY>``), so ``os.environ[...]`` and ``Secret.resolve()``
  both find it.
* ``FILE``: a file ``<group>/<key>`` (mode ``0600``) in a private folder (``0700``) named by
  ``$FLYTE_NB_SECRETS_DIR``; ``Secret.resolve()`` looks there, and ``env_var``, when given, holds
  the file's path (as a mounted secret's path would be handed over). The folder is deleted
  when no running task needs it any more.

Both last exactly as long as the task that asked: values are set when an attempt starts and
the previous environment comes back when it ends. In the kernel all tasks share one process,
so a secret's variable is reference-counted: it stays while any running task that asked for it
runs (two concurrent tasks asking for one variable with different values would see the last
one; secrets are per machine here, so that does not happen by accident).

Values never reach the records: they are not inputs, the run's recorded environment holds
only ``env_vars``, and while a task holds secrets any of their values (4 characters or more)
written to stdout/stderr is replaced by ``[secret]`` before the line is recorded
(``redact``; the engine's stream capture calls it). Outputs and exception messages are the
task's own: a task that returns or raises a secret has published it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from ..exceptions import SecretNotFoundError
from ..tasks._secret import MountType, Secret
from ._mask import MASK, spellings

__all__ = [
    "held_values",
    "injected",
    "missing_message",
    "received",
    "redact",
    "require",
    "resolve_all",
    "resolve_values",
    "task_scope",
]


class _HasSecrets(Protocol):
    name: str
    secrets: tuple[Secret, ...]


_MIN_REDACT = 4


class _EnvHold:
    """A variable set for running tasks: how many hold it, and what to restore after."""

    __slots__ = ("before", "holders")

    def __init__(self, before: str | None) -> None:
        self.before = before
        self.holders = 0


_lock = threading.Lock()
_env: dict[str, _EnvHold] = {}
_files: dict[Path, int] = {}  # relative path in the mounted folder -> holders
_mounted: Path | None = None
_values: dict[str, int] = {}  # secret value -> holders (for redaction)
_mounted_before: str | None = None


def missing_message(where: str, secrets: Sequence[Secret]) -> str:
    """The one message for secrets that are not set: which, and how to set them."""
    names = ", ".join(repr(s.short_string()) for s in secrets)
    first = secrets[0]
    group = f" --group {first.group}" if first.group and first.key else ""
    key = first.key or first.group
    plural = "s" if len(secrets) > 1 else ""
    return (
        f"{where} needs secret{plural} {names}, not set on this machine; set it with "
        f"`flyte-nb secrets set {key}{group}` (or export {first.env_name()}) and run again"
    )


def resolve_values(secrets: Sequence[Secret], home: Path | None = None) -> list[str | None]:
    """Each secret's value (None where it is not set): env vars first, then the store."""
    return [s.resolve(home) for s in secrets]


def resolve_all(secrets: Sequence[Secret], where: str, home: Path | None = None) -> list[str]:
    """Every secret's value; one ``SecretNotFoundError`` naming all that are missing."""
    values = resolve_values(secrets, home)
    absent = [s for s, v in zip(secrets, values, strict=True) if v is None]
    if absent:
        raise SecretNotFoundError(missing_message(where, absent))
    return [v for v in values if v is not None]


def redact(text: str) -> str:
    """``text`` with the value of every secret a running task holds masked."""
    if not _values:
        return text
    forms: set[str] = set()
    for value in list(_values):
        forms.update(spellings(value))  # plain, in a repr, in JSON
    for form in sorted(forms, key=len, reverse=True):
        if form in text:
            text = text.replace(form, MASK)
    return text


def held_values() -> list[str]:
    """The values of the secrets running tasks hold now (what stream maskers mask)."""
    return list(_values)


@contextlib.contextmanager
def injected(secrets: Sequence[Secret], values: Sequence[str | None], where: str) -> Iterator[None]:
    """Expose ``secrets`` (with ``values``) to the code run inside; undo it afterwards."""
    if not secrets:
        yield
        return
    absent = [s for s, v in zip(secrets, values, strict=True) if v is None]
    if absent:
        raise SecretNotFoundError(missing_message(where, absent))
    pairs = [(s, str(v)) for s, v in zip(secrets, values, strict=True)]
    taken = _take(pairs)
    try:
        yield
    finally:
        _give_back(taken)


_Taken = tuple[list[str], list[Path], list[str]]


def _take(pairs: list[tuple[Secret, str]]) -> _Taken:
    env_names: list[str] = []
    files: list[Path] = []
    values: list[str] = []
    with _lock:
        for secret, value in pairs:
            if len(value) >= _MIN_REDACT:
                _values[value] = _values.get(value, 0) + 1
                values.append(value)
            if secret.mount_requirement is MountType.FILE:
                path = _mount_file(secret, value)
                files.append(secret.relative_path())
                if secret.env_var:
                    _set_env(secret.env_var, str(path))
                    env_names.append(secret.env_var)
            else:
                _set_env(secret.env_name(), value)
                env_names.append(secret.env_name())
    return env_names, files, values


def _give_back(taken: _Taken) -> None:
    env_names, files, values = taken
    with _lock:
        for name in env_names:
            _unset_env(name)
        for rel in files:
            _unmount_file(rel)
        for value in values:
            count = _values.get(value, 0) - 1
            if count > 0:
                _values[value] = count
            else:
                _values.pop(value, None)


def _set_env(name: str, value: str) -> None:
    hold = _env.get(name)
    if hold is None:
        hold = _env[name] = _EnvHold(os.environ.get(name))
    hold.holders += 1
    os.environ[name] = value


def _unset_env(name: str) -> None:
    hold = _env[name]
    hold.holders -= 1
    if hold.holders > 0:
        return
    del _env[name]
    if hold.before is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = hold.before


def _mount_file(secret: Secret, value: str) -> Path:
    global _mounted, _mounted_before
    if _mounted is None:
        _mounted = Path(tempfile.mkdtemp(prefix="flyte-nb-secrets-"))  # created 0700
        _mounted_before = os.environ.get("FLYTE_NB_SECRETS_DIR")
        os.environ["FLYTE_NB_SECRETS_DIR"] = str(_mounted)
    rel = secret.relative_path()
    path = _mounted / rel
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value)
    _files[rel] = _files.get(rel, 0) + 1
    return path


def _unmount_file(rel: Path) -> None:
    global _mounted, _mounted_before
    holders = _files.get(rel, 0) - 1
    if holders > 0:
        _files[rel] = holders
        return
    _files.pop(rel, None)
    if _mounted is None:
        return
    (_mounted / rel).unlink(missing_ok=True)
    if not _files:
        shutil.rmtree(_mounted, ignore_errors=True)
        _mounted = None
        if _mounted_before is None:
            os.environ.pop("FLYTE_NB_SECRETS_DIR", None)
        else:
            os.environ["FLYTE_NB_SECRETS_DIR"] = _mounted_before


# -- the engine's hooks (a task running in this process) ---------------------------------------
_NO_SECRETS = contextlib.nullcontext()


def _home() -> Path:
    from .. import _config

    return _config.home()


def require(task: _HasSecrets) -> None:
    """Fail before ``task`` starts when a secret it asks for is not set."""
    if task.secrets:
        resolve_all(task.secrets, f"Task '{task.name}'", _home())


def task_scope(task: _HasSecrets) -> contextlib.AbstractContextManager[None]:
    """The secrets of ``task`` exposed for one attempt run in this process."""
    if not task.secrets:
        return _NO_SECRETS
    values = resolve_values(task.secrets, _home())
    return injected(task.secrets, values, f"Task '{task.name}'")


def received(
    pairs: Sequence[tuple[dict[str, object], str | None]] | None, task_name: str
) -> contextlib.AbstractContextManager[None]:
    """The secrets a backend job carries ((reference, value) pairs), exposed for the job."""
    if not pairs:
        return _NO_SECRETS
    secrets = [Secret.from_dict(ref) for ref, _ in pairs]
    return injected(secrets, [value for _, value in pairs], f"Task '{task_name}'")
