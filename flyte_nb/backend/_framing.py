"""The worker channel's wire format: length-prefixed pickles of message batches.

Apart from ``_channel`` (the backend's asyncio side) because a worker reads and writes the
same frames on plain threads: a worker that imported asyncio to start took 0.1 s of a
loaded machine's time and 5 MiB before its first job (issue 17).
"""

from __future__ import annotations

import pickle
import struct
from typing import Any

Message = dict[str, Any]
HEADER = struct.Struct("!I")


def encode(batch: list[Message]) -> bytes:
    """One frame holding ``batch``."""
    payload = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(payload)) + payload


def decode(buf: bytearray) -> list[Message]:
    """The messages of every whole frame at the start of ``buf``, removed from it; a
    partial frame stays for the next read."""
    messages: list[Message] = []
    pos = 0
    while len(buf) - pos >= 4:
        (size,) = HEADER.unpack_from(buf, pos)
        if len(buf) - pos - 4 < size:
            break
        messages.extend(pickle.loads(memoryview(buf)[pos + 4 : pos + 4 + size]))
        pos += 4 + size
    if pos:
        del buf[:pos]
    return messages
