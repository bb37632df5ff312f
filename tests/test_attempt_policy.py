"""The attempt policy (``flyte_nb.attempts``): one table of decisions for both modes.

The kernel decides from the exception, the backend from the error record a worker sent;
``test_an_exception_and_its_record_get_the_same_decision`` holds the two readings together,
and the end-to-end agreement of the modes stays in test_engine.py, test_backend.py,
test_flyte2_core.py and test_cache_and_recovery.py.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest

from flyte_nb import attempts
from flyte_nb.engine import _state as ph
from flyte_nb.engine._depth import nesting_error
from flyte_nb.engine._errors import pack_error
from flyte_nb.errors import NonRecoverableError, RuntimeUserError, TaskTimeoutError
from flyte_nb.exceptions import ActionTimeoutError
from flyte_nb.tasks import Backoff, RetryStrategy

_NOT_RECOVERABLE = json.dumps({"type": "X", "message": "m", "recoverable": False})
_FLYTE2 = [5, 10.0, 2.0, 300.0]  # RetryStrategy(count=5, backoff=Backoff(10 s, 2.0, 5 min))


def _blobs(_data: bytes) -> str:
    return "digest"


# -- retry or not, and after how long ----------------------------------------------------
@pytest.mark.parametrize(
    ("retries", "attempts_made", "phase", "error", "free", "expected"),
    [
        pytest.param([0, 0.0, 2.0, 300.0], 1, "FAILED", ValueError("x"), 0, None, id="no-retries"),
        pytest.param([2, 0.0, 2.0, 300.0], 1, "FAILED", ValueError("x"), 0, 0.0, id="no-backoff"),
        pytest.param([2, 1.0, 2.0, 300.0], 1, "FAILED", None, 0, 1.0, id="first-retry"),
        pytest.param([2, 1.0, 2.0, 300.0], 2, "FAILED", None, 0, 2.0, id="second-retry"),
        pytest.param([2, 1.0, 2.0, 300.0], 3, "FAILED", None, 0, None, id="retries-spent"),
        pytest.param([1, 0.0, 2.0, 300.0], 1, "TIMED_OUT", None, 0, 0.0, id="timeout-retried"),
        pytest.param([3, 0.0, 2.0, 300.0], 1, "ABORTED", None, 0, None, id="abort-is-final"),
        pytest.param(
            [3, 0.0, 2.0, 300.0],
            1,
            "FAILED",
            NonRecoverableError("stop"),
            0,
            None,
            id="non-recoverable-exception",
        ),
        pytest.param(
            [3, 0.0, 2.0, 300.0],
            1,
            "FAILED",
            _NOT_RECOVERABLE,
            0,
            None,
            id="non-recoverable-record",
        ),
        pytest.param(
            [3, 0.0, 2.0, 300.0],
            1,
            "FAILED",
            json.loads(_NOT_RECOVERABLE),
            0,
            None,
            id="non-recoverable-dict",
        ),
        pytest.param(
            [3, 0.0, 2.0, 300.0],
            1,
            "FAILED",
            nesting_error(["t", "t"], 1),
            0,
            None,
            id="nesting-too-deep",
        ),
        pytest.param(
            [3, 0.0, 2.0, 300.0],
            1,
            "FAILED",
            '{"type": "X", "recoverable": true}',
            0,
            0.0,
            id="recoverable-record",
        ),
        pytest.param([3, 0.0, 2.0, 300.0], 1, "FAILED", "not json", 0, 0.0, id="odd-record"),
        pytest.param([1, 1.0, 2.0, 300.0], 3, "FAILED", None, 2, 1.0, id="free-attempts"),
        pytest.param([1, 1.0, 2.0, 300.0], 3, "FAILED", None, 1, None, id="free-then-spent"),
        pytest.param(_FLYTE2, 5, "FAILED", None, 0, 160.0, id="flyte2-backoff"),
        pytest.param(_FLYTE2, 6, "FAILED", None, 0, None, id="flyte2-spent"),
    ],
)
def test_retry_after(
    retries: list[Any], attempts_made: int, phase: str, error: Any, free: int, expected: Any
) -> None:
    assert attempts.retry_after(retries, attempts_made, phase, error, free) == expected


@pytest.mark.parametrize(
    ("wire", "delays"),
    [
        pytest.param(_FLYTE2, [10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0], id="capped"),
        pytest.param([3, 2.0, 1.0, None], [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0], id="constant"),
        pytest.param([3, 0.0, 2.0, 300.0], [0.0] * 7, id="none"),
        pytest.param([3, 100.0, 2.0], [100.0, 200.0] + [attempts.MAX_BACKOFF] * 5, id="old"),
        pytest.param([3, 1.0, 10.0, None], [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6], id="no-cap"),
    ],
)
def test_backoff_delay(wire: list[Any], delays: list[float]) -> None:
    assert [attempts.backoff_delay(wire, n) for n in range(1, 8)] == delays


def test_a_huge_backoff_stops_at_its_cap() -> None:
    assert attempts.backoff_delay([3, 1.0, 1e308, 60.0], 400) == 60.0


def test_the_strategies_delays_are_the_policys() -> None:
    from datetime import timedelta

    b = Backoff(base=timedelta(seconds=10), factor=2.0, cap=timedelta(minutes=5))
    strategy = RetryStrategy(count=5, backoff=b)
    assert strategy.wire() == _FLYTE2
    for n in range(1, 8):
        assert strategy.delay(n) == attempts.backoff_delay(_FLYTE2, n)
        assert b.compute_delay(n - 1).total_seconds() == attempts.backoff_delay(_FLYTE2, n)
    shorthand = RetryStrategy(count=2, backoff=1.0)
    assert shorthand.wire()[3] == attempts.MAX_BACKOFF


# -- the phase a failure ends in ---------------------------------------------------------
@pytest.mark.parametrize(
    ("error", "phase"),
    [
        pytest.param(ValueError("x"), "FAILED", id="user-error"),
        pytest.param(ActionTimeoutError("late"), "TIMED_OUT", id="timeout"),
        pytest.param(asyncio.CancelledError(), "ABORTED", id="cancelled"),
        pytest.param(KeyboardInterrupt(), "ABORTED", id="interrupted"),
        pytest.param(TaskTimeoutError("raised by the user"), "FAILED", id="users-timeout"),
        pytest.param(SystemExit(1), "FAILED", id="exit"),
        pytest.param(None, "FAILED", id="no-error"),
        pytest.param('{"type": "ActionTimeoutError", "message": "m"}', "TIMED_OUT", id="rec-to"),
        pytest.param({"type": "ActionTimeoutError"}, "TIMED_OUT", id="dict-timeout"),
        pytest.param('{"type": "WorkerDied", "message": "m"}', "FAILED", id="worker-died"),
        pytest.param("[1, 2]", "FAILED", id="record-not-an-object"),
    ],
)
def test_failure_phase(error: Any, phase: str) -> None:
    assert attempts.failure_phase(error) == phase


def test_the_policys_phases_are_the_engines() -> None:
    assert {"FAILED", "TIMED_OUT", "ABORTED"} == {ph.FAILED, ph.TIMED_OUT, ph.ABORTED}
    assert {"FAILED", "TIMED_OUT", "ABORTED"} <= ph.TERMINAL


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("x"),
        ActionTimeoutError("late"),
        NonRecoverableError("stop"),
        nesting_error(["a", "b"], 1),
        RuntimeUserError("E", "m"),
        TaskTimeoutError("m"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_an_exception_and_its_record_get_the_same_decision(exc: BaseException) -> None:
    record = pack_error(exc, _blobs)  # what a worker sends the backend
    assert attempts.failure_phase(record) == attempts.failure_phase(exc)
    assert attempts.recoverable(record) == attempts.recoverable(exc)
    wire = [3, 1.0, 2.0, 300.0]
    phase = attempts.failure_phase(exc)
    assert attempts.retry_after(wire, 1, phase, record) == attempts.retry_after(wire, 1, phase, exc)


def test_unrecoverable_marks_only_non_recoverable_errors() -> None:
    assert attempts.unrecoverable({"type": "V"}, ValueError("x")) == {"type": "V"}
    marked = attempts.unrecoverable({"type": "N"}, NonRecoverableError("stop"))
    assert marked == {"type": "N", "recoverable": False}
    assert not attempts.recoverable(marked)


def test_a_rerun_has_its_retries_afresh() -> None:
    free = attempts.free_attempts(3)  # three attempts failed before the action ran again
    assert attempts.retry_after([1, 0.0, 2.0, 300.0], 4, "FAILED", None, free) == 0.0
    assert attempts.retry_after([1, 0.0, 2.0, 300.0], 5, "FAILED", None, free) is None


# -- the cache ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("identity", "overwrite", "reads"),
    [
        (("v1", "k"), False, True),
        (("v1", "k"), True, False),
        (None, False, False),
        (None, True, False),
    ],
)
def test_reads_cache(identity: tuple[str, str] | None, overwrite: bool, reads: bool) -> None:
    assert attempts.reads_cache(identity, overwrite) is reads


@pytest.mark.parametrize(
    ("identity", "serialize", "key"),
    [(("v1", "k"), True, "k"), (("v1", "k"), False, None), (None, True, None)],
)
def test_writer_key(identity: tuple[str, str] | None, serialize: bool, key: str | None) -> None:
    assert attempts.writer_key(identity, serialize) == key


@pytest.mark.parametrize(
    ("settings", "kept"),
    [
        ({"behavior": "auto", "serialize": False}, True),
        ({"behavior": "override", "serialize": True}, True),
        ({"behavior": "disable"}, False),
        (None, False),
    ],
)
def test_a_backend_keeps_a_cache_identity_only_for_a_cached_task(
    settings: dict[str, Any] | None, kept: bool
) -> None:
    identity = ["v1", "k"]
    assert attempts.cache_identity(identity, settings) == (identity if kept else None)
    assert attempts.cache_identity(None, settings) is None


def test_timeout_message_names_the_task_action_limit_and_attempt() -> None:
    message = attempts.timeout_message("mod.slow", "a0-1", 0.25, 2)
    assert message == (
        "Task 'mod.slow' (action a0-1) timed out after 0.25 s on attempt 2; "
        "raise its timeout or make it faster"
    )


def test_the_policy_imports_nothing_heavy() -> None:
    """A worker imports it on start: no asyncio, no SQLAlchemy, no engine or backend."""
    probe = "import json, sys\nimport flyte_nb.attempts\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    heavy = {"asyncio", "sqlalchemy", "flyte_nb.engine", "flyte_nb.backend", "flyte_nb.store"}
    assert sorted(loaded & heavy) == []
    assert "flyte_nb.attempts._policy" in loaded
