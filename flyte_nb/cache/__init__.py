"""Task caching: ``Cache`` settings and the policies that version a task's code.

Design:

* **Why the AST.** The default ``FunctionBodyPolicy`` hashes the function's parsed source with
  decorators and docstring removed. Hashing raw text would invalidate the cache on every
  reformat or comment; hashing bytecode would tie it to the docstring and to incidental
  compiler details. The AST changes exactly when what the code says changes, and it is the same
  in a fresh process or after a kernel restart (notebook cells are read back via ``linecache``).
  When there is no source (``exec``'d or cloudpickled code) the code object is hashed instead.
* **Why memoized.** The version is part of every cache key, so it is computed on each task call;
  reading and parsing source each time would dominate small tasks. The digest is kept per
  function object (a ``WeakKeyDictionary``), and a redefined cell creates a new object.
* **Why a protocol.** ``CachePolicy`` is a ``typing.Protocol``: any object with
  ``get_version(salt, params) -> str`` works, with no base class to import, which keeps policies
  written against the Union SDK's shape usable unchanged.
"""

from __future__ import annotations

from flyte_nb.cache._cache import Cache
from flyte_nb.cache._policy import CachePolicy, FunctionBodyPolicy, VersionParameters

__all__ = ["Cache", "CachePolicy", "FunctionBodyPolicy", "VersionParameters"]
