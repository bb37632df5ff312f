"""Masking secret values in a byte stream: what a task writes to stdout/stderr.

Why it is built this way:

* **Every spelling a value takes in ordinary output.** A secret printed plainly, inside a
  ``repr`` (a list, a dict, an f-string with ``!r``) or inside JSON (``json.dumps``,
  ``logging`` of a dict) is spelled differently when it holds a backslash, a quote or a
  non-ASCII character; each spelling (``value``, ``repr(value)[1:-1]``,
  ``json.dumps(value)[1:-1]`` and its ``ensure_ascii=False`` form) is masked.
* **Across write boundaries.** A stream arrives in arbitrary pieces (two ``write`` calls,
  a pipe read that splits a line), so the masker holds back the end of what it has seen
  when it could be the start of a value (at most ``longest - 1`` bytes) until more arrives
  or the stream ends (``flush``): a value split over two pieces is masked like a whole
  one, nothing unmasked is released early, and ordinary output is not held at all.
* **Bytes, not text.** A pipe carries bytes; masking their UTF-8 encoding never has to
  decode half a character.

Values shorter than ``MIN_LENGTH`` characters are not masked: masking ``"1"`` or ``"ab"``
would mangle ordinary output and hide nothing worth hiding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

__all__ = ["MASK", "MIN_LENGTH", "StreamMasker", "spellings"]

MASK = "[secret]"
MIN_LENGTH = 4


def spellings(value: str) -> set[str]:
    """The ways ``value`` appears in output: plain, in a repr, in JSON (both escapings)."""
    if len(value) < MIN_LENGTH:
        return set()
    forms = {
        value,
        repr(value)[1:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
    }
    if "'" in value:  # repr picks double quotes then, and leaves ' alone
        forms.add(value.replace("\\", "\\\\").replace("'", "\\'"))
    return forms


class StreamMasker:
    """Masks the secret values given to it in a byte stream fed in arbitrary pieces."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._forms: list[bytes] = []
        self._hold = 0
        self._pending = b""
        self._mask = MASK.encode()
        self.add(values)

    def add(self, values: Iterable[str]) -> None:
        """Mask ``values`` too, from the next piece on."""
        forms = set(self._forms)
        for value in values:
            forms.update(form.encode("utf-8", "surrogatepass") for form in spellings(value))
        self._forms = sorted(forms, key=len, reverse=True)  # the longest spelling first
        self._hold = max((len(f) for f in self._forms), default=1) - 1

    def __bool__(self) -> bool:
        return bool(self._forms)

    @property
    def pending(self) -> bool:
        """Whether a held-back tail waits for the next piece (or ``flush``)."""
        return bool(self._pending)

    def feed(self, data: bytes) -> bytes:
        """What of ``pending + data`` can be released: masked, less a held-back tail."""
        if not self._forms:
            out, self._pending = self._pending + data, b""
            return out
        text = self._replace(self._pending + data)
        cut = len(text) - self._partial(text)
        out, self._pending = text[:cut], text[cut:]
        return out

    def _partial(self, text: bytes) -> int:
        """The length of the longest end of ``text`` that starts some spelling: only that
        much must wait for the next piece (usually nothing, so lines are not split)."""
        for size in range(min(self._hold, len(text)), 0, -1):
            end = text[-size:]
            if any(form.startswith(end) for form in self._forms):
                return size
        return 0

    def flush(self) -> bytes:
        """The held-back tail, masked: the stream ended (or the attempt did)."""
        out, self._pending = self._replace(self._pending), b""
        return out

    def _replace(self, data: bytes) -> bytes:
        for form in self._forms:
            if form in data:
                data = data.replace(form, self._mask)
        return data
