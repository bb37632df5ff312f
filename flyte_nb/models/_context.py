"""Value objects describing where a task runs: paths, code bundles, checkpoints, context.

Design decisions:

* Every class here is a frozen dataclass. A ``TaskContext`` is shared by a task and the
  sub-actions it spawns (possibly across threads and processes); immutability means a child
  can never change what its parent sees. Changes go through ``replace``/``with_*`` copies.
* ``RawDataPath`` treats anything with ``://`` as a remote URL and joins it with ``/``
  (``os.path.join`` would use ``\\`` on Windows and mangle the URL); everything else is a
  local path and is made absolute so it stays valid if the process changes directory.
* ``report`` and ``compiled_image_cache`` are typed ``Any`` so this module stays stdlib-only:
  importing ``flyte_nb.models`` must stay cheap because every worker process imports it.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.models._action import ActionID

if TYPE_CHECKING:
    from flyte_nb.deck import Deck

__all__ = [
    "Checkpoints",
    "CodeBundle",
    "GroupData",
    "RawDataPath",
    "SerializationContext",
    "TaskContext",
]

ENTRYPOINT_NAME = "flyte-nb"
_MODES = ("local", "remote", "hybrid")


def _require_str(owner: str, field_name: str, value: object, *, allow_empty: bool = False) -> None:
    if not isinstance(value, str) or (not allow_empty and not value):
        raise FlyteValidationException(
            f"{owner} {field_name} must be a non-empty str, got {type(value).__name__} {value!r}"
        )


def _optional_str(owner: str, field_name: str, value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise FlyteValidationException(
            f"{owner} {field_name} must be a str or None, got {type(value).__name__} {value!r}"
        )


@dataclass(frozen=True)
class GroupData:
    """The named group (``with flyte.group("x")``) an action was started in, for display."""

    name: str

    def __post_init__(self) -> None:
        _require_str("GroupData", "name", self.name)


@dataclass(frozen=True)
class Checkpoints:
    """Where a retried task finds its previous attempt's state and writes its own."""

    prev_checkpoint_path: str | None = None
    checkpoint_path: str | None = None

    def __post_init__(self) -> None:
        _optional_str("Checkpoints", "prev_checkpoint_path", self.prev_checkpoint_path)
        _optional_str("Checkpoints", "checkpoint_path", self.checkpoint_path)


@dataclass(frozen=True)
class CodeBundle:
    """User code shipped to a worker; ``computed_version`` is a hash of the code, so
    identical code maps to an identical task version (and cache keys survive re-deploys).
    """

    computed_version: str
    destination: str = "."
    tgz: str | None = None
    pkl: str | None = None
    downloaded_path: pathlib.Path | None = None

    def __post_init__(self) -> None:
        _require_str("CodeBundle", "computed_version", self.computed_version)
        _require_str("CodeBundle", "destination", self.destination)
        _optional_str("CodeBundle", "tgz", self.tgz)
        _optional_str("CodeBundle", "pkl", self.pkl)
        if self.tgz is not None and self.pkl is not None:
            raise FlyteValidationException(
                "CodeBundle takes either tgz (a source archive) or pkl (a pickled task), not both"
            )

    def with_downloaded_path(self, path: pathlib.Path) -> CodeBundle:
        """A copy recording where the worker unpacked the bundle; the original stays valid."""
        return dataclasses.replace(self, downloaded_path=pathlib.Path(path))


def _is_remote(path: str) -> bool:
    return "://" in path


@dataclass(frozen=True)
class RawDataPath:
    """Root under which a task writes offloaded data (files, directories, large blobs)."""

    path: str

    def __post_init__(self) -> None:
        _require_str("RawDataPath", "path", self.path)

    @classmethod
    def from_local_folder(cls, local_folder: str | pathlib.Path | None = None) -> RawDataPath:
        """Raw data rooted in a local folder, created if missing (a fresh temp dir for None)."""
        if local_folder is None:
            import tempfile  # deferred: pulls in shutil/random, only needed here

            folder = tempfile.mkdtemp(prefix="flyte-nb-raw-")
        else:
            folder = os.fspath(local_folder)
            if not folder:
                raise FlyteValidationException(
                    "RawDataPath.from_local_folder got an empty path; pass a folder or None "
                    "for a fresh temporary one"
                )
            os.makedirs(folder, exist_ok=True)
        return cls(path=os.path.abspath(folder))

    def get_random_remote_path(self, file_name: str | None = None) -> str:
        """A fresh, collision-free location under this root; nothing is created.

        The random directory keeps concurrent tasks that upload the same file name from
        overwriting each other, while ``file_name`` keeps the original name readable.
        """
        name = file_name or os.urandom(8).hex()
        subdir = os.urandom(16).hex()
        if _is_remote(self.path):
            return f"{self.path.rstrip('/')}/{subdir}/{name.lstrip('/')}"
        return os.path.join(os.path.abspath(self.path), subdir, name)


@dataclass(frozen=True)
class SerializationContext:
    """What serializing a task needs to know: target project/domain/version and code bundle.

    ``input_path``/``output_path`` default to the backend's template placeholders, which the
    executor substitutes at run time.
    """

    version: str
    project: str | None = None
    domain: str | None = None
    org: str | None = None
    code_bundle: CodeBundle | None = None
    input_path: str = "{{.input}}"
    output_path: str = "{{.outputPrefix}}"
    image_cache: Any = None
    root_dir: pathlib.Path | None = None

    def __post_init__(self) -> None:
        _require_str("SerializationContext", "version", self.version)
        _optional_str("SerializationContext", "project", self.project)
        _optional_str("SerializationContext", "domain", self.domain)
        _optional_str("SerializationContext", "org", self.org)
        if self.code_bundle is not None and not isinstance(self.code_bundle, CodeBundle):
            raise FlyteValidationException(
                f"SerializationContext code_bundle must be a CodeBundle or None, "
                f"got {type(self.code_bundle).__name__}"
            )

    def get_entrypoint_path(self, interpreter_path: str | None = None) -> str:
        """The console script installed next to the interpreter that will run the task.

        Resolving it beside the interpreter (not via ``PATH``) guarantees the entrypoint
        belongs to the same environment as the code it loads.
        """
        base = interpreter_path or sys.executable
        return os.path.join(os.path.dirname(base), ENTRYPOINT_NAME)


@dataclass(frozen=True)
class TaskContext:
    """Everything a running task may ask about itself (``flyte.ctx()``)."""

    action: ActionID
    version: str
    raw_data_path: RawDataPath
    output_path: str
    run_base_dir: str
    report: Any = None
    group_data: GroupData | None = None
    checkpoints: Checkpoints | None = None
    code_bundle: CodeBundle | None = None
    compiled_image_cache: Any = None
    # A per-action scratch dict users may fill; excluded from hashing since dicts are not
    # hashable. Frozen protects the binding, not the dict: use ``replace`` to share less.
    data: dict[str, Any] = field(default_factory=dict, hash=False)
    mode: Literal["local", "remote", "hybrid"] = "local"
    # Flyte 2's run-level key/value metadata (``with_runcontext(custom_context=...)``,
    # ``flyte.custom_context(...)``): what this action inherited from its caller.
    custom_context: dict[str, str] = field(default_factory=dict, hash=False)
    run_start_time: Any = None  # datetime (UTC) the run started; Flyte 2's ctx().run_start_time

    def __post_init__(self) -> None:
        if not isinstance(self.action, ActionID):
            raise FlyteValidationException(
                f"TaskContext action must be an ActionID, got {type(self.action).__name__}"
            )
        if not isinstance(self.raw_data_path, RawDataPath):
            raise FlyteValidationException(
                "TaskContext raw_data_path must be a RawDataPath (e.g. "
                f"RawDataPath.from_local_folder()), got {type(self.raw_data_path).__name__}"
            )
        _require_str("TaskContext", "version", self.version)
        _require_str("TaskContext", "output_path", self.output_path, allow_empty=True)
        _require_str("TaskContext", "run_base_dir", self.run_base_dir, allow_empty=True)
        if not isinstance(self.data, dict):
            raise FlyteValidationException(
                f"TaskContext data must be a dict, got {type(self.data).__name__}"
            )
        if self.mode not in _MODES:
            raise FlyteValidationException(
                f"TaskContext mode must be one of {', '.join(_MODES)}, got {self.mode!r}"
            )

    def replace(self, **kwargs: Any) -> TaskContext:
        """A copy with some fields changed (e.g. a child action), re-validated."""
        unknown = [k for k in kwargs if k not in _TASK_CONTEXT_FIELDS]
        if unknown:
            raise FlyteValidationException(
                f"TaskContext has no field {', '.join(repr(k) for k in unknown)}; "
                f"valid fields: {', '.join(sorted(_TASK_CONTEXT_FIELDS))}"
            )
        return dataclasses.replace(self, **kwargs)

    def is_in_cluster(self) -> bool:
        """True only when running on a backend worker, where cluster-only features apply."""
        return self.mode == "remote"

    # flytekit's ``current_context()`` names (its ExecutionParameters), so Union code runs
    # unchanged; built in ``flyte_nb.union._context``, imported on first use.
    @property
    def execution_id(self) -> Any:
        return _flytekit().execution_id(self)

    @property
    def execution_date(self) -> Any:
        return _flytekit().execution_date(self)

    @property
    def secrets(self) -> Any:
        return _flytekit().SecretsManager()

    def get_secrets_env_var(self, group: str | None = None, key: str | None = None) -> str:
        return str(_flytekit().SecretsManager().get_secrets_env_var(group, key))

    @property
    def logging(self) -> Any:
        return _flytekit().user_logger()

    @property
    def working_directory(self) -> str:
        return str(_flytekit().working_directory(self))

    @property
    def checkpoint(self) -> Any:
        """Flyte 2's ``Checkpoint`` and flytekit's ``SyncCheckpoint`` in one object."""
        from flyte_nb.models._checkpoint import for_context

        return for_context(self)

    @property
    def raw_output_prefix(self) -> str:
        return self.raw_data_path.path

    @property
    def default_deck(self) -> Deck:
        """The running attempt's "default" deck (flytekit's ``current_context().default_deck``).

        The deck lives on the attempt (``ActionDocs.decks``), not on this frozen value, so
        every ``current_context()`` of one attempt hands back the same deck, and the engine
        publishes it when the attempt ends. Imported here, on use, to keep this module cheap.
        """
        from flyte_nb.deck import Deck
        from flyte_nb.deck._deck import running_docs
        from flyte_nb.exceptions import NotInTaskContextError

        docs = running_docs()
        if docs is None:
            raise NotInTaskContextError(
                "default_deck belongs to a running task's action; use it inside an "
                "@env.task body, or build a deck yourself with flyte_nb.Deck('name')"
            )
        deck = docs.decks.get("default")
        if not isinstance(deck, Deck):
            deck = Deck("default")  # registers itself with the running attempt
        return deck


_TASK_CONTEXT_FIELDS = frozenset(f.name for f in dataclasses.fields(TaskContext))


def _flytekit() -> Any:
    import importlib

    return importlib.import_module("flyte_nb.union._context")
