"""``UnionRemote`` against a real backend process: executions, projects, blobs, events and
registered tasks, with the Union SDK's method and parameter names."""

from __future__ import annotations

import datetime
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import alive, running_server, wait_for, wait_for_file

import flyte_nb as fl
from flyte_nb.client import _daemon, current
from flyte_nb.exceptions import FlyteValidationException, RunNotFoundError
from flyte_nb.remote import RegisteredTask, UnionExecution, UnionRemote

ur = fl.TaskEnvironment("ur")


@ur.task
def add(x: int, y: int = 1) -> int:
    return x + y


@ur.task
def pair(x: int) -> tuple[int, str]:
    return x, str(x)


@ur.task
def fails(x: int) -> int:
    raise ValueError(f"bad input {x}")


@ur.task
async def chatty(n: int) -> int:
    print(f"chatty {n}")
    return n


@ur.task
def sleeper(pid_file: str, seconds: float) -> int:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(seconds)
    return os.getpid()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("union-home")
    with running_server(home) as info:
        yield home, info


@pytest.fixture
def remote(server: tuple[Path, _daemon.ServerInfo], home: Path) -> UnionRemote:
    """A remote on the module's server (the autouse ``home`` fixture leaves us local)."""
    fl.init(home=server[0])
    return UnionRemote()


def test_execute_wait_and_outputs(remote: UnionRemote) -> None:
    ex = remote.execute(add, inputs={"x": 2, "y": 3}, wait=True)
    assert isinstance(ex, UnionExecution)
    assert (ex.is_done, ex.is_successful, ex.closure.phase) == (True, True, "SUCCEEDED")
    assert ex.outputs == {"o0": 5}
    assert ex.inputs == {"x": 2, "y": 3}
    assert ex.error is None
    assert (ex.id.project, ex.id.domain) == ("default", "development")
    assert ex.run.outputs() == 5
    assert list(ex.node_executions) == ["a0"]  # wait() syncs nodes by default
    # Without wait=True the execution comes back at once; wait() finishes it.
    ex = remote.execute(pair, {"x": 4})
    done = remote.wait(ex, timeout=datetime.timedelta(seconds=30))
    assert done is ex
    assert ex.outputs == {"o0": 4, "o1": "4"}
    with remote.remote_context() as same:
        assert same is remote


def test_failure_sets_error(remote: UnionRemote) -> None:
    ex = remote.execute(fails, {"x": 7}, wait=True)
    assert ex.is_done
    assert not ex.is_successful
    assert ex.phase == "FAILED"
    assert ex.error is not None
    assert ex.error.code == "ValueError"
    assert "bad input 7" in ex.error.message
    with pytest.raises(ValueError, match="bad input 7"):
        _ = ex.outputs


def test_fetch_execution_by_name(remote: UnionRemote) -> None:
    remote.execute(add, {"x": 10}, execution_name="ur-named-run", wait=True)
    fetched = remote.fetch_execution(name="ur-named-run")
    assert fetched.id.name == "ur-named-run"
    assert fetched.outputs == {"o0": 11}
    assert remote.sync(fetched, sync_nodes=True).node_executions["a0"].phase == "SUCCEEDED"
    with pytest.raises(LookupError, match="project='default'"):
        remote.fetch_execution(project="elsewhere", name="ur-named-run")
    prefixed = remote.execute(add, {"x": 1}, execution_name_prefix="ur-batch")
    assert prefixed.id.name.startswith("ur-batch-")


def test_terminate_aborts_a_running_task(remote: UnionRemote, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    ex = remote.execute(sleeper, {"pid_file": str(pid_file), "seconds": 60.0})
    pid = int(wait_for_file(pid_file))
    remote.terminate(ex, cause="test over")
    remote.wait(ex, timeout=30)
    assert ex.phase == "ABORTED"
    assert ex.error is not None
    wait_for(lambda: not alive(pid), 10, "the aborted task's process to die")


def test_projects_and_domains_are_real_fields(remote: UnionRemote) -> None:
    ex = remote.execute(add, {"x": 1}, project="p1", wait=True)
    assert ex.id.project == "p1"
    assert ex.id.name in {e.id.name for e in remote.recent_executions(project="p1")}
    assert {e.id.project for e in remote.recent_executions(project="p1")} == {"p1"}
    assert ex.id.name not in {e.id.name for e in remote.recent_executions(limit=1000)}
    assert [e.id.name for e in UnionRemote(default_project="p1").recent_executions(limit=1)] == [
        ex.id.name
    ]
    assert {"default", "p1"} <= {p.id for p in remote.list_projects()}
    assert len(remote.list_projects(limit=1)) == 1
    assert [d.name for d in remote.get_domains()] == ["development", "staging", "production"]


def test_upload_and_download_round_trip(remote: UnionRemote, tmp_path: Path) -> None:
    source = tmp_path / "data.bin"
    source.write_bytes(b"\x00payload\xff" * 100)
    md5, uri = remote.upload_file(source)
    assert md5 == hashlib.md5(source.read_bytes()).digest()
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert uri == f"flyte-nb://blobs/{digest}"
    out = remote.download(uri, tmp_path / "copy.bin")
    assert out.read_bytes() == source.read_bytes()
    folder = tmp_path / "folder"
    folder.mkdir()
    assert remote.download(digest, folder).read_bytes() == source.read_bytes()
    many = remote.download({"a.bin": uri}, tmp_path / "many")
    assert (many / "a.bin").read_bytes() == source.read_bytes()
    with pytest.raises(LookupError, match="no blob"):
        remote.download("0" * 64, tmp_path / "missing")


def test_stream_execution_events_ends_with_the_run(remote: UnionRemote) -> None:
    ex = remote.execute(chatty, {"n": 3})
    events = list(remote.stream_execution_events(ex))
    assert events[-1]["kind"] == "run"
    assert events[-1]["phase"] == "SUCCEEDED"
    assert ex.phase == "SUCCEEDED"
    # A finished execution streams its final state once; filters and counts apply.
    assert [e["kind"] for e in remote.stream_execution_events(ex)] == ["run"]
    assert list(remote.stream_execution_events(ex, include_workflow_executions=False)) == []
    assert len(list(remote.stream_execution_events(ex, event_count=1))) == 1


def test_register_fetch_and_execute_a_task(remote: UnionRemote) -> None:
    registered = remote.register_task(add)
    assert isinstance(registered, RegisteredTask)
    assert registered.id.version == add.cache_version()
    assert registered.interface == {"inputs": {"x": "int", "y": "int"}, "outputs": {"o0": "int"}}
    v1 = remote.register_task(add, version="ur-v1")
    fetched = remote.fetch_task(name=add.name)  # the latest version
    assert fetched.id == v1.id
    assert remote.fetch_task(name=add.name, version=registered.version).id == registered.id
    ex = remote.execute(fetched, {"x": 41}, wait=True)
    assert ex.outputs == {"o0": 42}
    assert [t.name for t in remote.list_tasks_by_version("ur-v1")] == [add.name]
    assert remote.list_tasks_by_version("ur-v1", project="p9") == []
    with pytest.raises(LookupError, match="no version 'nope' of task"):
        remote.fetch_task(name=add.name, version="nope")


def test_a_task_defined_in_a_function_travels_as_a_bundle(remote: UnionRemote) -> None:
    @ur.task
    def triple(x: int) -> int:
        return 3 * x

    registered = remote.register_task(triple, version="b1")
    assert registered.ref["kind"] == "bundle"
    fetched = remote.fetch_task(name=triple.name, version="b1")
    assert remote.execute(fetched, {"x": 5}, wait=True).outputs == {"o0": 15}


def test_console_url(remote: UnionRemote, server: tuple[Path, _daemon.ServerInfo]) -> None:
    ex = remote.execute(add, {"x": 1})
    assert remote.generate_console_url(ex) == f"{server[1].url}/api/v1/runs/{ex.id.name}"
    assert remote.generate_console_url(ex.run) == remote.generate_console_url(ex)
    task_url = remote.generate_console_url(remote.register_task(add, version="url-v"))
    assert task_url.endswith(
        "/api/v1/tasks?project=default&domain=development&name=ur.add&version=url-v"
    )


def test_zero_setup_connects_to_the_homes_backend(
    server: tuple[Path, _daemon.ServerInfo], home: Path
) -> None:
    fl.init(home=server[0], local=True)  # no session: UnionRemote opens one
    remote = UnionRemote()
    session = current()
    assert session is not None
    assert session.endpoint == server[1].url == remote.endpoint


def test_bad_arguments_say_what_to_fix(remote: UnionRemote, tmp_path: Path) -> None:
    with pytest.raises(NotImplementedError, match="Workflows and launch plans"):
        remote.execute(lambda x: x, {"x": 1})
    with pytest.raises(FlyteValidationException, match=r"decorate it with @env\.task"):
        remote.execute(add.func, {"x": 1})
    with pytest.raises(FlyteValidationException, match="inputs must be a dict"):
        remote.execute(add, [1])  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="tags is a Union cloud option"):
        remote.execute(add, {"x": 1}, tags=["a"])
    with pytest.raises(FlyteValidationException, match="unexpected argument 'inptus'"):
        remote.execute(add, inptus={"x": 1})
    with pytest.raises(FlyteValidationException, match="project must be lowercase"):
        remote.execute(add, {"x": 1}, project="Bad Project")
    with pytest.raises(FlyteValidationException, match="execution_name must be a run name"):
        remote.execute(add, {"x": 1}, execution_name="Not_Valid")
    with pytest.raises(FlyteValidationException, match="fetch_execution: name is required"):
        remote.fetch_execution()
    with pytest.raises(FlyteValidationException, match="limit must be an int from 1 to 1000"):
        remote.recent_executions(limit=0)
    with pytest.raises(RunNotFoundError, match="no execution named 'no-such-run'"):
        remote.fetch_execution(name="no-such-run")
    with pytest.raises(FlyteValidationException, match="execution must be what execute"):
        remote.wait("some-run")  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="timeout must be seconds > 0"):
        remote.wait(remote.execute(add, {"x": 1}), timeout=-1)
    with pytest.raises(FlyteValidationException, match="cause is required"):
        remote.terminate(remote.execute(add, {"x": 1}), cause=None)  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="filters takes flytekit filter"):
        remote.list_projects(filters=["x"])
    with pytest.raises(FlyteValidationException, match="is not a file"):
        remote.upload_file(tmp_path / "missing.txt")
    with pytest.raises(FlyteValidationException, match="data must be a 'flyte-nb://blobs/"):
        remote.download("s3://bucket/key", tmp_path / "x")
    with pytest.raises(FlyteValidationException, match="entity must be a task"):
        remote.register_task("ur.add")  # type: ignore[arg-type]
    with pytest.raises(LookupError, match=r"no task 'ur\.nope' registered"):
        remote.fetch_task(name="ur.nope")
    with pytest.raises(FlyteValidationException, match="token= goes with endpoint"):
        UnionRemote(token="secret")
    with pytest.raises(FlyteValidationException, match="endpoint must be an http"):
        UnionRemote(endpoint="localhost:8080")
