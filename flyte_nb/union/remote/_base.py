"""What every part of ``UnionRemote`` stands on: the session it talks through, scoping by
project and domain, and turning run views into executions.

A ``UnionRemote`` is a view of the kernel's ``fl.init()`` session, not a connection of its
own: each call asks for the current session (opening one, as ``fl.run`` does, when there is
none), so ``fl.remote.Run`` handles, ``fl.run`` and every ``UnionRemote`` always talk to the
same backend, and a later ``fl.init()`` redirects them all at once. ``project``/``domain``
default to the remote's ``default_project``/``default_domain``, else the session's.

Each concept of the remote (executions, tasks, launch plans, ...) is a class deriving from
``RemoteBase``; ``UnionRemote`` (``_remote.py``) is all of them together. A part that calls
another part's method reaches it through ``as_remote(self)``, typed as the whole remote.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ...remote._handles import Run
from ._args import arg, invalid
from ._models import UnionExecution

if TYPE_CHECKING:
    from ...client import BackendClient, Session
    from ._remote import UnionRemote

__all__ = ["RemoteBase", "as_remote"]


def as_remote(part: object) -> UnionRemote:
    """The ``UnionRemote`` a part is mixed into, typed as one: every part of the remote is
    only ever used as a base class of ``UnionRemote``."""
    return part  # type: ignore[return-value]


class RemoteBase:
    """The session behind every call of a ``UnionRemote``, and the helpers all parts share
    (the constructor's arguments: ``UnionRemote``'s docstring)."""

    def __init__(
        self,
        config: str | None = None,
        default_project: str | None = None,
        default_domain: str | None = None,
        data_upload_location: str | None = None,
        interactive_mode_enabled: bool | None = None,
        **kwargs: Any,
    ) -> None:
        from ...client import connect, current

        m = "__init__"
        endpoint, token = kwargs.pop("endpoint", None), kwargs.pop("token", None)
        if kwargs:
            raise invalid(
                m,
                f"unexpected arguments {sorted(kwargs)}: Union's gRPC client "
                "options have no meaning here; pass endpoint= and token=",
            )
        if config is not None and endpoint is not None:
            raise invalid(m, "pass the endpoint once: config=<url> or endpoint=<url>")
        endpoint = arg(m, "config" if config else "endpoint", config or endpoint, "url")
        if arg(m, "token", token, "str") is not None and endpoint is None:
            raise invalid(
                m,
                "token= goes with endpoint=<url>; without one the remote uses this "
                "kernel's fl.init() backend, which needs no token",
            )
        arg(m, "data_upload_location", data_upload_location, "str")
        self._project: str | None = arg(m, "default_project", default_project, "scope")
        self._domain: str | None = arg(m, "default_domain", default_domain, "scope")
        self.interactive_mode_enabled = arg(
            m, "interactive_mode_enabled", interactive_mode_enabled, "bool"
        )
        session = current()
        if endpoint is not None and (session is None or session.endpoint != endpoint.rstrip("/")):
            connect(endpoint, token=token)
        elif session is None:
            connect()

    def _session(self, project: str | None = None, domain: str | None = None) -> Session:
        from ...client import connect, current

        session = current() or connect()
        changes: dict[str, Any] = {
            "project": project or self._project or session.project,
            "domain": domain or self._domain or session.domain,
        }
        if self.interactive_mode_enabled is not None:
            changes["interactive_mode"] = self.interactive_mode_enabled
        return dataclasses.replace(session, **changes)

    def _scoped(self, method: str, project: Any, domain: Any, home: Any = None) -> Session:
        """The session with ``project``/``domain`` checked and applied (``home``: defaults)."""
        return self._session(
            arg(method, "project", project, "scope", home and home.project),
            arg(method, "domain", domain, "scope", home and home.domain),
        )

    @property
    def interactive_mode_enabled(self) -> bool | None:
        """Whether tasks travel by value (pickled) when registered; None: decided per task."""
        return self._interactive_mode_enabled

    @interactive_mode_enabled.setter
    def interactive_mode_enabled(self, value: bool | None) -> None:
        self._interactive_mode_enabled = value

    @property
    def client(self) -> BackendClient:
        """The backend's HTTP client, for calls this class does not wrap."""
        return self._session().client

    @property
    def endpoint(self) -> str:
        return self._session().endpoint

    @property
    def default_project(self) -> str:
        return self._session().project

    @property
    def default_domain(self) -> str:
        return self._session().domain

    @contextmanager
    def remote_context(self) -> Iterator[UnionRemote]:
        """The seed's remote-specific context: nothing needs setting up here; yields self."""
        yield as_remote(self)

    def _execution(self, method: str, execution: Any) -> UnionExecution:
        if isinstance(execution, UnionExecution):
            return execution
        if isinstance(execution, Run):
            return as_remote(self).fetch_execution(
                execution.project, execution.domain, execution.name
            )
        raise invalid(
            method,
            "execution must be what execute() or fetch_execution() returned "
            f"(or a fl.remote.Run), got {execution!r}",
        )

    @staticmethod
    def _wrap(view: dict[str, Any], client: BackendClient) -> UnionExecution:
        from ...remote._sources import RemoteSource

        source = RemoteSource(client)
        return UnionExecution(Run(view, source=source), source)

    def __repr__(self) -> str:
        return f"UnionRemote(project={self.default_project!r}, domain={self.default_domain!r})"
