"""Shared by the backend tests: a real server process per test module, and waiting helpers."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")


def wait_for_file(path: Path, timeout: float = 20.0) -> str:
    wait_for(lambda: path.exists() and path.read_text().strip(), timeout, f"{path}")
    return path.read_text().strip()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def http(info: object) -> httpx.Client:
    url, token = info.url, info.token  # type: ignore[attr-defined]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@contextlib.contextmanager
def running_server(home: Path, **overrides: Any) -> Iterator[Any]:
    """A real backend server for ``home`` (two workers unless overridden), always stopped."""
    from flyte_nb.client import _daemon

    info = _daemon.ensure_server(home, **{"workers": 2, **overrides})
    try:
        yield info
    finally:
        _daemon.stop(home)
