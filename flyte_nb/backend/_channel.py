"""The message channel between the backend and its worker processes.

A socketpair per worker (inherited by the child, no listening socket, no auth to get
wrong) carrying length-prefixed pickles. Pickle is safe here because both ends are our
own processes, started by the backend; nothing from the network is unpickled.

Messages are batched: ``send`` appends to an outbox and one write per event-loop turn
sends everything queued, so a parent fanning out 1000 children costs a handful of
syscalls, not 1000. The receiver gets each frame as a list of messages. The frames
themselves are ``_framing``'s, which a worker reads and writes without asyncio.

What a message holds is declared once, in ``flyte_nb.wire`` (``ToWorker``: backend to
worker, ``FromWorker``: worker to backend); tests/test_wire_messages.py checks every
message dict flyte_nb builds against those shapes. ``Message`` stays a plain dict here:
the channel only frames and batches, and the handlers read by ``op``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ._framing import Message, decode, encode

__all__ = ["Channel", "Message"]


class Channel(asyncio.Protocol):
    def __init__(
        self,
        on_messages: Callable[[list[Message]], None],
        on_lost: Callable[[Exception | None], None],
    ) -> None:
        self._on_messages = on_messages
        self._on_lost = on_lost
        self._buffer = bytearray()
        self._outbox: list[Message] = []
        self._transport: asyncio.Transport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = False

    # -- asyncio.Protocol ----------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._loop = asyncio.get_running_loop()

    def data_received(self, data: bytes) -> None:
        buf = self._buffer
        buf += data
        frames = decode(buf)
        if frames:
            self._on_messages(frames)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._on_lost(exc)

    # -- sending -------------------------------------------------------------------------
    def send(self, message: Message) -> None:
        """Queue ``message``; call on the channel's loop thread."""
        if self.closed:
            return
        if not self._outbox:
            assert self._loop is not None
            self._loop.call_soon(self._flush)
        self._outbox.append(message)

    def _flush(self) -> None:
        batch, self._outbox = self._outbox, []
        if batch and self._transport is not None and not self.closed:
            self._transport.write(encode(batch))

    def flush(self) -> None:
        """Write what is queued now instead of on the loop's next turn (a run's root: the
        worker starts it while the server is still answering the POST)."""
        self._flush()

    def close(self) -> None:
        if self._transport is not None:
            self._flush()
            self._transport.close()
