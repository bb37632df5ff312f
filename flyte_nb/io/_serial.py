"""The JSON methods the seed gives the data types and ``Resources``, with its parameter names.

flytekit builds these from two libraries, so two shapes exist side by side and code written
against either pastes in unchanged:

* mashumaro's (``FlyteFile``, ``StructuredDataset``, ``Resources``): ``to_json(encoder,
  **to_dict_kwargs)``, ``from_json(data, decoder, **from_dict_kwargs)``,
  ``from_dict(d, dialect)``;
* dataclasses_json's (``FlyteDirectory``): ``to_json(skipkeys, ..., **kw)`` with
  ``json.dumps``'s options, ``from_json(s, parse_float, ..., infer_missing, **kw)`` with
  ``json.loads``'s, ``to_dict(encode_json)``, ``from_dict(kvs, infer_missing)`` and a
  ``schema()`` for marshmallow users.

Each class supplies ``_as_dict()``/``_of_dict(d)``; malformed input raises ``ValueError``
naming the class and what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

__all__ = ["DataclassesJson", "DatasetJson", "JsonSchema", "MashumaroJson"]


def _parse(cls: type, data: Any, loads: Callable[..., Any], **options: Any) -> Any:
    if not isinstance(data, str | bytes | bytearray):
        raise ValueError(f"{cls.__name__}.from_json needs a JSON str or bytes, got {data!r:.80}")
    try:
        return loads(data, **options)
    except ValueError as exc:
        raise ValueError(f"{cls.__name__}.from_json: not JSON ({exc}): {data!r:.80}") from None


class MashumaroJson:
    """mashumaro's ``DataClassJSONMixin`` methods over ``_as_dict``/``_of_dict``."""

    def _as_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _of_dict(cls, d: dict[str, Any]) -> Any:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return self._as_dict()

    @classmethod
    def from_dict(cls, d: Any, dialect: Any = None) -> Any:
        """``dialect`` (mashumaro's) is accepted and ignored: there is one form here."""
        if not isinstance(d, dict):
            raise ValueError(f"{cls.__name__}.from_dict needs a dict, got {d!r:.80}")
        return cls._of_dict(d)

    def to_json(self, encoder: Callable[[Any], str] | None = None, **to_dict_kwargs: Any) -> str:
        return (encoder or json.dumps)(self.to_dict(**to_dict_kwargs))

    @classmethod
    def from_json(
        cls,
        data: str | bytes | bytearray,
        decoder: Callable[..., Any] | None = None,
        **from_dict_kwargs: Any,
    ) -> Any:
        return cls.from_dict(_parse(cls, data, decoder or json.loads), **from_dict_kwargs)


class JsonSchema:
    """What ``schema()`` returns: marshmallow's ``dump``/``load``/``dumps``/``loads`` over
    the class's dict form (marshmallow itself is not needed)."""

    def __init__(self, cls: Any, many: bool = False, only: Any = None, exclude: Any = ()) -> None:
        self.cls, self.many = cls, many
        self.only = set(only) if only is not None else None
        self.exclude = set(exclude or ())

    def _pick(self, d: dict[str, Any]) -> dict[str, Any]:
        keys = [k for k in d if (self.only is None or k in self.only) and k not in self.exclude]
        return {k: d[k] for k in keys}

    def dump(self, obj: Any, many: bool | None = None) -> Any:
        if self.many if many is None else many:
            return [self._pick(o.to_dict()) for o in obj]
        return self._pick(obj.to_dict())

    def load(self, data: Any, many: bool | None = None, **_: Any) -> Any:
        if self.many if many is None else many:
            return [self.cls.from_dict(d) for d in data]
        return self.cls.from_dict(data)

    def dumps(self, obj: Any, many: bool | None = None) -> str:
        return json.dumps(self.dump(obj, many))

    def loads(self, s: str | bytes, many: bool | None = None, **_: Any) -> Any:
        return self.load(json.loads(s), many)


class DataclassesJson:
    """dataclasses_json's ``DataClassJsonMixin`` methods over ``_as_dict``/``_of_dict``."""

    def _as_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _of_dict(cls, d: dict[str, Any]) -> Any:
        raise NotImplementedError

    def to_dict(self, encode_json: bool = False) -> dict[str, Any]:
        """``encode_json`` is accepted for dataclasses_json: the dict is JSON-ready anyway."""
        return self._as_dict()

    @classmethod
    def from_dict(cls, kvs: Any, *, infer_missing: bool = False) -> Any:
        if not isinstance(kvs, dict):
            raise ValueError(f"{cls.__name__}.from_dict needs a dict, got {kvs!r:.80}")
        return cls._of_dict(kvs)

    def to_json(
        self,
        *,
        skipkeys: bool = False,
        ensure_ascii: bool = True,
        check_circular: bool = True,
        allow_nan: bool = True,
        indent: int | str | None = None,
        separators: tuple[str, str] | None = None,
        default: Callable[[Any], Any] | None = None,
        sort_keys: bool = False,
        **kw: Any,
    ) -> str:
        return json.dumps(
            self.to_dict(),
            skipkeys=skipkeys,
            ensure_ascii=ensure_ascii,
            check_circular=check_circular,
            allow_nan=allow_nan,
            indent=indent,
            separators=separators,
            default=default,
            sort_keys=sort_keys,
            **kw,
        )

    @classmethod
    def from_json(
        cls,
        s: str | bytes | bytearray,
        *,
        parse_float: Callable[[str], Any] | None = None,
        parse_int: Callable[[str], Any] | None = None,
        parse_constant: Callable[[str], Any] | None = None,
        infer_missing: bool = False,
        **kw: Any,
    ) -> Any:
        options = {
            "parse_float": parse_float,
            "parse_int": parse_int,
            "parse_constant": parse_constant,
            **kw,
        }
        parsed = _parse(cls, s, json.loads, **options)
        return cls.from_dict(parsed, infer_missing=infer_missing)

    @classmethod
    def schema(
        cls,
        *,
        infer_missing: bool = False,
        only: Any = None,
        exclude: Any = (),
        many: bool = False,
        context: Any = None,
        load_only: Any = (),
        dump_only: Any = (),
        partial: bool = False,
        unknown: Any = None,
    ) -> JsonSchema:
        return JsonSchema(cls, many=many, only=only, exclude=exclude)


class DatasetJson(MashumaroJson):
    """``StructuredDataset``'s seed methods beyond reading: its JSON form is where the
    parquet is (``uri``), its format and metadata, as flytekit's dataclass form is."""

    file_format: str
    metadata: dict[str, str]

    if TYPE_CHECKING:

        @property
        def uri(self) -> str | None: ...

    def _as_dict(self) -> dict[str, Any]:
        if self.uri is None:
            raise ValueError(
                "StructuredDataset.to_dict: this dataset is an in-memory dataframe with no URI "
                "yet; return it from a task (it is stored then) or create it with uri=..."
            )
        out: dict[str, Any] = {"uri": self.uri, "file_format": self.file_format}
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        return out

    @classmethod
    def _of_dict(cls, d: dict[str, Any]) -> Any:
        if not isinstance(d.get("uri"), str):
            raise ValueError(f"StructuredDataset.from_dict needs {{'uri': <str>}}, got {d!r:.80}")
        fmt = d.get("file_format", "parquet")
        return cls(uri=d["uri"], metadata=d.get("metadata"), file_format=fmt)  # type: ignore[call-arg]

    @property
    def literal(self) -> dict[str, Any] | None:
        """The stored form (``to_dict()``) once the dataset has a URI; None before."""
        return self._as_dict() if self.uri is not None else None

    def serialize_structured_dataset(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The pydantic serializer hook flytekit names so: the dict form."""
        return self.to_dict()

    def deserialize_structured_dataset(self, *args: Any, **kwargs: Any) -> Any:
        """flytekit's pydantic validator hook: a dataset is usable as it is received."""
        return self

    def set_literal(self, ctx: Any, expected: Any) -> None:
        """flytekit encodes the frame into a literal here; a dataset is stored when a task
        returns it, so this only checks that there is something to store."""
        if self.uri is None and getattr(self, "dataframe", None) is None:
            raise ValueError(
                "StructuredDataset.set_literal: the dataset has neither a dataframe nor a uri"
            )
