"""A re-run's form and the edited inputs it sends back, checked against the task's interface.

Plain functions over JSON (no backend, no HTTP), so every rule is unit-tested on its own:

- ``form`` is what the panel draws: each root input with its kind (``types/_describe.py``),
  whether it can be edited and its value in the run being re-run. Runs recorded before the
  SDK sent an interface get one inferred from the stored values (scalars, JSON lists and
  dicts are editable; anything else is kept as it was).
- ``edited_inputs`` checks each edited value against its input's kind and returns the new
  run's inputs document, encoded exactly as the SDK encodes the same values
  (``flyte_nb.types.encode_value``), so action names and cache keys match a run started
  from a notebook with those values. Unedited inputs keep their stored encoding byte for
  byte (a file, a dataframe, a pickle stay what they were).
- A form sends what its boxes hold: for a number, a bool, a list or a dict the value may
  come as its text (``"3"``, ``"true"``, ``"[1, 2]"``), parsed here, so the one set of
  rules and messages lives in Python. Each error names the input first
  (``input 'n': ...``), so a form can put the message next to its box.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..types._codecs import PutBlob
from ..types._values import dumps_json, encode_value

__all__ = ["InputError", "edited_inputs", "form"]

EDITABLE = frozenset({"int", "float", "bool", "str", "enum", "list", "dict"})
MAX_DEPTH = 32


class InputError(ValueError):
    """An edited input that does not fit the task's interface; ``input`` names it."""

    def __init__(self, input: str | None, message: str) -> None:
        super().__init__(f"input {input!r}: {message}" if input else message)
        self.input = input


# -- the form ------------------------------------------------------------------------------
def form(interface: list[dict[str, Any]] | None, inputs_text: str | None) -> list[dict[str, Any]]:
    """Each input of the run: ``name``, ``type``, ``kind``, ``optional``, ``required``,
    ``choices`` (enums), ``items`` (lists and dicts), ``editable`` and ``value`` (the run's
    value as plain JSON, or a short description of one that cannot be edited)."""
    stored: dict[str, Any] = json.loads(inputs_text or "{}")
    described = {e["name"]: e for e in interface or []}
    names = list(described) + [n for n in stored if n not in described]
    out = []
    for name in names:
        entry = dict(described.get(name) or _inferred(name, stored.get(name)))
        encoded = stored.get(name)
        value, known = _shown(entry, encoded)
        entry["editable"] = entry["kind"] in EDITABLE and known
        entry["value"] = value
        entry.pop("encoded", None)
        if "choices" in entry:
            entry["choices"] = [
                {"label": c["label"], "value": c["value"]} for c in entry["choices"]
            ]
        out.append(entry)
    return out


def _inferred(name: str, encoded: Any) -> dict[str, Any]:
    """An interface entry guessed from a stored value (runs recorded without one)."""
    kinds = {bool: "bool", int: "int", float: "float", str: "str"}
    kind = kinds.get(type(encoded), "other")
    type_name = kind
    if isinstance(encoded, dict) and "$json" in encoded and encoded.get("type") in ("list", "dict"):
        kind = type_name = encoded["type"]
    elif encoded is None:
        type_name = "None"
    elif kind == "other" and isinstance(encoded, dict):
        type_name = str(encoded.get("type") or "value")
    optional = encoded is None
    return {"name": name, "type": type_name, "kind": kind, "optional": optional, "required": True}


def _shown(entry: dict[str, Any], encoded: Any) -> tuple[Any, bool]:
    """The stored value as the form shows it, and whether it was understood."""
    kind = entry["kind"]
    if encoded is None:
        return None, True
    if kind == "enum":
        for choice in entry.get("choices") or []:
            if choice.get("encoded") == encoded:
                return choice["label"], True
        return None, False
    if kind in ("list", "dict"):
        if isinstance(encoded, dict) and "$json" in encoded:
            return encoded["$json"], True
        return _describe(encoded), False
    if isinstance(encoded, dict):
        return _describe(encoded), False
    return encoded, True


def _describe(encoded: Any) -> str:
    if isinstance(encoded, dict):
        return str(encoded.get("repr") or encoded.get("type") or "a stored value")
    return "a stored value"


# -- edits ---------------------------------------------------------------------------------
def edited_inputs(
    interface: list[dict[str, Any]] | None,
    inputs_text: str | None,
    edits: dict[str, Any],
    put: PutBlob,
) -> str:
    """The new run's inputs document: the stored one with ``edits`` applied and checked."""
    if not isinstance(edits, dict):
        raise InputError(None, f"edited inputs must be an object of name -> value, got {edits!r}")
    stored: dict[str, Any] = json.loads(inputs_text or "{}")
    entries = {e["name"]: e for e in form(interface, inputs_text)}
    described = {e["name"]: e for e in interface or []}
    for name, raw in edits.items():
        entry = entries.get(name)
        if entry is None:
            known = ", ".join(entries) or "none"
            raise InputError(name, f"the task has no such input (its inputs: {known})")
        if entry["kind"] not in EDITABLE:
            raise InputError(
                name,
                f"a {entry['type']} value cannot be edited in a form; start the run with "
                "fl.run(...) and the new value instead",
            )
        full = described.get(name, entry)
        stored[name] = _encoded(full, raw, put)
    return dumps_json(stored)


def _encoded(entry: dict[str, Any], raw: Any, put: PutBlob) -> Any:
    name, kind = entry["name"], entry["kind"]
    if raw is None or (kind != "str" and raw == "" and entry.get("optional")):
        if not entry.get("optional"):
            raise InputError(name, f"a value is required (it is a {entry['type']}, not optional)")
        return None
    if kind == "enum":
        for choice in entry.get("choices") or []:
            if raw == choice["label"] or (
                raw == choice["value"] and type(raw) is type(choice["value"])
            ):
                return choice.get("encoded", choice["value"])
        labels = ", ".join(str(c["label"]) for c in entry.get("choices") or [])
        raise InputError(name, f"expects one of {labels}; got {raw!r}")
    value = _parsed(name, kind, entry, raw)
    return encode_value(value, put)


def _parsed(name: str, kind: str, entry: dict[str, Any], raw: Any) -> Any:
    if kind in ("list", "dict") and isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise InputError(name, f"expects a {entry['type']} written as JSON: {exc}") from None
    if kind in ("int", "float", "bool"):
        return _scalar(name, kind, raw)
    if kind == "str":
        if not isinstance(raw, str):
            raise InputError(name, f"expects a str, got {raw!r}")
        return raw
    expected = list if kind == "list" else dict
    if type(raw) is not expected:
        raise InputError(name, f"expects a {entry['type']} (a JSON {kind}), got {raw!r}")
    _check_depth(name, raw, 0)
    item = entry.get("items")
    if item is not None:
        keys: list[Any] = list(range(len(raw))) if isinstance(raw, list) else list(raw)
        for key in keys:
            member = raw[key]
            try:
                raw[key] = _scalar(name, item, member, text=False)
            except InputError:
                where = f"item {key}" if isinstance(raw, list) else f"key {key!r}"
                raise InputError(name, f"{where} should be a {item}, got {member!r}") from None
    return raw


def _scalar(name: str, kind: str, raw: Any, text: bool = True) -> Any:
    if text and isinstance(raw, str) and kind != "str":
        raw = _from_text(name, kind, raw)
    if kind == "bool":
        if type(raw) is not bool:
            raise InputError(name, f"expects a bool (true or false), got {raw!r}")
        return raw
    if kind == "int":
        if type(raw) is not int:
            raise InputError(name, f"expects an int, got {raw!r}")
        return raw
    if kind == "float":
        if type(raw) not in (int, float) or not math.isfinite(raw):
            raise InputError(name, f"expects a finite float, got {raw!r}")
        return float(raw)
    if not isinstance(raw, str):
        raise InputError(name, f"expects a str, got {raw!r}")
    return raw


def _from_text(name: str, kind: str, text: str) -> Any:
    stripped = text.strip()
    if kind == "bool":
        lowered = stripped.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        raise InputError(name, f"expects a bool (true or false), got {text!r}")
    try:
        return int(stripped) if kind == "int" else float(stripped)
    except ValueError:
        article = "an" if kind == "int" else "a"
        raise InputError(name, f"expects {article} {kind}, got {text!r}") from None


def _check_depth(name: str, value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InputError(name, f"is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, list):
        for v in value:
            _check_depth(name, v, depth + 1)
    elif isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise InputError(name, f"dict keys must be strings, got {k!r}")
            _check_depth(name, v, depth + 1)
