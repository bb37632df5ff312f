"""``ContainerTask``: a task that is a command in an image, not a Python function.

It is a Union task like any other (``fl.run`` it, call it from a task, use it in a
``@workflow`` or under ``map_task``, cache and retry it); its body is the command, run through
the runtime ``_runtime`` describes, with inputs and outputs passed through two directories.

Decisions:

* **Validated when defined.** Names, types, directories and every ``{{.inputs.x}}`` of the
  command are checked in the constructor, so a typo fails on the definition line, not when the
  container starts.
* **Types the contract can carry**: ``str``, ``int``, ``float``, ``bool``, ``datetime``,
  ``list``/``dict`` (as JSON) and path types (``pathlib.Path`` or any ``os.PathLike`` class:
  a file or folder). Outputs keep their names; one output is returned as its value, several
  as a named tuple.
* **Versioned by what it runs.** A container task's cache version is a hash of its image,
  command, arguments, directories and interface (or ``metadata.cache_version``), since
  there is no function body to hash.
* Name: the ``name`` given is the task's full name (as in flytekit), registered in the
  calling module's default environment.
"""

from __future__ import annotations

import datetime
import enum
import importlib.util
import inspect
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, get_origin

from ..cache import Cache
from ..exceptions import FlyteValidationException
from ..models._interface import NativeInterface
from ..tasks import Resources, Secret
from ..tasks._secret import normalize_secrets
from ..types import digest
from ..union._task import UnionTask, default_environment, rename
from ._runtime import PLACEHOLDER, ContainerSpec, is_path_type, run_container
from ._seed import ContainerTaskSeedMethods

__all__ = ["ContainerTask", "MetadataFormat"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,199}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SCALARS = (str, int, float, bool, datetime.datetime)
_KWARGS = frozenset({"environment", "docs", "retries", "timeout", "cache", "enable_deck"})


class MetadataFormat(enum.Enum):
    """The format of the ``inputs.<format>`` file written next to the inputs."""

    JSON = "JSON"
    YAML = "YAML"
    PROTO = "PROTO"


def _bad(name: object, why: str) -> FlyteValidationException:
    return FlyteValidationException(f"ContainerTask {name!r}: {why}")


def _supported(tp: Any) -> bool:
    return (
        tp in _SCALARS or is_path_type(tp) or tp in (list, dict) or get_origin(tp) in (list, dict)
    )


def _interface(name: str, kind: str, value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _bad(name, f"{kind} must be a dict of name to type, e.g. kwtypes(x=int)")
    for key, tp in value.items():
        if not isinstance(key, str) or not _IDENT.match(key):
            raise _bad(name, f"{kind[:-1]} name {key!r} must be a Python identifier")
        if not _supported(tp):
            raise _bad(
                name,
                f"{kind[:-1]} {key!r} has type {tp!r}; container tasks pass str, int, float, "
                "bool, datetime, list, dict and path types (pathlib.Path, FlyteFile)",
            )
    return dict(value)


def _strings(name: str, kind: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _bad(name, f"{kind} must be a list of strings, got {value!r}")
    return tuple(value)


def _directory(name: str, kind: str, value: object) -> str:
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value).startswith("/"):
        raise _bad(name, f"{kind} must be an absolute path such as '/var/inputs', got {value!r}")
    return os.fspath(value).rstrip("/") or "/"


def _limits(requests: object, limits: object, resources: object, name: str) -> Resources | None:
    for kind, value in (("requests", requests), ("limits", limits), ("resources", resources)):
        if value is not None and not isinstance(value, Resources):
            raise _bad(name, f'{kind} must be a Resources(...), e.g. Resources(cpu=1, mem="1Gi")')
    if resources is not None and (requests is not None or limits is not None):
        raise _bad(name, "give either resources= or requests=/limits=, not both")
    chosen = resources if resources is not None else limits if limits is not None else requests
    return chosen if isinstance(chosen, Resources) else None


class _ContainerBody:
    """What the task template calls: the declared inputs in, the command run, outputs out."""

    def __init__(self, spec: ContainerSpec, module: str) -> None:
        self.spec = spec
        self.__name__ = spec.name.replace(".", "_").replace("-", "_")
        self.__qualname__ = spec.name
        self.__module__ = module
        self.__doc__ = f"Runs {' '.join(spec.command)!r} in {spec.image}."
        params = [
            inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=t)
            for k, t in spec.inputs.items()
        ]
        self.__signature__ = inspect.Signature(params)
        self.__annotations__ = dict(spec.inputs)

    def __call__(self, **values: Any) -> Any:
        outputs = run_container(self.spec, values)
        names = list(self.spec.outputs)
        if not names:
            return None
        if len(names) == 1:
            return outputs[names[0]]
        return _outputs_type(self.spec)(**outputs)


_OUTPUT_TYPES: dict[tuple[tuple[str, Any], ...], type] = {}


def _outputs_type(spec: ContainerSpec) -> type:
    """The named tuple several outputs are returned as (one class per output set)."""
    key = tuple(spec.outputs.items())
    found = _OUTPUT_TYPES.get(key)
    if found is not None:
        return found
    made: type = NamedTuple("ContainerOutputs", list(spec.outputs.items()))  # type: ignore[misc]
    _OUTPUT_TYPES[key] = made
    return made


class ContainerTask(ContainerTaskSeedMethods, UnionTask):
    """A task that runs ``command`` in ``image``; see the module docstring."""

    def __init__(
        self,
        name: str,
        image: Any,
        command: Sequence[str],
        inputs: Mapping[str, Any] | None = None,
        metadata: Any = None,
        arguments: Sequence[str] | None = None,
        outputs: Mapping[str, Any] | None = None,
        requests: Resources | None = None,
        limits: Resources | None = None,
        input_data_dir: str | None = None,
        output_data_dir: str | None = None,
        metadata_format: MetadataFormat | str = MetadataFormat.JSON,
        io_strategy: Any = None,
        secret_requests: Sequence[str | Secret] | None = None,
        pod_template: Any = None,
        pod_template_name: str | None = None,
        local_logs: bool = False,
        resources: Resources | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise _bad(
                name,
                "the name must start with a letter or '_' and use letters, "
                "digits, '_', '.' and '-'",
            )
        unknown = sorted(set(kwargs) - _KWARGS)
        if unknown:
            raise _bad(name, f"unknown setting(s) {unknown}; see ContainerTask's parameters")
        image_name = _image(name, image)
        cmd = _strings(name, "command", command)
        if not cmd or not cmd[0]:
            raise _bad(name, "command must name a program, e.g. command=['/bin/sh', '-c', '...']")
        args = _strings(name, "arguments", arguments)
        ins = _interface(name, "inputs", inputs)
        outs = _interface(name, "outputs", outputs)
        for token in cmd + args:
            for used in PLACEHOLDER.findall(token):
                if used not in ins:
                    raise _bad(
                        name, f"{{{{.inputs.{used}}}}} names no input; inputs are {sorted(ins)}"
                    )
        fmt = _format(name, metadata_format)
        if not isinstance(local_logs, bool):
            raise _bad(name, f"local_logs must be True or False, got {local_logs!r}")
        resolved = _limits(requests, limits, resources, name)
        secrets = normalize_secrets(secret_requests)
        env_vars = kwargs.get("environment") or {}
        spec = ContainerSpec(
            name=name,
            image=image_name,
            command=cmd,
            arguments=args,
            inputs=ins,
            outputs=outs,
            input_data_dir=_directory(name, "input_data_dir", input_data_dir or "/var/inputs"),
            output_data_dir=_directory(name, "output_data_dir", output_data_dir or "/var/outputs"),
            metadata_format=fmt,
            local_logs=local_logs,
            env_names=tuple(env_vars) + tuple(s.env_name() for s in secrets),
            limits={k: float(v) for k, v in (resolved.limits() if resolved else {}).items()},
        )
        if spec.input_data_dir == spec.output_data_dir:
            raise _bad(name, "input_data_dir and output_data_dir must differ")
        module = sys._getframe(1).f_globals.get("__name__", "__main__")
        env = default_environment(module)
        retries, timeout, cache = _metadata(name, metadata, kwargs)
        super().__init__(
            _ContainerBody(spec, module),
            env,
            cache=cache,
            retries=retries,
            timeout=timeout,
            enable_deck=bool(kwargs.get("enable_deck", False)),
            docs=kwargs.get("docs"),
        )
        self.container = spec
        self.interface = NativeInterface.from_types(ins, outs)
        self.input_types = dict(ins)
        self._output_names = tuple(outs)
        self._multi_output = len(outs) > 1
        self.return_type = (
            None
            if not outs
            else _outputs_type(spec)
            if len(outs) > 1
            else next(iter(outs.values()))
        )
        self.union_settings = {
            k: v
            for k, v in {
                "container_image": image,
                "pod_template": pod_template,
                "pod_template_name": pod_template_name,
                "io_strategy": io_strategy,
            }.items()
            if v is not None
        }
        _check_pod(name, pod_template)
        self.resources = resolved
        self.secrets = secrets
        if env_vars:
            self.env_vars = dict(_env(name, env_vars))
        rename(self, name)

    def cache_version(self) -> str:
        """``Cache(version=...)`` when pinned, else a hash of what the container runs."""
        if self.cache.version is not None:
            return self.cache.version
        if self._cache_version is None:
            s = self.container
            text = json.dumps(
                [
                    s.image,
                    s.command,
                    s.arguments,
                    s.input_data_dir,
                    s.output_data_dir,
                    sorted((k, repr(v)) for k, v in s.inputs.items()),
                    sorted((k, repr(v)) for k, v in s.outputs.items()),
                    s.metadata_format,
                ],
            )
            self._cache_version = digest(text)[:16]
        return self._cache_version

    def __repr__(self) -> str:
        return f"<ContainerTask {self.name} image={self.container.image!r}>"


def _image(name: str, image: object) -> str:
    if isinstance(image, str) and image:
        return image
    from ..image import ImageSpec

    if isinstance(image, ImageSpec):
        return image.image_name()
    raise _bad(name, f"image must be an image name (str) or an ImageSpec, got {image!r}")


def _format(name: str, value: object) -> str:
    text = value.value if isinstance(value, MetadataFormat) else value
    if text not in ("JSON", "YAML", "PROTO"):
        raise _bad(name, f"metadata_format must be MetadataFormat.JSON or .YAML, got {value!r}")
    if text == "YAML" and importlib.util.find_spec("yaml") is None:
        raise _bad(name, "metadata_format YAML needs PyYAML (pip install pyyaml); or use JSON")
    if text == "PROTO":
        raise _bad(
            name,
            "metadata_format PROTO needs Flyte's protobuf types, which flyte_nb "
            "does not use; use MetadataFormat.JSON or YAML",
        )
    return str(text)


def _env(name: str, value: object) -> Mapping[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _bad(name, f"environment must be a dict of str to str, got {value!r}")
    return value


def _check_pod(name: str, pod: object) -> None:
    if pod is None:
        return
    from ..image import PodTemplate

    if not isinstance(pod, PodTemplate):
        raise _bad(name, f"pod_template must be a PodTemplate(...), got {type(pod).__qualname__}")


def _metadata(name: str, metadata: Any, kwargs: dict[str, Any]) -> tuple[int, Any, Cache]:
    """(retries, timeout, cache) from flytekit's ``TaskMetadata`` or the keyword settings."""
    retries = kwargs.get("retries", getattr(metadata, "retries", 0))
    timeout = kwargs.get("timeout", getattr(metadata, "timeout", None))
    cache: Any = kwargs.get("cache", getattr(metadata, "cache", False))
    version = getattr(metadata, "cache_version", None) or None
    if isinstance(cache, bool) and cache:
        cache = Cache(behavior="auto", version=version) if version else "auto"
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise _bad(name, f"retries must be a whole number >= 0, got {retries!r}")
    if timeout is not None and (isinstance(timeout, bool) or not timeout):
        timeout = None
    return retries, timeout, Cache.coerce(cache)
