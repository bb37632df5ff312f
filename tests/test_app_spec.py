"""``flyte_nb.app`` definitions: every bad combination is refused where it is written."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
from pydantic import ValidationError

import flyte_nb as fl
from flyte_nb.app import AppEnvironment, Parameter, RunOutput, Scaling
from flyte_nb.exceptions import FlyteValidationException


# -- RunOutput -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "file"}, "needs run_name= .* or task_name="),
        ({"type": "file", "run_name": "r1", "task_name": "env.t"}, "not both"),
        ({"type": "file", "run_name": "r1", "task_version": "v1"}, "names one run"),
        ({"type": "file", "run_name": "r1", "task_auto_version": "latest"}, "names one run"),
        (
            {
                "type": "file",
                "task_name": "env.t",
                "task_version": "v1",
                "task_auto_version": "latest",
            },
            "task_version= .* or task_auto_version=",
        ),
        (
            {
                "type": "file",
                "task_name": "env.t",
                "task_version": "v1",
                "task_auto_version": "current",
            },
            "not both",
        ),
        ({"type": "file", "task_version": "v1"}, "needs run_name="),
        ({"type": "file", "task_auto_version": "latest"}, "needs run_name="),
        ({"type": "file", "task_name": "env.t", "task_auto_version": "newest"}, "'latest' or"),
        ({"type": "text", "run_name": "r1"}, "'string', 'file' or 'directory'"),
        ({"type": int, "run_name": "r1"}, "'string', 'file' or 'directory'"),
        ({"type": pathlib.Path, "run_name": "r1"}, "ambiguous"),
        ({"run_name": "r1"}, "type"),
        ({"type": "file", "run_name": "My Run"}, "not a run name"),
        ({"type": "file", "run_name": ""}, "not a run name"),
        ({"type": "file", "task_name": "  "}, "non-empty"),
        ({"type": "file", "task_name": "env.t", "task_version": ""}, "non-empty"),
        ({"type": "file", "task": "env.t"}, "Extra inputs are not permitted"),
    ],
)
def test_run_output_refuses_every_bad_combination(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        RunOutput(**kwargs)
    assert isinstance(info.value, ValueError)  # `except ValueError` keeps working


@pytest.mark.parametrize(
    "kwargs",
    [
        {"type": "directory", "run_name": "my-run-123"},
        {"type": "file", "task_name": "env.my_task"},
        {"type": "file", "task_name": "env.my_task", "task_auto_version": "latest"},
        {"type": "file", "task_name": "env.my_task", "task_auto_version": "current"},
        {"type": "file", "task_name": "env.my_task", "task_version": "xyz"},
        {"type": "string", "task_name": "env.my_task"},
    ],
)
def test_the_seed_examples_are_accepted(kwargs: dict[str, Any]) -> None:
    out = RunOutput(**kwargs)
    assert out.model_dump(exclude_none=True) == kwargs
    assert RunOutput.model_validate(out.model_dump()) == out


def test_check_type_maps_python_types() -> None:
    assert RunOutput(type=str, run_name="r1").type == "string"
    for name in ("string", "file", "directory"):
        assert RunOutput.check_type(name) == name
    with pytest.raises(ValueError, match="got <class 'float'>"):
        RunOutput.check_type(float)


def test_run_output_is_frozen() -> None:
    out = RunOutput(type="file", run_name="r1")
    with pytest.raises(ValidationError, match="frozen"):
        out.run_name = "r2"


# -- Parameter -------------------------------------------------------------------------------
def test_parameter_types_are_inferred_from_the_value(tmp_path: pathlib.Path) -> None:
    assert Parameter("a", "hello").type == "string"
    assert Parameter("b", RunOutput(type="directory", run_name="r1")).type == "directory"
    assert Parameter("c", tmp_path, type="directory").type == "directory"
    assert Parameter("d", "s3://bucket/model.pkl", type="file").type == "file"
    spec = Parameter("e", "data/model.pkl", type="file", env_var="MODEL").to_spec()
    assert spec["value"] == str(pathlib.Path("data/model.pkl").absolute())
    assert spec["run_output"] is None
    assert Parameter("f", "x", mount="/opt/x", type="file").download is True  # mount implies it
    remote = Parameter("g", fl.FlyteFile.from_source("s3://bucket/model.pkl"))
    assert remote.type == "file"
    assert remote.to_spec()["value"] == "s3://bucket/model.pkl"  # not downloaded to build it
    folder = Parameter("h", fl.FlyteDirectory(str(tmp_path)))
    assert folder.type == "directory"
    assert folder.to_spec()["value"] == str(tmp_path)
    with pytest.raises(FlyteValidationException, match="contradicts"):
        Parameter("i", fl.FlyteDirectory(str(tmp_path)), type="file")


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("bad name", "x"), {}, "the name must start"),
        (("", "x"), {}, "the name must start"),
        (("p", None), {}, "needs a value"),
        (("p", 3), {}, "value must be a str, a path"),
        (("p", pathlib.Path("m.pkl")), {}, "may be a file or a folder"),
        (("p", pathlib.Path("m.pkl")), {"type": "string"}, "contradicts|cannot be a 'string'"),
        (("p", "x"), {"type": "blob"}, "type must be 'string', 'file' or 'directory'"),
        (("p", RunOutput(type="file", run_name="r1")), {"type": "directory"}, "contradicts"),
        (("p", "x"), {"download": True}, "nothing to download"),
        (("p", "x"), {"mount": "/opt/x"}, "nothing to download or mount"),
        (("p", "x"), {"type": "file", "download": "yes"}, "download must be True or False"),
        (("p", "x"), {"type": "file", "mount": ""}, "mount must be a folder path"),
        (("p", ""), {"type": "file"}, "empty path"),
        (("p", "x"), {"env_var": "1BAD"}, "not an environment variable name"),
        (("p", "x"), {"env_var": "FLYTE_NB_APP_PORT"}, "reserves"),
    ],
)
def test_parameter_refuses_bad_values(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(FlyteValidationException, match=message):
        Parameter(*args, **kwargs)


# -- AppEnvironment and Scaling --------------------------------------------------------------
def test_app_spec_is_the_json_the_backend_deploys() -> None:
    app = AppEnvironment(
        "model-api",
        command="python serve.py --verbose",
        args=["--workers", "1"],
        port=8123,
        parameters=[
            Parameter(
                "model",
                RunOutput(type="file", task_name="train.fit"),
                env_var="MODEL_PATH",
                download=True,
            )
        ],
        env_vars={"LOG_LEVEL": "debug"},
        resources=fl.Resources(cpu=1, mem="1Gi"),
        scaling=Scaling(replicas=(1, 3)),
    )
    spec = app.to_spec()
    assert spec["argv"] == ["python", "serve.py", "--verbose", "--workers", "1"]
    assert spec["port"] == 8123
    assert app.endpoint == "http://127.0.0.1:8123"
    assert spec["env"] == {"LOG_LEVEL": "debug"}
    assert spec["replicas"] == [1, 3]
    assert spec["resources"]["requests"] == {"cpu": 1, "mem": 1024**3}
    (param,) = spec["parameters"]
    assert param["run_output"]["task_name"] == "train.fit"
    assert param["download"] is True
    assert param["env_var"] == "MODEL_PATH"
    assert spec["requires_auth"] is True


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Model_API", "command": "x"}, "lowercase letters"),
        ({"name": "api"}, "needs command="),
        ({"name": "api", "command": []}, "needs command="),
        ({"name": "api", "command": "python 'unclosed"}, "cannot split command"),
        ({"name": "api", "command": ["python", 3]}, "list of str or a string"),
        ({"name": "api", "command": "x", "port": 0}, "port must be an int from 1 to 65535"),
        ({"name": "api", "command": "x", "port": "8080"}, "port must be an int"),
        ({"name": "api", "command": "x", "port": True}, "port must be an int"),
        ({"name": "api", "command": "x", "parameters": ["model"]}, "list of Parameter"),
        (
            {
                "name": "api",
                "command": "x",
                "parameters": [Parameter("a", "1"), Parameter("a", "2")],
            },
            "two parameters are named 'a'",
        ),
        (
            {
                "name": "api",
                "command": "x",
                "parameters": [Parameter("a", "1", env_var="X"), Parameter("b", "2", env_var="X")],
            },
            "two parameters set the env var 'X'",
        ),
        (
            {
                "name": "api",
                "command": "x",
                "env_vars": {"X": "1"},
                "parameters": [Parameter("a", "1", env_var="X")],
            },
            "set by env_vars and by parameter 'a'",
        ),
        ({"name": "api", "command": "x", "env_vars": {"X": 1}}, "dict of str to str"),
        ({"name": "api", "command": "x", "env_vars": {"FLYTE_NB_HOME": "/"}}, "reserves"),
        ({"name": "api", "command": "x", "resources": {"cpu": 1}}, "Resources"),
        ({"name": "api", "command": "x", "scaling": 2}, "Scaling"),
        ({"name": "api", "command": "x", "scaling": Scaling(replicas=2)}, "one process per app"),
        ({"name": "api", "command": "x", "requires_auth": "no"}, "requires_auth"),
        ({"name": "api", "command": "x", "description": 3}, "description"),
    ],
)
def test_app_environment_refuses_bad_settings(kwargs: dict[str, Any], message: str) -> None:
    name = kwargs.pop("name")
    with pytest.raises(FlyteValidationException, match=message):
        AppEnvironment(name, **kwargs)


@pytest.mark.parametrize("replicas", [0, -1, (2, 1), (0, 0), (1,), "1", (1.0, 2), True])
def test_scaling_refuses_bad_replicas(replicas: Any) -> None:
    with pytest.raises(FlyteValidationException, match="replicas must be"):
        Scaling(replicas=replicas)


def test_scaling_accepts_flyte_forms() -> None:
    assert Scaling().replicas == (0, 1)
    assert Scaling(replicas=1).get_replicas() == (1, 1)
    assert Scaling(replicas=(1, 5)).replicas == (1, 5)


def test_the_app_package_is_reachable_from_the_top_level() -> None:
    assert fl.app.AppEnvironment is AppEnvironment
    assert fl.remote.App.__name__ == "App"
