"""The small parts an artifact is described with: granularity, input bindings, partitions.

``Inputs.region`` is a *binding*: it stands for "the value of the task's input ``region``"
and is replaced by that value (as a string) when the task's output is registered, or, in
a query used as a default input, by the launch's value of that input. Bindings are plain
picklable objects so a task shipped to a worker carries its annotations intact.

The checks every entry point shares (keys, partition values, times, scopes, cards, reading
a value as a type) live here too, so each mistake gets the same message wherever it is made.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..exceptions import FlyteTypeException, FlyteValidationException
from ..store._artifact_rows import (
    MAX_PARTITIONS,
    VALUE_MAX,
    from_epoch,
    key_problem,
    to_epoch,
)

_SCOPE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")  # the HTTP API's project/domain rule

__all__ = [
    "Granularity",
    "InputBinding",
    "Inputs",
    "Partitions",
    "TimePartition",
]


class Granularity(enum.Enum):
    """How finely a time partition is kept: a value is truncated to the start of its unit."""

    MINUTE = "MINUTE"
    HOUR = "HOUR"
    DAY = "DAY"
    MONTH = "MONTH"

    @classmethod
    def coerce(cls, value: object, where: str) -> Granularity:
        if isinstance(value, Granularity):
            return value
        if isinstance(value, str) and value.upper() in cls.__members__:
            return cls[value.upper()]
        raise FlyteValidationException(
            f"{where}: time_partition_granularity must be a Granularity "
            f"({', '.join(cls.__members__)}), got {value!r}"
        )


class InputBinding:
    """``Inputs.<name>``: the value of the task input (or launch input) ``name``."""

    __slots__ = ("input",)

    def __init__(self, input: str) -> None:
        self.input = input

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InputBinding) and other.input == self.input

    def __hash__(self) -> int:
        return hash(("InputBinding", self.input))

    def __repr__(self) -> str:
        return f"Inputs.{self.input}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (InputBinding, (self.input,))


class _Inputs:
    """``Inputs.region`` binds a partition (or the time partition) to the input ``region``."""

    def __getattr__(self, name: str) -> InputBinding:
        if name.startswith("_"):
            raise AttributeError(name)
        return InputBinding(name)

    def __repr__(self) -> str:
        return "Inputs"


Inputs = _Inputs()


class TimePartition:
    """An artifact's time partition: a time (or a binding to an input) and its granularity."""

    __slots__ = ("granularity", "value")

    def __init__(
        self,
        value: datetime.datetime | InputBinding | None,
        granularity: Granularity = Granularity.DAY,
    ) -> None:
        self.value = value
        self.granularity = granularity

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TimePartition)
            and other.value == self.value
            and other.granularity == self.granularity
        )

    def __hash__(self) -> int:
        return hash((self.value, self.granularity))

    def __repr__(self) -> str:
        return f"TimePartition({self.value!r}, {self.granularity})"


class Partitions(Mapping[str, Any]):
    """An artifact's partition values by key (``partitions["region"]`` or ``.region``)."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(
                f"no partition {key!r}; the partitions are {sorted(self._values)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Partitions({self._values!r})"


# -- value rules shared by definitions, create_from, queries and registration -----------------
def check_keys(keys: object, where: str) -> list[str]:
    """``partition_keys`` as a list of valid, distinct keys."""
    if keys is None:
        return []
    if isinstance(keys, str) or not isinstance(keys, list | tuple):
        raise FlyteValidationException(
            f"{where}: partition_keys must be a list of names, got {keys!r}; "
            "e.g. partition_keys=['region']"
        )
    out = list(keys)
    for key in out:
        problem = key_problem(key)
        if problem:
            raise FlyteValidationException(f"{where}: {problem}")
    if len(set(out)) != len(out):
        raise FlyteValidationException(f"{where}: partition_keys repeat a key: {out}")
    if len(out) > MAX_PARTITIONS:
        raise FlyteValidationException(
            f"{where}: an artifact has at most {MAX_PARTITIONS} partition keys, got {len(out)}"
        )
    return out


def undeclared(where: str, name: str, keys: list[str], given: list[str]) -> None:
    """Raise naming the first of ``given`` that ``keys`` does not declare."""
    unknown = [k for k in given if k not in keys]
    if unknown:
        declared = f"its partition keys are {keys}" if keys else "it declares no partition keys"
        raise FlyteValidationException(
            f"{where}: artifact {name!r} has no partition {unknown[0]!r}; {declared} "
            "(declare it with Artifact(..., partition_keys=[...]))"
        )


def partition_value(where: str, key: str, value: object) -> str:
    """A partition value as the string it is stored as (Flyte partitions are strings)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, datetime.datetime | datetime.date):
        text = value.isoformat()
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        raise FlyteValidationException(
            f"{where}: partition {key!r} takes a string (or a number, date or enum, kept as "
            f"text), got {type(value).__qualname__} {value!r}"
        )
    if not text or len(text) > VALUE_MAX:
        raise FlyteValidationException(
            f"{where}: partition {key!r} must be 1 to {VALUE_MAX} characters, got {text!r}"
        )
    return text


def time_value(where: str, value: object) -> float:
    """Epoch seconds of a time partition value (a datetime, a date, or epoch seconds)."""
    if isinstance(value, TimePartition):
        value = value.value
    if isinstance(value, datetime.datetime | datetime.date):
        return to_epoch(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise FlyteValidationException(
        f"{where}: time_partition takes a datetime, got {type(value).__qualname__} {value!r}"
    )


def epoch_to_datetime(ts: float | None) -> datetime.datetime | None:
    return from_epoch(ts) if ts is not None else None


def check_scope(where: str, what: str, value: object) -> str | None:
    if value is None or (isinstance(value, str) and _SCOPE.match(value)):
        return value
    raise FlyteValidationException(
        f"{where}: {what} must be lowercase letters, digits, '_' or '-', got {value!r}"
    )


def card_text(where: str, card: object) -> str | None:
    """A card as its markdown text: a string, or an object with a ``text`` string."""
    if card is None or isinstance(card, str):
        return card
    text = getattr(card, "text", None)
    if isinstance(text, str):
        return text
    raise FlyteValidationException(
        f"{where}: card must be markdown text (a str) or have a .text str, got {card!r}"
    )


def as_value(artifact: Any, value: Any, as_type: Any) -> Any:
    """``value`` as ``as_type``: checked strictly, like a task input, and fitted the same
    way (a stored table read as the ``pd.DataFrame`` or ``pa.Table`` asked for)."""
    if as_type is None:
        return value
    from ..types import checker_for, type_name
    from ..types._check import converter_for

    problem: str | None = None
    convert = converter_for(as_type)
    if convert is not None:
        try:
            return convert(value)
        except (TypeError, ValueError) as exc:
            problem = str(exc)
    else:
        problem = checker_for(as_type)(value)
        if problem is None:
            return value
    stored = artifact._view["type"] if artifact._view else type(value).__qualname__
    which = f"{artifact.name}@{artifact.version}" if artifact.version else repr(artifact.name)
    raise FlyteTypeException(
        f"artifact {which} (type {stored}) cannot be read as {type_name(as_type)}"
        + (f" ({problem})" if problem else "")
        + f"; call get() without as_type, or with as_type={stored}"
    )
