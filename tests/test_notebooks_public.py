"""Tutorials teach only public names: a newcomer copies what a notebook shows.

Every ``import``/``from ... import`` in the tutorial notebooks, and every dotted
``flyte_nb``/``fl`` attribute path, must avoid underscore-prefixed (private) parts.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
ALIASES = ("flyte_nb", "fl", "flyte")


def _code(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        # IPython magics and shell escapes are not Python.
        lines.extend(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!")))
    return "\n".join(lines)


def _private_uses(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("flyte_nb"):
            parts = [*(node.module or "").split("."), *(a.name for a in node.names)]
            if any(p.startswith("_") for p in parts):
                found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("flyte_nb")]
            found += [n for n in names if any(p.startswith("_") for p in n.split("."))]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not (node.attr.startswith("__") and node.attr.endswith("__"))
        ):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in ALIASES:
                found.append(ast.unparse(node))
    return found


def test_there_are_tutorials() -> None:
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_tutorials_use_public_names_only(path: Path) -> None:
    assert _private_uses(ast.parse(_code(path))) == []


def test_the_check_sees_private_names() -> None:
    code = "from flyte_nb.client import _daemon\nimport flyte_nb\nflyte_nb.client._daemon.stop()"
    assert len(_private_uses(ast.parse(code))) == 2


def _requirement_names(requirements: list[str]) -> set[str]:
    return {
        re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements
    }


def test_the_notebook_extra_installs_what_the_tutorials_import() -> None:
    """README's first command installs ``.[notebook]``: every tutorial must run after it."""
    project = tomllib.loads((NOTEBOOKS[0].parents[1] / "pyproject.toml").read_text())["project"]
    installed = _requirement_names(project["dependencies"])
    installed |= _requirement_names(project["optional-dependencies"]["notebook"])
    providers = importlib.metadata.packages_distributions()
    missing = set()
    for path in NOTEBOOKS:
        for node in ast.walk(ast.parse(_code(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "flyte_nb":
                    continue
                dists = {d.lower().replace("_", "-") for d in providers.get(top, [top])}
                if not dists & installed and not _pulled_in(dists, installed):
                    missing.add(f"{path.name}: {top}")
    assert sorted(missing) == []


def _pulled_in(dists: set[str], installed: set[str]) -> bool:
    """Whether one of ``dists`` is a dependency of an installed requirement (numpy via pandas)."""
    for name in installed:
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        if dists & _requirement_names([r for r in requires if "extra ==" not in r]):
            return True
    return False
