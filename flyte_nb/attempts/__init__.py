"""The attempt policy shared by the kernel's engine and the backend (see ``_policy``).

A package of its own, below ``engine`` and ``backend``, because both call it and a backend
worker must import it cheaply: plain functions over plain values, nothing else.
"""

from ._policy import (
    MAX_BACKOFF,
    ErrorLike,
    FailurePhase,
    backoff_delay,
    cache_identity,
    failure_phase,
    free_attempts,
    reads_cache,
    recoverable,
    retry_after,
    timeout_message,
    unrecoverable,
    writer_key,
)

__all__ = [
    "MAX_BACKOFF",
    "ErrorLike",
    "FailurePhase",
    "backoff_delay",
    "cache_identity",
    "failure_phase",
    "free_attempts",
    "reads_cache",
    "recoverable",
    "retry_after",
    "timeout_message",
    "unrecoverable",
    "writer_key",
]
