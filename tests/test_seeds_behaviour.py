"""What the seed items added for the seeds' whole surface do, without a backend:
``LaunchPlan(parameters=...)`` and its interfaces, ``ContainerTask``'s flytekit task methods,
the data types' JSON methods in both of flytekit's shapes, ``Artifact``'s identity and
provenance, ``Secret.MountType`` and ``NativeInterface``'s signature."""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import pytest

import flyte_nb as fl
from flyte_nb.container import ContainerTask
from flyte_nb.exceptions import FlyteValidationException, NotAvailableHereError
from flyte_nb.models import NativeInterface
from flyte_nb.tasks._secret import MountType
from flyte_nb.union import kwtypes

cube = ContainerTask(
    name="seed_cube",
    image="python:3.11-slim",
    inputs=kwtypes(x=int),
    outputs=kwtypes(y=int, text=str),
    command=[
        sys.executable,
        "-c",
        "import sys; v = int(sys.argv[1]) ** 3; open('/var/outputs/y', 'w').write(str(v)); "
        "open('/var/outputs/text', 'w').write(f'cube {v}')",
    ],
    arguments=["{{.inputs.x}}"],
    environment={"MODE": "test"},
    resources=fl.Resources(cpu="1", gpu=1),
)


# -- LaunchPlan ---------------------------------------------------------------------------------
@fl.task
def lp_join(a: int, c: str = "z") -> str:
    return f"{c}{a}"


@fl.workflow
def lp_wf(a: int, c: str = "z") -> str:
    return lp_join(a=a, c=c)


def test_launch_plan_parameters_are_default_inputs() -> None:
    lp = fl.LaunchPlan("seed_lp_params", lp_wf, parameters={"a": 3})
    assert lp.default_inputs == {"a": 3}
    assert lp() == "z3"
    again = fl.LaunchPlan("seed_lp_again", lp_wf, lp.parameters)  # positional, as the seed
    assert again.default_inputs == {"a": 3, "c": "z"}
    clone = lp.clone_with("seed_lp_clone", parameters={"a": 5}, fixed_inputs={"c": "q"})
    assert clone() == "q5"
    assert clone.saved_inputs == {"a": 5, "c": "q"}
    with pytest.raises(FlyteValidationException, match="once"):
        fl.LaunchPlan("x", lp_wf, parameters={"a": 1}, default_inputs={"a": 2})
    with pytest.raises(FlyteValidationException, match="parameters must be a dict"):
        fl.LaunchPlan("x", lp_wf, parameters=[1])  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="not inputs of workflow"):
        fl.LaunchPlan("x", lp_wf, parameters={"nope": 1})
    with pytest.raises(FlyteValidationException, match="security_context is a Union cloud"):
        lp.clone_with("y", security_context={"run_as": "me"})


def test_launch_plan_interfaces_and_cloud_settings() -> None:
    lp = fl.LaunchPlan.get_or_create(lp_wf, name="seed_lp_iface", fixed_inputs={"c": "k"})
    assert lp.interface is lp_wf.interface
    assert lp.python_interface is lp_wf.interface
    assert list(lp.interface.inputs) == ["a", "c"]
    assert lp.saved_inputs == {"c": "k"}
    assert (lp.raw_output_data_config, lp.security_context, lp.trigger) == (None, None, None)
    assert lp.construct_node_metadata()["name"] == "seed_lp_iface"


# -- ContainerTask ------------------------------------------------------------------------------
def test_container_task_execute_paths() -> None:
    assert tuple(cube.execute(x=2)) == (8, "cube 8")
    assert cube.dispatch_execute(None, {"x": 3}) == {"y": 27, "text": "cube 27"}
    assert cube.sandbox_execute(None, {"x": 1}) == {"y": 1, "text": "cube 1"}
    assert tuple(cube.local_execute(None, x=2)) == (8, "cube 8")
    assert cube.pre_execute("params") == "params"
    assert cube.post_execute(None, 5) == 5
    with pytest.raises(FlyteValidationException, match="missing"):
        cube.execute()
    with pytest.raises(FlyteValidationException, match="input_literal_map must be a dict"):
        cube.dispatch_execute(None, [3])  # type: ignore[arg-type]


def test_container_task_hooks_shape_dispatch() -> None:
    class Doubling(ContainerTask):
        def post_execute(self, user_params: object, rval: object) -> object:
            y, text = rval  # type: ignore[misc]
            return y * 2, text.upper()

    d = Doubling(
        name="seed_doubling",
        image="python:3.11-slim",
        inputs=kwtypes(x=int),
        outputs=kwtypes(y=int, text=str),
        command=cube.container.command,
        arguments=cube.container.arguments,
    )
    assert d.dispatch_execute(None, {"x": 2}) == {"y": 16, "text": "CUBE 8"}


def test_container_task_description() -> None:
    assert cube.get_input_types() == {"x": int}
    assert cube.get_type_for_input_var("x", None) is int
    assert cube.get_type_for_output_var("text", None) is str
    with pytest.raises(FlyteValidationException, match="no output"):
        cube.get_type_for_output_var("zz", None)
    assert cube.get_container(None).image == "python:3.11-slim"
    assert cube.get_extended_resources(None) == {"gpu": 1}
    assert (cube.get_sql(None), cube.get_custom(None), cube.get_k8s_pod(None)) == (None,) * 3
    assert cube.get_config(None) is None
    assert cube.find_lhs() == "cube"
    assert cube.lhs == "cube"
    assert cube.location == f"{__name__}.cube"
    assert cube.instantiated_in == __name__
    assert (cube.task_type, cube.task_type_version) == ("raw-container", 0)
    assert cube.python_interface is cube.interface
    assert cube.environment == {"MODE": "test"}
    assert cube.disable_deck is True
    assert cube.metadata["retries"] == cube.retries
    assert cube.security_context is None
    assert cube.local_execution_mode() == "LOCAL_TASK_EXECUTION"
    assert cube.construct_node_metadata()["name"] == "seed_cube"


# -- data types ---------------------------------------------------------------------------------
def test_flyte_directory_dataclasses_json_methods(tmp_path: Path) -> None:
    d = fl.FlyteDirectory(str(tmp_path))
    text = d.to_json(indent=2, sort_keys=True)
    assert text.startswith("{\n")
    assert fl.FlyteDirectory.from_json(s=text, infer_missing=True).path == str(tmp_path)
    assert fl.FlyteDirectory.from_json(text, parse_int=int).path == str(tmp_path)
    assert fl.FlyteDirectory.from_dict(kvs=d.to_dict(encode_json=True)).path == str(tmp_path)
    schema = fl.FlyteDirectory.schema(many=True)
    dumped = schema.dumps([d, d])
    assert [x.path for x in schema.loads(dumped)] == [str(tmp_path)] * 2
    assert fl.FlyteDirectory.schema(exclude=["path"]).dump(d) == {}
    assert d.serialize_flyte_dir() == d.to_dict()
    assert d.deserialize_flyte_dir() is d
    with pytest.raises(ValueError, match="not JSON"):
        fl.FlyteDirectory.from_json(s="{")
    with pytest.raises(ValueError, match="needs a dict"):
        fl.FlyteDirectory.from_dict(kvs=[1])


def test_flyte_file_mashumaro_json_methods(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("x")
    f = fl.FlyteFile(str(src))
    text = f.to_json(encoder=lambda d: json.dumps(d, indent=1))
    assert "\n" in text
    back = fl.FlyteFile.from_json(text, decoder=json.loads)
    assert back.path == str(src)
    assert fl.FlyteFile.from_dict(f.to_dict(), dialect=None).path == str(src)
    assert f.serialize_flyte_file() == {"path": str(src)}
    assert f.deserialize_flyte_file() is f
    with pytest.raises(ValueError, match="needs a JSON str"):
        fl.FlyteFile.from_json(42)  # type: ignore[arg-type]


def test_structured_dataset_json_methods() -> None:
    sd = fl.StructuredDataset(uri="s3://bucket/t.parquet", metadata={"k": "v"})
    assert sd.to_dict() == {
        "uri": "s3://bucket/t.parquet",
        "file_format": "parquet",
        "metadata": {"k": "v"},
    }
    back = fl.StructuredDataset.from_json(sd.to_json())
    assert (back.uri, back.metadata) == ("s3://bucket/t.parquet", {"k": "v"})
    assert fl.StructuredDataset.from_dict(sd.to_dict(), dialect=None).uri == sd.uri
    assert sd.literal == sd.to_dict()
    assert sd.serialize_structured_dataset() == sd.to_dict()
    assert sd.deserialize_structured_dataset() is sd
    sd.set_literal(None, None)  # has a uri: nothing to do
    import pandas as pd

    in_memory = fl.StructuredDataset(dataframe=pd.DataFrame({"a": [1]}))
    assert in_memory.literal is None
    with pytest.raises(ValueError, match="no URI yet"):
        in_memory.to_json()
    with pytest.raises(ValueError, match="needs"):
        fl.StructuredDataset.from_dict({"url": "x"})


# -- Artifact, Secret, NativeInterface ----------------------------------------------------------
def test_artifact_identity_and_provenance() -> None:
    a = fl.Artifact(name="pricing", partition_keys=["region"], version="v1")
    bound = a(region="dubai")
    ident = bound.to_id_idl()
    assert ident["name"] == "pricing"
    assert ident["version"] == "v1"
    assert ident["partitions"] == {"region": "dubai"}
    assert ident["uri"] is None
    again = fl.Artifact.from_flyte_idl(ident)
    assert (again.name, again.version, dict(again.partitions or {})) == (
        "pricing",
        "v1",
        {"region": "dubai"},
    )
    assert a.source is None
    a.set_source({"run": "r1", "action": "a0", "output": "o0"})
    assert a.source == {"run": "r1", "action": "a0", "output": "o0"}
    with pytest.raises(FlyteValidationException, match="set_source"):
        a.set_source({"job": "x"})
    with pytest.raises(FlyteValidationException, match="set_resolver"):
        a.set_resolver(object())
    with pytest.raises(FlyteValidationException, match="unknown fields"):
        fl.Artifact.from_flyte_idl({"name": "x", "colour": "red"})
    with pytest.raises(NotAvailableHereError, match="create_artifact"):
        fl.Artifact.to_create_request(a)


def test_artifact_resolver_is_where_get_reads() -> None:
    from flyte_nb.artifacts._source import current_source

    source = current_source()
    a = fl.Artifact(name="seed-resolver")
    a.set_resolver(source)
    assert a._source is source


def test_secret_mount_type_and_native_interface_signature() -> None:
    assert fl.Secret.MountType is MountType
    assert fl.Secret(
        key="k", mount_requirement=fl.Secret.MountType.FILE
    ).mount_requirement.name == ("FILE")
    sig = inspect.signature(NativeInterface)
    assert list(sig.parameters)[:3] == ["inputs", "outputs", "docstring"]
    ni = NativeInterface({"x": (int, inspect.Parameter.empty)}, {"o0": int})
    assert ni.return_annotation is inspect.Parameter.empty
    assert ni.convert_to_kwargs(3) == {"x": 3}
