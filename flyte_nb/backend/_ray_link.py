"""The backend's link to a Ray cluster: the driver, the worker actor, the channel's listener.

Why it looks like this:
- The server process is the Ray *driver* (``ray.init(address=...)``), so the worker actors
  it creates share its fate: when the server dies, Ray kills them, as the local pool's
  workers die with the server (``PR_SET_PDEATHSIG``).
- A worker actor cannot inherit a socket, so it connects back to a TCP listener opened on
  this node's address as Ray sees it (``127.0.0.1`` for a one-machine cluster started with
  ``--node-ip-address=127.0.0.1``). Before any pickle crosses, the worker sends a fixed-size
  hello: a 32-byte secret drawn per server and handed to the actor by Ray with its ``serve``
  call, the key of the handle waiting for it, its pid and Ray node id. A wrong secret or an
  unknown key closes the connection unread, so nothing on the network can make the
  backend unpickle (the Ray cluster itself is trusted: anyone who can submit to it runs
  code already). Then the connection becomes the same ``Channel`` as a local worker's.
- ``WorkerActor`` runs the unchanged worker loop (``_worker.Worker``) inside Ray's worker
  process, so a task's body sees what Ray granted the actor (``CUDA_VISIBLE_DEVICES``,
  ``ray.get_runtime_context().get_assigned_resources()``). Ray starts each worker process
  as its own process-group leader (checked, and made so if not), so a worker losing the
  backend still takes exactly its own process tree down.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import logging
import os
import secrets
import signal
import socket
import struct
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._ray import RayWorkerHandle

__all__ = ["RayLink", "WorkerActor"]

_HELLO = struct.Struct("!32sQI64s")  # secret, handle key, pid, Ray node id (hex, padded)
_HELLO_TIMEOUT = 30.0


class WorkerActor:
    """The body of a Ray worker actor: one ``serve`` call runs the worker loop to its end."""

    def __init__(self) -> None:
        if os.getpgrp() != os.getpid():
            os.setpgid(0, 0)  # lead our own group: a lost backend kills only our tree

    def serve(
        self,
        host: str,
        port: int,
        secret: bytes,
        key: int,
        blob_url: str,
        env: dict[str, str],
    ) -> int:
        import ray

        from ..store import BlobStore
        from ._worker import Worker

        os.environ.update(env)
        node = ray.get_runtime_context().get_node_id().encode()
        sock = socket.create_connection((host, port), timeout=30)
        sock.settimeout(None)
        sock.sendall(_HELLO.pack(secret, key, os.getpid(), node))
        worker = Worker(sock, BlobStore(blob_url))
        try:
            worker.serve()
        finally:
            worker.close()
        return 0


class _Hello(asyncio.Protocol):
    """Reads a connecting worker's hello, then hands the connection to its handle's channel."""

    def __init__(self, link: RayLink) -> None:
        self.link = link
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.timer = asyncio.get_running_loop().call_later(_HELLO_TIMEOUT, transport.close)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) < _HELLO.size or self.transport is None:
            return
        if self.timer is not None:
            self.timer.cancel()
        secret, key, pid, node = _HELLO.unpack_from(self.buffer)
        handle = None
        if hmac.compare_digest(secret, self.link.secret):
            handle = self.link.pending.pop(key, None)
        if handle is None:
            self.transport.close()
            return
        handle.pid = pid
        handle.node = node.rstrip(b"\0").decode()
        rest = bytes(self.buffer[_HELLO.size :])
        channel = handle.channel
        self.transport.set_protocol(channel)
        channel.connection_made(self.transport)
        if rest:
            channel.data_received(rest)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()


class RayLink:
    """One backend's Ray driver and listener, shared by its plain and replica pools."""

    def __init__(self, address: str) -> None:
        self.address = address or "auto"
        self.secret = secrets.token_bytes(32)
        self.keys = itertools.count(1)
        self.pending: dict[int, RayWorkerHandle] = {}  # spawned, not yet connected
        self.host = ""
        self.port = 0
        self.node_id = ""
        self.totals: dict[str, float] = {}
        self._actor_class: Any = None
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def open(self, loop: asyncio.AbstractEventLoop) -> None:
        """Connect to the cluster and listen for workers (called once, on the loop)."""
        import ray

        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        sigterm = signal.getsignal(signal.SIGTERM)
        try:
            self._probe()  # Ray itself retries an unreachable address for most of a minute
            ray.init(
                address=self.address,
                namespace="flyte_nb",
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise RuntimeError(
                f"the Ray executor cannot reach a Ray cluster at ray_address={self.address!r}: "
                f"{exc}. Start one (`ray start --head`) or give its address (--ray-address "
                "host:port, FLYTE_NB_RAY_ADDRESS, or ray_address in [server] of config.toml)"
            ) from None
        finally:  # a Ray driver exits on SIGTERM; the server shuts down gracefully instead
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, sigterm)
        self.node_id = ray.get_runtime_context().get_node_id()
        self.host = ray.util.get_node_ip_address()  # type: ignore[no-untyped-call]
        sock = socket.create_server((self.host, 0), family=_family(self.host))
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._actor_class = ray.remote(WorkerActor)
        self.refresh()
        task = loop.create_task(loop.create_server(lambda: _Hello(self), sock=sock))
        task.add_done_callback(self._listening)
        self._tasks.add(task)

    def _probe(self) -> None:
        """Fail in seconds when a ``host:port`` address does not answer at all."""
        host, _, port = self.address.rpartition(":")
        if not host or not port.isdigit():
            return  # "auto" and other forms: Ray's own lookup
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
        except OSError as exc:
            raise ConnectionError(f"nothing answers at {host}:{port} ({exc})") from None

    def _listening(self, task: asyncio.Task[asyncio.AbstractServer]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            print(f"flyte_nb backend: cannot listen for Ray workers: {error}", file=sys.stderr)
        else:
            self._server = task.result()

    def refresh(self) -> None:
        """The cluster's total resources (nodes come and go)."""
        import ray

        with contextlib.suppress(Exception):  # a GCS hiccup: keep the last figures
            self.totals = dict(ray.cluster_resources())  # type: ignore[no-untyped-call]

    def available(self) -> dict[str, float]:
        """What the cluster has free right now (one call to Ray's control store)."""
        import ray

        try:
            return dict(ray.available_resources())  # type: ignore[no-untyped-call]
        except Exception:  # unknown: assume the worst, so reservations get released
            return {}

    def new_actor(self, options: dict[str, Any], restartable: bool) -> Any:
        """A worker actor with ``options`` (resources; placement), restarted by Ray after a
        crash when ``restartable``; the backend, not Ray, retries the action it ran."""
        extra: dict[str, Any] = {} if options else {"scheduling_strategy": "SPREAD"}
        return self._actor_class.options(
            max_restarts=-1 if restartable else 0, max_task_retries=0, **options, **extra
        ).remote()

    def serve(
        self,
        handle: RayWorkerHandle,
        blob_url: str,
        env: dict[str, str],
        on_end: Callable[[asyncio.Future[Any]], None],
    ) -> None:
        """Ask ``handle``'s actor to run the worker loop and connect back; ``on_end`` gets
        the call's outcome (it returns when the loop ends, raises when the actor died)."""
        self.pending[handle.key] = handle
        ref = handle.actor.serve.remote(
            self.host, self.port, self.secret, handle.key, blob_url, env
        )
        handle.ended = asyncio.wrap_future(ref.future())
        handle.ended.add_done_callback(on_end)

    def kill(self, actor: Any, *, restart: bool = False) -> None:
        import ray

        if ray.is_initialized():
            with contextlib.suppress(Exception):  # already gone
                ray.kill(actor, no_restart=not restart)

    def close(self) -> None:
        """Stop listening and leave the cluster: Ray ends every actor this driver owns."""
        import ray

        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        if ray.is_initialized():
            try:
                ray.shutdown()
            except Exception as exc:  # shutting down anyway; say why in the server log
                print(f"flyte_nb backend: ray.shutdown failed: {exc}", file=sys.stderr)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
