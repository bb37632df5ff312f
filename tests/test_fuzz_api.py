"""Every operation of the HTTP API, fuzzed by schemathesis against a real backend process.

What must hold for any request the OpenAPI document allows (and many it does not): no
server error (5xx), a documented status code, the documented content type, and a body that
matches the documented schema. Examples are bounded, seeded and derandomized, so a run is
repeatable and stays well under a minute.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis", reason="the test extra installs schemathesis")

from _backend_util import running_server  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

# Endless streams (server-sent events) are read only up to their headers: their bodies are
# never complete, and what matters is the status and content type they start with.
STREAMS = ("/api/v1/events", "/logs/follow")
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home = Path(tmp_path_factory.mktemp("fuzz-home"))
    with running_server(home, workers=1) as info:
        yield info


EXAMPLES = int(os.environ.get("FLYTE_NB_FUZZ_EXAMPLES", "12"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _check(case: Any, backend: Any) -> None:
    headers = {"Authorization": f"Bearer {backend.token}"}
    if any(part in case.path for part in STREAMS):
        _check_stream(case, backend, headers)
        return
    response = case.call(base_url=backend.url, headers=headers, timeout=30)
    case.validate_response(response, checks=CHECKS, headers=headers)


def _check_stream(case: Any, backend: Any, headers: dict[str, str]) -> None:
    """Status and content type only: the body of a live stream never ends."""
    kwargs = case.as_transport_kwargs(base_url=backend.url, headers=headers)
    with httpx.stream(
        kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=headers, timeout=30
    ) as response:
        status = response.status_code
        assert status < 500, f"{status} from {kwargs['url']} {kwargs.get('params')}"
        assert status in (200, 400, 401, 404), f"undocumented {status}"
        wanted = "text/event-stream" if status == 200 else "application/json"
        assert response.headers["content-type"].startswith(wanted), response.headers


def _describe(exc: BaseException) -> str:
    parts = [str(exc)]
    parts += [str(sub) for sub in getattr(exc, "exceptions", ())]
    return "\n".join(parts)[:3000]


def test_no_operation_errors_or_breaks_its_schema(backend: Any) -> None:
    """Each operation in turn (schemathesis' pytest plugin does not load on this pytest);
    every failing operation is reported, not only the first."""
    headers = {"Authorization": f"Bearer {backend.token}"}
    api = schemathesis.openapi.from_url(backend.url + "/openapi.json", headers=headers)
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 40, "the whole API, not a part of it"
    for operation in operations:

        @FUZZ
        @given(operation.as_strategy())
        def fuzz(case: Any) -> None:
            _check(case, backend)

        try:
            fuzz()
        except BaseException as exc:  # schemathesis' FailureGroup: collected, reported below
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            failures[operation.label] = _describe(exc)
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
