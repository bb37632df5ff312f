"""``GET /flyte-nb/frame/<blob>``: the first rows of a stored DataFrame, for the panel.

A DataFrame value is stored as a parquet blob and travels as ``{"$sd": <blob>, "columns",
"rows", ...}``; shown as is, the panel printed that encoding. Browsers cannot read
parquet, so this handler fetches the blob from the backend (with the token this server
holds, like the proxy), reads its first ``limit`` rows with pyarrow and answers them as
JSON: ``{"columns": [...], "rows": [[...], ...], "total": n}``. Cells that JSON cannot
carry (dates, bytes, nested values) are sent as their ``str``.

Bounds: the blob is read only up to ``MAX_BLOB_BYTES`` (a larger one is answered with its
size and how to open it in a notebook), and at most ``MAX_ROWS`` rows are sent.
"""

from __future__ import annotations

import io
import json
import math
import re
from typing import Any

import httpx
from tornado import web

from ..client._http import api_url, blob_path
from ._handlers import _Base

MAX_BLOB_BYTES = 64 * 1024 * 1024
MAX_ROWS = 100
DEFAULT_ROWS = 20
_BLOB = re.compile(r"[A-Za-z0-9._:-]{1,200}")


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


def frame_head(data: bytes, limit: int) -> dict[str, Any]:
    """The first ``limit`` rows of a parquet file, as JSON-ready columns and rows."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    parquet = pq.ParquetFile(io.BytesIO(data))
    columns = [str(name) for name in parquet.schema_arrow.names]
    rows: list[list[Any]] = []
    for batch in parquet.iter_batches(batch_size=max(limit, 1)):
        for record in batch.slice(0, limit - len(rows)).to_pylist():
            rows.append([_cell(v) for v in record.values()])
        if len(rows) >= limit:
            break
    return {"columns": columns, "rows": rows, "total": parquet.metadata.num_rows}


class FrameHandler(_Base):
    @web.authenticated
    async def get(self, blob: str) -> None:
        if not _BLOB.fullmatch(blob):
            self.fail(400, "bad_request", f"{blob!r} is not a blob id (the $sd of a value)")
            return
        raw_limit = self.get_query_argument("limit", str(DEFAULT_ROWS))
        try:
            limit = int(raw_limit)
        except ValueError:
            limit = -1
        if not 1 <= limit <= MAX_ROWS:
            self.fail(
                400, "bad_request", f"limit must be an integer in 1..{MAX_ROWS}, got {raw_limit!r}"
            )
            return
        target = await self.target()
        if target is None:
            return
        client = self.clients.for_url(target.url)
        headers = {"Authorization": f"Bearer {target.token}"}
        url = api_url(target.url, blob_path(blob))
        try:
            async with client.stream("GET", url, headers=headers) as response:
                if response.status_code != 200:
                    body = await response.aread()
                    self.set_status(response.status_code)
                    self.finish(body)
                    return
                size = int(response.headers.get("content-length") or 0)
                if size > MAX_BLOB_BYTES:
                    self.fail(
                        413,
                        "too_large",
                        f"the table is {size:,} bytes of parquet, more than the panel reads "
                        f"({MAX_BLOB_BYTES:,}); open it in a notebook instead",
                    )
                    return
                data = await response.aread()
        except httpx.TransportError as exc:
            self.targets.forget(self.endpoint())
            self.fail(502, "backend_error", f"lost the backend at {target.url}: {exc}")
            return
        try:
            head = frame_head(data, limit)
        except ImportError:
            self.fail(501, "no_pyarrow", "reading tables needs pyarrow in Jupyter's environment")
            return
        except Exception as exc:  # not parquet: say so rather than a 500 page
            self.fail(422, "not_a_table", f"blob {blob} is not a parquet table: {exc}")
            return
        self.finish(json.dumps(head))
