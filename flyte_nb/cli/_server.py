"""``flyte-nb server start|stop|status``: manage the backend server of a home folder.

Only argparse is imported here; each command imports the daemon module when it runs, and
nothing imports FastAPI except ``start --foreground`` (which *is* the server).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._invocation import flyte_nb_command

__all__ = ["add_server_parser"]


def _not_running() -> str:
    return f"no server running (start one with: {flyte_nb_command()} server start)"


def _home(args: argparse.Namespace) -> Path:
    if args.home is not None:
        return Path(args.home).expanduser().resolve()
    from flyte_nb import _config

    return _config.home()


def _start(args: argparse.Namespace) -> int:
    from flyte_nb.client._settings import load_server_config, server_overrides

    config = load_server_config(_home(args), **server_overrides(args))
    if args.foreground:
        from flyte_nb.client._daemon import ServerStartError, status
        from flyte_nb.server.__main__ import serve

        running = status(config.home, token=config.token)
        if running is not None:
            raise ServerStartError(
                f"a server already runs for {config.home} at {running.url} (pid "
                f"{running.pid}); stop it first with `flyte-nb server stop`"
            )
        print(f"flyte_nb server for {config.home} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        serve(config)
        return 0
    from flyte_nb import _version
    from flyte_nb.client._daemon import start

    info = start(config, timeout=args.timeout)
    if info.version != _version.__version__:  # start() found it running: not ours to replace
        print(
            f"a flyte_nb {info.version} server (pid {info.pid}, {info.url}) already runs for "
            f"{config.home}, but this is flyte_nb {_version.__version__}; it is left running "
            "because other kernels may use it: stop it with `flyte-nb server stop`, then "
            "start again",
            file=sys.stderr,
        )
        return 1
    print(f"server running at {info.url} (pid {info.pid}, version {info.version})")
    print(f"home: {config.home}  log: {config.home / 'server.log'}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from flyte_nb.client._daemon import status

    info = status(_home(args))
    if info is None:
        print(_not_running())
        return 1
    print(f"url:     {info.url}")
    print(f"pid:     {info.pid}")
    print(f"version: {info.version}")
    print(f"started: {info.started_at}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from flyte_nb.client._daemon import status, stop

    home = _home(args)
    info = status(home)
    if stop(home, timeout=args.timeout):
        where = f" at {info.url}" if info is not None else ""
        print(f"stopped the server{where} for {home}")
    else:
        print(f"no server was running for {home}")
    return 0


def add_server_parser(sub: Any) -> None:
    """Add ``server`` and its subcommands to the top-level subparsers ``sub``."""
    from flyte_nb.client._settings import add_server_arguments

    server = sub.add_parser("server", help="start, stop or inspect the backend server")
    commands = server.add_subparsers(dest="server_command", required=True)

    start = commands.add_parser("start", help="start the server in the background (or not)")
    add_server_arguments(start)
    start.add_argument(
        "--foreground", action="store_true", help="run in this terminal until Ctrl-C"
    )
    start.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for it")
    start.set_defaults(func=_start)

    status = commands.add_parser("status", help="show the running server (exit 1 if none)")
    status.add_argument("--home", default=None, help="home folder (default: $FLYTE_NB_HOME)")
    status.set_defaults(func=_status)

    stop = commands.add_parser("stop", help="stop the running server")
    stop.add_argument("--home", default=None, help="home folder (default: $FLYTE_NB_HOME)")
    stop.add_argument("--timeout", type=float, default=10.0, help="seconds before SIGKILL")
    stop.set_defaults(func=_stop)
