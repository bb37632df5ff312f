"""Flyte 2 compatibility, core settings (issue 15 A): ``flyte.errors``, ``Resources`` with
Flyte 2's names and devices, ``Cache`` (``"override"`` + ``version_override``),
``RetryStrategy``/``Backoff``, ``Timeout`` and ``flyte.logger``, written the way a Flyte 2
program writes them (``import flyte_nb as flyte``).

Ported from flyteorg/flyte-sdk (our own code, their cases):
  tests/user_api/test_resources.py, tests/user_api/test_retry_strategy.py,
  tests/user_api/test_timeout.py, tests/user_api/test_cache.py,
  tests/user_api/test_subtask_error_surfacing.py, src/flyte/errors.py (the hierarchy).
Errors, retries and NonRecoverableError are also checked on a real backend process.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import cloudpickle
import pytest
from _backend_util import running_server

import flyte_nb as flyte
from flyte_nb.exceptions import ActionTimeoutError, FlyteValidationException

# -- module-level tasks: a backend worker loads them by reference -------------------------
core = flyte.TaskEnvironment(name="flyte2_core", resources=flyte.Resources(memory="1Gi"))


class HttpLikeError(Exception):
    """An exception with its own ``code`` (like urllib's HTTPError): it must keep it."""

    def __init__(self, status: int) -> None:
        super().__init__(f"status {status}")
        self.code = status


@core.task
def fails_with_value_error(x: int) -> int:
    raise ValueError(f"bad x={x}")


@core.task
def fails_with_own_code(status: int) -> int:
    raise HttpLikeError(status)


@core.task
async def catches_flyte_style(x: int) -> str:
    try:
        await fails_with_value_error.aio(x)
    except flyte.errors.RuntimeUserError as e:
        if e.code == "ValueError":
            return f"flyte2: {e.code}: {e}"
        raise
    return "no error"


@core.task
async def catches_python_style(x: int) -> str:
    try:
        await fails_with_value_error.aio(x)
    except ValueError as e:
        return f"python: {type(e).__name__}: {e}"
    return "no error"


@core.task
async def catches_own_code(status: int) -> str:
    try:
        await fails_with_own_code.aio(status)
    except HttpLikeError as e:
        flyte2 = isinstance(e, flyte.errors.RuntimeUserError)
        return f"own code kept: {e.code} (RuntimeUserError: {flyte2})"
    return "no error"


@core.task(retries=3)
def gives_up(marker: str) -> int:
    path = Path(marker)
    path.write_text(path.read_text() + "x" if path.exists() else "x")
    raise flyte.errors.NonRecoverableError("the input can never work")


@core.task(
    retries=flyte.RetryStrategy(
        count=2, backoff=flyte.Backoff(base=timedelta(0), factor=2.0, cap=timedelta(seconds=1))
    )
)
def flaky_until_third(marker: str) -> int:
    path = Path(marker)
    tries = len(path.read_text()) + 1 if path.exists() else 1
    path.write_text("x" * tries)
    if tries < 3:
        raise RuntimeError(f"attempt {tries} fails")
    return tries


@core.task
def averages_a_failing_map(n: int) -> float:
    # flyte-sdk tests/user_api/test_subtask_error_surfacing.py: map returns the errors as
    # values; sum() over them must surface the subtask's error, not a TypeError.
    results = list(flyte.map(fails_with_value_error, range(n)))
    return sum(results) / len(results)


@core.task(timeout=flyte.Timeout(max_runtime=timedelta(seconds=0.3)))
async def too_slow() -> int:
    import asyncio

    await asyncio.sleep(30)
    return 1


@core.task
async def catches_timeout() -> str:
    try:
        await too_slow.aio()
    except flyte.errors.TaskTimeoutError as e:
        return f"{e.code} {isinstance(e, TimeoutError)}"
    return "no timeout"


# -- Resources (flyte-sdk tests/user_api/test_resources.py) -------------------------------


def test_flyte2_hello_world_environment() -> None:
    env = flyte.TaskEnvironment(name="hello_world", resources=flyte.Resources(memory="1Gi"))
    assert env.resources == flyte.Resources(mem="1Gi")
    assert env.resources is not None
    assert env.resources.memory == env.resources.mem == "1Gi"


def test_resources_both_spellings_are_one_field() -> None:
    r = flyte.Resources(cpu=(1, 2), memory=("1Gi", "2Gi"), disk="10Gi", shm="auto")
    assert r == flyte.Resources(
        cpu=(1, 2), mem=("1Gi", "2Gi"), ephemeral_storage="10Gi", shm="auto"
    )
    assert r.requests() == {"cpu": 1.0, "mem": 2**30, "ephemeral_storage": 10 * 2**30}
    assert r.limits()["mem"] == 2 * 2**30
    assert r.disk == "10Gi"
    assert flyte.Resources.from_dict(r.to_dict()) == r
    # Positional order shared by flytekit and Flyte 2: cpu, mem|memory, gpu, disk, shm.
    assert flyte.Resources(1, "1Gi", 1, "5Gi") == flyte.Resources(
        cpu=1, memory="1Gi", gpu=1, disk="5Gi"
    )
    with pytest.raises(FlyteValidationException, match="mem= and memory= are the same setting"):
        flyte.Resources(mem="1Gi", memory="2Gi")


def test_resources_gpu_with_int_and_string() -> None:
    res = flyte.Resources(gpu=1)
    device = res.get_device()
    assert device is not None
    assert (device.quantity, device.device) == (1, None)
    res = flyte.Resources(gpu="A100:2")
    assert res.gpu == "A100:2"
    device = res.get_device()
    assert device is not None
    assert (device.device, device.quantity) == ("A100", 2)
    assert res.requests()["gpu"] == 2
    assert flyte.Resources(gpu=None).get_device() is None


@pytest.mark.parametrize(
    ("gpu", "fragment"),
    [
        ("InvalidGPU:1", "unknown accelerator 'InvalidGPU'"),
        ("A100:invalid_quantity", "whole number >= 1"),
        ("A100", "'TYPE:COUNT'"),
        (-1, "must not be negative"),
        (1.5, "whole number"),
    ],
)
def test_resources_gpu_bad_values(gpu: object, fragment: str) -> None:
    with pytest.raises(ValueError, match="Resources\\(gpu=") as info:
        flyte.Resources(gpu=gpu)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_resources_gpu_device_objects() -> None:
    gpu = flyte.GPU(device="A100", quantity=1, partition="1g.5gb")
    res = flyte.Resources(gpu=gpu)
    assert res.get_device() is gpu
    assert res.requests() == {"gpu": 1}
    tpu = flyte.TPU(device="V5P", partition="2x2x1")
    assert flyte.Resources(gpu=tpu).get_device() is tpu
    raw = flyte.Device(device="A100", device_class="GPU", quantity=1, partition="1g.5gb")
    assert flyte.Resources(gpu=raw).get_device() == gpu
    # A Device survives the JSON the backend records.
    assert flyte.Resources.from_json(flyte.Resources(gpu=gpu).to_json()).get_device() == gpu


def test_device_bad_values() -> None:
    with pytest.raises(ValueError, match=r"invalid partition 'invalid_partition'.*1g\.5gb"):
        flyte.GPU(device="A100", quantity=1, partition="invalid_partition")
    with pytest.raises(ValueError, match="unknown GPU type 'Z9'"):
        flyte.GPU(device="Z9", quantity=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'A100' is a GPU device"):
        flyte.TPU(device="A100")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="quantity must be a whole number >= 1"):
        flyte.GPU(device="T4", quantity=0)  # type: ignore[arg-type]
    assert flyte.Neuron("Inf2").device_class == "NEURON"
    assert flyte.AMD_GPU("MI300X").device_class == "AMD_GPU"
    assert flyte.HABANA_GAUDI("Gaudi1").device_class == "HABANA_GAUDI"


def test_resources_shm_and_cpu() -> None:
    assert flyte.Resources(shm="1Gi").get_shared_memory() == "1Gi"
    assert flyte.Resources(shm="auto").get_shared_memory() == ""
    assert flyte.Resources(cpu=("1", "2")).cpu == ("1", "2")
    assert flyte.Resources(cpu=0.5).cpu == 0.5
    with pytest.raises(ValueError, match="exactly 2 items"):
        flyte.Resources(cpu=("1", "2", "3"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"shm=.*not a \(request, limit\) pair"):
        flyte.Resources(shm=("1Gi", "2Gi"))  # type: ignore[arg-type]


# -- errors (flyte-sdk src/flyte/errors.py, tests/user_api/test_subtask_error_surfacing.py) --


def test_error_hierarchy_and_codes() -> None:
    e = flyte.errors
    assert issubclass(e.RuntimeUserError, e.BaseRuntimeError)
    assert issubclass(e.BaseRuntimeError, RuntimeError)
    user_errors = (
        e.OOMError,
        e.RetriesExhaustedError,
        e.TaskTimeoutError,
        e.NonRecoverableError,
        e.ActionAbortedError,
        e.CustomError,
        e.PrimaryContainerNotFoundError,
        e.ReferenceTaskError,
    )
    for cls in user_errors:
        assert issubclass(cls, e.RuntimeUserError), cls
    assert e.RuntimeSystemError("X", "m").kind == "system"
    assert e.RuntimeUnknownError("X", "m").kind == "unknown"
    assert e.TaskTimeoutError("slow").code == "TaskTimeoutError"
    assert e.NonRecoverableError("no").code == "NonRecoverableError"
    assert e.RestrictedTypeError("t").code == "RestrictedTypeUsage"
    custom = e.CustomError.from_exception(KeyError("k"))
    assert (custom.code, custom.__cause__.__class__) == ("KeyError", KeyError)
    assert isinstance(e.InitializationError("C", "user", "m"), e.BaseRuntimeError)
    # Our own timeout and abort errors are Flyte's too.
    assert issubclass(ActionTimeoutError, e.TaskTimeoutError)
    assert issubclass(ActionTimeoutError, TimeoutError)
    assert ActionTimeoutError("x").code == "TaskTimeoutError"


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps])
def test_errors_pickle_by_state(dumps: Any) -> None:
    """They cross processes here; Flyte 2's constructors do not take their args back."""
    for err in (
        flyte.errors.RuntimeUserError("ValueError", "boom", "w1"),
        flyte.errors.NonRecoverableError("stop", code="Custom"),
        flyte.errors.RuntimeDataValidationError("x", "bad", "t"),
        ActionTimeoutError("slow"),
    ):
        back = pickle.loads(dumps(err))
        assert type(back) is type(err)
        assert (str(back), back.code, back.kind, back.worker) == (
            str(err),
            err.code,
            err.kind,
            err.worker,
        )


def test_runtime_error_reraises_in_arithmetic() -> None:
    err = flyte.errors.RuntimeUserError(code="ValueError", message="subtask failed")
    ops = (lambda: 0 + err, lambda: err + 0, lambda: err * 2, lambda: err / 2, lambda: err - 1)
    for op in ops:
        with pytest.raises(flyte.errors.RuntimeUserError, match="subtask failed"):
            op()
    with pytest.raises(flyte.errors.RetriesExhaustedError, match="task failed for input 1"):
        sum([1, 2, flyte.errors.RetriesExhaustedError("ValueError", "task failed for input 1")])


def test_child_error_is_both_its_type_and_runtime_user_error() -> None:
    assert flyte.run(catches_flyte_style, 3).outputs() == "flyte2: ValueError: bad x=3"
    assert flyte.run(catches_python_style, 4).outputs() == "python: ValueError: bad x=4"
    assert (
        flyte.run(catches_own_code, 404).outputs() == "own code kept: 404 (RuntimeUserError: True)"
    )


def test_failed_run_raises_both_types_at_the_top() -> None:
    with pytest.raises(ValueError, match="bad x=1") as info:
        flyte.run(fails_with_value_error, 1)
    assert isinstance(info.value, flyte.errors.RuntimeUserError)
    assert info.value.code == "ValueError"
    assert type(info.value).__name__ == "ValueError"  # tracebacks read as before
    with pytest.raises(flyte.errors.BaseRuntimeError, match="bad x=2"):
        flyte.with_runcontext(mode="local", name="fails-2").run(fails_with_value_error, 2)
    # Read back from the records (no exception object kept): still a RuntimeUserError.
    with pytest.raises(flyte.errors.RuntimeUserError, match="bad x=2") as recorded:
        flyte.remote.Run.get("fails-2").outputs()
    assert recorded.value.code == "ValueError"


def test_map_errors_as_values_surface_the_subtask_error() -> None:
    with pytest.raises(flyte.errors.BaseRuntimeError, match="bad x=") as info:
        flyte.run(averages_a_failing_map, 3)
    assert info.value.code == "ValueError"  # type: ignore[attr-defined]
    assert isinstance(info.value, ValueError)


def test_non_recoverable_error_stops_the_retries(tmp_path: Path) -> None:
    marker = tmp_path / "tries"
    with pytest.raises(flyte.errors.NonRecoverableError, match="can never work"):
        flyte.with_runcontext(name="gives-up").run(gives_up, str(marker))
    assert marker.read_text() == "x"  # one attempt, although retries=3
    action = flyte.remote.Run.get("gives-up").actions()[0]
    assert (action.phase, action.attempts) == ("FAILED", 1)


# -- retries and timeouts (flyte-sdk tests/user_api/test_retry_strategy.py, test_timeout.py)


def test_backoff_delays() -> None:
    b = flyte.Backoff(base=timedelta(seconds=10), factor=2.0, cap=timedelta(minutes=5))
    expected = [timedelta(seconds=s) for s in (10, 20, 40, 80, 160)]
    assert [b.compute_delay(n) for n in range(5)] == expected
    assert b.compute_delay(5) == b.compute_delay(20) == timedelta(minutes=5)
    constant = flyte.Backoff(base=timedelta(seconds=2))
    assert (constant.factor, constant.cap) == (1.0, None)
    assert constant.compute_delay(0) == constant.compute_delay(5) == timedelta(seconds=2)
    assert {flyte.Backoff(base=timedelta(seconds=1)), flyte.Backoff(base=timedelta(seconds=1))} == {
        flyte.Backoff(base=timedelta(seconds=1))
    }
    r = flyte.RetryStrategy(count=5, backoff=b)
    assert (r.count, r.backoff) == (5, b)
    assert (r.delay(1), r.delay(7)) == (10.0, 300.0)
    assert r.wire() == [5, 10.0, 2.0, 300.0]
    # flyte_nb's shorthand keeps its MAX_BACKOFF cap.
    assert flyte.RetryStrategy(count=2, backoff=1.0).wire() == [2, 1.0, 2.0, 300.0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"base": timedelta(seconds=-1)}, "base must be >= 0"),
        ({"base": timedelta(seconds=1), "factor": 0.5}, "factor must be >= 1.0"),
        ({"base": timedelta(seconds=1), "cap": timedelta(seconds=-1)}, "cap must be >= 0"),
        ({"base": timedelta(seconds=1), "factor": 2.0}, "cap is required when factor > 1.0"),
        ({"base": timedelta(seconds=1), "factor": float("nan")}, "finite number"),
        ({"base": timedelta(seconds=1), "factor": float("inf")}, "finite number"),
        ({"base": "10s"}, "Backoff.base must be seconds"),
    ],
)
def test_backoff_bad_values(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        flyte.Backoff(**kwargs)


def test_backoff_negative_retry_index() -> None:
    with pytest.raises(ValueError, match="n must be >= 0"):
        flyte.Backoff(base=timedelta(seconds=1)).compute_delay(-1)


def test_retry_with_backoff_runs_until_success(tmp_path: Path) -> None:
    run = flyte.run(flaky_until_third, str(tmp_path / "tries"))
    assert run.outputs() == 3
    assert run.actions()[0].attempts == 3


def test_timeout_values() -> None:
    t = flyte.Timeout(max_runtime=300, max_queued_time=timedelta(minutes=30))
    assert (t.max_runtime, t.max_queued_time, t.deadline) == (300, timedelta(minutes=30), None)
    assert flyte.Timeout(deadline=7200).deadline == 7200
    assert flyte.Timeout().seconds() is None
    assert flyte.Timeout(max_runtime=0).seconds() is None  # 0 means no limit, as in Flyte 2
    with pytest.raises(ValueError, match=r"max_runtime=-1\): must be >= 0"):
        flyte.Timeout(max_runtime=-1)
    with pytest.raises(ValueError, match=r"Timeout\(deadline=\.\.\.\) must be seconds"):
        flyte.Timeout(deadline="2h")  # type: ignore[arg-type]


def test_task_timeout_accepts_every_flyte2_form(env: flyte.TaskEnvironment) -> None:
    def body() -> int:
        return 1

    forms: list[Any] = [
        (300, 300.0),
        (timedelta(minutes=5), 300.0),
        (flyte.Timeout(max_runtime=timedelta(minutes=5), max_queued_time=60), 300.0),
        (0, None),
        (flyte.Timeout(max_queued_time=10), None),
    ]
    for i, (given, seconds) in enumerate(forms):
        t = flyte.TaskEnvironment(name=f"{env.name}_{i}").task(timeout=given)(body)
        assert t.timeout == seconds, given


def test_timeout_raises_task_timeout_error_to_the_parent() -> None:
    assert flyte.run(catches_timeout).outputs() == "TaskTimeoutError True"


# -- Cache (flyte-sdk tests/user_api/test_cache.py) ----------------------------------------


def test_cache_override_means_explicit_version() -> None:
    c = flyte.Cache(behavior="override", version_override="v1")
    assert c.is_enabled()
    params = flyte.VersionParameters(func=test_cache_override_means_explicit_version)
    assert c.get_version(params) == "v1"
    assert flyte.Cache("override", "v1") == c  # Flyte 2's positional order
    # The Union seed's spelling is the same setting.
    assert flyte.Cache(version="v1").version_override == "v1"
    assert flyte.Cache(version="v1").get_version(params) == "v1"
    with pytest.raises(ValueError, match="one setting"):
        flyte.Cache(version="1", version_override="2")
    with pytest.raises(ValueError, match="version_override=''"):
        flyte.Cache(behavior="override", version_override="")


def test_cache_settings_as_flyte2_reads_them() -> None:
    assert flyte.Cache(behavior="override", version_override="v1.0").get_version() == "v1.0"
    with pytest.raises(ValueError, match="Version parameters must be provided"):
        flyte.Cache(behavior="auto").get_version()
    with pytest.raises(ValueError, match=r"must be one of.*aliases accepted"):
        flyte.Cache(behavior="sometimes")  # type: ignore[arg-type]
    assert flyte.Cache(behavior="auto", ignored_inputs="x").get_ignored_inputs() == ("x",)
    assert flyte.Cache(behavior="auto", serialize=True, salt="my_salt").salt == "my_salt"
    assert not flyte.Cache.coerce("disable").is_enabled()


@pytest.mark.parametrize(
    ("alias", "behavior"),
    [("enable", "auto"), ("ON", "auto"), ("yes", "auto"), ("off", "disable"), ("none", "disable")],
)
def test_cache_behavior_aliases(alias: str, behavior: str) -> None:
    assert flyte.Cache(behavior=alias).behavior == behavior  # type: ignore[arg-type]
    assert flyte.Cache.coerce(alias).behavior == behavior


# -- logger --------------------------------------------------------------------------------


def test_logger_writes_to_the_current_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert isinstance(flyte.logger, logging.Logger)
    assert flyte.logger.name == "flyte_nb.user"
    flyte.logger.info("hello from a task")
    flyte.logger.debug("not shown at the default level")
    err = capsys.readouterr().err
    assert "INFO hello from a task" in err
    assert "not shown" not in err


# -- on a real backend ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("flyte2-core-backend")
    with running_server(home):
        yield home


@pytest.fixture
def remote(server: Path, home: Path) -> Path:
    """Connect this test's kernel to the module's server (the autouse home is local)."""
    flyte.init(home=server)
    return server


def test_backend_child_error_is_both_types(remote: object) -> None:
    assert flyte.run(catches_flyte_style, 5).wait(timeout=60).outputs() == (
        "flyte2: ValueError: bad x=5"
    )
    assert flyte.run(catches_python_style, 6).wait(timeout=60).outputs() == (
        "python: ValueError: bad x=6"
    )
    assert (
        flyte.run(catches_own_code, 500).wait(timeout=60).outputs()
        == "own code kept: 500 (RuntimeUserError: True)"
    )
    run = flyte.run(fails_with_value_error, 7).wait(timeout=60)
    assert (run.mode, run.phase) == ("backend", "FAILED")
    with pytest.raises(ValueError, match="bad x=7") as info:
        run.outputs()
    assert isinstance(info.value, flyte.errors.RuntimeUserError)
    assert info.value.code == "ValueError"


def test_backend_non_recoverable_error_and_backoff_retries(remote: object, tmp_path: Path) -> None:
    marker = tmp_path / "gives-up"
    run = flyte.run(gives_up, str(marker)).wait(timeout=60)
    assert run.phase == "FAILED"
    assert run.actions()[0].attempts == 1
    assert marker.read_text() == "x"
    with pytest.raises(flyte.errors.NonRecoverableError, match="can never work"):
        run.outputs()
    run = flyte.run(flaky_until_third, str(tmp_path / "flaky")).wait(timeout=60)
    assert run.outputs() == 3
    assert run.actions()[0].attempts == 3


def test_backend_map_errors_surface_the_subtask_error(remote: object) -> None:
    run = flyte.run(averages_a_failing_map, 3).wait(timeout=60)
    with pytest.raises(flyte.errors.RuntimeUserError, match="bad x=") as info:
        run.outputs()
    assert info.value.code == "ValueError"


def test_backend_timeout_is_task_timeout_error(remote: object) -> None:
    assert flyte.run(catches_timeout).wait(timeout=60).outputs() == "TaskTimeoutError True"
