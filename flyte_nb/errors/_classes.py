"""Flyte 2's error classes, under the names and constructors Flyte 2 programs use.

Every class derives from ``BaseRuntimeError`` (a ``RuntimeError``) and carries ``code`` (what
went wrong, usually the original exception's type name), ``kind`` (``"user"``, ``"system"`` or
``"unknown"``) and ``worker``. Unlike Flyte 2's, these pickle by state rather than by
constructor arguments, because they cross process boundaries here (worker -> backend ->
parent worker -> kernel) and most constructors do not take their own ``args`` back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeAlias

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "ActionAbortedError",
    "ActionNotFoundError",
    "BaseRuntimeError",
    "CodeBundleError",
    "ConditionAlreadyExistsError",
    "ConditionFailedError",
    "ConditionNotFoundError",
    "ConditionTimedoutError",
    "CustomError",
    "DeploymentError",
    "ErrorKind",
    "ImageBuildError",
    "ImagePullBackOffError",
    "InitializationError",
    "InlineIOMaxBytesBreached",
    "InvalidImageNameError",
    "InvalidPackageError",
    "LogsNotYetAvailableError",
    "ModuleLoadError",
    "NonRecoverableError",
    "NotInTaskContextError",
    "OOMError",
    "OnlyAsyncIOSupportedError",
    "ParameterMaterializationError",
    "PrimaryContainerNotFoundError",
    "ReferenceTaskError",
    "RemoteTaskNotFoundError",
    "RemoteTaskUsageError",
    "RestrictedTypeError",
    "RetriesExhaustedError",
    "RuntimeDataValidationError",
    "RuntimeSystemError",
    "RuntimeUnknownError",
    "RuntimeUserError",
    "SlowDownError",
    "TaskInterruptedError",
    "TaskTimeoutError",
    "TraceDoesNotAllowNestedTasksError",
    "UnionRpcError",
    "silence_polling_error",
]

ErrorKind: TypeAlias = Literal["system", "unknown", "user"]


def silence_polling_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """An event-loop exception handler that drops ``BlockingIOError`` noise from polling."""
    if isinstance(context.get("exception"), BlockingIOError):
        return
    loop.default_exception_handler(context)


_HEAPTYPE = 1 << 9


def new_exception(cls: type[BaseException], args: tuple[Any, ...]) -> Any:
    """An instance of ``cls`` with ``args``, without calling any ``__init__``.

    The builtin ``__new__`` must be the one of the class's C layout (``OSError``'s for a
    ``TimeoutError`` mix-in); ``cls.__new__`` may resolve to a narrower one in a mixed MRO,
    which Python refuses, so the builtin bases are tried in MRO order.
    """
    error: TypeError | None = None
    for base in cls.__mro__:
        if base.__flags__ & _HEAPTYPE:
            continue
        try:
            return base.__new__(cls, *args)
        except TypeError as exc:
            error = exc
    raise error or TypeError(f"cannot create {cls!r}")


def _restore(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Unpickle without calling ``__init__`` (whose signature rarely matches ``args``)."""
    exc = new_exception(cls, args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class BaseRuntimeError(RuntimeError):
    """Base of the errors a failed task raises in its caller (Flyte 2's hierarchy)."""

    def __init__(
        self, code: str, kind: ErrorKind, root_cause_message: str, worker: str | None = None
    ) -> None:
        super().__init__(root_cause_message)
        self.code = code
        self.kind = kind
        self.worker = worker

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self.args, dict(self.__dict__)))

    def _reraise(self, *_args: object) -> NoReturn:
        # ``flyte.map(..., return_exceptions=True)`` hands errors back as values; ``sum()``
        # over them should surface the task's error, not a puzzling TypeError.
        raise self

    __add__ = __radd__ = __sub__ = __rsub__ = _reraise
    __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _reraise
    __floordiv__ = __rfloordiv__ = _reraise


class InitializationError(BaseRuntimeError):
    """Something needed ``flyte.init()`` first."""


class RuntimeSystemError(BaseRuntimeError):
    """The platform failed (a worker died, a record could not be read), not the user's code."""

    def __init__(self, code: str, message: str, worker: str | None = None) -> None:
        super().__init__(code, "system", message, worker)


class UnionRpcError(RuntimeSystemError):
    """Talking to the backend failed."""


class RuntimeUserError(BaseRuntimeError):
    """The user's code failed; ``code`` is the original exception's type name."""

    def __init__(self, code: str, message: str, worker: str | None = None) -> None:
        super().__init__(code, "user", message, worker)


class RuntimeUnknownError(BaseRuntimeError):
    """A failure whose cause could not be classified."""

    def __init__(self, code: str, message: str, worker: str | None = None) -> None:
        super().__init__(code, "unknown", message, worker)


class OOMError(RuntimeUserError):
    """The task ran out of memory."""


class TaskInterruptedError(RuntimeUserError):
    """The task was interrupted."""


class PrimaryContainerNotFoundError(RuntimeUserError):
    """The task's primary container was not found."""


class RetriesExhaustedError(RuntimeUserError):
    """Every attempt the task's retries allowed failed."""


class InvalidImageNameError(RuntimeUserError):
    """The task's image name is not valid."""


class ImagePullBackOffError(RuntimeUserError):
    """The task's image could not be pulled."""


class ReferenceTaskError(RuntimeUserError):
    """A reference (remote) task could not be resolved or called."""


class _Coded(RuntimeUserError):
    """A user error whose code is fixed by its class (Flyte 2 passes only a message)."""

    CODE = "RuntimeUserError"

    def __init__(self, message: str) -> None:
        super().__init__(self.CODE, message, "user")


class TaskTimeoutError(_Coded):
    """The task ran longer than its ``timeout`` (``max_runtime``)."""

    CODE = "TaskTimeoutError"


class ConditionTimedoutError(_Coded):
    """A condition was not signalled within its timeout."""

    CODE = "ConditionTimedoutError"


class CustomError(RuntimeUserError):
    """A user error with a code of the user's choosing."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, "user")

    @classmethod
    def from_exception(cls, e: Exception) -> CustomError:
        """Wrap ``e``: its type name becomes the code, and it stays the ``__cause__``."""
        if not isinstance(e, BaseException):
            raise TypeError(f"CustomError.from_exception needs an exception, got {e!r}")
        new = cls(type(e).__name__, str(e))
        new.__cause__ = e
        return new


class NotInTaskContextError(_Coded):
    """A task-only API was used outside a running task."""

    CODE = "NotInTaskContextError"


class ActionNotFoundError(RuntimeError):
    """No action has the requested name."""


class RemoteTaskNotFoundError(_Coded):
    """No remote task has the requested name."""

    CODE = "RemoteTaskNotFoundError"


class RemoteTaskUsageError(_Coded):
    """A remote task was used in a way it does not support."""

    CODE = "RemoteTaskUsageError"


class LogsNotYetAvailableError(BaseRuntimeError):
    """The action's logs are not available yet."""

    def __init__(self, message: str) -> None:
        super().__init__("LogsNotYetAvailable", "system", message, None)


class RuntimeDataValidationError(RuntimeUserError):
    """An input or output could not be serialized or deserialized."""

    def __init__(self, var: str, e: Exception | str, task_name: str = "") -> None:
        super().__init__(
            "DataValidationError",
            f"In task {task_name} variable {var}, failed to serialize/deserialize because of {e}",
        )


class DeploymentError(_Coded):
    """A deployment failed or its preconditions were not met."""

    CODE = "DeploymentError"


class ImageBuildError(_Coded):
    """An image build failed."""

    CODE = "ImageBuildError"


class ModuleLoadError(_Coded):
    """A module could not be loaded."""

    CODE = "ModuleLoadError"


class InlineIOMaxBytesBreached(_Coded):
    """An inline input or output is over its size limit."""

    CODE = "InlineIOMaxBytesBreached"


class ActionAbortedError(_Coded):
    """The action was aborted from outside; its parent raises this."""

    CODE = "ActionAbortedError"


class SlowDownError(_Coded):
    """The backend asks the client to slow down."""

    CODE = "SlowDownError"


class OnlyAsyncIOSupportedError(_Coded):
    """Sync IO was used where only async IO works."""

    CODE = "OnlyAsyncIOSupportedError"


class ParameterMaterializationError(_Coded):
    """An app parameter with delayed materialization could not be materialized."""

    CODE = "ParameterMaterializationError"


class RestrictedTypeError(_Coded):
    """A type that is not supported here was used."""

    CODE = "RestrictedTypeUsage"


class CodeBundleError(_Coded):
    """The code bundle could not be created."""

    CODE = "CodeBundleError"


class TraceDoesNotAllowNestedTasksError(_Coded):
    """A task was called from inside a ``@trace`` function."""

    CODE = "TraceDoesNotAllowNestedTasksError"


class InvalidPackageError(RuntimeUserError):
    """A system package named in an image does not exist."""

    def __init__(self, package_name: str, original_error: str) -> None:
        self.package_name = package_name
        self.original_error = original_error
        super().__init__(
            "InvalidPackageError",
            f"Invalid system package detected: '{package_name}'. This package does not exist "
            f"in apt repositories. Error: {original_error}",
        )


class NonRecoverableError(RuntimeUserError):
    """Raised by a task to say "do not retry": the action fails at once, retries left or not."""

    def __init__(self, message: str, code: str = "NonRecoverableError") -> None:
        super().__init__(code, message)


class ConditionAlreadyExistsError(_Coded):
    """A condition with this name already exists in the action."""

    CODE = "ConditionAlreadyExistsError"


class ConditionFailedError(_Coded):
    """A condition failed."""

    CODE = "ConditionFailedError"


class ConditionNotFoundError(_Coded):
    """No condition has the requested name."""

    CODE = "ConditionNotFoundError"
