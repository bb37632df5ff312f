"""ImageSpec (deterministic names, immutable builders, from_env, the Dockerfile, the CLI),
``exist()`` against a tiny local HTTP server speaking the OCI registry's manifest endpoint
(no real registry is reachable here), and PodTemplate (validation, hash, stored with tasks)."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import flyte_nb as fl
from flyte_nb.cli import main as cli
from flyte_nb.engine._action_spec import task_spec
from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.image import ImageSpec, PodTemplate


# -- names -----------------------------------------------------------------------------------
def test_name_and_tag_come_from_the_content() -> None:
    a = ImageSpec(name="demo", packages=["numpy"], env={"A": "1", "B": "2"}, registry="ghcr.io/me")
    b = ImageSpec(name="demo", packages=["numpy"], env={"B": "2", "A": "1"}, registry="ghcr.io/me")
    assert a.image_name() == b.image_name()
    assert a.image_name() == f"ghcr.io/me/demo:{a.tag}"
    assert len(a.tag) == 26
    assert a.tag.isalnum()
    assert ImageSpec(name="demo", packages=["pandas"]).tag != a.tag
    # Where the image is pushed and what it is called do not change what is in it.
    assert ImageSpec(name="other", packages=["numpy"], env={"A": "1", "B": "2"}).tag == a.tag
    assert ImageSpec(name="demo", tag_format="{spec_hash}-dev").tag.endswith("-dev")
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert ImageSpec().tag == ImageSpec(python_version=here).tag
    assert ImageSpec().resolved_base_image == f"python:{here}-slim"
    assert ImageSpec(cuda="12.1", cudnn="8").resolved_base_image.startswith("nvidia/cuda:12.1")
    base = ImageSpec(name="base", packages=["pip"])
    child = ImageSpec(name="child", base_image=base)
    assert child.resolved_base_image == base.image_name()
    assert ImageSpec(name="child", base_image=base.with_packages("x")).tag != child.tag


def test_file_contents_are_part_of_the_tag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("requirements.txt").write_text("numpy==1.0\n")
    spec = ImageSpec(name="req", requirements="requirements.txt", copy=["src"])
    Path("src").mkdir()
    Path("src", "a.py").write_text("x = 1\n")
    first = spec.tag
    Path("requirements.txt").write_text("numpy==2.0\n")
    second = spec.tag
    Path("src", "a.py").write_text("x = 2\n")
    assert len({first, second, spec.tag}) == 3
    with pytest.raises(FlyteValidationException, match="does not exist; its content is part"):
        _ = ImageSpec(requirements="nope.txt").tag


def test_builders_return_new_specs_and_never_change_the_old() -> None:
    spec = ImageSpec(name="b", packages=["numpy"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "other"  # type: ignore[misc]
    more = spec.with_packages(["pandas", "polars"]).with_packages("scipy")
    assert spec.packages == ("numpy",)
    assert more.packages == ("numpy", "pandas", "polars", "scipy")
    assert spec.with_apt_packages("git").apt_packages == ("git",)
    assert spec.with_commands(["echo 1"]).commands == ("echo 1",)
    assert spec.with_copy("src").copy == ("src",)
    assert spec.with_runtime_packages(["rich"]).runtime_packages == ("rich",)
    opts = spec.with_builder_options({"a": 1}).with_builder_options({"b": 2})
    assert opts.builder_options == {"a": 1, "b": 2}
    assert spec.builder_options is None
    assert opts.tag == spec.tag  # builder options do not change the image
    pushed = spec.force_push()
    assert pushed._force_push
    assert not spec._force_push
    assert pushed == spec
    assert hash(spec) == hash(ImageSpec(name="b", packages=["numpy"]))


def test_from_env_pins_installed_versions() -> None:
    spec = ImageSpec.from_env(["httpx"], name="pinned", packages=["rich"])
    version = importlib.metadata.version("httpx")
    assert spec.packages == ("rich", f"httpx=={version}")
    assert spec.python_version == f"{sys.version_info.major}.{sys.version_info.minor}"
    with pytest.raises(FlyteValidationException, match="'no-such-package-xyz' is not installed"):
        ImageSpec.from_env(["no-such-package-xyz"])
    with pytest.raises(FlyteValidationException, match=r"unknown field\(s\) \['colour'\]"):
        ImageSpec.from_env([], colour="red")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"name": "Upper"}, "image names use lowercase"),
        ({"name": "demo:tag"}, "image names use lowercase"),
        ({"python_version": "2.7"}, "expected '3.11'"),
        ({"registry": "https://ghcr.io"}, "expected host[:port][/path]"),
        ({"packages": "numpy"}, "expected a list of strings, e.g. packages=[...]"),
        ({"packages": ["numpy", 3]}, "every item must be a non-empty string"),
        ({"env": {"A": 1}}, "expected a dict of str to str"),
        ({"base_image": 5}, "expected an image name or an ImageSpec"),
        ({"tag_format": "v1"}, "must contain '{spec_hash}'"),
        ({"pip_secret_mounts": [("a",)]}, "(source, mount) pairs"),
        ({"requirements": ""}, "expected a non-empty string"),
        ({"builder_options": [1]}, "expected a dict"),
    ],
)
def test_bad_specs(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(FlyteValidationException) as info:
        ImageSpec(**kwargs)
    assert fragment in str(info.value)


def test_is_container(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = ImageSpec(name="here")
    assert not spec.is_container()
    monkeypatch.setenv("FLYTE_NB_IMAGE", spec.image_name())
    assert spec.is_container()


# -- the Dockerfile ------------------------------------------------------------------------------
def test_dockerfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("requirements.txt").write_text("rich\n")
    Path("src", "app").mkdir(parents=True)
    spec = ImageSpec(
        name="full",
        python_version="3.12",
        packages=["numpy>=1", "pandas"],
        apt_packages=["git"],
        env={"MODE": "prod run"},
        pip_index="https://pypi.example/simple",
        pip_extra_index_url=["https://extra.example"],
        pip_secret_mounts=[(".netrc", "/root/.netrc")],
        requirements="requirements.txt",
        copy=["src/app"],
        commands=["echo done"],
        entrypoint=["python", "-m", "app"],
        conda_packages=["mkl"],
        conda_channels=["intel"],
    )
    text = spec.dockerfile()
    lines = text.splitlines()
    assert "FROM --platform=linux/amd64 python:3.12-slim" in lines
    assert "ENV MODE='prod run' PYTHONUNBUFFERED=1" in lines
    assert any(line.startswith("RUN apt-get update") and " git " in line for line in lines)
    pip = next(line for line in lines if "'numpy>=1' pandas" in line)
    assert pip.startswith("RUN --mount=type=secret,id=.netrc,target=/root/.netrc python -m pip")
    assert "--index-url https://pypi.example/simple --extra-index-url https://extra.example" in pip
    assert "COPY requirements.txt /tmp/requirements.txt" in lines
    assert "COPY src/app /root/app" in lines
    assert "RUN conda install -y -c intel mkl" in lines
    assert lines.index("RUN echo done") > lines.index("COPY src/app /root/app")
    assert f"ENV FLYTE_NB_IMAGE={spec.image_name()}" in lines
    assert lines[-1] == 'ENTRYPOINT ["python", "-m", "app"]'
    cuda = ImageSpec(name="gpu", cuda="12.1", packages=["torch"]).dockerfile()
    assert "python3 python3-pip" in cuda
    assert "python3 -m pip install" in cuda


def test_cli_dockerfile_and_name(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli(["image", "dockerfile", "--name", "cli", "--packages", "numpy", "--env", "A=1"]) == 0
    out = capsys.readouterr().out
    assert "RUN python -m pip install --no-cache-dir numpy" in out
    assert out == ImageSpec(name="cli", packages=["numpy"], env={"A": "1"}).dockerfile()
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps({"name": "fromfile", "apt_packages": ["curl"]}))
    assert cli(["image", "name", "--spec", str(spec_file), "--registry", "localhost:5000"]) == 0
    expected = ImageSpec(name="fromfile", apt_packages=["curl"], registry="localhost:5000")
    assert capsys.readouterr().out.strip() == expected.image_name()
    assert cli(["image", "name", "--env", "novalue"]) == 1
    assert "--env takes NAME=VALUE" in capsys.readouterr().err
    assert cli(["image", "name", "--name", "Bad"]) == 1
    assert "image names use lowercase" in capsys.readouterr().err


# -- the registry ----------------------------------------------------------------------------------
class _Registry(BaseHTTPRequestHandler):
    """Speaks ``HEAD /v2/<repo>/manifests/<tag>``; with ``token`` set, only to bearers of it
    (a 401 challenge pointing at ``/token``, as Docker Hub and GHCR do)."""

    images: set[str] = set()
    token: str | None = None
    broken = False
    seen: list[tuple[str, str | None]] = []

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self.seen.append((self.path, self.headers.get("Accept")))
        if self.broken:
            self.send_response(500)
        elif self.token and self.headers.get("Authorization") != f"Bearer {self.token}":
            host = self.headers["Host"]
            self.send_response(401)
            self.send_header(
                "WWW-Authenticate", f'Bearer realm="http://{host}/token",service="test"'
            )
        elif self.path.startswith("/v2/") and "/manifests/" in self.path:
            repo, _, tag = self.path[4:].partition("/manifests/")
            self.send_response(200 if f"{repo}:{tag}" in self.images else 404)
        else:
            self.send_response(404)
        self.end_headers()

    def do_GET(self) -> None:
        if self.path.startswith("/token") and "scope=repository" in self.path:
            body = json.dumps({"token": self.token}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.end_headers()


@pytest.fixture
def registry() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Registry.images, _Registry.token, _Registry.broken = set(), None, False
    _Registry.seen = []
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_exist_asks_the_manifest_endpoint(registry: str) -> None:
    spec = ImageSpec(name="team/app", packages=["numpy"], registry=registry)
    assert spec.exist() is False
    _Registry.images.add(f"team/app:{spec.tag}")
    assert spec.exist() is True
    path, accept = _Registry.seen[-1]
    assert path == f"/v2/team/app/manifests/{spec.tag}"
    assert accept is not None
    assert "application/vnd.oci.image.index.v1+json" in accept
    nested = ImageSpec(name="app", registry=f"{registry}/team")
    _Registry.images.add(f"team/app:{nested.tag}")
    assert nested.exist() is True


def test_exist_follows_the_token_challenge(registry: str) -> None:
    spec = ImageSpec(name="private", registry=registry)
    _Registry.token = "let-me-in"
    _Registry.images.add(f"private:{spec.tag}")
    assert spec.exist() is True
    assert ImageSpec(name="private", packages=["x"], registry=registry).exist() is False


def test_exist_is_none_when_it_cannot_tell(
    registry: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _Registry.broken = True
    assert ImageSpec(name="app", registry=registry).exist() is None
    assert ImageSpec(name="app", registry="127.0.0.1:1").exist() is None  # nothing listens
    assert cli(["image", "exists", "--name", "app", "--registry", registry]) == 2
    assert capsys.readouterr().out.startswith("unknown ")
    _Registry.broken = False
    assert cli(["image", "exists", "--name", "app", "--registry", registry]) == 1
    assert capsys.readouterr().out.startswith("no ")


# -- PodTemplate -----------------------------------------------------------------------------------
class _V1PodSpecLike:
    """Stands in for kubernetes.client.V1PodSpec (not installed): an object with to_dict()."""

    def to_dict(self) -> dict[str, Any]:
        return {"containers": [{"name": "primary", "image": None}], "node_selector": None}


def test_pod_template_validates_and_hashes() -> None:
    pod = PodTemplate(
        pod_spec={
            "containers": [{"name": "primary", "env": [{"name": "A", "value": "1"}]}],
            "tolerations": [{"key": "gpu"}],
        },
        labels={"team": "ml", "app.kubernetes.io/name": "demo"},
        annotations={"example.com/owner": "me and you"},
    )
    same = PodTemplate(
        labels={"app.kubernetes.io/name": "demo", "team": "ml"},
        annotations={"example.com/owner": "me and you"},
        pod_spec={
            "tolerations": [{"key": "gpu"}],
            "containers": [{"env": [{"value": "1", "name": "A"}], "name": "primary"}],
        },
    )
    assert pod.version_hash() == same.version_hash()
    assert pod == same
    assert PodTemplate(labels={"team": "ops"}).version_hash() != pod.version_hash()
    assert PodTemplate.from_dict(pod.to_dict()) == pod
    assert PodTemplate(_V1PodSpecLike()).pod_spec == {"containers": [{"name": "primary"}]}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"primary_container_name": "Primary"}, "DNS-1123 label"),
        ({"labels": {"bad key!": "v"}}, "not a Kubernetes qualified name"),
        ({"labels": {"k": "has space"}}, "which Kubernetes refuses"),
        ({"labels": ["k"]}, "labels must be a dict of str to str"),
        ({"annotations": {"k": 1}}, "must have a string value"),
        ({"pod_spec": {"containers": [{"image": "x"}]}}, "each with a name"),
        ({"pod_spec": {"volumes": {object()}}}, "is not JSON data"),
        ({"pod_spec": "spec"}, "must be a dict or a V1PodSpec"),
    ],
)
def test_bad_pod_templates(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(FlyteValidationException) as info:
        PodTemplate(**kwargs)
    assert fragment in str(info.value)


def test_pod_template_is_stored_with_the_task() -> None:
    pod = PodTemplate(labels={"team": "ml"})

    @fl.task(pod_template=pod)
    def podded(x: int) -> int:
        return x

    spec = task_spec(podded, {})
    assert spec["pod_template"]["labels"] == {"team": "ml"}
    assert spec["pod_template"]["version_hash"] == pod.version_hash()
    with pytest.raises(FlyteValidationException, match="pod_template must be a PodTemplate"):
        fl.task(pod_template={"labels": {}})(lambda x: x)
