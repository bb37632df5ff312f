"""Materializing an app's parameters before its process starts.

Plain functions, run in a thread by the supervisor (``_apps.py``) and tested directly:

- A ``RunOutput`` is resolved against the records (``flyte_nb.app._resolve``, with pickled
  outputs loaded only for flyte_nb's and pathlib's own types: the backend never runs user
  code) and checked against the parameter's type; the run it resolved to is recorded with
  the value, which is how the API and the panel show it.
- A ``FlyteFile``/``FlyteDirectory`` output stored by content is always copied next to
  the app (a local process can only use a local path).
- A parameter with ``download`` (or ``mount``) is copied next to the app: a
  ``flyte-nb://blobs/<sha256>`` URI from the backend's blob store, a local path (file or
  folder), or any other URL through fsspec. The app receives the local path. Default
  destination: ``<app folder>/params/<name>/``; ``mount`` picks another (relative paths
  under the app folder). Each revision gets a fresh app folder, so a redeploy never serves
  a stale copy.

Every failure is an ``AppDeployError`` whose message names the parameter and the fix; the
supervisor records it as the app's FAILED reason.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ..exceptions import FlyteNbException

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ..store import BlobStore

BLOB_URI = "flyte-nb://blobs/"


class AppDeployError(Exception):
    """Why a deployment failed; the message is the app's FAILED reason."""


def materialize(
    engine: Engine,
    blobs: BlobStore,
    spec: dict[str, Any],
    *,
    project: str,
    domain: str,
    version: str | None,
    app_dir: Path,
) -> list[dict[str, Any]]:
    """Each parameter's value as the app will receive it, and where it came from."""
    from ..app._resolve import resolve
    from ..app._run_output import RunOutput, io_kind, parameter_text

    out: list[dict[str, Any]] = []
    for p in spec["parameters"]:
        name = p["name"]
        run = task = None
        copy = bool(p.get("download") or p.get("mount"))
        if p.get("run_output") is not None:
            ro = RunOutput.model_validate(p["run_output"])
            try:
                found = resolve(
                    engine,
                    blobs.get,
                    ro,
                    project=project,
                    domain=domain,
                    current_version=version,
                    trusted=False,
                )
                source = parameter_text(p["type"], found.value, found.where)
            except (FlyteNbException, ValueError) as exc:
                raise AppDeployError(f"parameter {name!r}: {exc}") from None
            run, task = found.run, found.task_name
            # A FlyteFile/FlyteDirectory stored by content was just materialized in this
            # process's scratch folder: the app gets its own copy, never that folder.
            copy = copy or (io_kind(found.value) is not None and "://" not in source)
        else:
            source = p["value"]
        value = source
        if copy:
            dest = _destination(app_dir, name, p.get("mount"))
            value = str(fetch(source, dest, p["type"], blobs, name))
        out.append(
            {
                "name": name,
                "type": p["type"],
                "env_var": p.get("env_var"),
                "value": value,
                "source": source,
                "run": run,
                "task_name": task,
            }
        )
    return out


def _destination(app_dir: Path, name: str, mount: str | None) -> Path:
    if mount is None:
        return app_dir / "params" / name
    path = Path(os.path.expanduser(mount))
    return path if path.is_absolute() else app_dir / path


def fetch(source: str, dest: Path, kind: str, blobs: BlobStore, name: str) -> Path:
    """Copy the file or folder ``source`` into the folder ``dest``; the local path of the
    copy (the file, or ``dest`` for a folder)."""
    where = f"parameter {name!r}"
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AppDeployError(
            f"{where}: cannot create {dest} ({exc.strerror}); pick a writable mount= folder"
        ) from None
    if source.startswith(BLOB_URI):
        return _from_blob(source, dest, kind, blobs, name)
    parts = urlsplit(source)
    if "://" in source and parts.scheme != "file":
        return _from_url(source, dest, kind, where)
    path = Path(unquote(parts.path)) if parts.scheme == "file" else Path(source)
    if kind == "file":
        if not path.is_file():
            raise AppDeployError(
                f"{where}: {source!r} is not a file on this machine; check "
                "the path (or what the run returned)"
            )
        target = dest / path.name
        shutil.copyfile(path, target)
        return target
    if not path.is_dir():
        raise AppDeployError(
            f"{where}: {source!r} is not a folder on this machine; check "
            "the path (or what the run returned)"
        )
    shutil.copytree(path, dest, dirs_exist_ok=True)
    return dest


def _from_blob(source: str, dest: Path, kind: str, blobs: BlobStore, name: str) -> Path:
    where = f"parameter {name!r}"
    digest = source[len(BLOB_URI) :]
    if kind != "file":
        raise AppDeployError(
            f"{where}: {source!r} is one file, but the parameter is a 'directory'; use type='file'"
        )
    try:
        data = blobs.get(digest)
    except (FileNotFoundError, ValueError) as exc:
        raise AppDeployError(
            f"{where}: {exc}; upload it with UnionRemote().upload_file(path)"
        ) from None
    target = dest / name  # a blob has no file name of its own
    target.write_bytes(data)
    return target


def _from_url(source: str, dest: Path, kind: str, where: str) -> Path:
    try:
        from fsspec.core import url_to_fs  # type: ignore[import-untyped]

        fs, path = url_to_fs(source)
        if kind == "file":
            target = dest / Path(str(path).rstrip("/")).name
            fs.get(path, str(target))
            return target
        fs.get(str(path).rstrip("/") + "/", str(dest) + "/", recursive=True)
        return dest
    except Exception as exc:  # any fsspec backend's error: the message is what helps
        raise AppDeployError(f"{where}: cannot download {source!r}: {exc}") from None
