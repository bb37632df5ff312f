"""Accelerators for ``Resources(gpu=...)``: Flyte 2's ``Device``, ``GPU(...)``, ``TPU(...)``.

A task asks for accelerators in one of three shapes, all Flyte 2's: a count (``gpu=2``, any
type), a ``"TYPE:COUNT"`` string (``gpu="A100:1"``), or a ``Device`` made by ``GPU``, ``TPU``,
``Neuron``, ``AMD_GPU`` or ``HABANA_GAUDI`` (for MIG partitions and TPU slices). Names are
checked against the catalogue below when the task is defined, so a typo (``"A1OO:1"``) fails
on the decorator line with the list of valid names, not later on a scheduler. Locally and on
the embedded backend only the count matters (Ray gets ``num_gpus``); the type and partition
are recorded with the action for a cluster that can honour them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from ..exceptions import FlyteValidationException

__all__ = [
    "AMD_GPU",
    "GPU",
    "HABANA_GAUDI",
    "TPU",
    "Device",
    "DeviceClass",
    "Neuron",
    "parse_accelerator",
]

DeviceClass: TypeAlias = Literal["GPU", "TPU", "NEURON", "AMD_GPU", "HABANA_GAUDI"]

_CATALOGUE: dict[str, tuple[str, ...]] = {
    "GPU": (
        "A10",
        "A10G",
        "A100",
        "A100 80G",
        "B200",
        "H100",
        "H200",
        "L4",
        "L40s",
        "T4",
        "V100",
        "RTX PRO 6000",
        "GB10",
    ),
    "TPU": ("V5E", "V5P", "V6E"),
    "NEURON": ("Inf1", "Inf2", "Trn1", "Trn1n", "Trn2", "Trn2u"),
    "AMD_GPU": (
        "MI100",
        "MI210",
        "MI250",
        "MI250X",
        "MI300A",
        "MI300X",
        "MI325X",
        "MI350X",
        "MI355X",
    ),
    "HABANA_GAUDI": ("Gaudi1",),
}
_CLASS_OF = {name: cls for cls, names in _CATALOGUE.items() for name in names}
_PARTITIONS: dict[str, tuple[str, ...]] = {
    "A100": ("1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"),
    "A100 80G": ("1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H100": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H200": ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"),
    "V5E": ("1x1", "2x2", "2x4", "4x4", "4x8", "8x8", "8x16", "16x16"),
    "V5P": (
        "2x2x1",
        "2x2x2",
        "2x4x4",
        "4x4x4",
        "4x4x8",
        "4x8x8",
        "8x8x8",
        "8x8x16",
        "8x16x16",
        "16x16x16",
        "16x16x24",
    ),
    "V6E": ("1x1", "2x2", "2x4", "4x4", "4x8", "8x8", "8x16", "16x16"),
}


def _fail(what: str, why: str) -> FlyteValidationException:
    return FlyteValidationException(f"{what}: {why}")


def _check_device(device: str, device_class: str, what: str) -> None:
    known = _CATALOGUE[device_class]
    if device not in known:
        hint = ""
        other = _CLASS_OF.get(device)
        if other is not None:
            hint = f" ({device!r} is a {other} device)"
        raise _fail(
            what, f"unknown {device_class} type {device!r}{hint}; known: {', '.join(known)}"
        )


@dataclass(frozen=True)
class Device:
    """An accelerator request: how many, of which class, type and partition."""

    quantity: int
    device_class: DeviceClass
    device: str | None = None
    partition: str | None = None

    def __post_init__(self) -> None:
        what = f"Device({self.quantity!r}, {self.device_class!r}, {self.device!r})"
        q = self.quantity
        if isinstance(q, bool) or not isinstance(q, int) or q < 1:
            raise _fail(what, f"quantity must be a whole number >= 1, got {q!r}")
        if self.device_class not in _CATALOGUE:
            raise _fail(
                what,
                f"device_class must be one of {', '.join(_CATALOGUE)}, got {self.device_class!r}",
            )
        if self.device is not None:
            if not isinstance(self.device, str):
                raise _fail(what, f"device must be a string like 'A100', got {self.device!r}")
            _check_device(self.device, self.device_class, what)
        if self.partition is not None:
            allowed = _PARTITIONS.get(self.device or "", ())
            if self.partition not in allowed:
                where = (
                    f"for {self.device}: one of {', '.join(allowed)}"
                    if allowed
                    else (f"{self.device or 'this device'} has no partitions")
                )
                raise _fail(what, f"invalid partition {self.partition!r} ({where})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "device_class": self.device_class,
            "device": self.device,
            "partition": self.partition,
        }


def GPU(device: str, quantity: int, partition: str | None = None) -> Device:
    """``quantity`` GPUs of type ``device`` (``GPU("A100", 1, partition="1g.5gb")`` for MIG)."""
    _check_device(device, "GPU", f"GPU(device={device!r})")
    return Device(quantity, "GPU", device, partition)


def TPU(device: str, partition: str | None = None) -> Device:
    """A Cloud TPU of type ``device`` (``"V5P"``, ``"V6E"``), optionally a slice."""
    _check_device(device, "TPU", f"TPU(device={device!r})")
    return Device(1, "TPU", device, partition)


def Neuron(device: str) -> Device:
    """An AWS Neuron device (``"Inf2"``, ``"Trn1"``...)."""
    _check_device(device, "NEURON", f"Neuron(device={device!r})")
    return Device(1, "NEURON", device)


def AMD_GPU(device: str) -> Device:
    """An AMD GPU (``"MI300X"``...)."""
    _check_device(device, "AMD_GPU", f"AMD_GPU(device={device!r})")
    return Device(1, "AMD_GPU", device)


def HABANA_GAUDI(device: str) -> Device:
    """A Habana Gaudi accelerator (``"Gaudi1"``)."""
    _check_device(device, "HABANA_GAUDI", f"HABANA_GAUDI(device={device!r})")
    return Device(1, "HABANA_GAUDI", device)


def parse_accelerator(text: str, what: str) -> Device:
    """``"A100:2"`` -> ``Device(2, "GPU", "A100")``; unknown names fail with the known ones."""
    name, sep, count = text.rpartition(":")
    if not sep or not name:
        raise _fail(what, "expected a count like 1 or a 'TYPE:COUNT' string like 'A100:1'")
    device_class = _CLASS_OF.get(name.strip())
    if device_class is None:
        known = ", ".join(n for names in _CATALOGUE.values() for n in names)
        raise _fail(what, f"unknown accelerator {name.strip()!r}; known: {known}")
    if not count.strip().isdigit() or int(count) < 1:
        raise _fail(what, f"the count after ':' must be a whole number >= 1, got {count!r}")
    return Device(int(count), device_class, name.strip())  # type: ignore[arg-type]
