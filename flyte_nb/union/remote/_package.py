"""``UnionRemote``'s packaging seed methods: ``fast_package``, ``fast_register_workflow``
and ``register_script``, over our code bundles.

Decisions: ``fast_package`` stores a folder as a tar.gz in the backend's content-addressed
blob store (file times zeroed, so the same code gives the same digest); registering a
script's entity is ``register_task``/``register_workflow``, which already ship code defined
in cells by value. Options that pick Union images, resources or packaging are refused when
set, as ``execute`` refuses cloud-only options.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pathlib
import tarfile
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._args import arg, invalid, required
from ._base import RemoteBase, as_remote
from ._models import RegisteredTask, RegisteredWorkflow

if TYPE_CHECKING:
    pass

__all__ = ["PackageMethods"]


class PackageMethods(RemoteBase):
    """Part of ``UnionRemote`` (``_remote.py``)."""

    # -- packaging -------------------------------------------------------------------------
    def fast_package(
        self,
        root: str | os.PathLike[str],
        deref_symlinks: bool = True,
        output: str | None = None,
        options: Any = None,
    ) -> tuple[bytes, str]:
        """Pack folder ``root`` (without ``__pycache__``/``.git``) into a tar.gz in the
        blob store: ``(md5 digest bytes, uri)``; ``output`` also keeps a local copy."""
        from ._data import upload_blob

        m = "fast_package"
        folder = pathlib.Path(required(m, "root", root, "path", "fast_package('src')"))
        if not folder.is_dir():
            raise invalid(m, f"root {str(folder)!r} is not a folder; pass your code's folder")
        arg(m, "deref_symlinks", deref_symlinks, "bool")
        if options is not None:
            raise invalid(
                m,
                "options are flytekit FastPackageOptions, which flyte_nb does "
                "not have; leave them out",
            )
        skip = {"__pycache__", ".git", ".ipynb_checkpoints"}
        buf = io.BytesIO()
        # The same code gives the same bytes: gzip's header time, each file's mtime
        # and its owner are fixed (tarfile's "w:gz" would stamp the current second).
        with (
            gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as zipped,
            tarfile.open(fileobj=zipped, mode="w", dereference=deref_symlinks) as tar,
        ):
            for path in sorted(folder.rglob("*")):
                if skip & set(path.relative_to(folder).parts) or not path.is_file():
                    continue
                info = tar.gettarinfo(str(path), str(path.relative_to(folder)))
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                with path.open("rb") as f:
                    tar.addfile(info, f)
        data = buf.getvalue()
        if output:
            pathlib.Path(output).write_bytes(data)
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            packed = pathlib.Path(tmp) / "code.tar.gz"
            packed.write_bytes(data)
            _, uri = upload_blob(as_remote(self).client, packed)
        return hashlib.md5(data).digest(), uri

    def fast_register_workflow(
        self,
        entity: Any,
        serialization_settings: Any = None,
        version: str | None = None,
        default_launch_plan: bool | None = True,
        options: Any = None,
        fast_package_options: Any = None,
    ) -> RegisteredWorkflow:
        """``register_workflow``: its code travels as a bundle whenever it must."""
        if fast_package_options is not None:
            raise invalid(
                "fast_register_workflow",
                "fast_package_options are flytekit's; flyte_nb bundles code itself, leave them out",
            )
        return as_remote(self).register_workflow(
            entity, serialization_settings, version, default_launch_plan, options
        )

    def register_script(
        self,
        entity: Any,
        image_config: Any = None,
        version: str | None = None,
        project: str | None = None,
        domain: str | None = None,
        destination_dir: str = ".",
        copy_all: bool = False,
        default_launch_plan: bool = True,
        options: Any = None,
        source_path: str | None = None,
        module_name: str | None = None,
        envs: Mapping[str, str] | None = None,
        default_resources: Any = None,
        fast_package_options: Any = None,
    ) -> RegisteredTask:
        """Register a task or workflow defined in a script or notebook, with its code."""
        from ...tasks import TaskTemplate
        from .. import WorkflowTemplate

        m = "register_script"
        given = {
            "image_config": image_config,
            "options": options,
            "envs": envs,
            "default_resources": default_resources,
            "fast_package_options": fast_package_options,
        }
        for param, value in given.items():
            if value is not None:
                raise invalid(
                    m,
                    f"{param} is a Union cloud option with no meaning on the "
                    "flyte_nb backend (tasks carry their own image, env and "
                    "resources); leave it out",
                )
        for param, value in (("source_path", source_path), ("module_name", module_name)):
            arg(m, param, value, "str")
        arg(m, "copy_all", copy_all, "bool")
        if isinstance(entity, WorkflowTemplate):
            return as_remote(self).register_workflow(
                entity, None, version, default_launch_plan, project=project, domain=domain
            )
        if not isinstance(entity, TaskTemplate):
            raise invalid(m, f"entity must be a task or a @workflow, got {entity!r}")
        session = as_remote(self)._scoped(m, project, domain)
        return as_remote(self)._register(
            session, entity, entity.name, arg(m, "version", version, "str")
        )
