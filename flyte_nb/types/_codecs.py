"""Values stored as structured JSON: neither plain JSON (``_values``) nor a pickle.

- Files, folders and dataframes (``FlyteFile``, ``FlyteDirectory``, ``StructuredDataset``,
  ``pandas.DataFrame``, ``pyarrow.Table``) are encoded by ``flyte_nb.io._transport`` as
  ``{"$file" | "$dir" | "$sd": ...}`` pointing at blobs. This module knows those types by
  the *name* of their class (``_RICH``), so ``flyte_nb.types`` imports neither pandas,
  pyarrow nor ``flyte_nb.io`` until such a value actually shows up.
- Dataclasses and pydantic models travel as JSON: ``{"$model": <JSON>, "type": ...}``.
  Decoding imports the class by name; a class that cannot be imported (defined in a
  notebook cell or inside a function) also travels as ``"class"``: a blob holding it
  pickled by value. cloudpickle gives such a class back its identity in any process that
  has already seen it, so ``isinstance`` holds in the task that receives the value. A model
  that pydantic cannot write as JSON (an arbitrary field type, a NaN) is pickled whole.
- Lists, tuples and str-keyed dicts that hold any of the above become ``{"$items": [...]}``
  or ``{"$map": {...}}`` of encoded members, so a ``list[FlyteFile]`` stores each file by
  content; containers of other things stay one pickle, as before.

While a model is written or read, ``encoding_put()`` / ``decoding_get()``
(``flyte_nb/_blob_scope.py``) give the blob callables, so a ``FlyteFile`` field of a
dataclass is stored like a ``FlyteFile`` value.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
import weakref
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .._blob_scope import DECODING_GET, ENCODING_PUT
from .._blob_scope import GetBlob as GetBlob  # re-exported: the codecs' parameter types
from .._blob_scope import PutBlob as PutBlob

_RICH_MODULE = "flyte_nb.io._transport"
_RICH = frozenset(
    {
        "flyte_nb.io._file.FlyteFile",
        "flyte_nb.io._directory.FlyteDirectory",
        "flyte_nb.io._dataset.StructuredDataset",
        "flyte_nb.io._flyte2.Flyte2Value",  # Flyte 2's File, Dir, DataFrame
        "pandas.DataFrame",  # pandas 3 names its public classes so
        "pandas.core.frame.DataFrame",
        "pyarrow.lib.Table",
    }
)
RICH_TAGS = frozenset({"$file", "$dir", "$sd"})
_rich_types: dict[type, bool] = {}
_adapters: dict[type, Any] = {}
_class_pickles: weakref.WeakKeyDictionary[type, bytes] = weakref.WeakKeyDictionary()

_put = ENCODING_PUT
_get = DECODING_GET


def is_rich(value: Any) -> bool:
    """True for files, folders and dataframes (by class name: nothing is imported)."""
    t = type(value)
    known = _rich_types.get(t)
    if known is None:
        known = _rich_types[t] = any(f"{k.__module__}.{k.__qualname__}" in _RICH for k in t.__mro__)
    return known


def _transport() -> ModuleType:
    return importlib.import_module(_RICH_MODULE)


def _is_model(value: Any) -> bool:
    t = type(value)
    if dataclasses.is_dataclass(t):
        return True
    base = sys.modules.get("pydantic")
    return base is not None and isinstance(value, base.BaseModel)


def _needs_structure(value: Any, depth: int = 0) -> bool:
    """Does this container hold a rich value or a model anywhere (a few levels down)?"""
    if depth > 4:
        return False
    if type(value) in (list, tuple):
        return any(_needs_structure(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str for k in value) and any(
            _needs_structure(v, depth + 1) for v in value.values()
        )
    return is_rich(value) or _is_model(value)


def encode_structured(
    value: Any, put: PutBlob, encode: Callable[[Any, PutBlob], Any]
) -> dict[str, Any] | None:
    """The structured form of ``value``, or None when it should be pickled."""
    if is_rich(value):
        return _transport().encode(value, put)
    t = type(value)
    if t in (list, tuple) and _needs_structure(value):
        return {"$items": [encode(v, put) for v in value], "type": t.__name__}
    if t is dict and _needs_structure(value):
        return {"$map": {k: encode(v, put) for k, v in value.items()}}
    if _is_model(value):
        return _encode_model(value, put)
    return None


def decode_structured(
    encoded: dict[str, Any], get: GetBlob, decode: Callable[[Any, GetBlob], Any]
) -> Any:
    if "$items" in encoded:
        items = [decode(v, get) for v in encoded["$items"]]
        return tuple(items) if encoded.get("type") == "tuple" else items
    if "$map" in encoded:
        return {k: decode(v, get) for k, v in encoded["$map"].items()}
    if "$model" in encoded:
        return _decode_model(encoded, get)
    if RICH_TAGS.intersection(encoded):
        return _transport().decode(encoded, get)
    raise ValueError(f"not a flyte_nb value encoding: {encoded!r}")


# -- dataclasses and pydantic models ---------------------------------------------------------
def _adapter(cls: type) -> Any:
    adapter = _adapters.get(cls)
    if adapter is None:
        from pydantic import TypeAdapter

        adapter = _adapters[cls] = TypeAdapter(cls)
    return adapter


def _encode_model(value: Any, put: PutBlob) -> dict[str, Any] | None:
    from ._values import dumps_json

    cls = type(value)
    token = _put.set(put)
    try:
        data = _adapter(cls).dump_python(value, mode="json")
        dumps_json(data)  # NaN, inf: not JSON, so the model is pickled instead
    except Exception:
        return None
    finally:
        _put.reset(token)
    encoded: dict[str, Any] = {"$model": data, "type": f"{cls.__module__}.{cls.__qualname__}"}
    if _import_class(cls.__module__, cls.__qualname__) is not cls:
        encoded["class"] = put(_pickled_class(cls))
    return encoded


def _decode_model(encoded: dict[str, Any], get: GetBlob) -> Any:
    if "class" in encoded:
        import cloudpickle

        cls = cloudpickle.loads(get(encoded["class"]))
    else:
        module, _, qualname = encoded["type"].rpartition(".")
        cls = _import_class(module, qualname)
        while cls is None and "." in module:  # a nested class: Outer.Inner
            module, _, outer = module.rpartition(".")
            qualname = f"{outer}.{qualname}"
            cls = _import_class(module, qualname)
        if cls is None:
            raise ValueError(f"cannot import {encoded['type']} to rebuild a stored value")
    token = _get.set(get)
    try:
        return _adapter(cls).validate_python(encoded["$model"])
    finally:
        _get.reset(token)


def _import_class(module: str, qualname: str) -> Any:
    if module == "__main__" or "<locals>" in qualname:
        return None
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj


def _pickled_class(cls: type) -> bytes:
    data = _class_pickles.get(cls)
    if data is None:
        import cloudpickle

        data = _class_pickles[cls] = cloudpickle.dumps(cls, protocol=5)
    return data
