"""``flyte-nb image dockerfile|name|exists``: an ``ImageSpec`` from the command line.

The spec comes from ``--spec FILE`` (JSON with ImageSpec's fields) and/or the flags below
(flags win); ``--from-env PKG ...`` pins packages to the versions installed here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_image_parser"]

_LISTS = (
    "packages",
    "apt_packages",
    "commands",
    "copy",
    "conda_packages",
    "conda_channels",
    "pip_extra_index_url",
    "entrypoint",
    "runtime_packages",
)
_STRINGS = (
    "name",
    "python_version",
    "base_image",
    "registry",
    "requirements",
    "platform",
    "pip_index",
    "pip_extra_args",
    "tag_format",
    "cuda",
    "cudnn",
    "source_root",
    "python_exec",
    "registry_config",
)


def _spec(args: argparse.Namespace) -> Any:
    from flyte_nb.exceptions import FlyteValidationException
    from flyte_nb.image import ImageSpec

    fields: dict[str, Any] = {}
    if args.spec is not None:
        try:
            fields = json.loads(Path(args.spec).read_text())
        except (OSError, ValueError) as exc:
            raise FlyteValidationException(f"--spec {args.spec}: not a JSON file ({exc})") from None
        if not isinstance(fields, dict):
            raise FlyteValidationException(f"--spec {args.spec}: expected a JSON object")
    for name in (*_STRINGS, *_LISTS):
        value = getattr(args, name)
        if value is not None:
            fields[name] = value
    if args.env:
        pairs = [item.partition("=") for item in args.env]
        bad = [item for item, (k, sep, _) in zip(args.env, pairs, strict=True) if not sep or not k]
        if bad:
            raise FlyteValidationException(f"--env takes NAME=VALUE, got {bad[0]!r}")
        fields["env"] = {**fields.get("env", {}), **{k: v for k, _, v in pairs}}
    if args.from_env is not None:
        return ImageSpec.from_env(args.from_env, **fields)
    try:
        return ImageSpec(**fields)
    except TypeError as exc:
        raise FlyteValidationException(f"image spec: {exc}") from None


def _dockerfile(args: argparse.Namespace) -> int:
    sys.stdout.write(_spec(args).dockerfile())
    return 0


def _name(args: argparse.Namespace) -> int:
    print(_spec(args).image_name())
    return 0


def _exists(args: argparse.Namespace) -> int:
    spec = _spec(args)
    found = spec.exist()
    print({True: "yes", False: "no", None: "unknown"}[found], spec.image_name())
    return {True: 0, False: 1, None: 2}[found]


def add_image_parser(sub: Any) -> None:
    """Add ``image`` and its subcommands to the top-level subparsers ``sub``."""
    image = sub.add_parser("image", help="render, name or look up an ImageSpec")
    commands = image.add_subparsers(dest="image_command", required=True)
    for name, func, text in (
        ("dockerfile", _dockerfile, "print the Dockerfile that builds the image"),
        ("name", _name, "print the full image name with its content tag"),
        ("exists", _exists, "ask the registry (exit 0 yes, 1 no, 2 cannot tell)"),
    ):
        cmd = commands.add_parser(name, help=text)
        cmd.add_argument("--spec", default=None, help="a JSON file of ImageSpec fields")
        for field in _STRINGS:
            cmd.add_argument(f"--{field.replace('_', '-')}", dest=field, default=None)
        for field in _LISTS:
            cmd.add_argument(f"--{field.replace('_', '-')}", dest=field, nargs="+", default=None)
        cmd.add_argument("--env", action="append", default=None, help="NAME=VALUE (repeatable)")
        cmd.add_argument(
            "--from-env",
            nargs="*",
            default=None,
            metavar="PKG",
            help="this Python's version, PKGs pinned to their installed versions",
        )
        cmd.set_defaults(func=func)
