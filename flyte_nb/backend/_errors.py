"""``BackendError``: a request the backend refuses, and the HTTP status it maps to.

A module of its own, because every layer of the backend raises it (the service, gates,
apps, schedules) and the HTTP routes catch it, while only the service needs SQLAlchemy and
the event loop: a route module or a small backend helper imports this without loading
``_service``.
"""

from __future__ import annotations

__all__ = ["BackendError"]


class BackendError(Exception):
    """A request the backend cannot accept; ``status`` is the HTTP status it maps to, and
    ``code`` the short machine-readable reason the API's error body carries."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
