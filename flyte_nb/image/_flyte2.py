"""Flyte 2's ``flyte.Image``: an image described as a base plus ordered layers.

Flyte 2 programs build their image with chained calls
(``Image.from_debian_base().with_apt_packages("git").with_pip_packages("pandas")``). Here
the chain is *recorded*, immutably (each call returns a new ``Image``), in the order it
was written, because the order of Dockerfile steps matters (an ``ENV`` before a ``pip``).
``dockerfile()`` renders it, and ``uri`` names it by a hash of its content, like
``ImageSpec``. Nothing is built or pulled: on this machine tasks run in the kernel or in
backend workers (see docs/compatibility.md). Files a layer names (requirements, a
project, sources) need not exist when the chain is written, as in Flyte 2, where they are
read at build time; ``tag`` and ``dockerfile()`` read them when they do.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shlex
import sys
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from ..exceptions import FlyteValidationException

_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
_DEFAULT_NAME = "flyte"
# A layer: (kind, payload). Payloads are tuples/strings so that an Image is hashable.
Layer = tuple[str, Any]


def _bad(what: str, value: object, fix: str) -> FlyteValidationException:
    return FlyteValidationException(f"Image.{what}: got {value!r}; {fix}")


def _strings(what: str, values: Iterable[object]) -> tuple[str, ...]:
    out = tuple(values)
    if not all(isinstance(v, str) and v.strip() for v in out):
        raise _bad(what, out, 'pass non-empty strings, e.g. with_pip_packages("pandas", "numpy")')
    return tuple(str(v) for v in out)


def _python_version(what: str, value: object) -> tuple[int, int]:
    if value is None:
        return sys.version_info[0], sys.version_info[1]
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return value[0], value[1]
    raise _bad(what, value, "python_version is a (major, minor) tuple, e.g. (3, 12)")


def _path(what: str, value: object, *, must_exist: bool = True) -> str:
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        raise _bad(what, value, "pass a file or folder path")
    if must_exist and not os.path.exists(value):
        raise _bad(what, os.fspath(value), "no such file or folder; check the path")
    return os.fspath(value)


def uv_script_dependencies(script: str) -> tuple[str | None, tuple[str, ...]]:
    """``requires-python`` and ``dependencies`` of a PEP 723 script's ``# /// script`` block."""
    lines = Path(script).read_text().splitlines()
    block: list[str] = []
    inside = False
    for line in lines:
        if line.strip() == "# /// script":
            inside = True
        elif inside and line.strip() == "# ///":
            break
        elif inside:
            block.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
    if not block:
        return None, ()
    try:
        meta = tomllib.loads("\n".join(block))
    except tomllib.TOMLDecodeError as exc:
        raise _bad(
            "from_uv_script", script, f"its `# /// script` block is not TOML ({exc})"
        ) from None
    return meta.get("requires-python"), tuple(str(d) for d in meta.get("dependencies", ()))


@dataclasses.dataclass(frozen=True)
class Image:
    """A container image a task would run in; build it with ``Image.from_*`` and ``with_*``."""

    base_image: str | None = None
    name: str = _DEFAULT_NAME
    registry: str | None = None
    python_version: tuple[int, int] = (sys.version_info[0], sys.version_info[1])
    platform: tuple[str, ...] = ("linux/amd64",)
    layers: tuple[Layer, ...] = ()
    dockerfile_path: str | None = None

    # -- starting points -----------------------------------------------------------------
    @classmethod
    def from_debian_base(
        cls,
        python_version: tuple[int, int] | None = None,
        flyte_version: str | None = None,
        install_flyte: bool = True,
        registry: str | None = None,
        registry_secret: Any = None,
        name: str | None = None,
        platform: tuple[str, ...] | None = None,
    ) -> Image:
        """Debian with Python (default: this interpreter's version). ``flyte_version`` and
        ``install_flyte`` are recorded: the image would install flyte_nb, not flyte."""
        version = _python_version("from_debian_base", python_version)
        return cls._new(
            f"python:{version[0]}.{version[1]}-slim-bookworm",
            name=name,
            registry=registry,
            python_version=version,
            platform=platform,
        )

    @classmethod
    def from_base(cls, image_uri: str) -> Image:
        """An existing image (``"python:3.12-slim"``, ``"ghcr.io/org/img:tag"``)."""
        if not isinstance(image_uri, str) or not image_uri.strip():
            raise _bad("from_base", image_uri, 'pass an image reference, e.g. "python:3.12-slim"')
        return cls._new(image_uri)

    @classmethod
    def from_ref_name(cls, name: str = "default") -> Image:
        """An image named in the Flyte config; here only the name is recorded."""
        if not isinstance(name, str) or not name:
            raise _bad("from_ref_name", name, "pass the image's name in the config")
        return cls._new(None, layers=(("ref_name", name),))

    @classmethod
    def from_dockerfile(
        cls, file: str | os.PathLike[str], registry: str, name: str, platform: Any = None
    ) -> Image:
        """An image built from your own Dockerfile, which ``dockerfile()`` hands back."""
        return dataclasses.replace(
            cls._new(None, name=name, registry=registry, platform=platform),
            dockerfile_path=_path("from_dockerfile", file),
        )

    @classmethod
    def from_uv_script(
        cls,
        script: str | os.PathLike[str],
        *,
        name: str,
        registry: str | None = None,
        registry_secret: Any = None,
        python_version: tuple[int, int] | None = None,
        index_url: str | None = None,
        extra_index_urls: str | list[str] | tuple[str, ...] | None = None,
        pre: bool = False,
        extra_args: str | None = None,
        platform: tuple[str, ...] | None = None,
        secret_mounts: Any = None,
    ) -> Image:
        """Debian with Python and the dependencies of a PEP 723 (``uv run``) script."""
        path = _path("from_uv_script", script)
        _, deps = uv_script_dependencies(path)
        image = cls.from_debian_base(
            python_version=python_version, registry=registry, name=name, platform=platform
        )
        if deps:
            image = image.with_pip_packages(
                *deps,
                index_url=index_url,
                extra_index_urls=extra_index_urls,
                pre=pre,
                extra_args=extra_args,
            )
        return image

    @classmethod
    def _new(
        cls,
        base: str | None,
        *,
        name: str | None = None,
        registry: str | None = None,
        python_version: tuple[int, int] | None = None,
        platform: tuple[str, ...] | None = None,
        layers: tuple[Layer, ...] = (),
    ) -> Image:
        if name is not None and (not isinstance(name, str) or not _NAME.match(name)):
            raise _bad(
                "name", name, 'use lowercase letters, digits, ".", "_", "-", e.g. "my-image"'
            )
        if registry is not None and (not isinstance(registry, str) or not registry.strip()):
            raise _bad("registry", registry, 'pass a registry host, e.g. "ghcr.io/my-org"')
        if platform is not None and (
            not isinstance(platform, tuple) or not all(isinstance(p, str) for p in platform)
        ):
            raise _bad("platform", platform, 'pass a tuple such as ("linux/amd64",)')
        return cls(
            base_image=base,
            name=name or _DEFAULT_NAME,
            registry=registry,
            python_version=python_version or (sys.version_info[0], sys.version_info[1]),
            platform=platform or ("linux/amd64",),
            layers=layers,
        )

    # -- layers --------------------------------------------------------------------------
    def _with(self, kind: str, payload: Any) -> Image:
        return dataclasses.replace(self, layers=(*self.layers, (kind, payload)))

    def with_pip_packages(
        self,
        *packages: str,
        index_url: str | None = None,
        extra_index_urls: str | list[str] | tuple[str, ...] | None = None,
        pre: bool = False,
        extra_args: str | None = None,
        secret_mounts: Any = None,
    ) -> Image:
        if not packages:
            raise _bad("with_pip_packages", packages, 'name at least one package, e.g. "pandas"')
        extra = (extra_index_urls,) if isinstance(extra_index_urls, str) else extra_index_urls
        options = (index_url, tuple(extra or ()), bool(pre), extra_args)
        return self._with("pip", (_strings("with_pip_packages", packages), options))

    def with_apt_packages(self, *packages: str, secret_mounts: Any = None) -> Image:
        if not packages:
            raise _bad("with_apt_packages", packages, 'name at least one package, e.g. "git"')
        return self._with("apt", _strings("with_apt_packages", packages))

    def with_requirements(self, file: str | os.PathLike[str], **options: Any) -> Image:
        return self._with("requirements", _path("with_requirements", file, must_exist=False))

    def with_uv_project(self, pyproject_file: str | os.PathLike[str], **options: Any) -> Image:
        return self._with("uv_project", _path("with_uv_project", pyproject_file, must_exist=False))

    def with_commands(self, commands: str | list[str], secret_mounts: Any = None) -> Image:
        if isinstance(commands, str):
            commands = [commands]
        return self._with("commands", _strings("with_commands", commands))

    def with_env_vars(self, env_vars: Mapping[str, str]) -> Image:
        if not isinstance(env_vars, Mapping) or not all(
            isinstance(k, str) and k and isinstance(v, str) for k, v in env_vars.items()
        ):
            raise _bad("with_env_vars", env_vars, 'pass a dict of str to str, e.g. {"A": "1"}')
        return self._with("env", tuple(sorted(env_vars.items())))

    def with_workdir(self, workdir: str) -> Image:
        if not isinstance(workdir, str) or not workdir:
            raise _bad("with_workdir", workdir, 'pass a folder inside the image, e.g. "/app"')
        return self._with("workdir", workdir)

    def with_source_folder(
        self, src: str | os.PathLike[str], dst: str = ".", copy_contents_only: bool = False
    ) -> Image:
        return self._with("copy", (_path("with_source_folder", src, must_exist=False), dst))

    def with_source_file(self, src: str | os.PathLike[str], dst: str = ".") -> Image:
        return self._with("copy", (_path("with_source_file", src, must_exist=False), dst))

    def with_dockerignore(self, path: str | os.PathLike[str]) -> Image:
        return self._with("dockerignore", _path("with_dockerignore", path, must_exist=False))

    def with_local_v2(self) -> Image:
        """Flyte 2 installs the local flyte checkout; here the image gets flyte_nb."""
        return self._with("local_sdk", "flyte_nb")

    def with_code_bundle(self, **options: Any) -> Image:
        """Recorded: code travels with each task here, as with Flyte's fast registration."""
        return self._with("code_bundle", tuple(sorted(str(k) for k in options)))

    def clone(
        self,
        registry: str | None = None,
        name: str | None = None,
        base_image: str | None = None,
        python_version: tuple[int, int] | None = None,
        **options: Any,
    ) -> Image:
        """A copy under another name/registry (and base or Python), keeping the layers."""
        fresh = self._new(
            base_image if base_image is not None else self.base_image,
            name=name or self.name,
            registry=registry if registry is not None else self.registry,
            python_version=python_version or self.python_version,
            platform=self.platform,
            layers=self.layers,
        )
        return dataclasses.replace(fresh, dockerfile_path=self.dockerfile_path)

    # -- naming and rendering ------------------------------------------------------------
    @property
    def tag(self) -> str:
        """A hash of everything that changes the built image (files by their contents)."""
        h = hashlib.sha256()
        payload = [self.base_image, self.python_version, self.platform, self.layers]
        h.update(json.dumps(payload, default=str).encode())
        for kind, value in self.layers:
            path = value[0] if kind == "copy" else value
            if kind in ("requirements", "uv_project", "copy") and os.path.isfile(path):
                h.update(Path(path).read_bytes())
        if self.dockerfile_path is not None:
            h.update(Path(self.dockerfile_path).read_bytes())
        return h.hexdigest()[:20]

    @property
    def uri(self) -> str:
        base = f"{self.registry.rstrip('/')}/{self.name}" if self.registry else self.name
        return f"{base}:{self.tag}"

    def dockerfile(self) -> str:
        """The Dockerfile that builds this image, in the order the layers were added."""
        if self.dockerfile_path is not None:
            return Path(self.dockerfile_path).read_text()
        base = self.base_image or f"python:{self.python_version[0]}.{self.python_version[1]}-slim"
        lines = [
            "# syntax=docker/dockerfile:1",
            f"# Generated by flyte_nb from flyte.Image {self.name!r}; build it with:",
            f"#   docker build --platform {','.join(self.platform)} -t {self.uri} .",
            f"FROM {base}",
            "ENV PYTHONUNBUFFERED=1",
        ]
        for kind, value in self.layers:
            lines.extend(_render(kind, value))
        lines.append(f"ENV FLYTE_NB_IMAGE={shlex.quote(self.uri)}")
        return "\n".join(lines) + "\n"


def _q(items: Iterable[str]) -> str:
    return " ".join(shlex.quote(i) for i in items)


def _render(kind: str, value: Any) -> list[str]:
    if kind == "pip":
        packages, (index_url, extra, pre, extra_args) = value
        parts = ["python", "-m", "pip", "install", "--no-cache-dir"]
        if index_url:
            parts += ["--index-url", index_url]
        for url in extra:
            parts += ["--extra-index-url", url]
        if pre:
            parts.append("--pre")
        line = f"RUN {_q(parts)}"
        return [f"{line} {extra_args} {_q(packages)}" if extra_args else f"{line} {_q(packages)}"]
    if kind == "apt":
        return [
            "RUN apt-get update && apt-get install -y --no-install-recommends "
            f"{_q(value)} && rm -rf /var/lib/apt/lists/*"
        ]
    if kind == "requirements":
        return [
            f"COPY {shlex.quote(value)} /tmp/requirements.txt",
            "RUN python -m pip install --no-cache-dir -r /tmp/requirements.txt",
        ]
    if kind == "uv_project":
        return [
            f"COPY {shlex.quote(value)} /tmp/project/pyproject.toml",
            "RUN python -m pip install --no-cache-dir uv && uv pip install --system -r "
            "/tmp/project/pyproject.toml",
        ]
    if kind == "commands":
        return [f"RUN {command}" for command in value]
    if kind == "env":
        return ["ENV " + " ".join(f"{k}={shlex.quote(v)}" for k, v in value)]
    if kind == "workdir":
        return [f"WORKDIR {value}"]
    if kind == "copy":
        src, dst = value
        target = PurePosixPath(dst) / PurePosixPath(src).name if dst == "." else dst
        return [f"COPY {shlex.quote(src)} {shlex.quote(str(target))}"]
    if kind == "local_sdk":
        return ["RUN python -m pip install --no-cache-dir flyte_nb"]
    return [f"# {kind}: {value!r} (recorded; nothing to build)"]
