"""Where a ``Run`` handle reads its records: this machine's database, or a backend.

Both sources return the same shapes (``store/_shapes.py``), so ``Run`` and ``Action`` are
written once. Without ``fl.init()`` the handles read the local database directly (fast,
no server needed); after it they ask the backend, which also sees the kernel's local runs
when it shares the home folder.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol

from .. import _config
from ..store import flush_all
from ..store._blobs import BlobStore
from ..store._shapes import action_view, doc_view, run_view, tree_view
from ..types import decode_values
from ..types._values import decode_value

if TYPE_CHECKING:
    from types import ModuleType

    from ..client import BackendClient


class Source(Protocol):
    def run(self, name: str) -> dict[str, Any] | None: ...
    def runs(self, **filters: Any) -> list[dict[str, Any]]: ...
    def wait(self, name: str, timeout: float) -> dict[str, Any] | None: ...
    def abort(self, name: str, reason: str | None) -> dict[str, Any] | None: ...
    def actions(self, run: str, summary: bool = False) -> list[dict[str, Any]]: ...
    def tree(self, run: str, max_children: int) -> dict[str, Any]: ...
    def values(self, run: str, action: str | None, which: str) -> dict[str, Any]: ...
    def decode(self, encoded: dict[str, Any]) -> dict[str, Any]: ...
    def logs(self, run: str, action: str | None) -> str: ...
    def blob(self, digest: str) -> bytes: ...
    def docs(
        self, run: str, action: str | None = None, attempt: int | None = None
    ) -> list[dict[str, Any]]: ...
    def doc_html(self, run: str, action: str, attempt: int, kind: str, name: str) -> str: ...
    def where(self) -> str: ...


def default_source() -> Source:
    from ..client import current

    session = current()
    if session is not None:
        return RemoteSource(session.client)
    return LocalSource()


class LocalSource:
    """The database under this machine's home folder, read through SQLAlchemy."""

    def _reader(self) -> ModuleType:
        """Imported on first read: SQLAlchemy costs ~0.36 s to import."""
        from ..store import _reader

        flush_all()
        return _reader

    def where(self) -> str:
        return str(_config.database_path())

    def _run_row(self, name: str) -> dict[str, Any] | None:
        return self._reader().get_run(_config.database_path(), name)

    def run(self, name: str) -> dict[str, Any] | None:
        row = self._run_row(name)
        return run_view(row) if row is not None else None

    def runs(self, **filters: Any) -> list[dict[str, Any]]:
        rows = self._reader().list_runs(
            _config.database_path(),
            phase=filters.get("phase"),
            task_name=filters.get("task_name"),
            limit=filters.get("limit", 100),
        )
        return [run_view(r) for r in rows]

    def wait(self, name: str, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while True:
            view = self.run(name)
            if view is None or view["phase"] not in ("QUEUED", "RUNNING"):
                return view
            if time.monotonic() >= deadline:
                return view
            time.sleep(0.1)

    def abort(self, name: str, reason: str | None) -> dict[str, Any] | None:
        return self.run(name)  # a local run belongs to its kernel: interrupt it there

    def tree(self, run: str, max_children: int) -> dict[str, Any]:
        return tree_view(self._reader().list_actions(_config.database_path(), run), max_children)

    def actions(self, run: str, summary: bool = False) -> list[dict[str, Any]]:
        rows = self._reader().list_actions(_config.database_path(), run)
        self._rows = {r["name"]: r for r in rows}
        return [action_view(r) for r in rows]

    def values(self, run: str, action: str | None, which: str) -> dict[str, Any]:
        if action is None:
            row = self._run_row(run)
        else:
            row = self._reader().get_action(_config.database_path(), run, action)
        return decode_values(row[which] if row else None, self.blob)

    def decode(self, encoded: dict[str, Any]) -> dict[str, Any]:
        return {k: decode_value(v, self.blob) for k, v in encoded.items()}

    def logs(self, run: str, action: str | None) -> str:
        rows = self._reader().list_logs(_config.database_path(), run, action)
        return "".join(r["text"] for r in rows)

    def blob(self, digest: str) -> bytes:
        return BlobStore(_config.blob_dir()).get(digest)

    def docs(
        self, run: str, action: str | None = None, attempt: int | None = None
    ) -> list[dict[str, Any]]:
        rows = self._reader().list_docs(_config.database_path(), run, action, attempt)
        return [doc_view(r) for r in rows]

    def doc_html(self, run: str, action: str, attempt: int, kind: str, name: str) -> str:
        row = self._reader().get_doc(_config.database_path(), run, action, kind, name, attempt)
        if row is None:
            raise _no_doc(run, action, attempt, kind, name)
        return self.blob(row["digest"]).decode("utf-8", errors="replace")


class RemoteSource:
    """A backend, over HTTP."""

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    def where(self) -> str:
        return self.client.endpoint

    def run(self, name: str) -> dict[str, Any] | None:
        from ..exceptions import RunNotFoundError

        try:
            return self.client.get_run(name)
        except RunNotFoundError:
            return None

    def runs(self, **filters: Any) -> list[dict[str, Any]]:
        params = {
            "phase": filters.get("phase"),
            "task": filters.get("task_name"),
            "limit": filters.get("limit", 100),
            "project": filters.get("project"),
            "domain": filters.get("domain"),
            "q": filters.get("text"),
            "sort": filters.get("sort"),
            "offset": filters.get("offset"),
        }
        return self.client.list_runs(**params)["items"]

    def wait(self, name: str, timeout: float) -> dict[str, Any] | None:
        # The outputs of a run that succeeded come with the answer: no second request.
        return self.client.wait_run(name, min(timeout, 60.0), outputs=True)

    def abort(self, name: str, reason: str | None) -> dict[str, Any] | None:
        return self.client.abort_run(name, reason)

    def actions(self, run: str, summary: bool = False) -> list[dict[str, Any]]:
        return self.client.actions(run, summary)

    def tree(self, run: str, max_children: int) -> dict[str, Any]:
        return self.client.tree(run, max_children)

    def values(self, run: str, action: str | None, which: str) -> dict[str, Any]:
        if action is None:
            encoded = self.client.run_values(run, which)
        else:
            encoded = self.client.action_values(run, action, which)
        return self.decode(encoded)

    def decode(self, encoded: dict[str, Any]) -> dict[str, Any]:
        return {k: decode_value(v, self.blob) for k, v in encoded.items()}

    def logs(self, run: str, action: str | None) -> str:
        text: list[str] = []
        after = 0
        while True:
            rows = self.client.logs(run, action, after)
            if not rows:
                return "".join(text)
            text.extend(r["text"] for r in rows)
            after = rows[-1]["id"]

    def blob(self, digest: str) -> bytes:
        return self.client.get_blob(digest)

    def docs(
        self, run: str, action: str | None = None, attempt: int | None = None
    ) -> list[dict[str, Any]]:
        return self.client.docs(run, action, attempt)

    def doc_html(self, run: str, action: str, attempt: int, kind: str, name: str) -> str:
        return str(self.client.doc(run, action, kind, name, attempt)["html"])


def _no_doc(run: str, action: str, attempt: int, kind: str, name: str) -> Exception:
    from ..exceptions import RunNotFoundError

    return RunNotFoundError(
        f"action {action!r} of run {run!r} has no {kind} named {name!r} in attempt {attempt}"
    )
