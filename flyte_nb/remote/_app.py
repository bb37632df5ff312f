"""``App``: a handle on a deployed app, as Flyte 2's ``flyte.remote.App``.

    app = fl.remote.App.get("model-api")
    app.watch("activated")          # blocks until ACTIVE; AppFailedError if it FAILED
    app.endpoint                     # "http://127.0.0.1:8081"
    app.parameters[0]["run"]         # the run its RunOutput resolved to

Design decisions:

* A snapshot of the backend's record plus the client it came from, refreshed on demand,
  like ``Run``. Apps live in a backend, so every call goes through the kernel's
  ``fl.init()`` session (starting this machine's backend, as ``UnionRemote`` does).
* ``watch(wait_for)`` follows Flyte: it returns once the app is ACTIVE ("activated") or
  STOPPED ("deactivated"), and raises ``AppFailedError`` (a ``RuntimeError``) with the
  supervisor's reason if it FAILED instead. It polls the record every 0.1 s: the state
  changes a handful of times per deployment, and polling needs no open stream.
* ``activate`` deploys the recorded spec again (a new revision, RunOutputs resolved
  afresh), ``deactivate`` stops it; both wait by default.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..exceptions import AppFailedError, FlyteValidationException

if TYPE_CHECKING:
    from ..client import BackendClient, Session
    from ..wire import AppView

STATES = ("PENDING", "DEPLOYING", "ACTIVE", "FAILED", "STOPPED")
_WAIT_FOR = {"activated": "ACTIVE", "deactivated": "STOPPED"}


def _session() -> Session:
    from ..client import connect, current

    return current() or connect()


def _text(method: str, what: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise FlyteValidationException(
            f"App.{method}: {what} must be a non-empty str, got {value!r}"
        )
    return value


class App:
    """A deployed app: its state, endpoint, parameters and logs."""

    def __init__(self, view: AppView, client: BackendClient) -> None:
        self._client = client
        self._load(view)

    def _load(self, view: AppView) -> None:
        self._view = view
        self.name: str = view["name"]
        self.project: str = view["project"]
        self.domain: str = view["domain"]
        self.revision: int = view["revision"]
        self.state: str = view["state"]
        self.reason: str | None = view["reason"]
        self.desired_state: str = view["desired_state"]
        self.version: str | None = view["version"]
        self.port: int = view["port"]
        self.endpoint: str = view["endpoint"]
        self.pid: int | None = view["pid"]
        self.restarts: int = view["restarts"]
        self.parameters: list[dict[str, Any]] = view["parameters"]
        self.spec: dict[str, Any] = view["spec"]

    # -- finding apps --------------------------------------------------------------------
    @classmethod
    def get(cls, name: str, project: str | None = None, domain: str | None = None) -> App:
        """The app ``name`` in ``project``/``domain`` (default: the session's)."""
        session = _session()
        view = session.client.get_app(
            _text("get", "project", project or session.project),
            _text("get", "domain", domain or session.domain),
            _text("get", "name", name),
        )
        return cls(view, session.client)

    @classmethod
    def listall(
        cls,
        created_by_subject: str | None = None,
        sort_by: Any = None,
        limit: int = 100,
        *,
        project: str | None = None,
        domain: str | None = None,
        state: str | None = None,
    ) -> list[App]:
        """Apps, most recently deployed first (of every project unless one is given)."""
        if created_by_subject is not None or sort_by is not None:
            raise FlyteValidationException(
                "App.listall: created_by_subject and sort_by have no meaning on the flyte_nb "
                "backend (one user; apps come newest first); leave them out"
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise FlyteValidationException(
                f"App.listall: limit must be an int from 1 to 1000, got {limit!r}"
            )
        if state is not None and state not in STATES:
            raise FlyteValidationException(
                f"App.listall: state must be one of {list(STATES)}, got {state!r}"
            )
        session = _session()
        items = session.client.list_apps(project=project, domain=domain, state=state, limit=limit)
        return [cls(v, session.client) for v in items]

    # -- state ---------------------------------------------------------------------------
    @property
    def deployment_status(self) -> str:
        return self.state

    @property
    def url(self) -> str:
        return self.endpoint

    def refresh(self) -> App:
        self._load(self._client.get_app(self.project, self.domain, self.name))
        return self

    def is_active(self) -> bool:
        return self.state == "ACTIVE"

    def is_deactivated(self) -> bool:
        return self.state == "STOPPED"

    def watch(self, wait_for: str = "activated", timeout: float | None = None) -> App:
        """Block until the app is ACTIVE (``"activated"``) or STOPPED (``"deactivated"``);
        ``AppFailedError`` with the reason if it FAILED, ``TimeoutError`` after ``timeout``."""
        target = _WAIT_FOR.get(wait_for) if isinstance(wait_for, str) else None
        if target is None:
            raise FlyteValidationException(
                f"App.watch: wait_for must be 'activated' or 'deactivated', got {wait_for!r}"
            )
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0
        ):
            raise FlyteValidationException(
                f"App.watch: timeout must be seconds > 0 or None, got {timeout!r}"
            )
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.state == target:
                return self
            if self.state == "FAILED" or (target == "ACTIVE" and self.state == "STOPPED"):
                raise AppFailedError(
                    f"app {self.name!r} ({self.project}/{self.domain}) is {self.state}: "
                    f"{self.reason or 'no reason recorded'}"
                )
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(
                    f"app {self.name!r} is still {self.state} after {timeout} s"
                    + (f" ({self.reason})" if self.reason else "")
                )
            time.sleep(0.1)
            self.refresh()

    def activate(self, wait: bool = True) -> App:
        """Deploy the recorded spec again (RunOutputs resolve afresh); wait for ACTIVE."""
        self._load(self._client.redeploy_app(self.project, self.domain, self.name))
        return self.watch("activated") if wait else self

    def deactivate(self, wait: bool = True) -> App:
        """Stop the app (it stays stopped, across backend restarts too)."""
        self._load(self._client.stop_app(self.project, self.domain, self.name))
        return self.watch("deactivated") if wait else self

    def logs(self, revision: int | None = None) -> str:
        """The app's captured stdout/stderr (the kept lines of ``revision``, or all)."""
        lines: list[str] = []
        after = 0
        while True:
            items = self._client.app_logs(
                self.project, self.domain, self.name, after=after, limit=10_000, revision=revision
            )
            if not items:
                return "".join(lines)
            lines.extend(item["text"] for item in items)
            after = items[-1]["id"]

    def to_dict(self) -> dict[str, Any]:
        return dict(self._view)

    def __repr__(self) -> str:
        reason = f", reason={self.reason!r}" if self.reason and self.state != "ACTIVE" else ""
        return (
            f"App(name={self.name!r}, state={self.state}, endpoint={self.endpoint!r}, "
            f"revision={self.revision}{reason})"
        )
