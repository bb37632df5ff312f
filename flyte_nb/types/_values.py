"""How task inputs and outputs are written to the records and read back.

A value is stored as JSON. Scalars (int, finite float, str, bool, None) are stored as
themselves; lists and str-keyed dicts of plain JSON values under ``INLINE_LIMIT`` bytes
are stored inline under ``{"$json": ..., "type": ...}`` so tuples come back as tuples;
files, folders, dataframes, dataclasses and pydantic models (and containers of them) get
a structured form of their own (``_codecs.py``); everything else is cloudpickled into a
content-addressed blob and stored as ``{"$blob": <sha256>, "type": ..., "repr": ...}``.
Scalars never look like dicts, so a dict in the encoding is always one of our tags and
decoding needs no guessing.

The encoded JSON text doubles as the input hash: encoding happens once per call and the
same bytes feed the action name, the cache key and the record.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from ._codecs import GetBlob as GetBlob
from ._codecs import PutBlob as PutBlob
from ._codecs import decode_structured, encode_structured

INLINE_LIMIT = 4096
_SCALARS = (int, str, bool, type(None))

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def _plain(value: Any, depth: int = 0) -> bool:
    """True if JSON round-trips ``value`` to an equal object of the same types."""
    t = type(value)
    if t in _SCALARS:
        return True
    if t is float:
        return math.isfinite(value)
    if depth > 8:
        return False
    if t is list:
        return all(_plain(v, depth + 1) for v in value)
    if t is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    return False


def _type_name(value: Any) -> str:
    t = type(value)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def encode_value(value: Any, put_blob: PutBlob) -> Any:
    """The JSON-able form of one value; opaque values go to the blob store."""
    t = type(value)
    if t in _SCALARS and (t is not str or len(value) <= INLINE_LIMIT):
        return value
    if t is float and math.isfinite(value):
        return value
    if t in (list, tuple, dict) and _plain(list(value) if t is tuple else value):
        text = _dumps(list(value) if t is tuple else value)
        if len(text) <= INLINE_LIMIT:
            return {"$json": value if t is not tuple else list(value), "type": t.__name__}
    structured = encode_structured(value, put_blob, encode_value)
    if structured is not None:
        return structured
    import cloudpickle

    blob = cloudpickle.dumps(value, protocol=5)
    return {
        "$blob": put_blob(blob),
        "type": _type_name(value),
        "repr": _short_repr(value),
        "size": len(blob),
    }


def decode_value(encoded: Any, get_blob: GetBlob) -> Any:
    if type(encoded) is not dict:
        return encoded
    if "$json" in encoded:
        inner = encoded["$json"]
        return tuple(inner) if encoded.get("type") == "tuple" else inner
    if "$blob" in encoded:
        import cloudpickle

        return cloudpickle.loads(get_blob(encoded["$blob"]))
    return decode_structured(encoded, get_blob, decode_value)


def encode_values(values: Mapping[str, Any], put_blob: PutBlob) -> str:
    """Encode a name → value mapping as compact JSON text (the stored form)."""
    return _dumps({k: encode_value(v, put_blob) for k, v in values.items()})


def decode_values(text: str | None, get_blob: GetBlob) -> dict[str, Any]:
    if not text:
        return {}
    return {k: decode_value(v, get_blob) for k, v in json.loads(text).items()}


def dumps_json(value: Any) -> str:
    return _dumps(value)


def digest(*parts: str) -> str:
    """A stable short hash of text parts (action names, cache keys)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def _short_repr(value: Any, limit: int = 200) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not lose the value
        text = f"<{_type_name(value)}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
