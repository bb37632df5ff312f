"""The errors flyte_nb raises, and the ones users catch.

Design: every error we raise for a user's mistake derives from ``FlyteNbException`` *and*
from the builtin a Python user would reach for first (``ValueError``, ``TypeError``,
``TimeoutError``, ``LookupError``), so ``except ValueError`` keeps working in code that
never heard of flyte_nb. Messages name the task, the argument and the fix, because the user
sees the message, not our internals (the engine trims our frames from tracebacks).

The three flytekit names (``FlyteValidationException``, ``FlyteValueException``,
``FlyteMissingReturnValueException``) and ``FlyteError`` keep flytekit's meaning so code
pasted from the Union SDK catches what it expects.
"""

from __future__ import annotations

from . import errors as _errors

__all__ = [
    "ActionAbortedError",
    "ActionFailedError",
    "ActionTimeoutError",
    "AppFailedError",
    "ArtifactNotFoundError",
    "BackendAuthError",
    "BackendUnavailableError",
    "BundleError",
    "BundleTooLargeError",
    "BundleVersionMismatchError",
    "FlyteError",
    "FlyteFailureNodeInputMismatchException",
    "FlyteMissingReturnValueException",
    "FlyteMissingTypeException",
    "FlyteNbException",
    "FlyteTypeException",
    "FlyteValidationException",
    "FlyteValueException",
    "NotAvailableHereError",
    "NotInTaskContextError",
    "RunFailedError",
    "RunNotFoundError",
    "SecretNotFoundError",
    "TaskNameClashError",
    "UnpicklableCaptureError",
]


class FlyteNbException(Exception):
    """Base of every error flyte_nb raises on its own account."""


class FlyteValidationException(FlyteNbException, ValueError, AssertionError):
    """A definition or a call that cannot be accepted as written (fix the code, then rerun).

    Also an ``AssertionError``: flytekit's ``FlyteValidationException`` is one (it derives
    from ``FlyteAssertion``), and flytekit code and tests catch it as such."""


class FlyteFailureNodeInputMismatchException(FlyteValidationException):
    """A workflow's ``on_failure`` handler does not take the workflow's inputs (flytekit's
    name): it must accept every workflow input, and any extra input must be optional."""


class FlyteMissingTypeException(FlyteValidationException, TypeError):
    """A task or workflow parameter has no annotation and ``pickle_untyped`` is off
    (flytekit's name)."""


class FlyteTypeException(FlyteValidationException, TypeError):
    """A value whose type does not match the annotation it is bound to."""


class FlyteValueException(FlyteValidationException):
    """A value that has the right type but cannot be used (flytekit's name and signature)."""

    def __init__(self, received_value: object, error_message: str) -> None:
        super().__init__(f"Value error!  Received: {received_value}. {error_message}")
        self.received_value = received_value


class FlyteMissingReturnValueException(FlyteValidationException):
    """A task or workflow declared an output but returned nothing."""


class TaskNameClashError(FlyteValidationException):
    """Two different functions claim the same task name in one environment."""


class ActionTimeoutError(FlyteNbException, _errors.TaskTimeoutError, TimeoutError):
    """An action ran longer than its ``timeout``; it was cancelled.

    Also Flyte 2's ``flyte.errors.TaskTimeoutError`` (code ``"TaskTimeoutError"``) and the
    builtin ``TimeoutError``, so every style of ``except`` catches it.
    """


class ActionAbortedError(FlyteNbException, _errors.ActionAbortedError):
    """An action or run was aborted before it finished (also ``flyte.errors``' class)."""


class ActionFailedError(FlyteNbException, RuntimeError):
    """A child action failed on the backend and its own exception could not be rebuilt here
    (it was not picklable, or the worker running it died); the message keeps the original
    type, message and traceback."""

    def __init__(self, message: str, error_type: str = "Error", traceback: str = "") -> None:
        super().__init__(message + (f"\n\n{traceback}" if traceback else ""))
        self.error_type = error_type
        self.traceback = traceback


class BackendUnavailableError(FlyteNbException, ConnectionError):
    """The backend did not answer; the message says how to start it."""


class BackendAuthError(FlyteNbException, PermissionError):
    """The backend refused the token (wrong token file, or another server's)."""


class RunNotFoundError(FlyteNbException, LookupError):
    """No recorded run has the requested name."""


class ArtifactNotFoundError(FlyteNbException, LookupError):
    """No artifact version matches a query, a name or a URI."""


class SecretNotFoundError(FlyteNbException, LookupError):
    """A task asks for a secret that is not set; raised before the task body starts."""


class AppFailedError(FlyteNbException, RuntimeError):
    """A deployed app went FAILED (or STOPPED) while someone waited for it to be ACTIVE; the
    message carries the supervisor's reason."""


class NotInTaskContextError(FlyteNbException, _errors.NotInTaskContextError):
    """A task-only API (``current_context()``, ``group``) was used outside a running task
    (also ``flyte.errors``' class, a ``RuntimeError``)."""


class NotAvailableHereError(FlyteNbException, NotImplementedError):
    """A seed API that only a hosted Union/Flyte service gives meaning to (gRPC channels,
    service clients, protobuf IDL, Kubernetes pods, API keys). The message says why and what
    to use with flyte_nb instead (``flyte_nb._unavailable`` marks such methods)."""


class FlyteError:
    """The error a failed node hands to a workflow's ``on_failure`` handler (flytekit's shape).

    It is a value, not an exception: workflows pass it as an input to clean-up tasks.
    """

    __slots__ = ("failed_node_id", "message")

    def __init__(self, message: str, failed_node_id: str) -> None:
        self.message = message
        self.failed_node_id = failed_node_id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FlyteError):
            return NotImplemented
        return (self.message, self.failed_node_id) == (other.message, other.failed_node_id)

    def __hash__(self) -> int:
        return hash((self.message, self.failed_node_id))

    def __repr__(self) -> str:
        return f"FlyteError(message={self.message!r}, failed_node_id={self.failed_node_id!r})"


class RunFailedError(FlyteNbException, _errors.RuntimeUserError):
    """A recorded run failed; raised by ``Run.outputs()`` when the original exception object
    is not available (the run was found in the records, not started by this call). Also Flyte
    2's ``RuntimeUserError``, whose ``code`` is the recorded error type."""

    def __init__(self, run_name: str, error_type: str, message: str, traceback: str = "") -> None:
        _errors.RuntimeUserError.__init__(
            self,
            error_type,
            f"Run {run_name!r} failed with {error_type}: {message}"
            + (f"\n\n{traceback}" if traceback else ""),
        )
        self.run_name = run_name
        self.error_type = error_type
        self.error_message = message
        self.traceback = traceback


class BundleError(FlyteNbException):
    """A task's code could not be packed for, or loaded in, a worker process."""


class BundleTooLargeError(BundleError):
    """A task's code bundle, with the globals it captures, is over the size limit."""


class UnpicklableCaptureError(BundleError, TypeError):
    """A task captures a value (a lock, an open file, a socket...) that cannot leave its process.

    Also a ``TypeError``: that is what ``pickle`` raises for the same problem.
    """


class BundleVersionMismatchError(BundleError):
    """A bundle was packed by another Python, cloudpickle or library version than the loader's."""
