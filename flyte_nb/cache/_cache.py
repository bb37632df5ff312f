"""``Cache``: a task's cache settings (``@task(cache=...)``).

Behaviours follow Flyte 2: ``"auto"`` versions the cache by the policies (default: the
function's body); ``"override"`` versions it by the explicit ``version_override`` you give, so
editing the code keeps the cache until you change that string (it does *not* mean
"recompute": that is ``with_runcontext(overwrite_cache=True)``); ``"disable"`` neither reads nor
writes. An explicit version wins whatever the behaviour, as in Flyte 2; the Union seed's
``Cache(version="1")`` is the same setting under flytekit's name. ``"override"`` without a
version falls back to the policies, as Flyte 2 does. Flyte 2's spelling aliases
(``"enable"``, ``"off"``...) are accepted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from flyte_nb.cache._policy import CachePolicy, FunctionBodyPolicy, VersionParameters
from flyte_nb.exceptions import FlyteValidationException

__all__ = ["Cache", "CacheBehavior"]

CacheBehavior: TypeAlias = Literal["auto", "override", "disable"]
_BEHAVIORS: tuple[str, ...] = ("auto", "override", "disable")
_ACCEPTED = (
    'cache="auto", cache="override", cache="disable", cache=True/False, or Cache(version="1")'
)
# Flyte 2 accepts these everyday spellings too, so code using them runs unchanged.
_ALIASES: dict[str, str] = {
    "enable": "auto",
    "enabled": "auto",
    "on": "auto",
    "true": "auto",
    "yes": "auto",
    "off": "disable",
    "false": "disable",
    "no": "disable",
    "none": "disable",
}


def _canonical(behavior: object) -> object:
    if isinstance(behavior, str) and behavior not in _BEHAVIORS:
        return _ALIASES.get(behavior.lower(), behavior)
    return behavior


def _normalize_policies(
    policies: Sequence[CachePolicy] | CachePolicy | None,
) -> tuple[CachePolicy, ...]:
    if policies is None:
        return (FunctionBodyPolicy(),)
    items: list[object] = list(policies) if isinstance(policies, (list, tuple)) else [policies]
    checked: list[CachePolicy] = []
    for policy in items:
        if isinstance(policy, type):
            raise FlyteValidationException(
                f"Cache(policies=...): got the class {policy.__name__}; pass an instance, "
                f"e.g. Cache(policies=[{policy.__name__}()])"
            )
        if not isinstance(policy, CachePolicy):
            raise FlyteValidationException(
                f"Cache(policies=...): {policy!r} is not a cache policy; a policy needs a "
                "get_version(salt, params) -> str method, "
                "e.g. Cache(policies=[FunctionBodyPolicy()])"
            )
        checked.append(policy)
    return tuple(checked)


@dataclass(frozen=True)
class Cache:
    """Whether and how a task's outputs are reused.

    ``behavior``: ``"auto"`` and ``"override"`` reuse a stored result for the same inputs and
    version (``"override"`` pins the version to ``version_override``), ``"disable"`` neither
    reads nor writes. The version is ``version_override`` (flytekit: ``version``) when given,
    else derived from ``policies`` (default: the function's body), so editing the code
    invalidates the cache without any bookkeeping. Frozen (policies are kept as a tuple) so one
    ``Cache`` can be shared between tasks safely. The positional order is Flyte 2's.
    """

    behavior: CacheBehavior = "auto"
    version_override: str | None = None
    serialize: bool = False
    ignored_inputs: tuple[str, ...] | str = ()
    salt: str = ""
    policies: Sequence[CachePolicy] | CachePolicy | None = field(default=None)
    version: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "behavior", _canonical(self.behavior))
        if (
            self.version is not None
            and self.version_override is not None
            and self.version != self.version_override
        ):
            raise FlyteValidationException(
                f"Cache(version={self.version!r}, version_override={self.version_override!r}): "
                "these are one setting (flytekit's and Flyte 2's name); give only one"
            )
        given = "version_override" if self.version is None else "version"
        explicit = getattr(self, given)
        if explicit is not None and (not isinstance(explicit, str) or not explicit):
            raise FlyteValidationException(
                f'Cache({given}={explicit!r}): must be a non-empty string, e.g. Cache({given}="1")'
            )
        object.__setattr__(self, "version", explicit)
        object.__setattr__(self, "version_override", explicit)
        if self.behavior not in _BEHAVIORS:
            hint = ""
            if isinstance(self.behavior, str) and self.behavior not in ("", "enabled"):
                hint = f' (to pin a version, use Cache(version="{self.behavior}"))'
            raise FlyteValidationException(
                f"Cache(behavior={self.behavior!r}): must be one of "
                f"{', '.join(repr(b) for b in _BEHAVIORS)}{hint} "
                f"(aliases accepted: {', '.join(sorted(_ALIASES))})"
            )
        if not isinstance(self.serialize, bool):
            raise FlyteValidationException(
                f"Cache(serialize={self.serialize!r}): must be True or False"
            )
        if not isinstance(self.salt, str):
            raise FlyteValidationException(
                f'Cache(salt={self.salt!r}): must be a string, e.g. Cache(salt="v2")'
            )
        ignored = self.ignored_inputs
        names = (ignored,) if isinstance(ignored, str) else ignored
        if not isinstance(names, (tuple, list)) or not all(isinstance(n, str) for n in names):
            raise FlyteValidationException(
                f"Cache(ignored_inputs={ignored!r}): must be an input name or a tuple of names, "
                'e.g. Cache(ignored_inputs=("verbose", "log_level"))'
            )
        object.__setattr__(self, "ignored_inputs", tuple(names))
        policies = _normalize_policies(self.policies)
        if not policies and self.version is None:
            raise FlyteValidationException(
                "Cache(policies=[]): with no policy there is nothing to version by; "
                'pass version="1" or a policy, e.g. Cache(policies=[FunctionBodyPolicy()])'
            )
        object.__setattr__(self, "policies", policies)

    def get_ignored_inputs(self) -> tuple[str, ...]:
        ignored = self.ignored_inputs
        return (ignored,) if isinstance(ignored, str) else tuple(ignored)

    def get_policies(self) -> tuple[CachePolicy, ...]:
        return _normalize_policies(self.policies)

    def get_version(self, params: VersionParameters | None = None) -> str:
        """The explicit ``version``, else a short digest of every policy's version."""
        if self.version is not None:
            return self.version
        if params is None:
            raise FlyteValidationException(
                "Cache.get_version: Version parameters must be provided when version_override "
                "is not set, e.g. cache.get_version(VersionParameters(func=my_function))"
            )
        h = hashlib.sha256()
        for policy in self.get_policies():
            h.update(policy.get_version(self.salt, params).encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()[:16]

    def is_enabled(self) -> bool:
        return self.behavior != "disable"

    @classmethod
    def coerce(cls, value: object) -> Cache:
        """Accept every shape ``@task(cache=...)`` allows and return a ``Cache``."""
        if isinstance(value, Cache):
            return value
        if value is None or value is False:
            return cls(behavior="disable")
        if value is True:
            return cls(behavior="auto")
        if isinstance(value, str):
            value = _canonical(value)
            if value not in _BEHAVIORS:
                raise FlyteValidationException(
                    f"cache={value!r} is not a cache behavior; use {_ACCEPTED}"
                )
            return cls(behavior=value)  # type: ignore[arg-type]
        raise FlyteValidationException(
            f"cache={value!r} ({type(value).__name__}) is not accepted; use {_ACCEPTED}"
        )
