"""``UnionRemote.deploy_app`` / ``stop_app``.

Decisions:

* ``deploy_app`` takes a ``flyte_nb.app.AppEnvironment`` (the Union SDK's ``App`` plays
  that part there), sends its spec to the backend and, by default, waits until the app is
  ACTIVE, raising ``AppFailedError`` with the supervisor's reason if it FAILED: a notebook
  cell that deploys should end with a working app or a reason, not a PENDING record.
  ``wait=False`` returns at once. It returns a ``flyte_nb.remote.App``.
* ``version`` is recorded with the deployment and is what ``RunOutput(...,
  task_auto_version="current")`` resolves to inside the app.
* Deploying an app that exists replaces it (a new revision), resolving its RunOutputs
  again: that is how an app picks up a newer run's output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...remote._app import App
from ._args import arg, invalid, required
from ._base import RemoteBase

if TYPE_CHECKING:
    from ...wire import DeployAppBody

__all__ = ["AppMethods"]


class AppMethods(RemoteBase):
    """Part of ``UnionRemote`` (``_remote.py``)."""

    def deploy_app(
        self,
        app: Any,
        project: str | None = None,
        domain: str | None = None,
        *,
        version: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> App:
        """Deploy ``app`` (an ``AppEnvironment``) to the backend, replacing a previous
        deployment of the same name; wait until it is ACTIVE unless ``wait=False``."""
        from ...app import AppEnvironment

        m = "deploy_app"
        if not isinstance(app, AppEnvironment):
            raise invalid(m, f"app must be a flyte_nb.app.AppEnvironment(...), got {app!r}")
        arg(m, "version", version, "str")
        arg(m, "wait", wait, "bool")
        arg(m, "timeout", timeout, "seconds")
        session = self._scoped(m, project, domain)
        body: DeployAppBody = {
            "project": session.project,
            "domain": session.domain,
            "version": version,
            "spec": app.to_spec(),
        }
        deployed = App(session.client.deploy_app(body), session.client)
        return deployed.watch("activated", timeout=timeout) if wait else deployed

    def stop_app(self, name: str, project: str | None = None, domain: str | None = None) -> App:
        """Stop the app ``name``; it stays STOPPED (also across backend restarts) until it
        is deployed again."""
        m = "stop_app"
        name = required(m, "name", name, "str", "stop_app('model-api')")
        session = self._scoped(m, project, domain)
        view = session.client.stop_app(session.project, session.domain, name)
        return App(view, session.client)
