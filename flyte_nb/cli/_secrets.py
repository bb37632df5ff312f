"""``flyte-nb secrets set|list|delete``: the local secrets store of a home folder.

A value is read from a hidden prompt (or from stdin when piped: ``pass show x | flyte-nb
secrets set x``); ``--value`` exists for scripts but leaves the value in shell history.
Nothing here ever prints a value.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from ._invocation import flyte_nb_command

__all__ = ["add_secrets_parser"]


def _store(args: argparse.Namespace) -> Any:
    from flyte_nb.secrets import SecretsStore

    return SecretsStore(args.home)


def _read_value(args: argparse.Namespace) -> str:
    if args.value is not None:
        return str(args.value)
    if sys.stdin.isatty():
        return getpass.getpass(f"value of {args.key}: ")
    text = sys.stdin.read()
    return text[:-1] if text.endswith("\n") else text


def _set(args: argparse.Namespace) -> int:
    store = _store(args)
    secret = store.set(args.key, _read_value(args), group=args.group)
    print(f"stored secret {secret.short_string()} in {store.root} (readable only by you)")
    print(
        f"tasks ask for it with Secret({_fields(secret)}); it reaches them as ${secret.env_name()}"
    )
    return 0


def _fields(secret: Any) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in (("group", secret.group), ("key", secret.key)) if v)


def _list(args: argparse.Namespace) -> int:
    secrets = _store(args).list()
    if not secrets:
        command = flyte_nb_command()
        print(f"no secrets stored; add one with: {command} secrets set KEY [--group GROUP]")
        return 0
    print(f"{'group':<20} {'key':<30} env var")
    for s in secrets:
        print(f"{s.group or '-':<20} {s.key:<30} {s.env_name()}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    if _store(args).delete(args.key, group=args.group):
        print(f"deleted secret {'/'.join(p for p in (args.group, args.key) if p)}")
        return 0
    print(
        f"no secret {'/'.join(p for p in (args.group, args.key) if p)} is stored", file=sys.stderr
    )
    return 1


def add_secrets_parser(sub: Any) -> None:
    """Add ``secrets`` and its subcommands to the top-level subparsers ``sub``."""
    secrets = sub.add_parser("secrets", help="set, list or delete local secrets")
    commands = secrets.add_subparsers(dest="secrets_command", required=True)
    for name, func, text in (
        ("set", _set, "store a secret (value from a prompt or stdin)"),
        ("list", _list, "list stored secrets (never their values)"),
        ("delete", _delete, "delete a stored secret"),
    ):
        cmd = commands.add_parser(name, help=text)
        if name != "list":
            cmd.add_argument("key", help="the secret's key, e.g. api_key")
            cmd.add_argument("--group", default=None, help="its group, e.g. openai")
        if name == "set":
            cmd.add_argument("--value", default=None, help="the value (else prompt or stdin)")
        cmd.add_argument("--home", default=None, help="home folder (default: $FLYTE_NB_HOME)")
        cmd.set_defaults(func=func)
