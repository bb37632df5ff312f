"""The handle ``File.open`` yields: Flyte 2 code awaits its methods (``await fh.read()``).

Decisions:
- The work happens when the method is called, on the file object ``FlyteFile.open``
  returns (local folder, blob store or fsspec), and the result is wrapped so it can be
  awaited. Blocking the loop for a local read is cheaper than a thread hop per call, and
  our blob store is normally a local folder.
- ``write`` returns an ``int`` that can also be awaited, so code that hands the handle to
  a synchronous writer (``df.to_csv(fh)`` inside ``async with f.open("wb")``, as Flyte 2's
  own docstring shows) works too. Reads return a plain awaitable: no copy of the bytes.
- A ``HashMethod`` given to ``File.new_remote(hash_method=...)`` sees every chunk written.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import IO, Any, Generic, TypeVar

from ._hashing import HashMethod

V = TypeVar("V")


class Ready(Generic[V]):
    """An already computed result, awaitable once or many times."""

    __slots__ = ("value",)

    def __init__(self, value: V) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, V]:
        yield from ()
        return self.value


class ReadyInt(int):
    """An ``int`` (bytes written, a position) that ``await`` also accepts."""

    def __await__(self) -> Generator[Any, None, int]:
        yield from ()
        return int(self)


class AsyncHandle:
    """A file object whose methods can be awaited; see the module docstring."""

    def __init__(self, fh: IO[Any], hash_method: HashMethod | None = None) -> None:
        self._fh = fh
        self._hash = hash_method

    def read(self, size: int = -1) -> Ready[Any]:
        return Ready(self._fh.read(size))

    def readline(self, size: int = -1) -> Ready[Any]:
        return Ready(self._fh.readline(size))

    def readlines(self, hint: int = -1) -> Ready[list[Any]]:
        return Ready(self._fh.readlines(hint))

    def write(self, data: Any) -> ReadyInt:
        if self._hash is not None:
            self._hash.update(data.encode() if isinstance(data, str) else bytes(data))
        written = self._fh.write(data)
        return ReadyInt(written if isinstance(written, int) else len(data))

    def writelines(self, lines: Any) -> Ready[None]:
        for line in lines:
            self.write(line)
        return Ready(None)

    def seek(self, offset: int, whence: int = 0) -> ReadyInt:
        return ReadyInt(self._fh.seek(offset, whence))

    def tell(self) -> ReadyInt:
        return ReadyInt(self._fh.tell())

    def flush(self) -> Ready[None]:
        self._fh.flush()
        return Ready(None)

    def close(self) -> Ready[None]:
        self._fh.close()
        return Ready(None)

    def __aiter__(self) -> AsyncHandle:
        return self

    async def __anext__(self) -> Any:
        line = self._fh.readline()
        if not line:
            raise StopAsyncIteration
        return line

    def __iter__(self) -> Any:
        return iter(self._fh)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


class HashingHandle:
    """A synchronous file object that feeds what is written to a hash method."""

    def __init__(self, fh: IO[Any], hash_method: HashMethod) -> None:
        self._fh = fh
        self._hash = hash_method

    def write(self, data: Any) -> int:
        self._hash.update(data.encode() if isinstance(data, str) else bytes(data))
        written = self._fh.write(data)
        return written if isinstance(written, int) else len(data)

    def __enter__(self) -> HashingHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)
