"""``ImageRenderer``: an image as an inline ``data:`` URI, so a deck needs no file server.

Design decisions:

* The format is sniffed from the first bytes (PNG, JPEG, GIF, WEBP, BMP, SVG), not from a
  file name, because bytes often come without one; anything else is re-encoded to PNG with
  Pillow when Pillow can read it.
* SVG stays SVG: in an ``<img>`` its scripts never run, and it scales without loss.
* ``max_size`` shrinks large raster images with Pillow before encoding, so a deck of
  camera-sized images stays small; ``render`` uses it for images it meets in inputs and
  outputs. Without Pillow, images are embedded as they are.
* http(s) URLs are used as they are (escaped): the browser fetches them, nothing here does.
"""

from __future__ import annotations

import base64
import io
import os
from typing import Any

from ..exceptions import FlyteTypeException, FlyteValidationException
from ._html import esc
from ._renderers import is_pil_image, positive

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


def _sniff(data: bytes) -> str | None:
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "image/svg+xml"
    return None


class ImageRenderer:
    """An image as an inline ``data:`` URI: a path, bytes, a PIL image, or an http(s) URL.

    ``max_size`` (pixels) shrinks larger raster images first (needs Pillow), which keeps
    decks of camera-sized images small; ``None`` keeps them as they are.
    """

    def __init__(self, max_size: int | None = None, alt: str = "image") -> None:
        if max_size is not None:
            positive("ImageRenderer", "max_size", max_size)
        self.max_size = max_size
        self.alt = alt

    def to_html(self, value: Any) -> str:
        if isinstance(value, str) and value.startswith(("http://", "https://", "data:image/")):
            return self._img(value)
        if is_pil_image(value):
            return self._img(self._uri(self._png(value), "image/png"))
        if isinstance(value, str | os.PathLike):
            try:
                with open(value, "rb") as f:
                    data = f.read()
            except OSError as exc:
                raise FlyteValidationException(
                    f"ImageRenderer cannot read {value!r}: {exc}"
                ) from None
        elif isinstance(value, bytes | bytearray | memoryview):
            data = bytes(value)
        else:
            raise FlyteTypeException(
                "ImageRenderer takes a file path, bytes, a PIL image or an http(s) URL, got "
                f"{type(value).__qualname__}"
            )
        mime = _sniff(data)
        if mime != "image/svg+xml" and (mime is None or self.max_size is not None):
            data, mime = self._reencode(data, mime)
        if mime is None:
            raise FlyteValidationException(
                "ImageRenderer could not tell the image format (PNG, JPEG, GIF, WEBP, BMP, "
                "SVG expected); pass a PIL image or a path to one of those"
            )
        return self._img(self._uri(data, mime))

    def _reencode(self, data: bytes, mime: str | None) -> tuple[bytes, str | None]:
        """PNG of an image in a format browsers may not show, or larger than ``max_size``.

        Best effort: without Pillow, or for bytes Pillow cannot read, ``data`` is kept and
        the format sniffed from its first bytes decides.
        """
        try:
            from PIL import Image
        except ImportError:
            return data, mime
        try:
            with Image.open(io.BytesIO(data)) as img:
                if mime is None or max(img.size) > (self.max_size or 0):
                    return self._png(img), "image/png"
        except Exception:
            pass
        return data, mime

    def _png(self, img: Any) -> bytes:
        if self.max_size is not None and max(img.size) > self.max_size:
            img = img.copy()
            img.thumbnail((self.max_size, self.max_size))
        if img.mode not in ("1", "L", "LA", "I", "P", "RGB", "RGBA", "I;16"):
            img = img.convert("RGBA")
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        return buf.getvalue()

    @staticmethod
    def _uri(data: bytes, mime: str) -> str:
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"

    def _img(self, src: str) -> str:
        return f'<img src="{esc(src)}" alt="{esc(self.alt)}" style="max-width:100%">'
