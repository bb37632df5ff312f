"""Resource requests and limits for a task (``@task(resources=Resources(...))``).

Design:

* Both APIs' spellings are accepted: flytekit's ``mem`` / ``ephemeral_storage`` and Flyte 2's
  ``memory`` / ``disk`` are the same field stored once (``Resources(memory="1Gi") ==
  Resources(mem="1Gi")``; ``r.memory`` and ``r.mem`` read it). The positional order is the
  one both share: ``cpu, mem|memory, gpu, ephemeral_storage|disk, shm``. ``gpu`` takes a count,
  Flyte 2's ``"A100:1"`` or a ``Device`` (``GPU(...)``, ``TPU(...)``; see ``_devices.py``).

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
from flyte_nb.tasks._devices import Device, parse_accelerator

__all__ = ["Resources", "parse_cpu", "parse_gpu", "parse_memory"]

GpuValue: TypeAlias = str | int | Device

CpuValue: TypeAlias = str | int | float
MemValue: TypeAlias = str | int
CpuSpec: TypeAlias = CpuValue | tuple[CpuValue, CpuValue] | list[CpuValue]
MemSpec: TypeAlias = MemValue | tuple[MemValue, MemValue] | list[MemValue]
Number: TypeAlias = float | int

_FIELDS = ("cpu", "mem", "gpu", "ephemeral_storage", "shm")
_ALIASES = {"memory": "mem", "disk": "ephemeral_storage"}  # Flyte 2's names
_EXAMPLES = {
    "cpu": 'Resources(cpu="500m") or Resources(cpu=2) or Resources(cpu=("1", "2"))',
    "mem": 'Resources(mem="2Gi") or Resources(mem=("1Gi", "2Gi"))',
    "memory": 'Resources(memory="2Gi") or Resources(memory=("1Gi", "2Gi"))',
    "gpu": 'Resources(gpu=1), Resources(gpu="A100:1") or Resources(gpu=GPU("A100", 1))',
    "ephemeral_storage": 'Resources(ephemeral_storage="10Gi")',
    "disk": 'Resources(disk="10Gi")',
    "shm": 'Resources(shm="1Gi") or Resources(shm="auto")',
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
    """A whole number of accelerators, from an int, a string of digits, Flyte 2's
    ``"A100:1"`` or a ``Device``."""
    if isinstance(value, Device):
        return value.quantity
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _error(
            field_name, value, "expected a whole number, a 'TYPE:COUNT' string or GPU(...)/TPU(...)"
        )
    text = value.strip() if isinstance(value, str) else str(value)
    if text.startswith("-"):
        raise _error(field_name, value, "must not be negative")
    if ":" in text:
        return parse_accelerator(text, f"Resources({field_name}={value!r})").quantity
    if not text.isdigit():
        raise _error(field_name, value, "expected a whole number of GPUs or 'TYPE:COUNT'")
    return int(text)


def _parse_shm(value: object, *, field_name: str = "shm") -> int:
    """Bytes of ``/dev/shm``; ``"auto"`` (as much as the node has) counts as 0 here."""
    if value == "auto":
        return 0
    return parse_memory(value, field_name=field_name)


_PARSERS: dict[str, Callable[..., Number]] = {
    "cpu": parse_cpu,
    "mem": parse_memory,
    "gpu": parse_gpu,
    "ephemeral_storage": parse_memory,
    "shm": _parse_shm,
}
_PAIRS = ("cpu", "mem", "gpu", "ephemeral_storage")  # what may be a (request, limit) pair


def _parse_spec(field_name: str, label: str, spec: object) -> tuple[Number, Number]:
    parser = _PARSERS[field_name]
    if isinstance(spec, (tuple, list)):
        if field_name not in _PAIRS:
            raise _error(label, spec, "takes one value, not a (request, limit) pair")
        if len(spec) != 2:
            raise _error(
                label,
                spec,
                f"a tuple/list means (request, limit) and needs exactly 2 items, got {len(spec)}",
            )
        if any(isinstance(v, Device) for v in spec):
            raise _error(label, spec, "a Device is one value; give it alone, not in a pair")
        request = parser(spec[0], field_name=label)
        limit = parser(spec[1], field_name=label)
        if request > limit:
            raise _error(
                label,
                spec,
                f"the request {spec[0]!r} is larger than the limit {spec[1]!r}",
            )
        return request, limit
    value = parser(spec, field_name=label)
    return value, value


@dataclass(frozen=True, repr=False, init=False)
class Resources:
    """CPU, memory, accelerator, scratch-disk and shared-memory requests and limits."""

    cpu: CpuSpec | None
    mem: MemSpec | None
    gpu: GpuValue | tuple[GpuValue, GpuValue] | None
    ephemeral_storage: MemSpec | None
    shm: str | None
    _parsed: dict[str, tuple[Number, Number]] = field(repr=False, compare=False)

    def __init__(
        self,
        cpu: CpuSpec | None = None,
        mem: MemSpec | None = None,
        gpu: GpuValue | tuple[GpuValue, GpuValue] | list[GpuValue] | None = None,
        ephemeral_storage: MemSpec | None = None,
        shm: str | None = None,
        *,
        memory: MemSpec | None = None,
        disk: MemSpec | None = None,
    ) -> None:
        given: dict[str, tuple[str, object]] = {}
        for label, value in (
            ("cpu", cpu),
            ("mem", mem),
            ("memory", memory),
            ("gpu", gpu),
            ("ephemeral_storage", ephemeral_storage),
            ("disk", disk),
            ("shm", shm),
        ):
            if value is None:
                continue
            name = _ALIASES.get(label, label)
            if name in given:
                raise FlyteValidationException(
                    f"Resources: {given[name][0]}= and {label}= are the same setting "
                    f"(flytekit's and Flyte 2's names); give only one, e.g. {_EXAMPLES[label]}"
                )
            given[name] = (label, value)
        parsed: dict[str, tuple[Number, Number]] = {}
        for name in _FIELDS:
            label, spec = given.get(name, (name, None))
            if spec is not None:
                parsed[name] = _parse_spec(name, label, spec)  # errors quote the user's value
            object.__setattr__(self, name, tuple(spec) if isinstance(spec, list) else spec)
        object.__setattr__(self, "_parsed", parsed)

    @property
    def memory(self) -> MemSpec | None:
        """Flyte 2's name for ``mem``."""
        return self.mem

    @property
    def disk(self) -> MemSpec | None:
        """Flyte 2's name for ``ephemeral_storage``."""
        return self.ephemeral_storage

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{n}={getattr(self, n)!r}" for n in _FIELDS if getattr(self, n) is not None
        )
        return f"Resources({shown})"

    def get_device(self) -> Device | None:
        """The accelerator request as a ``Device`` (a bare count is a GPU of any type)."""
        gpu = self.gpu
        if gpu is None:
            return None
        if isinstance(gpu, Device):
            return gpu
        if isinstance(gpu, str) and ":" in gpu:
            return parse_accelerator(gpu, f"Resources(gpu={gpu!r})")
        count = int(self._parsed["gpu"][1])
        return Device(count, "GPU") if count else None

    def get_shared_memory(self) -> str | None:
        """``shm`` as Flyte 2 hands it on: ``""`` for ``"auto"``, else the size string."""
        if self.shm is None:
            return None
        return "" if self.shm == "auto" else str(self.shm)

    def requests(self) -> dict[str, Number]:
        """Normalised requests (cpu in cores, mem/ephemeral_storage in bytes, gpu as a count)."""
        return {name: pair[0] for name, pair in self._parsed.items() if name in _PAIRS}

    def limits(self) -> dict[str, Number]:
        """Normalised limits, same units as ``requests()``."""
        return {name: pair[1] for name, pair in self._parsed.items() if name in _PAIRS}

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
        """The user's values for the set fields, under flytekit's names (one spelling in the
        records); (request, limit) pairs become 2-item lists, a ``Device`` a dict."""
        out: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            if isinstance(value, Device):
                out[name] = value.to_dict()
            elif value is not None:
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], dialect: Any = None) -> Resources:
        # dialect: mashumaro's, in the seed's signature; there is one form here
        if not isinstance(d, Mapping):
            raise FlyteValidationException(
                f"Resources.from_dict expects a dict like {{'cpu': '1', 'mem': '2Gi'}}, "
                f"got {type(d).__name__} {d!r}"
            )
        valid = (*_FIELDS, *_ALIASES)
        unknown = sorted(str(k) for k in d if k not in valid)
        if unknown:
            raise FlyteValidationException(
                f"Resources.from_dict: unknown field(s) {', '.join(unknown)}; "
                f"valid fields are {', '.join(valid)}"
            )
        values = dict(d)
        gpu = values.get("gpu")
        if isinstance(gpu, Mapping):
            values["gpu"] = Device(**gpu)
        return cls(**values)

    def to_json(self, encoder: Any = None, **to_dict_kwargs: Any) -> str:
        """JSON of ``to_dict()``; ``encoder`` (default ``json.dumps``, keys sorted) as in
        mashumaro, whose signature the seed gives."""
        data = self.to_dict(**to_dict_kwargs)
        return encoder(data) if encoder is not None else json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(
        cls, data: str | bytes | bytearray, decoder: Any = None, **from_dict_kwargs: Any
    ) -> Resources:
        try:
            decoded = (decoder or json.loads)(data)
        except (ValueError, TypeError) as exc:
            raise FlyteValidationException(
                f"Resources.from_json: not valid JSON ({exc}): {data!r}"
            ) from None
        return cls.from_dict(decoded, **from_dict_kwargs)
