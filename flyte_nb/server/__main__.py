"""The server process: ``python -m flyte_nb.server serve [options]`` and ``serve()``.

``_daemon`` manages servers from the outside (start, status, stop); this module is what
runs inside one, so the kernel side never imports FastAPI or uvicorn.

Why it looks like this:
- The socket is bound before FastAPI is imported: port 0 works, the real port is known,
  and a taken port fails in milliseconds instead of after a second of imports.
- uvicorn's ``Server`` is subclassed only to hook its two edges: ``server.json`` is written
  once uvicorn accepts connections (after the app's lifespan startup), and removed as
  shutdown begins, so clients stop finding a server that is going away.
- uvicorn handles SIGTERM/SIGINT gracefully (bounded at 5 s, so a streaming client
  cannot hold shutdown open), then re-raises the signal to the previous handler. Ours
  turns that SIGTERM into a clean return (exit code 0, record removed), and also ends a
  server still importing, before uvicorn took over the signals.
- The daemon's command line is internal (``--ready-fd``); ``flyte-nb server start`` is the
  user-facing entry. The token arrives through the environment and is removed from it at
  once, so processes the server starts later do not inherit it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from .._version import __version__
from ..client._daemon import ServerStartError, _remove_record, _write_record
from ..client._settings import ServerConfig, check_bind_host
from ..store import process_identity
from ._watch import Watchdog


class _Terminated(BaseException):
    """Raised by our SIGTERM handler to unwind ``serve`` cleanly."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def _bind(config: ServerConfig) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            config.host, config.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ServerStartError(f"cannot listen on {config.host!r}: {exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ServerStartError(
            f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}; choose "
            "another port (--port, FLYTE_NB_SERVER_PORT or [server] port; 0 picks a free one)"
        ) from None
    return sock


def _url(sock: socket.socket) -> tuple[str, int]:
    """The URL clients use (a wildcard bind is reached through loopback) and the port."""
    host, port = sock.getsockname()[:2]
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return (f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"), port


def serve(config: ServerConfig, *, ready_fd: int | None = None) -> None:
    """Run the server in this process until SIGTERM/SIGINT: ``flyte-nb server start
    --foreground``, and the process ``client/_daemon.start`` spawns."""
    from .._config import ensure_home

    check_bind_host(config.host, config.allow_remote, "ServerConfig.host")
    ensure_home(config.home)
    os.umask(0o077)  # the database, blobs, logs and raw data: readable by their owner only
    sock = _bind(config)
    pid = os.getpid()
    url, port = _url(sock)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main else None
    watchdog: Watchdog | None = None
    try:
        import asyncio

        import uvicorn

        from ._app import busy, create_app
        from ._run_routes import closing_event

        def on_ready() -> None:
            node, _, proc_start = process_identity()
            now = datetime.now(UTC).isoformat(timespec="seconds")
            _write_record(
                config.home,
                {
                    "pid": pid,
                    "host": config.host,
                    "port": port,
                    "url": url,
                    "version": __version__,
                    "started_at": now,
                    "proc_start": proc_start,
                    "node": node,
                },
            )
            print(f"{now} flyte_nb server {__version__} pid {pid} on {url}", file=sys.stderr)
            if ready_fd is not None:
                with contextlib.suppress(OSError):
                    os.write(ready_fd, b"ready\n")
                    os.close(ready_fd)

        class Server(uvicorn.Server):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                await super().startup(sockets=sockets)
                if self.started:
                    on_ready()

            async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
                _remove_record(config.home, pid)  # new clients stop finding us first
                closing_event(app).set()  # end the event streams: they would hold shutdown
                await super().shutdown(sockets=sockets)

        app = create_app(config)
        backend = app.state.backend
        watchdog = Watchdog(
            config.home, config.idle_timeout or 0.0, lambda: busy(backend), app.state.activity
        )
        watchdog.start()
        server_config = uvicorn.Config(
            app,
            log_level=config.log_level,
            lifespan="on",
            timeout_graceful_shutdown=5,
            server_header=False,
        )
        asyncio.run(Server(server_config).serve(sockets=[sock]))
    except (_Terminated, KeyboardInterrupt):
        pass
    finally:
        if watchdog is not None:
            watchdog.done.set()
        _remove_record(config.home, pid)
        sock.close()
        if main:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
        print(f"flyte_nb server pid {pid} stopped", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    from ..client._daemon import TOKEN_ENV
    from ..client._settings import add_server_arguments, load_server_config, server_overrides
    from ..exceptions import FlyteNbException

    parser = argparse.ArgumentParser(prog="python -m flyte_nb.server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser("serve", help="run the server in the foreground")
    add_server_arguments(serve_parser)
    serve_parser.add_argument("--ready-fd", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ready_fd is not None:
        os.set_inheritable(args.ready_fd, False)  # the server's own children must not hold it
    token = os.environ.pop(TOKEN_ENV, None) or None
    try:
        config = load_server_config(args.home, token=token, **server_overrides(args))
        serve(config, ready_fd=args.ready_fd)
    except FlyteNbException as exc:
        print(f"flyte_nb server: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
