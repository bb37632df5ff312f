"""``PodTemplate``: the Kubernetes pod a task would run in, validated and stored with the task.

Nothing here runs on Kubernetes: a pod template is recorded with the task (its spec and every
action's spec carry it, with ``version_hash()``), so a run on this machine says what it would
have asked of a cluster, and a change to the template shows as a new hash.

Design decisions:

* ``pod_spec`` is kept as plain JSON data. A ``kubernetes.client.V1PodSpec`` (or anything with
  ``to_dict()``) is converted once, ``None`` fields dropped, so the template pickles, compares
  and hashes without the kubernetes package.
* Validation follows the Kubernetes rules that a typo would break later: the primary container
  name is a DNS-1123 label, label keys/values and annotation keys are qualified names, every
  container has a name, and the whole spec is JSON.
* ``version_hash()`` is a sha256 over the canonical JSON (sorted keys), so equal templates
  written in any key order hash equal.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from ..exceptions import FlyteValidationException

__all__ = ["PodTemplate"]

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_EXAMPLE = 'PodTemplate(primary_container_name="primary", labels={"team": "ml"})'


def _plain(value: Any, where: str) -> Any:
    """JSON data from ``value``: mappings, lists, scalars; ``to_dict()`` objects converted."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, Mapping):
        value = to_dict()
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise FlyteValidationException(
                    f"PodTemplate: {where} has a non-string key {k!r}; pod specs are JSON"
                )
            if v is not None:
                out[k] = _plain(v, f"{where}.{k}")
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise FlyteValidationException(
        f"PodTemplate: {where} is a {type(value).__qualname__}, which is not JSON data; pass a "
        "dict (or a kubernetes V1PodSpec)"
    )


def _check_key(kind: str, key: object) -> str:
    if not isinstance(key, str) or not key:
        raise FlyteValidationException(f"PodTemplate {kind} key {key!r} must be a string")
    prefix, _, name = key.rpartition("/")
    if (prefix and not _PREFIX.match(prefix)) or not _NAME.match(name):
        raise FlyteValidationException(
            f"PodTemplate {kind} key {key!r} is not a Kubernetes qualified name (an optional "
            "DNS prefix and '/', then up to 63 letters, digits, '-', '_' or '.', starting and "
            "ending with a letter or digit)"
        )
    return key


def _check_map(kind: str, value: object, check_values: bool) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise FlyteValidationException(
            f"PodTemplate {kind} must be a dict of str to str, got {value!r}; e.g. {_EXAMPLE}"
        )
    out: dict[str, str] = {}
    for key, val in value.items():
        _check_key(kind[:-1], key)
        if not isinstance(val, str):
            raise FlyteValidationException(
                f"PodTemplate {kind[:-1]} {key!r} must have a string value, got {val!r}"
            )
        if check_values and val and not _NAME.match(val):
            raise FlyteValidationException(
                f"PodTemplate label {key!r} has value {val!r}, which Kubernetes refuses: up to "
                "63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
            )
        out[key] = val
    return out


class PodTemplate:
    """A pod spec, the name of its primary container, and the pod's labels and annotations."""

    __slots__ = ("annotations", "labels", "pod_spec", "primary_container_name")

    def __init__(
        self,
        pod_spec: Any = None,
        primary_container_name: str = "primary",
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> None:
        if not isinstance(primary_container_name, str) or not _DNS_LABEL.match(
            primary_container_name
        ):
            raise FlyteValidationException(
                f"PodTemplate(primary_container_name={primary_container_name!r}): a container "
                "name is a DNS-1123 label (lowercase letters, digits and '-', at most 63, "
                f"starting and ending with a letter or digit). Example: {_EXAMPLE}"
            )
        spec = _plain(pod_spec, "pod_spec") if pod_spec is not None else {}
        if not isinstance(spec, dict):
            raise FlyteValidationException(
                f"PodTemplate(pod_spec=...) must be a dict or a V1PodSpec, got {pod_spec!r}"
            )
        containers = spec.get("containers", [])
        if not isinstance(containers, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"] for c in containers
        ):
            raise FlyteValidationException(
                "PodTemplate(pod_spec=...): 'containers' must be a list of containers, each "
                'with a name, e.g. {"containers": [{"name": "primary"}]}'
            )
        self.pod_spec: dict[str, Any] = spec
        self.primary_container_name = primary_container_name
        self.labels = _check_map("labels", labels, check_values=True)
        self.annotations = _check_map("annotations", annotations, check_values=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pod_spec": self.pod_spec,
            "primary_container_name": self.primary_container_name,
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PodTemplate:
        if not isinstance(data, Mapping):
            raise FlyteValidationException(f"PodTemplate.from_dict expects a dict, got {data!r}")
        unknown = sorted(
            set(data)
            - {"pod_spec", "primary_container_name", "labels", "annotations", "version_hash"}
        )
        if unknown:
            raise FlyteValidationException(f"PodTemplate.from_dict: unknown field(s) {unknown}")
        return cls(
            data.get("pod_spec"),
            data.get("primary_container_name", "primary"),
            data.get("labels"),
            data.get("annotations"),
        )

    def version_hash(self) -> str:
        """A stable hash of the template: equal templates hash equal, any change differs."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PodTemplate):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(self.version_hash())

    def __repr__(self) -> str:
        return (
            f"PodTemplate(primary_container_name={self.primary_container_name!r}, "
            f"labels={self.labels!r}, annotations={self.annotations!r}, "
            f"pod_spec={self.pod_spec!r})"
        )
