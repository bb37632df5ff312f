"""Flyte 2's error classes (``flyte.errors``), and how a failed task reaches its caller.

    import flyte_nb as flyte

    try:
        await child(x)
    except flyte.errors.RuntimeUserError as e:   # Flyte 2 style
        if e.code == "ValueError": ...
    except ValueError: ...                         # plain Python style: works too

Design: when a task fails, the exception its caller (a parent task, ``fl.run``,
``run.outputs()``) receives is *both* the task's own exception type and
``RuntimeUserError``: an instance of a class derived from the two, named like the original
(see ``_mark.py`` for why a real subclass and not ``ABC.register``). ``e.code`` is the original
type's name (unless the exception has its own ``code`` attribute, which is kept), ``e.kind``
is ``"user"``. This holds in the kernel and on a backend, where the exception is pickled in
the worker and rebuilt, then marked, in the parent's worker or the kernel. Errors that are
already Flyte errors (``NonRecoverableError``, ``TaskTimeoutError``...) pass unchanged; a
timeout is a ``TaskTimeoutError`` (and still ``flyte_nb.exceptions.ActionTimeoutError`` and
``TimeoutError``); a worker that died is a ``RuntimeSystemError`` with code ``"WorkerDied"``.

Raising ``NonRecoverableError`` in a task fails its action at once, whatever retries are
left. The classes pickle by state so they survive the trip between processes.
"""

from __future__ import annotations

from ._classes import (
    ActionAbortedError,
    ActionNotFoundError,
    BaseRuntimeError,
    CodeBundleError,
    ConditionAlreadyExistsError,
    ConditionFailedError,
    ConditionNotFoundError,
    ConditionTimedoutError,
    CustomError,
    DeploymentError,
    ErrorKind,
    ImageBuildError,
    ImagePullBackOffError,
    InitializationError,
    InlineIOMaxBytesBreached,
    InvalidImageNameError,
    InvalidPackageError,
    LogsNotYetAvailableError,
    ModuleLoadError,
    NonRecoverableError,
    NotInTaskContextError,
    OnlyAsyncIOSupportedError,
    OOMError,
    ParameterMaterializationError,
    PrimaryContainerNotFoundError,
    ReferenceTaskError,
    RemoteTaskNotFoundError,
    RemoteTaskUsageError,
    RestrictedTypeError,
    RetriesExhaustedError,
    RuntimeDataValidationError,
    RuntimeSystemError,
    RuntimeUnknownError,
    RuntimeUserError,
    SlowDownError,
    TaskInterruptedError,
    TaskTimeoutError,
    TraceDoesNotAllowNestedTasksError,
    UnionRpcError,
    silence_polling_error,
)

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

# Tracebacks and reprs name the public module (``flyte_nb.errors.NonRecoverableError``), which
# is also where pickle finds the classes.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = __name__
del _name, _obj
