"""A real JupyterLab with the flyte_nb panel, and Debian's Chromium, for the panel's browser
tests and benchmark.

The lab loads the panel from this checkout's build (``flyte_nb/labextension``, linked into
a private ``JUPYTER_PATH``, which wins over any installed copy), enables the server
extension explicitly, and keeps its settings, workspaces and runtime files in a temporary
folder, so nothing of the user's Jupyter setup is read or changed. ``overrides`` are lab
settings (plugin id -> values), e.g. the panel's refresh interval.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "flyte_nb" / "labextension"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = REPO / "test-output" / "panel"
"""Screenshots for review (git-ignored)."""

PANEL_ID = "flyte-nb-panel"
PLUGIN = "flyte-nb-panel:plugin"


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path
    root: Path

    def page_url(self, path: str = "lab") -> str:
        return f"{self.url}{path}?token={self.token}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_build() -> None:
    # Not a skip: CI builds it (pip install -e . runs the JS build), and a panel test that
    # silently skips proves nothing.
    assert (BUILD / "package.json").exists(), (
        f"the panel is not built ({BUILD} is missing): run `pip install -e .` or "
        "`jlpm --cwd labextension install && jlpm --cwd labextension build`"
    )
    assert CHROMIUM.exists(), "needs Debian's chromium: apt-get install -y chromium"


def home_env(home: Path, **extra: str) -> dict[str, str]:
    """This environment for a child (a lab, a kernel) using flyte_nb ``home`` from this
    checkout."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "FLYTE_NB_HOME": str(home), "PYTHONPATH": path, **extra}


@contextlib.contextmanager
def jupyter_lab(
    home: Path, overrides: dict[str, dict[str, Any]] | None = None, timeout: float = 90
) -> Iterator[Lab]:
    """JupyterLab on a free loopback port whose server and kernels use flyte_nb ``home``."""
    check_build()
    with tempfile.TemporaryDirectory(prefix="flyte-nb-lab-") as tmp:
        base = Path(tmp)
        share = base / "share"
        (share / "labextensions").mkdir(parents=True)
        (share / "labextensions" / "flyte-nb-panel").symlink_to(BUILD)
        settings = base / "app-settings"
        settings.mkdir()
        (settings / "overrides.json").write_text(
            json.dumps(
                {
                    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
                    **(overrides or {}),
                }
            )
        )
        root = base / "root"
        root.mkdir()
        port, token = _free_port(), "panel-test-token"
        env = home_env(
            home,
            JUPYTER_PATH=str(share),
            JUPYTER_CONFIG_DIR=str(base / "config"),
            JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        )
        args = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            "--ServerApp.ip=127.0.0.1",
            "--allow-root",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.app_settings_dir={settings}",
            f"--LabApp.user_settings_dir={base / 'user-settings'}",
            f"--LabApp.workspaces_dir={base / 'workspaces'}",
            "--ServerApp.jpserver_extensions=flyte_nb.jupyter=True",
        ]
        log = base / "lab.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                args, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"jupyter lab exited:\n{log.read_text()[-4000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}api/status?token={token}", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise AssertionError(f"jupyter lab did not answer:\n{log.read_text()[-4000:]}")
                time.sleep(0.2)
            yield Lab(url, token, proc, log, root)
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright (browser downloads are unreachable here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_panel(page: Any, lab: Lab, path: str = "lab") -> None:
    """Load JupyterLab (at ``path``) and open the panel from the left sidebar.

    The restored layout may show or hide the sidebar while the page settles, so a click is
    repeated until the panel stays visible (a click on a shown panel's tab would hide it).
    """
    page.goto(lab.page_url(path))
    tab = page.locator(f'.jp-SideBar.jp-mod-left [data-id="{PANEL_ID}"]')
    tab.wait_for(timeout=60_000)
    panel = page.locator(".fnb-Panel")
    for _ in range(10):
        try:
            panel.wait_for(state="visible", timeout=3_000)
            return
        except Exception:  # Playwright's TimeoutError: not shown (yet)
            if "lm-mod-current" not in (tab.get_attribute("class") or ""):
                tab.click()
    panel.wait_for(state="visible", timeout=3_000)


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
