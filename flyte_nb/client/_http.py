"""The backend's HTTP client: one place that knows URLs, auth and the error shape.

Every answer outside 2xx carries ``{"error": {"code", "message"}}``; it becomes the
flyte_nb exception a user would expect (``RunNotFoundError`` for a 404,
``FlyteValidationException`` for a 400, ...), with the server's message, which already
says what to fix. A server that does not answer at all gets ``BackendUnavailableError``
saying how to start one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx

from ..exceptions import (
    BackendAuthError,
    BackendUnavailableError,
    FlyteNbException,
    FlyteValidationException,
    RunNotFoundError,
    SecretNotFoundError,
)


class BackendClient:
    def __init__(self, endpoint: str, token: str, timeout: float = 30.0) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._http = httpx.Client(
            base_url=self.endpoint + "/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )
        self._uploaded: set[str] = set()

    def close(self) -> None:
        self._http.close()

    # -- plumbing ------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise BackendUnavailableError(
                f"the flyte_nb backend at {self.endpoint} did not answer ({exc}); start it "
                "with `flyte-nb server start` or call fl.init() again"
            ) from None
        if response.status_code >= 400 and method != "HEAD":
            raise _error(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()

    # -- runs ----------------------------------------------------------------------------
    def create_run(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.json("POST", "/runs", json=body)

    def get_run(self, name: str) -> dict[str, Any]:
        return self.json("GET", f"/runs/{name}")

    def wait_run(self, name: str, timeout: float) -> dict[str, Any]:
        return self.json(
            "GET", f"/runs/{name}/wait", params={"timeout": timeout}, timeout=timeout + 30
        )

    def list_runs(self, **params: Any) -> dict[str, Any]:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.json("GET", "/runs", params=clean)

    def abort_run(self, name: str, reason: str | None = None) -> dict[str, Any]:
        params = {"reason": reason} if reason else None
        return self.json("POST", f"/runs/{name}/abort", params=params)

    def run_values(self, name: str, which: str) -> dict[str, Any]:
        return self.json("GET", f"/runs/{name}/{which}")["values"]

    def actions(self, run: str, summary: bool = False) -> list[dict[str, Any]]:
        params = {"summary": "true"} if summary else None
        return self.json("GET", f"/runs/{run}/actions", params=params)["items"]

    def tree(self, run: str, max_children: int) -> dict[str, Any]:
        return self.json("GET", f"/runs/{run}/tree", params={"max_children": max_children})

    def action(self, run: str, name: str) -> dict[str, Any]:
        return self.json("GET", f"/runs/{run}/actions/{name}")

    def action_values(self, run: str, name: str, which: str) -> dict[str, Any]:
        data = self.json("GET", f"/runs/{run}/actions/{name}/{which}")
        return data["values"]

    def abort_action(self, run: str, name: str) -> dict[str, Any]:
        return self.json("POST", f"/runs/{run}/actions/{name}/abort")

    def logs(self, run: str, action: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"after": after}
        if action is not None:
            params["action"] = action
        return self.json("GET", f"/runs/{run}/logs", params=params)["items"]

    def docs(
        self, run: str, action: str | None = None, attempt: int | None = None
    ) -> list[dict[str, Any]]:
        """Index entries of decks and reports: of the whole run, or of one action."""
        path = f"/runs/{run}/docs" if action is None else f"/runs/{run}/actions/{action}/docs"
        params = {"attempt": attempt} if attempt is not None else None
        return self.json("GET", path, params=params)["items"]

    def doc(
        self, run: str, action: str, kind: str, name: str, attempt: int | None = None
    ) -> dict[str, Any]:
        """One deck or report: its index entry and ``html``."""
        params = {"attempt": attempt} if attempt is not None else None
        # Names are user text: quote everything, "/" included (the route decodes it).
        path = f"/runs/{run}/actions/{action}/docs/{kind}/{quote(name, safe='')}"
        return self.json("GET", path, params=params)

    def events(self, path: str, **params: Any) -> Iterator[tuple[str, Any]]:
        """Server-sent events as (kind, data) pairs, until the server ends the stream."""
        clean = {k: v for k, v in params.items() if v is not None}
        try:
            with self._http.stream("GET", path, params=clean, timeout=None) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error(response)
                kind = "message"
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        yield kind, json.loads(line[6:])
                        kind = "message"
        except httpx.TransportError as exc:
            raise BackendUnavailableError(
                f"lost the event stream from {self.endpoint}: {exc}"
            ) from None

    # -- blobs and tasks -----------------------------------------------------------------
    def get_blob(self, digest: str) -> bytes:
        return self.request("GET", f"/blobs/{digest}").content

    def put_blob(self, digest: str, data: bytes) -> None:
        """Upload once: a digest already sent, or already on the server, costs nothing."""
        if digest in self._uploaded:
            return
        if self.request("HEAD", f"/blobs/{digest}").status_code != 200:
            self.request("PUT", f"/blobs/{digest}", content=data)
        self._uploaded.add(digest)

    def register_task(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.json("POST", "/tasks", json=body)

    def list_tasks(self, **params: Any) -> list[dict[str, Any]]:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.json("GET", "/tasks", params=clean)["items"]

    def projects(self) -> dict[str, Any]:
        return self.json("GET", "/projects")

    def health(self) -> dict[str, Any]:
        return self.json("GET", "/health")


def _error(response: httpx.Response) -> FlyteNbException:
    try:
        body = response.json()["error"]
        code, message = body["code"], body["message"]
    except (ValueError, KeyError, TypeError):
        code, message = "error", response.text[:500]
    status = response.status_code
    if status == 401:
        return BackendAuthError(f"the backend refused our token: {message}")
    if status == 404:
        return RunNotFoundError(message)
    if code == "secret_not_found":
        return SecretNotFoundError(message)
    if status in (400, 409, 413, 422):
        return FlyteValidationException(message)
    return FlyteNbException(f"backend error {status} ({code}): {message}")
