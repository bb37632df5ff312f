"""How io values cross a task boundary: the codec ``flyte_nb.types`` calls for them.

``flyte_nb.types._codecs`` hands us files, folders and dataframes (it knows them by class
name) with the blob store's ``put``, and our tags (``$file``, ``$dir``, ``$sd``) with its
``get``. The forms, all JSON:

- ``{"$file": <sha256>, "name", "size"}``: a file stored by content. The receiving task
  gets a ``FlyteFile`` that has read nothing yet.
- ``{"$dir": <sha256 of the manifest>, "name", "files", "size"}``: a folder. The manifest
  (a blob) maps relative paths to file digests, so a folder's files are deduplicated with
  every other file and an unchanged folder re-encodes to the same digest.
- ``{"$sd": <sha256 of a parquet file>, "columns", "rows", "type"}``: a dataframe, table or
  ``StructuredDataset``, decoded back to the ``type`` it was.
- ``{"$file" | "$dir" | "$sd": null, "uri": <URL>}``: a value that lives at a URL of its
  own (``from_source("s3://...")``), passed by reference; nothing is copied.
- Flyte 2's ``File``, ``Dir`` and ``DataFrame`` are the form of the value they wrap plus
  ``"f2": {"as": "File", ...}`` (see ``_flyte2.py``).

A value that came out of the store (or was stored once) remembers its digest, so passing
it on to the next task costs one JSON line and no bytes.
"""

from __future__ import annotations

from typing import Any

from .._blob_scope import GetBlob, PutBlob, decoding_get, encoding_put
from ._access import BlobAccess


def encode(value: Any, put: PutBlob) -> dict[str, Any]:
    from ._dataset import encode_frame
    from ._directory import FlyteDirectory
    from ._file import FlyteFile
    from ._flyte2 import Flyte2Value

    if isinstance(value, Flyte2Value):  # Flyte 2's File / Dir / DataFrame: see _flyte2.py
        return {**encode(value._flyte2_inner(), put), "f2": value._flyte2_extra()}
    access = BlobAccess.for_put(put)
    if isinstance(value, FlyteFile):
        return encode_file(value, access)
    if isinstance(value, FlyteDirectory):
        return value._encode(access)
    return encode_frame(value, access)


def decode(encoded: dict[str, Any], get: GetBlob) -> Any:
    if "f2" in encoded:
        from ._flyte2 import rewrap

        inner = decode({k: v for k, v in encoded.items() if k != "f2"}, get)
        return rewrap(inner, encoded["f2"])
    access = BlobAccess.for_get(get)
    if "$file" in encoded:
        return decode_file(encoded, access)
    if "$dir" in encoded:
        from ._directory import FlyteDirectory

        return FlyteDirectory._decode(encoded, access)
    from ._dataset import decode_frame

    return decode_frame(encoded, access)


# -- files -------------------------------------------------------------------------------------
def encode_file(ff: Any, access: BlobAccess) -> dict[str, Any]:
    """Store a ``FlyteFile`` (once) and return its encoding; see ``stored_digest``."""
    import os

    head: dict[str, Any] = {"name": ff._name}
    if ff.metadata:
        head["metadata"] = dict(ff.metadata)
    if ff._blob is None and ff._remote_source is not None:
        return {"$file": None, "uri": ff._remote_source, **head}
    if ff._blob is None and isinstance(ff._remote_path, str):
        _upload_to(ff.path, ff._remote_path)
        return {"$file": None, "uri": ff._remote_path, **head}
    if ff._blob is None and ff._remote_path is False:
        return {"$file": None, "uri": os.path.abspath(ff.path), **head}
    digest = stored_digest(ff, access)
    return {"$file": digest, **head, "size": size_of(ff, access, digest)}


def stored_digest(value: Any, access: BlobAccess) -> str:
    """The digest of a file value in ``access``'s store, storing it if it is not there.

    A received value, or a local one stored before and unchanged since (same size, mtime
    and inode), keeps its digest; anything else is copied into the store once."""
    import os

    digest: str | None = value._blob
    source: BlobAccess | None = value._access
    if digest is not None and source is not None:
        same_store = access.key is not None and source.key == access.key
        if value._stamp is None:  # received: it is in the store it came from
            if same_store:
                return digest
            local = source.local_path(digest)
            return access.put_file(local) if local else access.put(source.get(digest))
        if same_store and value._stamp == _stamp(value._path):
            return digest  # stored from here before, and unchanged since
    path = value._path
    check_local_file(path)
    digest = access.store_file(path)
    value._blob, value._access, value._stamp = digest, access, _stamp(path)
    if not os.path.exists(path):  # pragma: no cover - removed while we copied it
        raise FileNotFoundError(f"file {path!r} disappeared while it was being stored")
    return digest


def size_of(value: Any, access: BlobAccess, digest: str) -> int:
    import os

    if value._path and os.path.exists(value._path):
        return os.path.getsize(value._path)
    local = access.local_path(digest)
    return os.path.getsize(local) if local and os.path.exists(local) else -1


def check_local_file(path: str) -> None:
    import os

    if not os.path.exists(path):
        raise FileNotFoundError(f"file {path!r} does not exist; write it before returning it")
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"{path!r} is a folder, not a file; use FlyteDirectory({path!r}) for a folder"
        )


def _stamp(path: str) -> tuple[int, int, int] | None:
    import os

    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _upload_to(path: str, url: str) -> None:
    import fsspec  # type: ignore[import-untyped]

    check_local_file(path)
    fs, target = fsspec.core.url_to_fs(url)
    parent = target.rsplit("/", 1)[0]
    if parent and parent != target:
        fs.makedirs(parent, exist_ok=True)
    fs.put_file(path, target)


def decode_file(encoded: dict[str, Any], access: BlobAccess) -> Any:
    from ._file import FlyteFile

    metadata = encoded.get("metadata")
    if encoded["$file"] is None:
        return FlyteFile(encoded["uri"], metadata=metadata)
    return received(FlyteFile, encoded["$file"], encoded.get("name") or "file", access, metadata)


def received(cls: Any, digest: str, name: str, access: BlobAccess, metadata: Any) -> Any:
    """A ``FlyteFile`` for a stored blob: nothing read until the body asks."""
    ff = cls(name, metadata=metadata)
    ff._path = ""
    ff._blob, ff._access, ff._downloaded = digest, access, False
    return ff


# -- a FlyteFile / FlyteDirectory field inside a dataclass or pydantic model ---------------------
def model_field_schema(cls: type, core_schema: Any) -> Any:
    """pydantic schema: instances pass as they are; in JSON the field is our encoding."""

    def validate(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        get = decoding_get()
        if get is not None and isinstance(value, dict):
            decoded = decode(value, get)
            if isinstance(decoded, cls):
                return decoded
        raise ValueError(f"expected a {cls.__name__}, got {type(value).__qualname__}")

    def serialize(value: Any) -> Any:
        put = encoding_put()
        return encode(value, put) if put is not None else value.to_dict()

    return core_schema.no_info_plain_validator_function(
        validate,
        serialization=core_schema.plain_serializer_function_ser_schema(serialize, when_used="json"),
    )
