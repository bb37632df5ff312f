"""ContainerTask: the input/output directory contract through the process runtime, in the
kernel and on a real backend; the docker command line (through a stub CLI, since no
container runtime can run here); and every bad definition."""

from __future__ import annotations

import datetime
import json
import stat
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import alive, running_server

import flyte_nb as fl
from flyte_nb.client import _daemon
from flyte_nb.container import ContainerTask, ContainerTaskError, MetadataFormat
from flyte_nb.exceptions import ActionTimeoutError, FlyteValidationException
from flyte_nb.union import kwtypes, map_task, workflow

greet = ContainerTask(
    name="greet",
    image="alpine:3.18",
    inputs=kwtypes(name=str, times=int),
    outputs=kwtypes(greeting=str, count=int),
    command=[
        "/bin/sh",
        "-c",
        "echo 'Hello {{.inputs.name}}' | tee /var/outputs/greeting; "
        "echo $(( {{.inputs.times}} * 2 )) > /var/outputs/count; echo to-stderr >&2",
    ],
    local_logs=True,
)

kinds = ContainerTask(
    name="kinds",
    image="alpine:3.18",
    inputs=kwtypes(ratio=float, flag=bool, when=datetime.datetime, items=list[int], src=Path),
    outputs=kwtypes(
        ratio=float, flag=bool, when=datetime.datetime, items=list[int], copy=Path, listing=str
    ),
    input_data_dir="/in",
    output_data_dir="/out",
    command=[
        "/bin/sh",
        "-c",
        textwrap.dedent("""
        echo {{.inputs.ratio}} > /out/ratio
        echo {{.inputs.flag}} > /out/flag
        cat /in/when > /out/when
        cat /in/items > /out/items
        cp {{.inputs.src}} /out/copy
        ls /in > /out/listing
    """),
    ],
)

square = ContainerTask(
    name="square",
    image="python:3.11-slim",
    inputs=kwtypes(x=int),
    outputs=kwtypes(y=int),
    command=[
        sys.executable,
        "-c",
        "import sys; open(sys.argv[2], 'w').write(str(int(sys.argv[1]) ** 2))",
    ],
    arguments=["{{.inputs.x}}", "/var/outputs/y"],
)

failing = ContainerTask(
    name="failing",
    image="alpine:3.18",
    command=["/bin/sh", "-c", "echo something went wrong >&2; exit 3"],
)


@workflow
def squares(xs: list[int]) -> list[int]:
    return map_task(square)(x=xs)


# -- the contract, in the kernel ---------------------------------------------------------------
def test_inputs_templated_and_outputs_read_back() -> None:
    run = fl.run(greet, name="Ann", times=4)
    assert tuple(run.outputs()) == ("Hello Ann", 8)
    out = greet(name="Bob", times=1)  # a plain call outside a run works the same
    assert (out.greeting, out.count) == ("Hello Bob", 2)
    logs = run.logs()
    assert "Hello Ann" in logs
    assert "to-stderr" in logs


def test_every_kind_of_value(tmp_path: Path) -> None:
    src = tmp_path / "data.txt"
    src.write_text("payload")
    when = datetime.datetime(2024, 5, 1, 12, 30)
    out = kinds(ratio=0.5, flag=True, when=when, items=[1, 2], src=src)
    assert (out.ratio, out.flag, out.when, out.items) == (0.5, True, when, [1, 2])
    assert isinstance(out.copy, Path)
    assert out.copy.read_text() == "payload"
    assert sorted(out.listing.split()) == ["flag", "inputs.json", "items", "ratio", "src", "when"]


def test_metadata_file_json_and_yaml(tmp_path: Path) -> None:
    for fmt, name in ((MetadataFormat.JSON, "inputs.json"), ("YAML", "inputs.yaml")):
        task = ContainerTask(
            name=f"meta_{name.replace('.', '_')}",
            image="alpine",
            inputs=kwtypes(a=int, b=str),
            outputs=kwtypes(meta=str),
            metadata_format=fmt,
            command=["/bin/sh", "-c", f"cat /var/inputs/{name} > /var/outputs/meta"],
        )
        text = task(a=1, b="x")
        if name.endswith("json"):
            assert json.loads(text) == {"a": 1, "b": "x"}
        else:
            assert "a: 1" in text
            assert "b: x" in text


def test_map_and_workflow() -> None:
    assert squares(xs=[1, 2, 3]) == [1, 4, 9]
    assert fl.run(squares, xs=[4]).outputs() == [16]


def test_failures_are_clear() -> None:
    with pytest.raises(ContainerTaskError, match=r"(?s)exit status 3.*something went wrong"):
        failing()
    missing = ContainerTask(
        name="missing", image="a", outputs=kwtypes(x=int), command=["/bin/true"]
    )
    with pytest.raises(ContainerTaskError, match=r"declares output 'x'.*wrote no /var/outputs/x"):
        missing()
    garbled = ContainerTask(
        name="garbled",
        image="a",
        outputs=kwtypes(x=int),
        command=["/bin/sh", "-c", "echo nope > /var/outputs/x"],
    )
    with pytest.raises(ContainerTaskError, match="output 'x' should be int"):
        garbled()
    absent = ContainerTask(name="absent", image="a", command=["/no/such/program"])
    with pytest.raises(ContainerTaskError, match="must be installed here"):
        absent()
    with pytest.raises(ContainerTaskError):
        fl.run(failing)
    (run,) = fl.remote.Run.listall(limit=1)
    assert run.phase == "FAILED"
    assert run.error is not None
    assert run.error["type"] == "ContainerTaskError"


def test_timeout_kills_the_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    sleeper = ContainerTask(
        name="sleeper",
        image="a",
        inputs=kwtypes(pid_file=str),
        timeout=1,
        command=["/bin/sh", "-c", "echo $$ > {{.inputs.pid_file}}; exec sleep 30"],
    )
    with pytest.raises(ActionTimeoutError):
        fl.run(sleeper, pid_file=str(pid_file))
    assert not alive(int(pid_file.read_text()))


def test_unknown_runtime_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_NB_CONTAINER_RUNTIME", "kubectl")
    with pytest.raises(ContainerTaskError, match="use 'process', 'docker', 'podman'"):
        greet(name="x", times=1)


def test_docker_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Docker cannot run here: a stub CLI stands in, records its arguments, and plays the
    container by writing the output into the folder mounted at the output path."""
    record = tmp_path / "argv.json"
    stub = tmp_path / "docker"
    stub.write_text(
        textwrap.dedent(f"""\
        #!{sys.executable}
        import json, os, sys
        argv = sys.argv[1:]
        seen = {{"argv": argv, "token": os.environ.get("API_TOKEN")}}
        json.dump(seen, open({str(record)!r}, "w"))
        mounts = [argv[i + 1] for i, a in enumerate(argv) if a == "-v"]
        out = next(m.split(":")[0] for m in mounts if m.endswith(":/var/outputs"))
        open(os.path.join(out, "greeting"), "w").write("from the stub")
        open(os.path.join(out, "count"), "w").write("7")
    """)
    )
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("FLYTE_NB_CONTAINER_RUNTIME", str(stub))
    task = ContainerTask(
        name="dockered",
        image="alpine:3.18",
        inputs=kwtypes(name=str),
        outputs=kwtypes(greeting=str, count=int),
        environment={"API_TOKEN": "s3cr3t-value"},
        limits=fl.Resources(cpu="1500m", mem="256Mi"),
        command=["/bin/sh", "-c", "echo {{.inputs.name}} > /var/outputs/greeting"],
    )
    assert tuple(fl.run(task, name="Ann").outputs()) == ("from the stub", 7)
    seen = json.loads(record.read_text())
    argv = seen["argv"]
    assert argv[:2] == ["run", "--rm"]
    assert argv[-4:] == ["alpine:3.18", "/bin/sh", "-c", "echo Ann > /var/outputs/greeting"]
    assert "--user" in argv
    assert argv[argv.index("--cpus") + 1] == "1.5"
    assert argv[argv.index("--memory") + 1] == str(256 * 2**20)
    assert any(v.endswith(":/var/inputs:ro") for v in argv)
    assert argv[argv.index("-e") + 1] == "API_TOKEN"  # by name: the value is not on the line
    assert "s3cr3t-value" not in " ".join(argv)
    assert seen["token"] == "s3cr3t-value"  # the task's environment reached the CLI's


# -- bad definitions -----------------------------------------------------------------------------
OK: dict[str, object] = {"name": "t", "image": "alpine", "command": ["/bin/true"]}


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"name": "has space"}, "the name must start with a letter"),
        ({"image": 3}, "image must be an image name (str) or an ImageSpec"),
        ({"command": []}, "command must name a program"),
        ({"command": [1]}, "command must be a list of strings"),
        ({"arguments": "{{.inputs.nope}}"}, "{{.inputs.nope}} names no input"),
        ({"inputs": {"x": set}}, "container tasks pass str, int, float"),
        ({"inputs": {"not an id": int}}, "must be a Python identifier"),
        ({"outputs": [("x", int)]}, "outputs must be a dict of name to type"),
        ({"input_data_dir": "relative"}, "input_data_dir must be an absolute path"),
        ({"input_data_dir": "/d", "output_data_dir": "/d"}, "must differ"),
        ({"metadata_format": "PROTO"}, "PROTO needs Flyte's protobuf types"),
        ({"metadata_format": "XML"}, "metadata_format must be MetadataFormat.JSON"),
        ({"local_logs": "yes"}, "local_logs must be True or False"),
        ({"requests": {"cpu": 1}}, "requests must be a Resources"),
        ({"resources": fl.Resources(cpu=1), "limits": fl.Resources(cpu=1)}, "not both"),
        ({"pod_template": {"labels": {}}}, "pod_template must be a PodTemplate"),
        ({"retries": -1}, "retries must be a whole number"),
        ({"environment": {"A": 1}}, "environment must be a dict of str to str"),
        ({"shell": True}, "unknown setting(s) ['shell']"),
        ({"secret_requests": [5]}, "is not a key string or a Secret"),
    ],
)
def test_bad_definitions(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(FlyteValidationException) as info:
        ContainerTask(**{**OK, **changes})  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_settings_are_kept() -> None:
    from flyte_nb.image import ImageSpec, PodTemplate

    spec = ImageSpec(name="tools", packages=["jq"])
    pod = PodTemplate(labels={"team": "data"})
    task = ContainerTask(
        name="kept",
        image=spec,
        command=["/bin/true"],
        pod_template=pod,
        requests=fl.Resources(cpu=1),
        secret_requests=["token"],
        retries=2,
    )
    assert task.container.image == spec.image_name()
    assert task.union_settings["pod_template"] is pod
    assert task.resources == fl.Resources(cpu=1)
    assert [s.key for s in task.secrets] == ["token"]
    assert task.retries.count == 2
    assert (
        task.cache_version()
        == ContainerTask(name="kept2", image=spec, command=["/bin/true"]).cache_version()
    )


# -- on the backend --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("container-home")
    with running_server(home) as info:
        yield home, info


def test_runs_on_backend_workers(server: tuple[Path, _daemon.ServerInfo], home: Path) -> None:
    fl.init(home=server[0])
    run = fl.run(greet, name="Cy", times=5).wait(timeout=60)
    assert tuple(run.outputs()) == ("Hello Cy", 10)
    assert "Hello Cy" in run.logs()
    assert fl.run(squares, xs=[2, 3]).wait(timeout=60).outputs() == [4, 9]
