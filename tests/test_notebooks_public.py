"""Tutorials teach only public names: a newcomer copies what a notebook shows.

Every ``import``/``from ... import`` in the tutorial notebooks, and every dotted
``flyte_nb``/``fl`` attribute path, must avoid underscore-prefixed (private) parts.
"""

from __future__ import annotations

import ast
import json
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
    code = "from flyte_nb.server import _daemon\nimport flyte_nb\nflyte_nb.server._daemon.stop()"
    assert len(_private_uses(ast.parse(code))) == 2
