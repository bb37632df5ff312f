"""``ImageSpec``: the container image a task would run in, named by what goes into it.

Design decisions:

* **Immutable.** An ``ImageSpec`` is a frozen dataclass whose list fields are stored as tuples;
  the ``with_*`` builders return a new spec and never change the one they are called on, so a
  spec shared by several tasks cannot change under them.
* **The tag is the content.** ``tag`` is a hash of every field that changes the built image
  (packages, apt packages, commands, env, base image, Python version, platform, CUDA...) plus
  the *contents* of ``requirements`` and of the files named in ``copy``; so an unchanged spec
  gets the same tag on any machine and any day, and any change gets a new one. Fields that do
  not change the image are left out: ``name`` and ``registry`` (they are in the full name
  already), ``registry_config``, ``pip_secret_mounts`` (the seed: "should not change the built
  image"), ``builder``, ``builder_options``, ``builder_config``, ``tag_format`` and
  ``source_root`` / ``source_copy_mode`` (source code travels with the task, as with
  flytekit's fast registration).
* **No base image means Python's.** Without ``base_image`` the image starts from
  ``python:<python_version>-slim`` (``python_version`` defaults to this interpreter's), and that
  resolved base is part of the hash.
* Building is not this package's job: ``dockerfile()`` renders the Dockerfile
  (``flyte-nb image dockerfile``) and ``exist()`` asks the registry (``_registry``).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..exceptions import FlyteValidationException

__all__ = ["ImageSpec"]

_REPO = re.compile(
    r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)
_REGISTRY = re.compile(r"^[A-Za-z0-9.-]+(?::\d+)?(?:/[a-z0-9._-]+)*$")
_PYTHON = re.compile(r"^3(?:\.\d+){0,2}$")
_LISTS = (
    "packages",
    "conda_packages",
    "conda_channels",
    "apt_packages",
    "pip_extra_index_url",
    "entrypoint",
    "commands",
    "copy",
    "runtime_packages",
)
_UNHASHED = frozenset(
    {
        "name",
        "registry",
        "registry_config",
        "pip_secret_mounts",
        "builder",
        "builder_options",
        "builder_config",
        "tag_format",
        "source_root",
        "source_copy_mode",
    }
)
_EXAMPLE = 'ImageSpec(name="my-image", packages=["numpy"], registry="ghcr.io/me")'


def _bad(field: str, value: object, why: str) -> FlyteValidationException:
    return FlyteValidationException(f"ImageSpec({field}={value!r}): {why}. Example: {_EXAMPLE}")


def _str_list(field: str, value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise _bad(field, value, f"expected a list of strings, e.g. {field}=[...]")
    if not all(isinstance(v, str) and (v or field == "entrypoint") for v in value):
        raise _bad(field, value, "every item must be a non-empty string")
    return tuple(value)


def _str_map(field: str, value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        raise _bad(field, value, "expected a dict of str to str")
    return dict(value)


def _file_digest(path: Path) -> str:
    """sha256 of a file, or of a folder's files (relative names and contents, sorted)."""
    h = hashlib.sha256()
    if path.is_dir():
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            h.update(str(item.relative_to(path)).encode() + b"\0")
            h.update(item.read_bytes())
    else:
        h.update(path.read_bytes())
    return h.hexdigest()


@dataclasses.dataclass(frozen=True)
class ImageSpec:
    """The image to run a task in; see the module docstring for how it is named."""

    name: str = "flyte_nb"
    python_version: str | None = None
    builder: str | None = None
    source_root: str | None = None
    env: dict[str, str] | None = None
    registry: str | None = None
    packages: Sequence[str] | None = None
    conda_packages: Sequence[str] | None = None
    conda_channels: Sequence[str] | None = None
    requirements: str | None = None
    apt_packages: Sequence[str] | None = None
    cuda: str | None = None
    cudnn: str | None = None
    base_image: str | ImageSpec | None = None
    platform: str = "linux/amd64"
    pip_index: str | None = None
    pip_extra_index_url: Sequence[str] | None = None
    pip_secret_mounts: Sequence[tuple[str, str]] | None = None
    pip_extra_args: str | None = None
    registry_config: str | None = None
    entrypoint: Sequence[str] | None = None
    commands: Sequence[str] | None = None
    tag_format: str | None = None
    source_copy_mode: Any = None
    copy: Sequence[str] | None = None
    python_exec: str | None = None
    runtime_packages: Sequence[str] | None = None
    builder_options: dict[str, Any] | None = None
    builder_config: dict[str, Any] | None = None
    _force_push: bool = dataclasses.field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _REPO.match(self.name):
            raise _bad(
                "name",
                self.name,
                "image names use lowercase letters, digits, '.', "
                "'_', '-' and '/' (no tag: the tag comes from the spec)",
            )
        if self.python_version is not None and (
            not isinstance(self.python_version, str) or not _PYTHON.match(self.python_version)
        ):
            raise _bad("python_version", self.python_version, "expected '3.11' or '3.11.7'")
        if self.registry is not None and (
            not isinstance(self.registry, str) or not _REGISTRY.match(self.registry)
        ):
            raise _bad(
                "registry",
                self.registry,
                "expected host[:port][/path], e.g. 'ghcr.io/me' or 'localhost:5000'",
            )
        for field in _LISTS:
            object.__setattr__(self, field, _str_list(field, getattr(self, field)))
        object.__setattr__(self, "env", _str_map("env", self.env))
        for field in (
            "builder",
            "source_root",
            "requirements",
            "cuda",
            "cudnn",
            "pip_index",
            "pip_extra_args",
            "registry_config",
            "python_exec",
        ):
            value = getattr(self, field)
            if value is not None and (not isinstance(value, str) or not value):
                raise _bad(field, value, "expected a non-empty string")
        if not isinstance(self.platform, str) or not self.platform:
            raise _bad("platform", self.platform, "expected e.g. 'linux/amd64'")
        if self.base_image is not None and not isinstance(self.base_image, (str, ImageSpec)):
            raise _bad("base_image", self.base_image, "expected an image name or an ImageSpec")
        if isinstance(self.base_image, str) and not self.base_image:
            raise _bad("base_image", self.base_image, "expected a non-empty image name")
        if self.tag_format is not None and (
            not isinstance(self.tag_format, str) or "{spec_hash}" not in self.tag_format
        ):
            raise _bad("tag_format", self.tag_format, "must contain '{spec_hash}'")
        mounts = self.pip_secret_mounts
        if mounts is not None:
            if not isinstance(mounts, (list, tuple)) or not all(
                isinstance(m, (list, tuple)) and len(m) == 2 and all(isinstance(p, str) for p in m)
                for m in mounts
            ):
                raise _bad("pip_secret_mounts", mounts, "expected a list of (source, mount) pairs")
            object.__setattr__(self, "pip_secret_mounts", tuple(tuple(m) for m in mounts))
        for field in ("builder_options", "builder_config"):
            value = getattr(self, field)
            if value is not None and not isinstance(value, Mapping):
                raise _bad(field, value, "expected a dict")

    # -- naming ------------------------------------------------------------------------------
    @property
    def resolved_python_version(self) -> str:
        if self.python_version is not None:
            return self.python_version
        return f"{sys.version_info.major}.{sys.version_info.minor}"

    @property
    def resolved_base_image(self) -> str:
        """The image this one starts from: ``base_image``, a CUDA image, or Python's."""
        if isinstance(self.base_image, ImageSpec):
            return self.base_image.image_name()
        if self.base_image is not None:
            return self.base_image
        if self.cuda is not None:
            cudnn = f"-cudnn{self.cudnn}" if self.cudnn else ""
            return f"nvidia/cuda:{self.cuda}{cudnn}-runtime-ubuntu22.04"
        return f"python:{self.resolved_python_version}-slim"

    def spec_hash(self) -> str:
        """The content hash the tag is made of (see the module docstring)."""
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in _UNHASHED or f.name.startswith("_"):
                continue
            value = getattr(self, f.name)
            data[f.name] = list(value) if isinstance(value, tuple) else value
        data["base_image"] = self.resolved_base_image
        data["python_version"] = self.resolved_python_version
        if self.requirements is not None:
            data["requirements"] = self._content("requirements", self.requirements)
        if self.copy:
            data["copy"] = {src: self._content("copy", src) for src in self.copy}
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        raw = hashlib.sha256(text.encode()).digest()[:16]
        return base64.b32encode(raw).decode().rstrip("=").lower()

    def _content(self, field: str, path: str) -> str:
        root = Path(self.source_root) if self.source_root else Path.cwd()
        full = Path(path) if os.path.isabs(path) else root / path
        if not full.exists():
            raise _bad(field, path, f"{full} does not exist; its content is part of the tag")
        return _file_digest(full)

    @property
    def tag(self) -> str:
        spec_hash = self.spec_hash()
        return self.tag_format.format(spec_hash=spec_hash) if self.tag_format else spec_hash

    def image_name(self) -> str:
        """Full image name with tag: ``[registry/]name:tag``."""
        repo = f"{self.registry}/{self.name}" if self.registry else self.name
        return f"{repo}:{self.tag}"

    def is_container(self) -> bool:
        """True inside a container built from this spec (``$FLYTE_NB_IMAGE`` names it)."""
        current = os.environ.get("FLYTE_NB_IMAGE") or os.environ.get("FLYTE_INTERNAL_IMAGE")
        return current == self.image_name()

    def exist(self) -> bool | None:
        """Whether the registry has this image: True, False, or None when it cannot tell
        (unreachable, refused, or an answer that says neither)."""
        from ._registry import manifest_exists

        return manifest_exists(self.registry, self.name, self.tag, self.registry_config)

    def dockerfile(self) -> str:
        """The Dockerfile that builds this image (``flyte-nb image dockerfile``)."""
        from ._dockerfile import render

        return render(self)

    # -- builders ----------------------------------------------------------------------------
    def _extended(self, field: str, more: str | Sequence[str]) -> ImageSpec:
        checked = _str_list(field, [more] if isinstance(more, str) else more) or ()
        changes: dict[str, Any] = {field: (getattr(self, field) or ()) + checked}
        return dataclasses.replace(self, **changes)

    def with_packages(self, packages: str | Sequence[str]) -> ImageSpec:
        """A new spec with more Python packages installed at build time."""
        return self._extended("packages", packages)

    def with_apt_packages(self, apt_packages: str | Sequence[str]) -> ImageSpec:
        """A new spec with more apt packages installed at build time."""
        return self._extended("apt_packages", apt_packages)

    def with_commands(self, commands: str | Sequence[str]) -> ImageSpec:
        """A new spec with more commands run at build time."""
        return self._extended("commands", commands)

    def with_copy(self, src: str | Sequence[str]) -> ImageSpec:
        """A new spec that also copies ``src`` (files or folders) into the image's /root."""
        return self._extended("copy", src)

    def with_runtime_packages(self, runtime_packages: Sequence[str]) -> ImageSpec:
        """A new spec with packages installed when the task starts, not at build time."""
        if isinstance(runtime_packages, str):
            raise _bad("runtime_packages", runtime_packages, "expected a list of strings")
        return self._extended("runtime_packages", runtime_packages)

    def with_builder_options(self, builder_options: Mapping[str, Any]) -> ImageSpec:
        """A new spec with more options for the builder (merged over the old ones)."""
        if not isinstance(builder_options, Mapping):
            raise _bad("builder_options", builder_options, "expected a dict")
        merged = {**(self.builder_options or {}), **builder_options}
        return dataclasses.replace(self, builder_options=merged)

    def force_push(self) -> ImageSpec:
        """A new spec whose build pushes even when the registry already has the tag."""
        new = dataclasses.replace(self)
        object.__setattr__(new, "_force_push", True)
        return new

    @classmethod
    def from_env(cls, pinned_packages: Sequence[str] | None = None, **kwargs: Any) -> ImageSpec:
        """A spec with this interpreter's Python version and ``pinned_packages`` pinned to the
        versions installed here (``numpy`` -> ``numpy==1.26.4``)."""
        import importlib.metadata

        if isinstance(pinned_packages, str):
            raise _bad("pinned_packages", pinned_packages, "expected a list of package names")
        pinned = []
        for package in pinned_packages or ():
            if not isinstance(package, str) or not package:
                raise _bad("pinned_packages", pinned_packages, "package names are strings")
            try:
                version = importlib.metadata.version(package)
            except importlib.metadata.PackageNotFoundError:
                raise FlyteValidationException(
                    f"ImageSpec.from_env: {package!r} is not installed in this environment, so "
                    "there is no version to pin; install it or list it in packages= instead"
                ) from None
            pinned.append(f"{package}=={version}")
        kwargs.setdefault("python_version", f"{sys.version_info.major}.{sys.version_info.minor}")
        extra = _str_list("packages", kwargs.pop("packages", None)) or ()
        unknown = sorted(set(kwargs) - {f.name for f in dataclasses.fields(cls) if f.init})
        if unknown:
            raise FlyteValidationException(
                f"ImageSpec.from_env got unknown field(s) {unknown}; see ImageSpec's fields"
            )
        return cls(packages=[*extra, *pinned], **kwargs)

    def __hash__(self) -> int:
        return hash(repr(self))
