"""The rest of the seed's ``UnionRemote`` against a real backend process: values by
``flyte://`` URI, the constructors, the reference/remote execute variants, lazy fetches,
metrics, packaging and the file access provider (``union/remote/_fetch.py``,
``_hosted.py``, ``_package.py``)."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteValidationException, RunNotFoundError
from flyte_nb.union.remote import ExecutionSpan, LaunchPlanId, LazyEntity, UnionRemote
from flyte_nb.union.remote._models import TaskId

us = fl.TaskEnvironment("us")


@us.task
def inc(x: int, y: int = 1) -> int:
    return x + y


@us.task
def parent(x: int) -> int:
    return inc(x=x) * 2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("union-seed-home")
    with running_server(home) as info:
        yield home, info


@pytest.fixture
def remote(server: tuple[Path, _daemon.ServerInfo], home: Path) -> UnionRemote:
    fl.init(home=server[0])
    return UnionRemote()


def test_get_reads_run_values_by_uri(remote: UnionRemote) -> None:
    ex = remote.execute(parent, {"x": 4}, execution_name="seed-get", wait=True)
    base = f"flyte://v1/{ex.id.project}/{ex.id.domain}/seed-get"
    assert remote.get(f"{base}/i") == {"x": 4}
    assert remote.get(f"{base}/o") == {"o0": 10}
    assert remote.get(f"{base}/o/o0") == 10
    child = next(a for a in ex.run.refresh().actions() if a.parent is not None)
    assert remote.get(f"{base}/{child.name}/i") == {"x": 4, "y": 1}
    assert remote.get(f"{base}/{child.name}/o/o0") == 5
    with pytest.raises(RunNotFoundError, match="only"):
        remote.get(f"{base}/o/nope")
    with pytest.raises(FlyteValidationException, match="not a flyte:// URI"):
        remote.get("s3://bucket/key")
    with pytest.raises(FlyteValidationException, match="uri is required"):
        remote.get()


def test_get_reads_an_artifact_by_uri(remote: UnionRemote) -> None:
    made = remote.create_artifact(fl.Artifact.initialize(41, name="seed-answer"))
    assert made.uri is not None
    assert made.uri.startswith("flyte://av0.1/")
    got = remote.get(made.uri)
    assert isinstance(got, fl.Artifact)
    assert got.get() == 41


def test_constructors_reach_the_same_backend(
    remote: UnionRemote, server: tuple[Path, _daemon.ServerInfo], monkeypatch: pytest.MonkeyPatch
) -> None:
    info = server[1]
    direct = UnionRemote.for_endpoint(info.url, token=info.token, default_project="seedp")
    assert direct.endpoint == info.url
    assert direct.default_project == "seedp"
    host = info.url.removeprefix("http://")
    monkeypatch.setenv("FLYTE_NB_TOKEN", info.token)
    assert UnionRemote.for_endpoint(host, insecure=True).endpoint == info.url
    assert UnionRemote.auto().endpoint == info.url
    assert UnionRemote.for_sandbox(default_domain="staging").default_domain == "staging"
    monkeypatch.setenv("FLYTE_NB_ENDPOINT", "http://127.0.0.1:9")  # not this machine's backend
    assert UnionRemote.for_sandbox().endpoint == info.url
    with pytest.raises(FlyteValidationException, match="config_file"):
        UnionRemote.auto(config_file="~/.flyte/config.yaml")
    with pytest.raises(FlyteValidationException, match="unexpected arguments"):
        UnionRemote.for_endpoint(info.url, grpc_options=[])
    with pytest.raises(FlyteValidationException, match="unexpected arguments"):
        UnionRemote(root_certificates="x")


def test_reference_and_remote_execute_variants(remote: UnionRemote) -> None:
    reg = remote.register_task(inc, version="seed-v1")
    ref = TaskId(reg.id.project, reg.id.domain, inc.name, "seed-v1")
    ex = remote.execute_reference_task(ref, {"x": 1}, wait=True)
    assert ex.outputs == {"o0": 2}

    class Reference:  # shaped like flytekit's reference_task(...): an .id with the four fields
        id = ref

    assert remote.execute_reference_task(Reference(), {"x": 5}, wait=True).outputs == {"o0": 6}
    fetched = remote.fetch_task(name=inc.name, version="seed-v1")
    ex2 = remote.execute_remote_task_lp(fetched, {"x": 2, "y": 5}, execution_name="seed-lp")
    assert remote.wait(ex2).outputs == {"o0": 7}
    with pytest.raises(FlyteValidationException, match="execute_remote_wf"):
        remote.execute_remote_task_lp(inc, {"x": 1})
    with pytest.raises(FlyteValidationException, match="fetch_workflow"):
        remote.execute_remote_wf(fetched, {"x": 1})
    with pytest.raises(FlyteValidationException, match="registered entity"):
        remote.execute_reference_task("inc", {"x": 1})
    with pytest.raises(RunNotFoundError):
        remote.execute_reference_task(TaskId(ref.project, ref.domain, inc.name, "nope"), {})
    with pytest.raises(FlyteValidationException, match="Union cloud option"):
        remote.execute_reference_task(ref, {"x": 1}, cluster_pool="gpu")


def test_lazy_fetch_looks_up_on_first_use(remote: UnionRemote) -> None:
    remote.register_task(inc, version="seed-lazy")
    lazy = remote.fetch_task_lazy(name=inc.name, version="seed-lazy")
    assert isinstance(lazy, LazyEntity)
    assert lazy.version == "seed-lazy"  # the lookup happens here
    assert remote.execute(lazy, {"x": 9}, wait=True).outputs == {"o0": 10}
    missing = remote.fetch_workflow_lazy(name="no.such.workflow")  # nothing asked yet
    with pytest.raises(RunNotFoundError):
        _ = missing.entity
    with pytest.raises(FlyteValidationException, match="name is required"):
        remote.fetch_task_lazy()


def test_find_launch_plan_uses_the_mapping_first(remote: UnionRemote) -> None:
    ident = LaunchPlanId("default", "development", "nightly", "v1")
    sentinel = object()
    assert remote.find_launch_plan(ident, {ident: sentinel}) is sentinel
    with pytest.raises(RunNotFoundError, match="no version 'v1' of launch plan 'nightly'"):
        remote.find_launch_plan(ident, {})
    with pytest.raises(FlyteValidationException, match="LaunchPlanId"):
        remote.find_launch_plan("nightly")


def test_sync_task_execution_and_metrics(remote: UnionRemote) -> None:
    ex = remote.execute(parent, {"x": 1}, wait=True)
    action = ex.node_executions["a0"]
    fresh = remote.sync_task_execution(action)
    assert (fresh.name, fresh.phase) == ("a0", "SUCCEEDED")
    with pytest.raises(FlyteValidationException, match="must be an Action"):
        remote.sync_task_execution(ex)  # type: ignore[arg-type]
    metrics = remote.get_execution_metrics(ex.id)
    assert isinstance(metrics, ExecutionSpan)
    assert metrics.name == ex.id.name
    assert metrics.phase == "SUCCEEDED"
    [root] = metrics.spans
    assert root.name == "a0"
    assert [c.task_name for c in root.spans] == [inc.name]
    assert root.duration is not None
    assert root.duration >= root.spans[0].duration  # type: ignore[operator]
    shallow = remote.get_execution_metrics(ex, depth=1)
    assert shallow.spans[0].spans == []
    with pytest.raises(FlyteValidationException, match="depth"):
        remote.get_execution_metrics(ex, depth=0)


def test_fast_package_stores_the_folder(remote: UnionRemote, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "pkg" / "__pycache__").mkdir(parents=True)
    (src / "pkg" / "mod.py").write_text("X = 1\n")
    (src / "pkg" / "__pycache__" / "mod.pyc").write_bytes(b"junk")
    digest, uri = remote.fast_package(src, output=str(tmp_path / "copy.tar.gz"))
    data = (tmp_path / "copy.tar.gz").read_bytes()
    assert digest == hashlib.md5(data).digest()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.getnames() == ["pkg/mod.py"]
    back = remote.download(uri, tmp_path / "back.tar.gz")
    assert Path(back).read_bytes() == data
    assert remote.fast_package(src)[1] == uri  # same code, same blob
    # ... also in another second: gzip's header time is fixed, not the clock's
    # (CI once saw the two calls straddle a second and get two blobs).
    assert data[4:8] == b"\0\0\0\0"
    with pytest.raises(FlyteValidationException, match="not a folder"):
        remote.fast_package(tmp_path / "missing")


def test_register_script_registers_with_code(remote: UnionRemote) -> None:
    done = remote.register_script(inc, version="seed-script")
    assert done.version == "seed-script"
    assert remote.fetch_task(name=inc.name, version="seed-script").id == done.id
    with pytest.raises(FlyteValidationException, match="image_config"):
        remote.register_script(inc, image_config="img")
    with pytest.raises(FlyteValidationException, match="task or a @workflow"):
        remote.register_script(print)


def test_config_context_and_file_access(remote: UnionRemote, tmp_path: Path) -> None:
    assert remote.config.endpoint == remote.endpoint
    assert (remote.config.project, remote.config.domain) == ("default", "development")
    assert remote.context.endpoint == remote.endpoint
    assert remote.generate_console_http_domain() == remote.endpoint
    headers = remote.get_extra_headers_for_protocol(remote.endpoint + "/api/v1/runs")
    assert headers["Authorization"].startswith("Bearer ")
    assert remote.get_extra_headers_for_protocol("s3://bucket/key") == {}
    src = tmp_path / "f.txt"
    src.write_text("payload")
    uri = remote.file_access.put_data(src)
    out = remote.file_access.get_data(uri, tmp_path / "g.txt")
    assert Path(out).read_text() == "payload"
    remote.interactive_mode_enabled = True
    assert remote.interactive_mode_enabled is True
