"""Running a ``ContainerTask``'s command: the input/output directory contract and two runtimes.

The contract (Flyte's raw-container contract, so the same image works on a cluster):

* before the command starts, every input is in ``input_data_dir``: a file named after the
  input holding its value (text for str/int/float/bool/datetime, JSON for lists and dicts,
  a copy of the file or folder for path inputs), plus ``inputs.json`` (or ``inputs.yaml``,
  ``metadata_format``) holding all of them;
* ``{{.inputs.<name>}}`` in the command and arguments is replaced by the input's value
  (a path input by its path inside ``input_data_dir``);
* the command writes each output as a file named after it in ``output_data_dir``; it is read
  back as the declared type (text stripped of one trailing newline for ``str``, parsed for
  numbers, ``true``/``false``/``1``/``0`` for bool, ISO 8601 for datetime, JSON for lists
  and dicts, the file or folder itself for path types). A missing output or a non-zero exit
  fails the task with the exit status and the last lines of stderr.

Runtimes, chosen by ``$FLYTE_NB_CONTAINER_RUNTIME``:

* ``process`` (the default): no container. The command runs on this machine as a process;
  ``input_data_dir``/``output_data_dir`` are two fresh folders under the action's raw data
  directory, and every occurrence of the declared paths in the command and arguments is
  rewritten to them (``$FLYTE_NB_INPUT_DATA_DIR``/``$FLYTE_NB_OUTPUT_DATA_DIR`` name them too).
  The image is recorded, not used: the command must exist here. Resource limits apply as to
  any task (on the backend a worker's limits are inherited by the process).
* ``docker`` or ``podman`` (or a path to a CLI that speaks ``docker run``): the image runs with
  the two folders mounted at the declared paths (inputs read-only), as your user, with the
  task's env vars and secrets passed by name (``-e NAME``: values never appear on a command
  line), ``--cpus``/``--memory`` from the limits, and removed afterwards.

Output is read as it comes: with ``local_logs=True`` each line is printed (so it shows in the
notebook and in the action's logs); always, the last lines are kept for the error message.
A task that times out or is aborted kills the process (or the container).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_origin

from ..exceptions import FlyteNbException

__all__ = ["ContainerSpec", "ContainerTaskError", "run_container", "runtime_name"]

PLACEHOLDER = re.compile(r"\{\{\s*\.inputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_TAIL = 20


class ContainerTaskError(FlyteNbException, RuntimeError):
    """A container task's command failed, or did not write an output it declared."""


@dataclass(frozen=True)
class ContainerSpec:
    """Everything a ``ContainerTask`` needs at run time (validated by ``ContainerTask``)."""

    name: str
    image: str
    command: tuple[str, ...]
    arguments: tuple[str, ...]
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    input_data_dir: str
    output_data_dir: str
    metadata_format: str
    local_logs: bool
    env_names: tuple[str, ...] = ()
    limits: dict[str, float] = field(default_factory=dict)


def runtime_name() -> str:
    """``process``, ``docker``, ``podman`` or a CLI path, from ``$FLYTE_NB_CONTAINER_RUNTIME``."""
    value = os.environ.get("FLYTE_NB_CONTAINER_RUNTIME", "process").strip() or "process"
    if value in ("process", "docker", "podman") or os.path.isabs(value):
        return value
    raise ContainerTaskError(
        f"FLYTE_NB_CONTAINER_RUNTIME={value!r}: use 'process', 'docker', 'podman' or the "
        "absolute path of a docker-compatible CLI"
    )


# -- values in and out ---------------------------------------------------------------------
def is_path_type(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, os.PathLike)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value)
    return str(value)


def _write_inputs(spec: ContainerSpec, values: Mapping[str, Any], host_in: Path) -> dict[str, str]:
    """Put the inputs in ``host_in``; return each input's value as the command sees it."""
    host_in.mkdir(parents=True, exist_ok=True)
    rendered: dict[str, str] = {}
    metadata: dict[str, Any] = {}
    for name, value in values.items():
        target = host_in / name
        if is_path_type(spec.inputs[name]) or isinstance(value, os.PathLike):
            source = Path(os.fspath(value))
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copyfile(source, target)
            rendered[name] = f"{spec.input_data_dir}/{name}"
            metadata[name] = rendered[name]
        else:
            text = _text(value)
            target.write_text(text, encoding="utf-8")
            rendered[name] = text
            metadata[name] = value.isoformat() if isinstance(value, datetime.datetime) else value
    if spec.metadata_format == "YAML":
        import yaml  # type: ignore[import-untyped]

        (host_in / "inputs.yaml").write_text(yaml.safe_dump(metadata), encoding="utf-8")
    else:
        (host_in / "inputs.json").write_text(json.dumps(metadata), encoding="utf-8")
    return rendered


def _parse(spec: ContainerSpec, name: str, path: Path) -> Any:
    tp = spec.outputs[name]
    if is_path_type(tp):
        return tp(str(path))
    text = path.read_text(encoding="utf-8")
    try:
        if tp is str:
            return text[:-1] if text.endswith("\n") else text
        stripped = text.strip()
        if tp is bool:
            if stripped.lower() in ("true", "1"):
                return True
            if stripped.lower() in ("false", "0"):
                return False
            raise ValueError("expected true/false/1/0")
        if tp is int:
            return int(stripped)
        if tp is float:
            return float(stripped)
        if tp is datetime.datetime:
            return datetime.datetime.fromisoformat(stripped)
        if get_origin(tp) in (list, dict) or tp in (list, dict):
            return json.loads(stripped)
    except ValueError as exc:
        raise ContainerTaskError(
            f"ContainerTask '{spec.name}': output '{name}' should be {_type_name(tp)}, but "
            f"{spec.output_data_dir}/{name} holds {text[:80]!r} ({exc})"
        ) from None
    raise ContainerTaskError(f"ContainerTask '{spec.name}': cannot read outputs of type {tp!r}")


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", repr(tp))


def _read_outputs(spec: ContainerSpec, host_out: Path) -> dict[str, Any]:
    outputs = {}
    for name in spec.outputs:
        path = host_out / name
        if not path.exists():
            raise ContainerTaskError(
                f"ContainerTask '{spec.name}' declares output '{name}', but its command wrote "
                f"no {spec.output_data_dir}/{name}; write the value to that file"
            )
        outputs[name] = _parse(spec, name, path)
    return outputs


# -- the command line ----------------------------------------------------------------------
def render(tokens: Sequence[str], values: Mapping[str, str]) -> list[str]:
    return [PLACEHOLDER.sub(lambda m: values[m.group(1)], token) for token in tokens]


def _process_argv(
    spec: ContainerSpec, values: Mapping[str, str], host_in: Path, host_out: Path
) -> tuple[list[str], dict[str, str]]:
    moved = {spec.input_data_dir: str(host_in), spec.output_data_dir: str(host_out)}
    argv = []
    for token in render(spec.command + spec.arguments, values):
        for declared, actual in moved.items():
            token = token.replace(declared, actual)
        argv.append(token)
    env = {
        **os.environ,
        "FLYTE_NB_INPUT_DATA_DIR": str(host_in),
        "FLYTE_NB_OUTPUT_DATA_DIR": str(host_out),
    }
    return argv, env


def container_argv(
    cli: str,
    spec: ContainerSpec,
    values: Mapping[str, str],
    host_in: Path,
    host_out: Path,
    container: str,
) -> list[str]:
    """The ``<cli> run ...`` command line for ``spec`` (values of env vars are not on it)."""
    argv = [cli, "run", "--rm", "--name", container]
    if hasattr(os, "getuid"):
        argv += ["--user", f"{os.getuid()}:{os.getgid()}"]
    argv += [
        "-v",
        f"{host_in}:{spec.input_data_dir}:ro",
        "-v",
        f"{host_out}:{spec.output_data_dir}",
    ]
    for name in spec.env_names:
        if name in os.environ:
            argv += ["-e", name]
    mounted = os.environ.get("FLYTE_NB_SECRETS_DIR")
    if mounted:
        argv += [
            "-v",
            f"{mounted}:/etc/flyte_nb/secrets:ro",
            "-e",
            "FLYTE_NB_SECRETS_DIR=/etc/flyte_nb/secrets",
        ]
    if spec.limits.get("cpu"):
        argv += ["--cpus", f"{spec.limits['cpu']:g}"]
    if spec.limits.get("mem"):
        argv += ["--memory", str(int(spec.limits["mem"]))]
    return [*argv, spec.image, *render(spec.command + spec.arguments, values)]


# -- running -------------------------------------------------------------------------------
def _workdir(spec: ContainerSpec) -> Path:
    """A fresh folder for this attempt: under the action's raw data dir inside a run."""
    from ..engine import current_frame

    frame = current_frame()
    if frame is None:
        return Path(tempfile.mkdtemp(prefix=f"flyte-nb-{spec.name}-"))
    base = Path(frame.controller.raw_data_dir) / frame.state.name
    path = base / f"container-{frame.attempt}-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    return path


def _stream(proc: subprocess.Popen[bytes], echo: bool) -> deque[str]:
    """Read stdout and stderr as they come (echoing lines if asked); the last lines of both."""
    tail: deque[str] = deque(maxlen=_TAIL)
    targets = {proc.stdout.fileno(): sys.stdout, proc.stderr.fileno(): sys.stderr}  # type: ignore[union-attr]
    pending = dict.fromkeys(targets, b"")

    def emit(fd: int, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace")
        tail.append(text.rstrip("\n"))
        if echo:
            targets[fd].write(text)

    with selectors.DefaultSelector() as sel:
        for fd in targets:
            sel.register(fd, selectors.EVENT_READ)
        while sel.get_map():
            for key, _ in sel.select(timeout=0.2):  # wakes up: a timeout can interrupt us
                fd = int(key.fd)
                data = os.read(fd, 65536)
                if not data:
                    sel.unregister(fd)
                    if pending[fd]:
                        emit(fd, pending[fd] + b"\n")
                    continue
                *lines, pending[fd] = (pending[fd] + data).split(b"\n")
                for line in lines:
                    emit(fd, line + b"\n")
    return tail


@contextlib.contextmanager
def _killed_on_exit(proc: subprocess.Popen[bytes], cleanup: list[str] | None) -> Iterator[None]:
    try:
        yield
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            if cleanup:
                subprocess.run(cleanup, capture_output=True, check=False)
            proc.wait()


def run_container(spec: ContainerSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """Run ``spec`` with ``values``; return its outputs by name (see the module docstring)."""
    runtime = runtime_name()
    workdir = _workdir(spec)
    host_in, host_out = workdir / "inputs", workdir / "outputs"
    host_out.mkdir(parents=True, exist_ok=True)
    rendered = _write_inputs(spec, values, host_in)
    cleanup = None
    if runtime == "process":
        argv, env = _process_argv(spec, rendered, host_in, host_out)
    else:
        name = f"flyte-nb-{uuid.uuid4().hex[:12]}"
        argv, env = (
            container_argv(runtime, spec, rendered, host_in, host_out, name),
            dict(os.environ),
        )
        cleanup = [runtime, "kill", name]
    try:
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise ContainerTaskError(
            f"ContainerTask '{spec.name}': cannot start {argv[0]!r} ({exc.strerror}). With the "
            f"{runtime!r} runtime "
            + (
                "the command runs on this machine, so it must be installed here"
                if runtime == "process"
                else "the container CLI must be installed"
            )
        ) from None
    with _killed_on_exit(proc, cleanup):
        tail = _stream(proc, spec.local_logs)
        code = proc.wait()
    if code != 0:
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        shown = "\n".join(tail) or "(no output)"
        raise ContainerTaskError(
            f"ContainerTask '{spec.name}' failed ({how}) running {argv[0]!r} with the "
            f"{runtime!r} runtime; last output:\n{shown}"
        )
    outputs = _read_outputs(spec, host_out)
    shutil.rmtree(host_in, ignore_errors=True)
    if not any(is_path_type(spec.outputs[n]) for n in spec.outputs):
        shutil.rmtree(workdir, ignore_errors=True)
    return outputs
