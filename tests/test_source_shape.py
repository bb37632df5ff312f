"""The house rules on source shape that no linter checks: modules stay under 500 lines by
being split by concept, never by compacting code that the formatter is told to leave alone.

``# fmt: skip`` / ``# fmt: off`` let a module look shorter than it is and make every edit
near them hand-formatted; they are banned in the package, the tests and the benchmarks
(``benchmarks/.peers`` holds other projects' installed code and is not ours).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 500
_MARKER = re.compile(r"#\s*fmt:\s*(skip|off)\b")


def _ours(*folders: str) -> list[Path]:
    files = []
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "__pycache__" in parts or ".peers" in parts:
                continue
            files.append(path)
    return files


def test_no_formatter_escapes() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _ours("flyte_nb", "tests", "benchmarks")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _MARKER.search(line) and path != Path(__file__).resolve()
    ]
    assert found == [], "format these lines instead (split the module by concept if it grows):"


def test_package_modules_stay_under_the_size_limit() -> None:
    too_big = {
        str(path.relative_to(ROOT)): count
        for path in _ours("flyte_nb")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_big == {}, f"split these by concept (limit {MAX_LINES} lines)"
