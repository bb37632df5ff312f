"""The SDK's side of the backend: the HTTP client, the session ``fl.init`` opens, and run
submission. It speaks to the backend only through the HTTP API."""

from ._http import BackendClient
from ._session import Session, connect, current, disconnect
from ._submit import submit_run

__all__ = ["BackendClient", "Session", "connect", "current", "disconnect", "submit_run"]
