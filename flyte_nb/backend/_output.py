"""A worker's stdout and stderr, captured at the file-descriptor level, per action attempt.

Why it is built this way:

* **fd 1 and 2, not ``sys.stdout``.** A task writes through ``print``, ``logging``,
  ``os.write(2, ...)``, C extensions, threads and subprocesses (which inherit the fds). Only
  replacing the descriptors themselves (``dup2`` onto a pipe) sees all of it; a reader
  thread per stream drains the pipe, so a task that writes a lot never blocks on it.
* **Per attempt.** A worker runs one action at a time: what arrives while a job runs is
  that attempt's output, sent to the backend as ``log`` rows. ``end_job`` flushes Python's
  buffers, then reads what is left in each pipe itself, under the lock the reader thread
  reads under: every byte the job wrote before it ended is attributed to it, in order,
  without a round trip to the reader thread (a marker written and waited for cost about
  0.3 ms per action).
* **Masked on the stream.** Each stream of each attempt has its own ``StreamMasker`` with
  the job's secret values (``flyte_nb.secrets._mask``): a value split over two writes, or
  written escaped (``repr``, JSON), is masked before it leaves the worker.
* **Never into ``server.log``.** The worker's original fds (the server's log) receive only
  what is written between jobs (a thread or subprocess a task left behind), masked with
  every secret value this worker has been given.
* **Bounded.** An attempt's output is capped (``FLYTE_NB_ATTEMPT_LOG_BYTES``, default
  ``DEFAULT_LIMIT``); past it one marker line says so and the rest is dropped, so a task in
  a print loop cannot fill the disk through the database.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import select
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from ..secrets._mask import StreamMasker

__all__ = ["DEFAULT_LIMIT", "OutputCapture", "attempt_limit"]

DEFAULT_LIMIT = 10 * 1024 * 1024  # bytes of output kept per attempt (stdout + stderr)
_READ = 65536
_PARTIAL_MAX = 8192  # a line longer than this is sent in pieces (a progress bar, say)


def attempt_limit() -> int:
    """``$FLYTE_NB_ATTEMPT_LOG_BYTES`` (0 or less: no limit), else ``DEFAULT_LIMIT``."""
    raw = os.environ.get("FLYTE_NB_ATTEMPT_LOG_BYTES", "").strip()
    try:
        return int(raw) if raw else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT


class _Job:
    """The attempt output is attributed to, and its per-stream masking state."""

    def __init__(self, key: dict[str, Any], secrets: list[str], limit: int) -> None:
        self.key = key
        self.maskers = {name: StreamMasker(secrets) for name in ("stdout", "stderr")}
        self.decoders = {
            name: codecs.getincrementaldecoder("utf-8")("replace") for name in self.maskers
        }
        self.limit = limit
        self.size = 0
        self.truncated = False
        # text after the last newline, held back so a row is whole lines: a run's log merges
        # its actions' rows, and half a line (print writes the text and the newline in two
        # writes) would otherwise join another action's line
        self.partial = {name: "" for name in self.maskers}


class _Stream:
    def __init__(self, fd: int, name: str, owner: OutputCapture) -> None:
        self.fd = fd
        self.name = name
        self.owner = owner
        self.saved = os.dup(fd)  # where the fd pointed before: the server's log
        read, write = os.pipe()
        os.set_blocking(read, False)
        self.write_end = write  # kept (not inheritable) to put back a fd a task closed
        os.dup2(write, fd)
        self.read = read
        # Held while bytes are read and delivered, by the reader thread or by ``sync``: what
        # ``sync`` finds in the pipe after taking it is all that was not yet delivered.
        self.lock = threading.Lock()
        self.idle = StreamMasker()
        self.thread = threading.Thread(target=self._loop, name=f"flyte-nb-{name}", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            try:
                select.select([self.read], [], [])
            except (OSError, ValueError):
                return
            with self.lock:
                if self._drain(final=False) is None:
                    return

    def _drain(self, *, final: bool) -> int | None:
        """Read what the pipe holds now and deliver it (``final``: the attempt's last);
        the number of bytes, or None once the pipe is closed. Called with ``lock`` held."""
        total = 0
        while True:
            try:
                data = os.read(self.read, _READ)
            except BlockingIOError:
                break
            except OSError:
                return None
            if not data:
                return None if not final else total
            total += len(data)
            self.owner.deliver(self, data, final=False)
        if final:
            self.owner.deliver(self, b"", final=True)
        return total

    def sync(self) -> None:
        """Deliver everything written to the fd before now, as the end of an attempt: read
        here, under the lock, so no round trip to the reader thread is needed."""
        with self.lock:
            self._drain(final=True)

    def reattach(self) -> None:
        """Point the fd at the pipe again (a task may have closed or redirected it)."""
        os.dup2(self.write_end, self.fd)

    def restore(self) -> None:
        os.dup2(self.saved, self.fd)
        os.close(self.saved)
        os.close(self.write_end)  # the reader sees EOF once no subprocess holds the pipe


class OutputCapture:
    """Installs the capture on fds 1 and 2; ``send`` receives each ``log`` row to record."""

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self._send = send
        self._lock = threading.Lock()
        self._job: _Job | None = None
        self._known: set[str] = set()
        self._streams: list[_Stream] = []

    def install(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        # Python's stdout on a pipe is block-buffered: line-buffer it so a task's prints
        # reach the log (and the live view) as they happen.
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)
        self._streams = [_Stream(1, "stdout", self), _Stream(2, "stderr", self)]

    def uninstall(self) -> None:
        self._sync()
        for stream in self._streams:
            stream.restore()
        self._streams = []

    def start_job(self, key: dict[str, Any], secrets: list[str]) -> None:
        """From now on output belongs to the attempt ``key`` (run_name, action_name,
        attempt) and ``secrets`` are masked in it."""
        self._sync()
        for stream in self._streams:
            stream.reattach()
        with self._lock:
            self._known.update(secrets)
            for stream in self._streams:
                stream.idle.add(secrets)
            self._job = _Job(key, secrets, attempt_limit())

    def end_job(self) -> None:
        """Deliver everything the attempt wrote, then stop attributing output to it."""
        self._sync()
        with self._lock:
            self._job = None

    def _sync(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
        for stream in self._streams:
            stream.sync()

    def deliver(self, stream: _Stream, data: bytes, *, final: bool) -> None:
        """Called on a reader thread with bytes read from ``stream`` (``final``: the last
        of the current attempt's)."""
        with self._lock:
            job = self._job
            if job is None:
                out = stream.idle.feed(data) + (stream.idle.flush() if final else b"")
                if out:
                    os.write(stream.saved, out)
                return
            self._feed(job, stream.name, data, final=final)

    def new_job(self, key: dict[str, Any], secrets: list[str]) -> _Job:
        """An attempt whose output is fed by its own writer (``feed``): an action hosted in
        this worker beside others (``_guests``), whose Python-level writes are routed to
        it; its ``secrets`` are masked on every stream, as for the worker's own job."""
        with self._lock:
            self._known.update(secrets)
            for stream in self._streams:
                stream.idle.add(secrets)
        return _Job(key, secrets, attempt_limit())

    def feed(self, job: _Job, name: str, data: bytes, *, final: bool) -> None:
        """``data`` written by ``job`` to stream ``name`` (``final``: its last)."""
        with self._lock:
            self._feed(job, name, data, final=final)

    def _feed(self, job: _Job, name: str, data: bytes, *, final: bool) -> None:
        masker = job.maskers[name]
        out = masker.feed(data) + (masker.flush() if final else b"")
        text = job.partial[name] + job.decoders[name].decode(out, final=final)
        cut = len(text) if final or len(text) > _PARTIAL_MAX else text.rfind("\n") + 1
        job.partial[name] = text[cut:]
        if cut:
            self._record(job, name, text[:cut])

    def _record(self, job: _Job, name: str, text: str) -> None:
        if job.truncated:
            return
        size = len(text.encode("utf-8", "replace"))
        if job.limit > 0 and job.size + size > job.limit:
            keep = max(job.limit - job.size, 0)
            text = text.encode("utf-8", "replace")[:keep].decode("utf-8", "ignore")
            text += (
                f"\n[flyte-nb: this attempt's output passed {job.limit} bytes; the rest is "
                "not kept (set FLYTE_NB_ATTEMPT_LOG_BYTES on the server to change the limit)]\n"
            )
            job.truncated = True
        job.size += size
        self._send({**job.key, "stream": name, "ts": time.time(), "text": text})
