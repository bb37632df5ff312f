"""``GET /flyte-nb/preview/<blob>``: a look inside a stored file, for the panel.

A ``File`` value travels as ``{"$file": <sha256>, "name", "size"}``; the panel showed that
encoding. This handler fetches the blob from the backend (with the token this server
holds, like the proxy and ``_frames.py``) and answers what a reader can see at a glance:

* a raster image (PNG, JPEG, GIF, WebP, recognised by its first bytes, never by the name
  the task gave it) as its bytes, with that image's content type, so the panel can show
  it in an ``<img>``. SVG is text here, not an image: an SVG served from Jupyter's origin
  could run script; every answer also carries ``X-Content-Type-Options: nosniff`` and a
  ``sandbox`` content security policy, so even a browser that opens one directly runs
  nothing;
* text (UTF-8 without NUL bytes in its head): the first ``MAX_TEXT`` bytes, as JSON
  ``{"kind": "text", "text", "truncated", "size"}``;
* anything else: ``{"kind": "binary", "size"}``.

Bounds: text reads stop after ``MAX_TEXT`` bytes, and an image over ``MAX_IMAGE`` bytes is
answered with its size instead, so a preview never pulls a large blob through Jupyter.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from tornado import web

from ..client._http import api_url, blob_path
from ._handlers import _Base

MAX_TEXT = 64 * 1024
MAX_IMAGE = 8 * 1024 * 1024
_BLOB = re.compile(r"[0-9a-f]{64}")
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def image_type(head: bytes) -> str | None:
    """The content type of a raster image from its first bytes, or None."""
    for magic, mime in _IMAGES:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def text_head(data: bytes, size: int) -> dict[str, Any] | None:
    """``data`` (the first bytes of a ``size``-byte file) as text, or None when binary."""
    if b"\x00" in data[:8192]:
        return None
    truncated = size > len(data)
    try:
        # a cut multi-byte character at the end of a truncated head is not an error
        text = data.decode("utf-8", errors="ignore" if truncated else "strict")
    except UnicodeDecodeError:
        return None
    return {"kind": "text", "text": text, "truncated": truncated, "size": size}


class PreviewHandler(_Base):
    @web.authenticated
    async def get(self, blob: str) -> None:
        if not _BLOB.fullmatch(blob):
            self.fail(
                400, "bad_request", f"{blob!r} is not a file's blob id (the $file of a value)"
            )
            return
        target = await self.target()
        if target is None:
            return
        client = self.clients.for_url(target.url)
        headers = {"Authorization": f"Bearer {target.token}"}
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", "default-src 'none'; sandbox")
        try:
            async with client.stream(
                "GET", api_url(target.url, blob_path(blob)), headers=headers
            ) as response:
                if response.status_code != 200:
                    body = await response.aread()
                    self.set_status(response.status_code)
                    self.finish(body)
                    return
                size = int(response.headers.get("content-length") or 0)
                data = b""
                mime: str | None = None
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if mime is None and len(data) >= 12:
                        mime = image_type(data)
                    limit = MAX_IMAGE if mime else MAX_TEXT
                    if len(data) >= limit:
                        break
                size = max(size, len(data))
        except httpx.TransportError as exc:
            self.targets.forget(self.endpoint())
            self.fail(502, "backend_error", f"lost the backend at {target.url}: {exc}")
            return
        mime = mime or image_type(data)
        if mime is not None:
            if size > MAX_IMAGE:
                self.finish(json.dumps({"kind": "binary", "size": size, "image": mime}))
                return
            self.set_header("Cache-Control", "private, max-age=86400")  # content-addressed
            self.finish(data, set_content_type=mime)
            return
        head = text_head(data[:MAX_TEXT], size)
        self.finish(json.dumps(head or {"kind": "binary", "size": size}))
