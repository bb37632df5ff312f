"""Reads the API seeds in ``shared/seeds/`` into a flat list of items: every class, method,
module function and property they document, with the parameter names their signatures give.

The seeds are generated API pages (markdown); their structure is regular enough that a
handful of patterns recover it. ``tests/test_seeds_surface.py`` checks flyte_nb against it."""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A copy of shared/seeds/ (the API pages the project implements), so the test runs in any
# checkout; refresh it with `cp shared/seeds/*.txt tests/data/seeds/` when the seeds change.
SEEDS = Path(__file__).resolve().parent / "data" / "seeds"

# Seed module -> the flyte_nb module that implements it (PRODUCT.md, "Public names").
MODULES = {"union": "flyte_nb", "flyte.models": "flyte_nb.models", "flyte.app": "flyte_nb.app"}


@dataclass(frozen=True)
class Item:
    seed: str  # seed file name
    module: str  # seed module, e.g. "union"
    kind: str  # "class", "method", "function", "property", "variable"
    cls: str | None  # owning class for methods and properties
    name: str
    params: tuple[str, ...] = field(default=())  # "*args" / "**kwargs" mark variadics

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.cls}.{self.name}" if self.cls else f"{self.module}.{self.name}"


_SIG = re.compile(r"```python\n\s*(class|def) (\w+)\((.*?)\)(?:\s*->[^\n]*)?\n```", re.S)


def _params(body: str) -> tuple[str, ...]:
    out: list[str] = []
    for raw in body.split("\n"):
        line = raw.strip().rstrip(",")
        if not line:
            continue
        name, _, annotation = line.partition(":")
        name = name.strip()
        annotation = annotation.strip()
        if annotation == "*args" or (name == "args" and not annotation):
            out.append("*args")
        elif annotation == "**kwargs" or (name == "kwargs" and not annotation):
            out.append("**kwargs")
        elif name.isidentifier():
            out.append(name)
    return tuple(out)


def _properties(section: str) -> list[str]:
    m = re.search(r"#+ Properties\n\n\| Property.*?\n\|-.*?\n", section)
    if not m:
        return []
    rest = section[m.end() :]
    end = re.search(r"^#", rest, re.M)
    return re.findall(r"^\| `(\w+)`", rest[: end.start()] if end else rest, re.M)


def _signatures(section: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(k, n, _params(b)) for k, n, b in _SIG.findall(section)]


def parse(path: Path) -> list[Item]:
    text = path.read_text()
    seed = path.name
    title = re.search(r"^# (\S+)", text, re.M)
    assert title, f"{seed}: no title"
    package = re.search(r"\*\*Package:\*\* `([\w.]+)`", text)
    items: list[Item] = []
    if package:  # a page for one class (RunOutput)
        module, cls = package.group(1), title.group(1)
        sigs = _signatures(text)
        items.append(Item(seed, module, "class", None, cls, sigs[0][2]))
        items += [Item(seed, module, "method", cls, n, p) for k, n, p in sigs[1:] if k == "def"]
        items += [Item(seed, module, "property", cls, p) for p in _properties(text)]
        return items
    module = title.group(1)
    parts = re.split(rf"^## {re.escape(module)}\.(\w+)\n", text, flags=re.M)
    head = parts[0]
    items += [Item(seed, module, "function", None, n, p) for k, n, p in _signatures(head)]
    variables = re.search(r"### Variables\n\n\| Property.*?\n\|-.*?\n((?:\|.*\n)*)", head)
    if variables:
        names = re.findall(r"^\| `(\w+)`", variables.group(1), re.M)
        items += [Item(seed, module, "variable", None, n) for n in names]
    for cls, section in zip(parts[1::2], parts[2::2], strict=True):
        sigs = _signatures(section)
        init = next((p for k, n, p in sigs if k == "class" and n == cls), ())
        items.append(Item(seed, module, "class", None, cls, init))
        items += [Item(seed, module, "method", cls, n, p) for k, n, p in sigs if k == "def"]
        items += [Item(seed, module, "property", cls, p) for p in _properties(section)]
    return items


def all_items() -> list[Item]:
    return [item for path in sorted(SEEDS.glob("*.txt")) for item in parse(path)]


def _names(sig: inspect.Signature) -> tuple[str, ...]:
    """Parameter names, ``*args``/``**kwargs`` for the variadics (whatever their name), and
    ``**<name>`` too, because the seeds print ``**values`` as a plain ``values``."""
    out: list[str] = []
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            out.append("*args")
        elif p.kind is p.VAR_KEYWORD:
            out += ["**kwargs", p.name]
        elif p.name not in ("self", "cls"):
            out.append(p.name)
    return tuple(out)


def params_problem(seed: tuple[str, ...], ours: tuple[str, ...]) -> str | None:
    """Why ``ours`` cannot be called the way the seed documents, or None.

    Every seed name must be ours too, in the same order (a caller may pass them
    positionally); a seed ``*args``/``**kwargs`` needs ours. Extra names of ours are fine."""
    missing = [n for n in seed if n not in ours]
    if missing:
        return f"missing parameters {missing} (ours: {list(ours)})"
    positions = [ours.index(n) for n in seed]
    if positions != sorted(positions):
        return f"parameter order differs: seed {list(seed)}, ours {list(ours)}"
    return None


def resolve(item: Item, instances: dict[str, Any]) -> Any:
    """The flyte_nb object for ``item``; raises AttributeError/ImportError when it is missing."""
    module = importlib.import_module(MODULES[item.module])
    if item.cls is None:
        return getattr(module, item.name)
    owner = getattr(module, item.cls)
    if item.kind == "property":
        if item.cls in instances:
            return getattr(instances[item.cls], item.name)
        return getattr(owner, item.name)
    return getattr(owner, item.name)


def _marked(item: Item) -> bool:
    """Whether flyte_nb marks ``item`` as a hosted-service feature with no local meaning."""
    try:
        module = importlib.import_module(MODULES[item.module])
        obj = getattr(module, item.cls) if item.cls else module
        raw = inspect.getattr_static(obj, item.name) if item.cls else getattr(obj, item.name)
    except (AttributeError, ImportError):
        return False
    raw = getattr(raw, "fget", None) or getattr(raw, "__func__", None) or raw
    return bool(getattr(raw, "__flyte_nb_unavailable__", False))


def problem(item: Item, instances: dict[str, Any]) -> str | None:
    """Why ``item`` is not there as the seed says, or None when it is."""
    if item.kind == "property" and _marked(item):
        return None  # reading it raises NotAvailableHereError, by design
    try:
        obj = resolve(item, instances)
    except (AttributeError, ImportError) as e:
        return f"missing: {e}"
    except Exception as e:  # a property that raises is not there either
        return f"raises {type(e).__name__}: {e}"
    if item.kind in ("property", "variable"):
        return None
    if not callable(obj):
        return f"not callable: {obj!r}"
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError) as e:
        return f"inspect.signature fails: {type(e).__name__}: {e}"
    found = params_problem(item.params, _names(sig))
    if found and item.kind == "class":  # a pydantic model's seed shows __init__(**data)
        init = params_problem(item.params, _names(inspect.signature(obj.__init__)))
        return None if init is None else found
    return found


def unavailable(item: Item) -> bool:
    """Whether ``item`` exists only to raise ``NotAvailableHereError`` (hosted-only)."""
    return _marked(item)
