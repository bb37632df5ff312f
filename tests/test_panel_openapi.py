"""The panel's TypeScript types follow the backend's OpenAPI document, and the package
wires the panel into Jupyter: generated files up to date, hooks and config consistent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import flyte_nb.jupyter as panel

REPO = Path(__file__).resolve().parent.parent


def test_generated_api_types_match_the_backend_openapi() -> None:
    """``labextension/openapi.json`` and ``src/api.ts`` are what the app generates now.

    When this fails, a backend model or route changed: run
    ``python labextension/scripts/gen_api.py``, then rebuild the panel (the TypeScript
    compiler points at any view the change breaks)."""
    proc = subprocess.run(
        [sys.executable, "labextension/scripts/gen_api.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_package_points_jupyter_at_the_panel() -> None:
    package = json.loads((REPO / "labextension" / "package.json").read_text())
    assert package["jupyterlab"]["outputDir"] == "../flyte_nb/labextension"
    (paths,) = panel._jupyter_labextension_paths()
    assert paths == {"src": "labextension", "dest": package["name"]}
    (point,) = panel._jupyter_server_extension_points()
    config = json.loads((REPO / "jupyter-config/server-config/flyte_nb.json").read_text())
    assert config["ServerApp"]["jpserver_extensions"] == {point["module"]: True}
    schema = json.loads((REPO / "labextension/schema/plugin.json").read_text())
    assert set(schema["properties"]) == {"refreshInterval", "backendEndpoint"}


def test_the_panel_sources_are_formatted() -> None:
    """prettier's style (labextension/package.json): run ``jlpm format`` in labextension/."""
    prettier = REPO / "labextension" / "node_modules" / ".bin" / "prettier"
    assert prettier.exists(), "run `jlpm install` in labextension/ (pip install -e . does)"
    proc = subprocess.run(
        [str(prettier), "--check", "src/**/*.ts", "style/*.css", "schema/*.json"],
        cwd=REPO / "labextension",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
