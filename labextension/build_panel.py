"""The wheel build's hook for the JupyterLab panel (pyproject's ``jupyter-builder`` section).

The panel is JavaScript, built by ``jlpm`` from this folder, which needs Node.js >= 20 and
the npm registry. The SDK and the backend need neither, so an install from source on a
machine without Node must still succeed: this hook builds the panel when Node is there and
otherwise leaves it out, saying so in one line (``flyte-nb demo`` and the Jupyter server
extension repeat that line at run time, since pip hides a build's output). A wheel built
where Node was present carries the built panel and needs no Node to install.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parent / "flyte_nb" / "labextension"
ENSURED = ("static/style.js", "package.json")
NOT_BUILT = (
    "flyte_nb: the JupyterLab panel was not built ({why}); the SDK and backend work without "
    "it. To add it, install Node.js >= 20 (with npm registry access) and reinstall flyte_nb."
)


def _node_problem() -> str | None:
    """Why Node cannot build the panel here, or None when it can."""
    node = shutil.which("node")
    if node is None:
        return "Node.js >= 20 is not installed"
    try:
        version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
        major = int(version.lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return "`node --version` failed"
    return None if major >= 20 else f"Node.js {version} is older than 20"


def build(target_name: str, version: str, **kwargs: Any) -> None:
    """Build the panel with hatch-jupyter-builder's npm builder, or skip it without Node."""
    problem = _node_problem()
    if problem is not None:
        # hatch's shared-data wants the folder; an empty one installs no extension.
        OUTPUT.mkdir(parents=True, exist_ok=True)
        print(NOT_BUILT.format(why=problem), file=sys.stderr, flush=True)
        return
    from hatch_jupyter_builder import npm_builder

    npm_builder(target_name, version, **kwargs)
    missing = [t for t in ENSURED if not (OUTPUT / t).exists()]
    if missing:
        raise RuntimeError(f"the panel build finished without {', '.join(missing)} in {OUTPUT}")
