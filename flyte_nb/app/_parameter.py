"""``Parameter``: one named input of an app, and how the app receives it.

Design decisions:

* A value is a ``str``, a file or folder (a path, ``pathlib.Path``, ``FlyteFile``,
  ``FlyteDirectory``, or a URI such as ``s3://...`` or ``flyte-nb://blobs/<sha256>`` from
  ``UnionRemote.upload_file``), or a ``RunOutput`` resolved when the app is deployed.
* ``type`` is inferred where the value says it (``str`` is 'string', a ``RunOutput`` has
  its own, ``FlyteFile``/``FlyteDirectory`` say 'file'/'directory'); a bare path is
  ambiguous, so it needs ``type='file'`` or ``'directory'``. A stated type that
  contradicts the value is an error, not a conversion.
* Every app gets all its parameters as JSON in ``FLYTE_NB_APP_PARAMETERS``; ``env_var``
  also sets one variable. ``download=True`` copies a file or folder next to the app
  (under the app's folder in the backend's home) before it starts, and the app receives the
  local path; ``mount`` chooses where (relative paths are under the app's folder) and
  implies ``download``. Strings cannot be downloaded or mounted.
* Local paths are made absolute when the app spec is built: the spec is stored and
  redeployed later (by the panel, the CLI, a restarted backend), and what a path means
  must not depend on who reads it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from ..exceptions import FlyteValidationException
from ._run_output import TYPES, RunOutput, io_kind

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,62}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
RESERVED_ENV_PREFIX = "FLYTE_NB_"


def _bad(name: object, message: str) -> FlyteValidationException:
    return FlyteValidationException(f"Parameter {name!r}: {message}")


def check_env_name(value: object, where: str) -> str:
    if not isinstance(value, str) or not ENV_NAME.match(value):
        raise FlyteValidationException(
            f"{where}: {value!r} is not an environment variable name (letters, digits and "
            "'_', not starting with a digit); e.g. env_var='MODEL_PATH'"
        )
    if value.startswith(RESERVED_ENV_PREFIX):
        raise FlyteValidationException(
            f"{where}: {value!r} starts with {RESERVED_ENV_PREFIX}, which flyte_nb reserves "
            "for the variables it sets in the app; pick another name"
        )
    return value


@dataclass(frozen=True, init=False)
class Parameter:
    """A named app input: ``Parameter(name="model", value=RunOutput(type="file",
    task_name="train.fit"), env_var="MODEL_PATH", download=True)``."""

    name: str
    value: str | RunOutput | Any
    type: str
    env_var: str | None
    download: bool
    mount: str | None

    def __init__(
        self,
        name: str,
        value: str | RunOutput | Any,
        type: str | None = None,
        env_var: str | None = None,
        download: bool = False,
        mount: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise _bad(
                name,
                "the name must start with a letter or '_' and use letters, digits, '_' and '-' "
                "(at most 63 characters); e.g. name='model'",
            )
        kind = _infer_type(name, value, type)
        if env_var is not None:
            check_env_name(env_var, f"Parameter {name!r} env_var")
        if not isinstance(download, bool):
            raise _bad(name, f"download must be True or False, got {download!r}")
        if mount is not None and (not isinstance(mount, str) or not mount.strip()):
            raise _bad(name, f"mount must be a folder path (str), got {mount!r}")
        if kind == "string" and (download or mount is not None):
            raise _bad(
                name,
                "a 'string' parameter has nothing to download or mount; "
                "download/mount are for type='file' or 'directory'",
            )
        for field, item in (
            ("name", name),
            ("value", value),
            ("type", kind),
            ("env_var", env_var),
            ("download", download or mount is not None),
            ("mount", mount),
        ):
            object.__setattr__(self, field, item)

    def to_spec(self) -> dict[str, Any]:
        """The JSON form the backend deploys from (``backend/_app_params.py`` reads it)."""
        run_output = self.value.model_dump() if isinstance(self.value, RunOutput) else None
        text = None
        if run_output is None:
            text = self.value if self.type == "string" else _path_text(self.value)
        return {
            "name": self.name,
            "type": self.type,
            "value": text,
            "run_output": run_output,
            "env_var": self.env_var,
            "download": self.download,
            "mount": self.mount,
        }


def _infer_type(name: str, value: Any, stated: object) -> str:
    if stated is not None and stated not in TYPES:
        raise _bad(name, f"type must be 'string', 'file' or 'directory', got {stated!r}")
    own: str
    if isinstance(value, RunOutput):
        own = value.type
    elif isinstance(value, str):
        own = "string" if stated is None else str(stated)
        if own != "string" and not value.strip():
            raise _bad(name, f"an empty path cannot be a {own!r}; pass the path or URI")
    else:
        own = io_kind(value) or ""
        if not own:
            if isinstance(value, os.PathLike):
                if stated is None:
                    raise _bad(
                        name,
                        f"a path ({value!r}) may be a file or a folder: pass "
                        "type='file' or type='directory'",
                    )
                own = str(stated)
            elif value is None:
                raise _bad(
                    name,
                    "needs a value: a str, a path, a FlyteFile/FlyteDirectory or a RunOutput(...)",
                )
            else:
                raise _bad(
                    name,
                    f"value must be a str, a path, a FlyteFile/FlyteDirectory or "
                    f"a RunOutput, got {type(value).__qualname__} {value!r}",
                )
    if stated is not None and stated != own:
        raise _bad(
            name,
            f"type={stated!r} contradicts the value, which is a {own!r} "
            f"({value!r}); drop type= or fix it",
        )
    if own == "string" and isinstance(value, os.PathLike):
        raise _bad(
            name,
            "a path cannot be a 'string' parameter; use type='file' or "
            "'directory', or pass str(path)",
        )
    return own


def _path_text(value: Any) -> str:
    """A file/folder value's path or URI; local paths absolute (see the module doc)."""
    remote = getattr(value, "remote_source", None)  # FlyteFile.from_source("s3://..."), ...
    if isinstance(value, str):
        path: Any = value
    elif isinstance(remote, str) and remote:
        path = remote  # the URL itself: os.fspath() would download it here
    elif isinstance(value, os.PathLike):
        path = os.fspath(value)
    else:
        path = getattr(value, "path", None)
    if not isinstance(path, str):
        raise FlyteValidationException(f"Parameter value {value!r} has no path")
    return path if "://" in path else os.path.abspath(path)
