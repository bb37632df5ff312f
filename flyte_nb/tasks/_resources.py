"""Resource requests and limits for a task (``@task(resources=Resources(...))``).

Design:

* The fields keep what the user wrote (``"2Gi"``, ``("1", "2")``) so ``repr``, ``to_dict`` and
  the run record show the user's own words; the numbers the engine and backends need come from
  ``requests()`` / ``limits()``, parsed once at construction.
* Everything is validated in ``__post_init__`` so a typo fails on the ``@task`` line, not minutes
  later when a pod is scheduled, and the message shows a working example to copy.
* Units are Kubernetes quantities, accepted exactly (``"1gi"`` is rejected with a hint rather than
  guessed), because the same string is later handed to Kubernetes unchanged.
* A 2-item tuple/list is ``(request, limit)``; a single value is both. Lists become tuples so a
  ``Resources`` is hashable and can sit inside frozen task settings.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any, TypeAlias

from flyte_nb.exceptions import FlyteValidationException

__all__ = ["Resources", "parse_cpu", "parse_gpu", "parse_memory"]

CpuValue: TypeAlias = str | int | float
MemValue: TypeAlias = str | int
CpuSpec: TypeAlias = CpuValue | tuple[CpuValue, CpuValue] | list[CpuValue]
MemSpec: TypeAlias = MemValue | tuple[MemValue, MemValue] | list[MemValue]
Number: TypeAlias = float | int

_FIELDS = ("cpu", "mem", "gpu", "ephemeral_storage")
_EXAMPLES = {
    "cpu": 'Resources(cpu="500m") or Resources(cpu=2) or Resources(cpu=("1", "2"))',
    "mem": 'Resources(mem="2Gi") or Resources(mem=("1Gi", "2Gi"))',
    "gpu": "Resources(gpu=1)",
    "ephemeral_storage": 'Resources(ephemeral_storage="10Gi")',
}
_CPU_RE = re.compile(r"^(?P<num>\d+(?:\.\d*)?|\.\d+)(?P<milli>m)?$")
_MEM_RE = re.compile(r"^(?P<num>\d+(?:\.\d*)?|\.\d+)(?P<suffix>[A-Za-z]*)$")
_MEM_SUFFIXES: dict[str, int] = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}


def _error(field_name: str, value: object, why: str) -> FlyteValidationException:
    return FlyteValidationException(
        f"Resources({field_name}={value!r}): {why}. Example: {_EXAMPLES[field_name]}."
    )


def parse_cpu(value: object, *, field_name: str = "cpu") -> float:
    """Cores as a float, from ``2``, ``0.5``, ``"1"``, ``"0.5"`` or ``"100m"`` (millicores)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _error(field_name, value, "expected a number of cores (int/float) or a string")
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("-"):
            raise _error(field_name, value, "must not be negative")
        match = _CPU_RE.match(text)
        if match is None:
            raise _error(
                field_name,
                value,
                "not a CPU quantity (use cores like '2' or '0.5', or millicores like '500m')",
            )
        cores = float(match["num"]) / (1000 if match["milli"] else 1)
    else:
        cores = float(value)
    if not math.isfinite(cores):
        raise _error(field_name, value, "must be a finite number")
    if cores < 0:
        raise _error(field_name, value, "must not be negative")
    return cores


def _suffix_hint(number: str, suffix: str) -> str:
    folded = suffix.lower().removesuffix("b") if len(suffix) > 1 else suffix.lower()
    close = [s for s in _MEM_SUFFIXES if s and s.lower() == folded]
    for s in list(close):
        if len(s) == 1:  # a decimal suffix was probably meant as its binary twin too
            close.append("Ki" if s == "k" else s + "i")
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(number + s) for s in close) + "?)"


def parse_memory(value: object, *, field_name: str = "mem") -> int:
    """Bytes as an int, from an int or a Kubernetes quantity (``"2Gi"``, ``"500M"``, ``"1024"``).

    Fractions round up to the next byte, as Kubernetes does, so ``"1.5Ki"`` is 1536.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _error(field_name, value, "expected bytes as an int or a string like '2Gi'")
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("-"):
            raise _error(field_name, value, "must not be negative")
        match = _MEM_RE.match(text)
        if match is None:
            raise _error(field_name, value, "not a memory quantity")
        number, suffix = match["num"], match["suffix"]
        if suffix == "m":
            raise _error(
                field_name,
                value,
                "'m' (milli) is a CPU unit and memory cannot be a fraction of a byte; "
                "use 'M' (megabytes) or 'Mi' (mebibytes)",
            )
        if suffix not in _MEM_SUFFIXES:
            raise _error(
                field_name,
                value,
                f"unknown unit {suffix!r}{_suffix_hint(number, suffix)}; valid units are "
                "k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei (or none for bytes)",
            )
        amount = Decimal(number) * _MEM_SUFFIXES[suffix]
    else:
        if not math.isfinite(value):
            raise _error(field_name, value, "must be a finite number")
        amount = Decimal(value)
    if amount < 0:
        raise _error(field_name, value, "must not be negative")
    return int(amount.to_integral_value(rounding=ROUND_CEILING))


def parse_gpu(value: object, *, field_name: str = "gpu") -> int:
    """A whole number of GPUs, from an int or a string of digits."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _error(field_name, value, "expected a whole number of GPUs (int or string of digits)")
    text = value.strip() if isinstance(value, str) else str(value)
    if text.startswith("-"):
        raise _error(field_name, value, "must not be negative")
    if not text.isdigit():
        raise _error(field_name, value, "expected a whole number of GPUs")
    return int(text)


_PARSERS: dict[str, Callable[..., Number]] = {
    "cpu": parse_cpu,
    "mem": parse_memory,
    "gpu": parse_gpu,
    "ephemeral_storage": parse_memory,
}


def _parse_spec(field_name: str, spec: object) -> tuple[Number, Number]:
    parser = _PARSERS[field_name]
    if isinstance(spec, (tuple, list)):
        if len(spec) != 2:
            raise _error(
                field_name,
                spec,
                f"a tuple/list means (request, limit) and needs exactly 2 items, got {len(spec)}",
            )
        request = parser(spec[0], field_name=field_name)
        limit = parser(spec[1], field_name=field_name)
        if request > limit:
            raise _error(
                field_name,
                spec,
                f"the request {spec[0]!r} is larger than the limit {spec[1]!r}",
            )
        return request, limit
    value = parser(spec, field_name=field_name)
    return value, value


@dataclass(frozen=True, repr=False)
class Resources:
    """CPU, memory, GPU and scratch-disk requests and limits for a task."""

    cpu: CpuSpec | None = None
    mem: MemSpec | None = None
    gpu: MemSpec | None = None
    ephemeral_storage: MemSpec | None = None
    _parsed: dict[str, tuple[Number, Number]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        parsed: dict[str, tuple[Number, Number]] = {}
        for name in _FIELDS:
            spec = getattr(self, name)
            if spec is None:
                continue
            if isinstance(spec, list):
                object.__setattr__(self, name, tuple(spec))
            parsed[name] = _parse_spec(name, spec)
        object.__setattr__(self, "_parsed", parsed)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{n}={getattr(self, n)!r}" for n in _FIELDS if getattr(self, n) is not None
        )
        return f"Resources({shown})"

    def requests(self) -> dict[str, Number]:
        """Normalised requests (cpu in cores, mem/ephemeral_storage in bytes, gpu as a count)."""
        return {name: pair[0] for name, pair in self._parsed.items()}

    def limits(self) -> dict[str, Number]:
        """Normalised limits, same units as ``requests()``."""
        return {name: pair[1] for name, pair in self._parsed.items()}

    def merge(self, other: Resources) -> Resources:
        """A copy where every field set in ``other`` wins (``task.override(resources=...)``)."""
        if not isinstance(other, Resources):
            raise FlyteValidationException(
                f"resources must be a Resources, got {type(other).__name__} {other!r}. "
                'Example: Resources(cpu="1", mem="2Gi")'
            )
        merged = {
            name: getattr(other, name) if getattr(other, name) is not None else getattr(self, name)
            for name in _FIELDS
        }
        return Resources(**merged)

    def to_dict(self) -> dict[str, Any]:
        """The user's values for the set fields; (request, limit) pairs become 2-item lists."""
        out: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Resources:
        if not isinstance(d, Mapping):
            raise FlyteValidationException(
                f"Resources.from_dict expects a dict like {{'cpu': '1', 'mem': '2Gi'}}, "
                f"got {type(d).__name__} {d!r}"
            )
        unknown = sorted(str(k) for k in d if k not in _FIELDS)
        if unknown:
            raise FlyteValidationException(
                f"Resources.from_dict: unknown field(s) {', '.join(unknown)}; "
                f"valid fields are {', '.join(_FIELDS)}"
            )
        return cls(**dict(d))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, data: str | bytes | bytearray) -> Resources:
        try:
            decoded = json.loads(data)
        except (ValueError, TypeError) as exc:
            raise FlyteValidationException(
                f"Resources.from_json: not valid JSON ({exc}): {data!r}"
            ) from None
        return cls.from_dict(decoded)
