"""One-way layers: no import in ``flyte_nb`` points up or across, and packages form no cycle.

The layer order is documented in ``docs/architecture.md``; ``LAYERS`` below is the same
order, top first. A module belongs to its package (``flyte_nb/<pkg>/...``); the top-level
modules are the facade (``flyte_nb/__init__.py`` and any other top-level module) except the
foundation modules every package may use (settings, logging, exceptions, lazy loading),
which form the bottom layer with ``errors``.

The walk reads source with ``ast``, so it sees every import Python could execute: module
level, inside functions and methods, under ``if TYPE_CHECKING:``, relative ones, and
``import flyte_nb`` (which names the facade). ``import-linter`` would read the same
statements; an own walk keeps the rule and its error messages in one readable file.

Run it as a script to print the package graph and every import that breaks the order:
``python tests/test_import_layers.py``.
"""

from __future__ import annotations

import ast
import functools
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "flyte_nb"

FACADE = "flyte_nb"
FOUNDATION = "foundation"
# Top-level modules below every package: they import nothing from flyte_nb but each other
# and ``errors``.
FOUNDATION_MODULES = frozenset(
    {
        "_annotations",
        "_blob_scope",
        "_config",
        "_lazy",
        "_logging",
        "_run_display",
        "_unavailable",
        "_version",
        "exceptions",
    }
)

# Top first. A module may import its own package and any package in a LOWER layer; never one
# in its own layer (across) or above it (up). Keep in step with docs/architecture.md.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("command line", ("cli",)),
    ("jupyter server extension", ("jupyter",)),
    ("facade", (FACADE,)),
    ("sdk", ("runs", "widgets", "durable")),
    ("task kinds", ("actors", "container")),
    ("flytekit layer", ("union",)),
    ("run handles", ("remote",)),
    ("http api", ("server",)),
    ("backend", ("backend",)),
    ("artifacts and apps", ("artifacts", "app")),
    ("client", ("client",)),
    ("code bundles", ("bundle",)),
    ("engine", ("engine",)),
    ("secrets", ("secrets",)),
    ("tasks", ("tasks",)),
    ("type engine", ("types",)),
    ("files and data", ("io",)),
    ("models", ("models",)),
    ("reports", ("report",)),
    ("decks", ("deck",)),
    ("running action", ("action",)),
    ("records and specs", ("store", "cache", "image", "attempts", "schedules", "wire")),
    ("foundation", (FOUNDATION,)),
    ("errors", ("errors",)),
)

# Imports that still break the order, as (importing file, imported module). The goal is an
# empty tuple: each entry names a move still to make (see docs/architecture.md). A fixed
# entry must be removed, or the test fails, so the list only shrinks.
ALLOWED: frozenset[tuple[str, str]] = frozenset({})


@dataclass(frozen=True)
class Import:
    path: str  # relative to the repository root, e.g. "flyte_nb/engine/_context.py"
    line: int
    target: str  # the absolute module name imported, e.g. "flyte_nb.store._queries"
    source_unit: str
    target_unit: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.target}"


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def unit_of(root: Path, module: str) -> str:
    """The package (or facade / foundation) a module ``flyte_nb...`` belongs to."""
    parts = module.split(".")
    if len(parts) == 1:
        return FACADE
    if (root / parts[1]).is_dir():
        return parts[1]
    return FOUNDATION if parts[1] in FOUNDATION_MODULES else FACADE


@functools.cache
def _is_module(root: Path, module: str) -> bool:
    rel = Path(*module.split(".")[1:]) if "." in module else Path()
    return (root / rel).with_suffix(".py").is_file() or (root / rel / "__init__.py").is_file()


def _targets(root: Path, module: str, is_package: bool, node: ast.AST) -> Iterator[str]:
    """The absolute flyte_nb modules one import statement loads."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        origin = ".".join([*base, node.module] if node.module else base)
    else:
        origin = node.module or ""
    if not (origin == FACADE or origin.startswith(FACADE + ".")):
        return
    submodules = [
        f"{origin}.{a.name}" for a in node.names if _is_module(root, f"{origin}.{a.name}")
    ]
    # ``from flyte_nb import _config`` loads the package's __init__ too, but only for the
    # submodule: count the package itself only when a name is not a submodule.
    if len(submodules) < len(node.names):
        yield origin
    yield from submodules


@functools.cache
def imports_of(root: Path) -> tuple[Import, ...]:
    """Every import of a flyte_nb module by a module of another unit, anywhere in a file."""
    return tuple(_walk(root))


def _walk(root: Path) -> Iterator[Import]:
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        module = _module_name(root, path)
        unit = unit_of(root, module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _targets(root, module, path.name == "__init__.py", node):
                if target != FACADE and not target.startswith(FACADE + "."):
                    continue
                target_unit = unit_of(root, target)
                if target_unit != unit:
                    rel = path.relative_to(root.parent).as_posix()
                    yield Import(rel, node.lineno, target, unit, target_unit)


def units_of(root: Path) -> set[str]:
    units = {FACADE}
    for path in root.rglob("*.py"):
        if "__pycache__" not in path.parts:
            units.add(unit_of(root, _module_name(root, path)))
    return units


def layer_index(layers: Iterable[tuple[str, tuple[str, ...]]]) -> dict[str, int]:
    return {unit: i for i, (_, units) in enumerate(layers) for unit in units}


def violations(
    found: Iterable[Import], layers: Iterable[tuple[str, tuple[str, ...]]]
) -> list[Import]:
    """The imports that point to the importer's own layer or one above it."""
    index = layer_index(layers)
    return [i for i in found if index[i.target_unit] <= index[i.source_unit]]


def cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components with more than one unit (Tarjan, iterative)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
        graph.setdefault(b, set())
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in order:
            continue
        work = [(start, iter(sorted(graph[start])))]
        order[start] = low[start] = len(order)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == order[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in order:
                order[child] = low[child] = len(order)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], order[child])
    return found


def _describe(bad: Iterable[Import]) -> str:
    index = layer_index(LAYERS)
    names = [name for name, _ in LAYERS]
    lines = []
    for i in bad:
        way = "across" if index[i.target_unit] == index[i.source_unit] else "up"
        lines.append(
            f"  {i}  [{i.source_unit} ({names[index[i.source_unit]]}) -> "
            f"{i.target_unit} ({names[index[i.target_unit]]}): points {way}]"
        )
    return "\n".join(lines)


# -- the rule, on flyte_nb ------------------------------------------------------------------


def test_every_package_has_a_layer() -> None:
    placed = layer_index(LAYERS)
    unplaced = sorted(units_of(PACKAGE) - placed.keys())
    assert unplaced == [], (
        f"packages with no layer: {unplaced}; add each to LAYERS in "
        "tests/test_import_layers.py and to docs/architecture.md"
    )
    assert len(placed) == sum(len(units) for _, units in LAYERS), "a package is in two layers"


def test_no_import_points_up_or_across() -> None:
    bad = [i for i in violations(imports_of(PACKAGE), LAYERS) if (i.path, i.target) not in ALLOWED]
    assert bad == [], (
        "imports that point up or across the layers of docs/architecture.md "
        "(move the code, or invert the dependency with a hook):\n" + _describe(bad)
    )


def test_the_allow_list_only_names_imports_that_still_break_the_order() -> None:
    still = {(i.path, i.target) for i in violations(imports_of(PACKAGE), LAYERS)}
    stale = sorted(ALLOWED - still)
    assert stale == [], f"fixed: remove these from ALLOWED in tests/test_import_layers.py: {stale}"


def test_the_package_graph_has_no_cycle_but_through_an_allowed_import() -> None:
    edges = [
        (i.source_unit, i.target_unit)
        for i in imports_of(PACKAGE)
        if (i.path, i.target) not in ALLOWED
    ]
    assert cycles(edges) == []


# -- the walk itself, on a made-up package --------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "flyte_nb" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "flyte_nb"


def test_the_walk_sees_imports_in_functions_type_checking_relative_and_the_facade(
    tmp_path: Path,
) -> None:
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "_config.py": "",
            "low/__init__.py": "from .. import _config\n",
            "low/_a.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from ..high import Thing\n"
                "def f():\n"
                "    from ..mid._b import g\n"
                "    import flyte_nb\n"
                "    import json\n"
            ),
            "mid/__init__.py": "",
            "mid/_b.py": "from flyte_nb.low import _a\nfrom . import _c\n",
            "mid/_c.py": "",
            "high/__init__.py": "class Thing: ...\n",
        },
    )
    found = {(i.path, i.target, i.source_unit, i.target_unit) for i in imports_of(root)}
    assert found == {
        ("flyte_nb/low/__init__.py", "flyte_nb._config", "low", FOUNDATION),
        ("flyte_nb/low/_a.py", "flyte_nb.high", "low", "high"),
        ("flyte_nb/low/_a.py", "flyte_nb.mid._b", "low", "mid"),
        ("flyte_nb/low/_a.py", "flyte_nb", "low", FACADE),
        ("flyte_nb/mid/_b.py", "flyte_nb.low._a", "mid", "low"),
    }
    layers = (
        ("facade", (FACADE,)),
        ("top", ("high", "mid")),
        ("bottom", ("low",)),
        ("foundation", (FOUNDATION,)),
    )
    bad = sorted({(i.path, i.target) for i in violations(imports_of(root), layers)})
    assert bad == [
        ("flyte_nb/low/_a.py", "flyte_nb"),
        ("flyte_nb/low/_a.py", "flyte_nb.high"),
        ("flyte_nb/low/_a.py", "flyte_nb.mid._b"),
    ]
    edges = [(i.source_unit, i.target_unit) for i in imports_of(root)]
    assert cycles(edges) == [["low", "mid"]]
    assert cycles([("a", "b"), ("b", "c")]) == []


def main() -> int:
    found = list(imports_of(PACKAGE))
    edges: dict[tuple[str, str], int] = defaultdict(int)
    for i in found:
        edges[(i.source_unit, i.target_unit)] += 1
    for (a, b), n in sorted(edges.items()):
        print(f"{a} -> {b}: {n}")
    unplaced = sorted(units_of(PACKAGE) - layer_index(LAYERS).keys())
    if unplaced:
        print(f"packages with no layer: {unplaced}")
        return 1
    bad = violations(found, LAYERS)
    print(f"\n{len(bad)} imports point up or across ({len(ALLOWED)} allowed):")
    print(_describe(bad))
    for component in cycles(edges):
        print("cycle:", " ".join(component))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
