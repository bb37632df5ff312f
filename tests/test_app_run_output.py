"""Resolving ``RunOutput`` against this machine's records, and materializing parameters.

These run without a backend: runs execute in the test process (local mode) and write the
same SQLite records a backend reads; ``materialize`` is the backend's own function, called
with a real engine and blob store. The backend path is covered in test_app_backend.py.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
from pathlib import Path
from typing import Any

import pytest

import flyte_nb as fl
from flyte_nb import _config
from flyte_nb.app import RunOutput
from flyte_nb.backend._app_params import AppDeployError, fetch, materialize
from flyte_nb.exceptions import FlyteTypeException, FlyteValidationException, RunNotFoundError
from flyte_nb.store import BlobStore, flush_all
from flyte_nb.store._reader import _engine

renv = fl.TaskEnvironment("ro")


@renv.task
def make(text: str) -> str:
    return text


@renv.task
def fails() -> str:
    raise RuntimeError("no model today")


@renv.task
def two() -> tuple[str, str]:
    return "a", "b"


@renv.task
def nothing() -> None:
    return None


@renv.task
def number() -> int:
    return 7


@renv.task
def write_file(folder: str, text: str) -> pathlib.Path:
    path = Path(folder) / "model.txt"
    path.write_text(text)
    return path


@renv.task
def model_file(folder: str) -> fl.FlyteFile:
    path = Path(folder) / "weights.bin"
    path.write_bytes(b"\x00weights")
    return fl.FlyteFile(str(path))


@renv.task
def model_dir(folder: str) -> fl.FlyteDirectory:
    root = Path(folder) / "bundle"
    (root / "sub").mkdir(parents=True)
    (root / "config.json").write_text("{}")
    (root / "sub" / "vocab.txt").write_text("a b c")
    return fl.FlyteDirectory(str(root))


class Opaque:
    pass


@renv.task
def opaque() -> Opaque:
    return Opaque()


def test_a_named_run_resolves_to_its_output() -> None:
    run = fl.run(make, text="v1")
    assert RunOutput(type="string", run_name=run.name).get() == "v1"
    assert RunOutput(type=str, run_name=run.name).materialize() == "v1"


def test_a_task_name_resolves_to_its_newest_succeeded_run() -> None:
    fl.run(make, text="old")
    fl.run(make, text="new")
    with pytest.raises(RuntimeError):
        fl.run(fails)  # a newer run of another task changes nothing
    out = RunOutput(type="string", task_name="ro.make")
    assert out.get() == "new"
    fl.run(make, text="newer")
    assert out.get() == "newer"  # resolved on every call


def test_a_failed_or_missing_run_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError):
        fl.run(fails)
    (failed,) = fl.remote.Run.listall(task_name="ro.fails")
    with pytest.raises(FlyteValidationException, match=f"run '{failed.name}' is FAILED"):
        RunOutput(type="string", run_name=failed.name).get()
    with pytest.raises(RunNotFoundError, match="no run named 'nope-1'"):
        RunOutput(type="string", run_name="nope-1").get()
    with pytest.raises(RunNotFoundError, match=r"no succeeded run of task 'ro\.fails'"):
        RunOutput(type="string", task_name="ro.fails").get()


def test_a_wrong_task_name_suggests_recorded_ones() -> None:
    fl.run(make, text="x")
    with pytest.raises(RunNotFoundError, match=r"similar name: \['ro.make'\]"):
        RunOutput(type="string", task_name="make").get()


def test_outputs_that_cannot_be_a_parameter_are_refused(tmp_path: Path) -> None:
    for task, message in ((two, "returned 2 outputs"), (nothing, "returned nothing")):
        run = fl.run(task)
        with pytest.raises(FlyteValidationException, match=message):
            RunOutput(type="string", run_name=run.name).get()
    run = fl.run(number)
    with pytest.raises(FlyteTypeException, match=r"is a int .*type 'string'"):
        RunOutput(type="string", run_name=run.name).get()
    path_run = fl.run(write_file, folder=str(tmp_path), text="w")
    assert RunOutput(type="file", run_name=path_run.name).get() == str(tmp_path / "model.txt")
    assert RunOutput(type="file", run_name=path_run.name).materialize() == tmp_path / "model.txt"
    with pytest.raises(FlyteTypeException, match="return a str from the task"):
        RunOutput(type="string", run_name=path_run.name).get()


def test_flyte_files_and_directories_are_file_and_directory_outputs(tmp_path: Path) -> None:
    file_run = fl.run(model_file, str(tmp_path))
    dir_run = fl.run(model_dir, str(tmp_path))
    got = RunOutput(type=fl.FlyteFile, run_name=file_run.name).get()
    assert Path(got).read_bytes() == b"\x00weights"
    assert isinstance(RunOutput(type="file", run_name=file_run.name).materialize(), fl.FlyteFile)
    folder = Path(RunOutput(type=fl.FlyteDirectory, run_name=dir_run.name).get())
    assert (folder / "sub" / "vocab.txt").read_text() == "a b c"
    with pytest.raises(FlyteTypeException, match="is a FlyteFile, but the parameter has type"):
        RunOutput(type="directory", run_name=file_run.name).get()
    with pytest.raises(FlyteTypeException, match="use type='directory'"):
        RunOutput(type="file", run_name=dir_run.name).get()


def test_versions_need_registered_tasks_and_a_deployment_version() -> None:
    fl.run(make, text="x")
    with pytest.raises(RunNotFoundError, match=r"no version 'v9' of task 'ro\.make'"):
        RunOutput(type="string", task_name="ro.make", task_version="v9").get()
    with pytest.raises(RunNotFoundError, match=r"no registered version of task 'ro\.make'"):
        RunOutput(type="string", task_name="ro.make", task_auto_version="latest").get()
    with pytest.raises(FlyteValidationException, match="deployed with"):
        RunOutput(type="string", task_name="ro.make", task_auto_version="current").get()


# -- the backend's materialization, on this machine's records --------------------------------
def _materialize(spec_params: list[dict[str, Any]], app_dir: Path) -> list[dict[str, Any]]:
    flush_all()
    spec = {"parameters": spec_params}
    blobs = BlobStore(_config.blob_dir())
    return materialize(
        _engine(_config.database_path()),
        blobs,
        spec,
        project="default",
        domain="development",
        version=None,
        app_dir=app_dir,
    )


def _param(name: str, kind: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    run_output = value.model_dump() if isinstance(value, RunOutput) else None
    return {
        "name": name,
        "type": kind,
        "value": None if run_output else value,
        "run_output": run_output,
        "env_var": None,
        "download": False,
        "mount": None,
        **extra,
    }


def test_materialize_resolves_and_downloads_run_outputs(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    run = fl.run(write_file, folder=str(out_dir), text="weights-1")
    app_dir = tmp_path / "app"
    params = [
        _param("model", "file", RunOutput(type="file", task_name="ro.write_file"), download=True),
        _param("where", "file", RunOutput(type="file", run_name=run.name)),
        _param("greeting", "string", "hello"),
    ]
    model, where, greeting = _materialize(params, app_dir)
    assert model["run"] == where["run"] == run.name
    assert model["task_name"] == "ro.write_file"
    assert Path(model["value"]) == app_dir / "params" / "model" / "model.txt"
    assert Path(model["value"]).read_text() == "weights-1"
    assert model["source"] == where["value"] == str(out_dir / "model.txt")
    assert greeting == {
        "name": "greeting",
        "type": "string",
        "env_var": None,
        "value": "hello",
        "source": "hello",
        "run": None,
        "task_name": None,
    }


def test_materialize_copies_stored_files_and_folders_next_to_the_app(tmp_path: Path) -> None:
    fl.run(model_file, str(tmp_path))
    fl.run(model_dir, str(tmp_path))
    app_dir = tmp_path / "app"
    weights, bundle = _materialize(
        [
            _param("weights", "file", RunOutput(type="file", task_name="ro.model_file")),
            _param(
                "bundle",
                "directory",
                RunOutput(type="directory", task_name="ro.model_dir"),
                mount="models/bundle",
            ),
        ],
        app_dir,
    )
    assert Path(weights["value"]) == app_dir / "params" / "weights" / "weights.bin"
    assert Path(weights["value"]).read_bytes() == b"\x00weights"
    assert Path(bundle["value"]) == app_dir / "models" / "bundle"
    assert (app_dir / "models" / "bundle" / "sub" / "vocab.txt").read_text() == "a b c"


def test_materialize_never_unpickles_user_types(tmp_path: Path) -> None:
    run = fl.run(opaque)
    with pytest.raises(AppDeployError, match=r"parameter 'x': .*stored as a pickle"):
        _materialize([_param("x", "file", RunOutput(type="file", run_name=run.name))], tmp_path)


def test_materialize_reports_the_failing_parameter(tmp_path: Path) -> None:
    with pytest.raises(AppDeployError, match="parameter 'm': RunOutput: no succeeded run"):
        _materialize([_param("m", "file", RunOutput(type="file", task_name="ro.none"))], tmp_path)


def test_fetch_copies_files_folders_and_blobs(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("A")
    (src / "sub" / "b.txt").write_text("B")
    copied = fetch(str(src / "a.txt"), tmp_path / "d1", "file", blobs, "p")
    assert copied == tmp_path / "d1" / "a.txt"
    assert copied.read_text() == "A"
    folder = fetch(src.as_uri(), tmp_path / "d2", "directory", blobs, "p")
    assert (folder / "sub" / "b.txt").read_text() == "B"
    digest = blobs.put(b"blob bytes")
    assert hashlib.sha256(b"blob bytes").hexdigest() == digest
    blob = fetch(f"flyte-nb://blobs/{digest}", tmp_path / "d3", "file", blobs, "weights")
    assert blob.name == "weights"
    assert blob.read_bytes() == b"blob bytes"
    import fsspec  # type: ignore[import-untyped]

    fsspec.filesystem("memory").pipe("/flyte-nb-test/x.json", b'{"x": 1}')  # any fsspec URL
    remote = fetch("memory://flyte-nb-test/x.json", tmp_path / "d4", "file", blobs, "p")
    assert json.loads(remote.read_text()) == {"x": 1}


@pytest.mark.parametrize(
    ("source", "kind", "message"),
    [
        ("/does/not/exist.bin", "file", "is not a file on this machine"),
        ("/does/not/exist", "directory", "is not a folder on this machine"),
        ("flyte-nb://blobs/" + "0" * 64, "file", "is missing from"),
        ("flyte-nb://blobs/" + "0" * 64, "directory", "is one file"),
        ("flyte-nb://blobs/nothex", "file", "not a blob digest"),
        ("memory://flyte-nb-test/absent.bin", "file", "cannot download"),
    ],
)
def test_fetch_failures_name_the_parameter(
    tmp_path: Path, source: str, kind: str, message: str
) -> None:
    with pytest.raises(AppDeployError, match=f"parameter 'p': .*{message}"):
        fetch(source, tmp_path / "d", kind, BlobStore(tmp_path / "blobs"), "p")


@pytest.mark.parametrize("text", ["abc", "0", "-5", "nan", ""])
def test_a_bad_startup_timeout_is_refused(text: str) -> None:
    from flyte_nb.backend._apps import _startup_timeout

    assert _startup_timeout("2.5") == 2.5
    with pytest.raises(ValueError, match="FLYTE_NB_APP_STARTUP_TIMEOUT must be a number"):
        _startup_timeout(text)
