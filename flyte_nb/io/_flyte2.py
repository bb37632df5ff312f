"""What Flyte 2's ``File``, ``Dir`` and ``DataFrame`` share: each *wraps* one of our Union
types (``FlyteFile``, ``FlyteDirectory``, ``StructuredDataset``) and adds Flyte 2's API.

Decisions:
- Wrapping, not subclassing: the two APIs disagree on the same names (``FlyteFile.open``
  returns a file object, ``File.open`` an async context manager; ``path`` is a local path
  there and a readable location here), so neither could stand in for the other. What they
  share is everything below the API: a ``File`` is stored, transported, received lazily
  and cached exactly as its ``FlyteFile`` is, in the same blob store.
- On the wire a wrapped value is its inner value's encoding plus ``"f2": {"as": "File",
  "hash": ..., "format": ...}``, so it comes back as a ``File`` (with its hash) and a
  ``FlyteFile`` reader can still make sense of it.
- A task declaring ``File`` accepts a ``FlyteFile`` (or a path) and one declaring
  ``FlyteFile`` accepts a ``File``: ``File.from_flyte_file`` / ``file.to_flyte_file()``
  convert explicitly, at no cost (they share the inner object).
"""

from __future__ import annotations

from typing import Any, ClassVar

_KINDS: dict[str, type[Flyte2Value]] = {}


class Flyte2Value:
    """Base of ``File``, ``Dir`` and ``DataFrame``: see the module docstring."""

    _tag: ClassVar[str] = ""
    _inner: Any
    hash: str | None
    format: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._tag and cls._tag not in _KINDS:
            _KINDS[cls._tag] = cls

    def _flyte2_inner(self) -> Any:
        return self._inner

    def _flyte2_extra(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"as": self._tag}
        if self.hash is not None:
            extra["hash"] = self.hash
        if self.format:
            extra["format"] = self.format
        return extra

    @classmethod
    def _from_inner(cls, inner: Any, extra: dict[str, Any] | None = None) -> Any:
        obj = cls.__new__(cls)
        obj._inner = inner
        extra = extra or {}
        obj.hash = extra.get("hash")
        obj.format = extra.get("format") or getattr(cls, "_format", "") or ""
        obj._setup_from_inner()
        return obj

    def _setup_from_inner(self) -> None:
        """Subclasses fill their own fields from ``_inner`` here."""

    def _where(self) -> object:
        """What the value points at, for equality (Flyte 2's are pydantic models, equal
        when their fields are). Never reads or downloads anything."""
        return id(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Flyte2Value) or other._tag != self._tag:
            return NotImplemented
        return (self._where(), self.format, self.hash) == (other._where(), other.format, other.hash)

    def __hash__(self) -> int:
        return hash((self._tag, self._where(), self.format, self.hash))


def inner_of(value: Any) -> Any:
    """The Union value inside a Flyte 2 one (``value`` itself otherwise)."""
    return value._inner if isinstance(value, Flyte2Value) else value


def rewrap(decoded: Any, extra: dict[str, Any]) -> Any:
    """A decoded Union value back in the Flyte 2 class it was sent as."""
    # The classes register themselves on import; make sure they are imported.
    from . import _flyte2_dir, _flyte2_file, _flyte2_frame  # noqa: F401

    cls = _KINDS.get(str(extra.get("as")))
    if cls is None:
        return decoded
    return cls._from_inner(decoded, extra)
