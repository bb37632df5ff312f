"""``RunOutput``: an app parameter whose value is the output of a recorded run.

Design decisions (the seed, ``flyte.app.RunOutput``, is the reference):

* A pydantic model, as in the seed, so a bad combination raises pydantic's
  ``ValidationError`` (a ``ValueError``) at construction, with a message naming the field
  and the fix. Unknown fields are refused (``task=`` for ``task_name=`` is a typo, not an
  option to ignore), and the model is frozen: a parameter cannot change after an app spec
  was built from it.
* Exactly one of ``run_name`` / ``task_name`` (Flyte 2.12 accepts both or neither and
  fails later). ``task_version`` and ``task_auto_version`` select among the runs of a
  task, so they go with ``task_name`` only, and not with each other.
* Resolution (``_resolve.py``): a named run must have SUCCEEDED; a task name resolves to
  its newest succeeded run (by creation time) in the project/domain, of the requested
  version when there is one. The run must have exactly one output, which is the value.
* ``materialize()`` returns that output as the task returned it (a ``str``, a path, a
  ``FlyteFile``...), checked against ``type``; ``get()`` returns it as the text an app
  receives (the string, or the file's or folder's path or URI). Both resolve against the
  records every time: a newer run is picked up by the next call, and by the next deploy.
"""

from __future__ import annotations

import os
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ..exceptions import FlyteTypeException

ParameterType = Literal["string", "file", "directory"]
TYPES: tuple[str, ...] = ("string", "file", "directory")
RUN_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
VERSION_ENV = "FLYTE_NB_APP_VERSION"
"""Set in an app's process when it was deployed with a version: what ``"current"`` means."""


def io_kind(value: Any) -> str | None:
    """'file' / 'directory' for flyte_nb's file and folder types (classes or instances),
    None for anything else. They are imported here, on first use, so that importing this
    module (a backend worker does) does not load the data types."""
    from .. import io

    for name, kind in (("FlyteFile", "file"), ("FlyteDirectory", "directory")):
        cls = getattr(io, name)
        if value is cls or (isinstance(cls, type) and isinstance(value, cls)):
            return kind
    return None


def parameter_text(kind: str, value: Any, where: str) -> str:
    """``value`` as the text an app receives for a parameter of type ``kind``."""
    if kind == "string":
        if isinstance(value, str):
            return value
        raise FlyteTypeException(
            f"{where} is a {type(value).__qualname__} ({_short(value)}), but the parameter "
            "has type 'string'; return a str from the task, or use type='file' / "
            "'directory' for a path"
        )
    own = io_kind(value)
    if own is not None and own != kind:
        raise FlyteTypeException(
            f"{where} is a {type(value).__qualname__}, but the parameter has type {kind!r}; "
            f"use type={own!r}"
        )
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    path = getattr(value, "path", None)
    if isinstance(path, str):
        return path
    raise FlyteTypeException(
        f"{where} is a {type(value).__qualname__} ({_short(value)}), but the parameter has "
        f"type {kind!r}; return a path (str or pathlib.Path) or a "
        f"{'FlyteFile' if kind == 'file' else 'FlyteDirectory'} from the task"
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class RunOutput(BaseModel):
    """Use a run's output as an app parameter: a named run, or the newest succeeded run of
    a task (of ``task_version``, or of the version ``task_auto_version`` picks).

        RunOutput(type="directory", run_name="my-run-123")
        RunOutput(type="file", task_name="env.my_task")
        RunOutput(type="file", task_name="env.my_task", task_auto_version="latest")
        RunOutput(type="file", task_name="env.my_task", task_version="xyz")
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ParameterType
    run_name: str | None = None
    task_name: str | None = None
    task_version: str | None = None
    task_auto_version: Literal["latest", "current"] | None = None

    @field_validator("type", mode="before")
    @classmethod
    def check_type(cls, data: Any) -> Any:
        """Map Python types to parameter types: ``str`` is 'string', ``FlyteFile`` 'file',
        ``FlyteDirectory`` 'directory'; the three names pass as they are."""
        if data is str:
            return "string"
        kind = io_kind(data)
        if kind is not None:
            return kind
        if isinstance(data, str) and data in TYPES:
            return data
        hint = " (a path type is ambiguous: say 'file' or 'directory')" if _is_path(data) else ""
        raise ValueError(
            f"type must be 'string', 'file' or 'directory' (or str, FlyteFile, "
            f"FlyteDirectory), got {data!r}{hint}"
        )

    @field_validator("run_name")
    @classmethod
    def _check_run_name(cls, value: str | None) -> str | None:
        if value is not None and not RUN_NAME.match(value):
            raise ValueError(
                f"run_name {value!r} is not a run name (1-63 lowercase letters, digits or "
                "'-'); copy it from run.name or `flyte-nb runs`"
            )
        return value

    @field_validator("task_name", "task_version")
    @classmethod
    def _check_text(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or len(value) > 256):
            raise ValueError(f"must be a non-empty name of at most 256 characters, got {value!r}")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> RunOutput:
        if self.run_name is None and self.task_name is None:
            raise ValueError(
                "RunOutput needs run_name= (one run) or task_name= (the newest succeeded run "
                "of that task), got neither; e.g. RunOutput(type='file', "
                "task_name='train.fit')"
            )
        if self.run_name is not None and self.task_name is not None:
            raise ValueError(
                f"RunOutput takes run_name= or task_name=, not both (got run_name="
                f"{self.run_name!r} and task_name={self.task_name!r}); a run name already "
                "names one run: drop task_name"
            )
        if self.run_name is not None and (
            self.task_version is not None or self.task_auto_version is not None
        ):
            raise ValueError(
                f"RunOutput(run_name={self.run_name!r}) names one run; task_version and "
                "task_auto_version choose among the runs of a task_name: drop them, or use "
                "task_name= instead of run_name="
            )
        if self.task_version is not None and self.task_auto_version is not None:
            raise ValueError(
                f"RunOutput takes task_version= (got {self.task_version!r}) or "
                f"task_auto_version= (got {self.task_auto_version!r}), not both"
            )
        return self

    def describe(self) -> str:
        """Where the value comes from, for messages."""
        if self.run_name is not None:
            return f"the output of run {self.run_name!r}"
        which = ""
        if self.task_version is not None:
            which = f" version {self.task_version!r}"
        elif self.task_auto_version is not None:
            which = f" ({self.task_auto_version} version)"
        return f"the output of the newest succeeded run of task {self.task_name!r}{which}"

    def materialize(self) -> Any:
        """Resolve against the run records (the backend's after ``fl.init()``, else this
        machine's) and return the run's output, checked against ``type``."""
        return self._resolve()[0]

    def get(self) -> str:
        """The value as an app receives it: the string, or the file's or folder's path."""
        return self._resolve()[1]

    def _resolve(self) -> tuple[Any, str]:
        from ._resolve import resolve_here

        found = resolve_here(self)
        return found.value, parameter_text(self.type, found.value, found.where)


def _is_path(data: Any) -> bool:
    return isinstance(data, type) and issubclass(data, os.PathLike)
