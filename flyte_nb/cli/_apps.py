"""``flyte-nb apps list|get|deploy|redeploy|stop|logs``: apps on this home's backend.

Each command connects like ``fl.init()`` (starting this home's backend when none answers;
``FLYTE_NB_ENDPOINT``/``FLYTE_NB_TOKEN`` point at another) and goes through
``flyte_nb.remote.App`` / ``UnionRemote``, so the CLI and a notebook cannot disagree.
``deploy FILE NAME`` imports a Python file and deploys the ``AppEnvironment`` it binds to
``NAME``, as ``flyte-nb run FILE TASK`` does for tasks.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from ._invocation import flyte_nb_command
from ._load import load_object

__all__ = ["add_apps_parser"]


def _scope(args: argparse.Namespace) -> dict[str, Any]:
    return {"project": args.project, "domain": args.domain}


def _connect() -> None:
    import flyte_nb as fl

    fl.init()


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def _show(app: Any) -> None:
    print(f"{app.name} ({app.project}/{app.domain}) revision {app.revision}: {app.state}")
    if app.reason:
        print(f"  reason:   {app.reason}")
    print(f"  endpoint: {app.endpoint}  pid: {app.pid or '-'}  restarts: {app.restarts}")
    print(f"  command:  {' '.join(app.spec['argv'])}")
    for p in app.parameters:
        origin = f"  (run {p['run']} of {p['task_name']})" if p.get("run") else ""
        print(f"  param {p['name']} = {p['value']!r}{origin}")


def _list(args: argparse.Namespace) -> int:
    from flyte_nb.remote import App

    _connect()
    apps = App.listall(limit=args.limit, state=args.state, **_scope(args))
    if not apps:
        print(f"no apps deployed yet; deploy one with `{flyte_nb_command()} apps deploy FILE NAME`")
        return 0
    print(f"{'name':<24} {'state':<10} {'rev':>4} {'endpoint':<24} {'deployed':<19}")
    for app in apps:
        deployed = _when(app.to_dict()["deployed_at"])
        print(f"{app.name:<24} {app.state:<10} {app.revision:>4} {app.endpoint:<24} {deployed}")
    return 0


def _get(args: argparse.Namespace) -> int:
    from flyte_nb.remote import App

    _connect()
    _show(App.get(args.name, **_scope(args)))
    return 0


def _deploy(args: argparse.Namespace) -> int:
    import flyte_nb as fl
    from flyte_nb.app import AppEnvironment

    app = load_object("apps deploy", args.file, args.name, AppEnvironment, "an AppEnvironment")
    if app is None:
        return 2
    _connect()
    remote = fl.UnionRemote()
    deployed = remote.deploy_app(app, version=args.version, wait=not args.no_wait, **_scope(args))
    _show(deployed)
    return 0


def _redeploy(args: argparse.Namespace) -> int:
    from flyte_nb.remote import App

    _connect()
    app = App.get(args.name, **_scope(args)).activate(wait=not args.no_wait)
    _show(app)
    return 0


def _stop(args: argparse.Namespace) -> int:
    import flyte_nb as fl

    _connect()
    app = fl.UnionRemote().stop_app(args.name, **_scope(args))
    print(f"{app.name}: {app.state}")
    return 0


def _logs(args: argparse.Namespace) -> int:
    from flyte_nb.remote import App

    _connect()
    sys.stdout.write(App.get(args.name, **_scope(args)).logs(revision=args.revision))
    return 0


def add_apps_parser(sub: Any) -> None:
    """Add ``apps`` and its subcommands to the top-level subparsers ``sub``."""
    apps = sub.add_parser("apps", help="deploy, list, stop apps and read their logs")
    commands = apps.add_subparsers(dest="apps_command", required=True)

    def command(name: str, func: Any, help: str, named: bool = True) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help)
        if named:
            parser.add_argument("name", help="the app's name")
        parser.add_argument("--project", default=None, help="default: the session's")
        parser.add_argument("--domain", default=None, help="default: the session's")
        parser.set_defaults(func=func)
        return parser

    listing = command("list", _list, "list apps, most recently deployed first", named=False)
    listing.add_argument("--state", default=None, help="only apps in this state")
    listing.add_argument("--limit", type=int, default=100)
    command("get", _get, "show one app: state, reason, endpoint, parameters")
    deploy = commands.add_parser("deploy", help="deploy an AppEnvironment from a Python file")
    deploy.add_argument("file")
    deploy.add_argument("name", help="the variable the file binds the AppEnvironment to")
    deploy.add_argument("--project", default=None)
    deploy.add_argument("--domain", default=None)
    deploy.add_argument("--version", default=None, help="recorded; what 'current' resolves to")
    deploy.add_argument("--no-wait", action="store_true", help="return before it is ACTIVE")
    deploy.set_defaults(func=_deploy)
    redeploy = command("redeploy", _redeploy, "deploy the recorded spec again (new RunOutputs)")
    redeploy.add_argument("--no-wait", action="store_true")
    command("stop", _stop, "stop an app")
    logs = command("logs", _logs, "print an app's captured output")
    logs.add_argument("--revision", type=int, default=None, help="one revision's lines only")
