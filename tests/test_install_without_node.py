"""An install from source on a machine without Node.js still installs the SDK and backend.

The wheel build's panel hook (``labextension/build_panel.py``) is called the way
hatch-jupyter-builder calls it, with a PATH that has no ``node``: it must not fail, must
say in one line that the panel was skipped, and leave the folder hatch's shared-data wants.
``flyte_nb.jupyter.panel_not_built`` then repeats that line at run time (pip hides build
output). The full ``pip install .`` without Node was tried by hand (see README); it needs
the package index, so it is not repeated on every test run.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from flyte_nb import jupyter

HOOK = Path(__file__).resolve().parents[1] / "labextension" / "build_panel.py"


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_panel", HOOK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_panel_build_is_skipped_in_one_line_without_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = _hook()
    output = tmp_path / "flyte_nb" / "labextension"
    monkeypatch.setattr(hook, "OUTPUT", output)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    hook.build("wheel", "standard", path="labextension", build_cmd="build:prod", npm=["jlpm"])
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "panel was not built (Node.js >= 20 is not installed)" in err
    assert "install Node.js >= 20" in err
    assert output.is_dir()


def test_an_old_node_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "bin" / "node"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho v18.19.0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent) + os.pathsep + os.environ["PATH"])
    assert _hook()._node_problem() == "Node.js v18.19.0 is older than 20"


def test_run_time_says_when_the_panel_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    monkeypatch.setattr(jupyter, "__file__", str(tmp_path / "flyte_nb" / "jupyter" / "x.py"))
    message = jupyter.panel_not_built()
    assert message is not None
    assert "reinstall flyte_nb" in message
    built = tmp_path / "share" / "jupyter" / "labextensions" / "flyte-nb-panel"
    built.mkdir(parents=True)
    (built / "package.json").write_text("{}")
    assert jupyter.panel_not_built() is None
