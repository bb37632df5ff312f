"""A throwaway PostgreSQL server for tests: its own cluster in a temporary folder.

Why it looks like this:
- A private cluster (``initdb`` + ``pg_ctl``), not the machine's ``main`` cluster: tests
  never depend on, or leave anything in, a database somebody else uses, and several test
  sessions can run at once on their own ports.
- It listens on a unix socket in the cluster folder only (``listen_addresses=''``): nothing
  on the network can reach it, and no password is needed (``trust`` for local sockets).
- ``initdb`` refuses to run as root, and CI containers run as root: then every server
  command runs as the ``postgres`` OS user (created by the Debian package), which owns
  the folder.
- Missing binaries *fail* the tests that need them, with the command that installs them:
  CI installs PostgreSQL (``.ci/run``), so a skip would only hide a broken setup.
- ``pg_ctl stop -m immediate`` in a ``finally``: the server never outlives the tests, and
  an immediate stop takes milliseconds (the data is thrown away anyway).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin; "
    "install them with `apt-get install -y postgresql` (.ci/run does this)"
)


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's ``bin`` folder, or None."""
    versions = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    versions.sort(key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0)
    if versions:
        return versions[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def postgres_server(dbname: str = "flyte_nb") -> Iterator[str]:
    """Start a private PostgreSQL, create ``dbname``, yield its SQLAlchemy URL; always stop."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    user = "postgres" if as_root else None
    # Short path: a unix socket path must stay under ~100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="fnbpg-", dir="/tmp"))
    data = folder / "data"
    if as_root:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()

    def run(*args: str) -> None:
        out = subprocess.run(
            [*prefix, *args], capture_output=True, text=True, timeout=60, check=False
        )
        if out.returncode != 0:
            message = f"{' '.join(args)} failed ({out.returncode}):\n{out.stdout}{out.stderr}"
            raise RuntimeError(message)

    started = False
    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            user or _me(),
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        options = (
            f"-p {port} -k {folder} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        started = True
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "log"),
            "-w",
            "-t",
            "30",
            "start",
        )
        run(str(bin_dir / "createdb"), "-h", str(folder), "-p", str(port), dbname)
        yield f"postgresql+psycopg://{user or _me()}@/{dbname}?host={folder}&port={port}"
    finally:
        if started:
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "stop", "-m", "immediate"],
                capture_output=True,
                timeout=30,
                check=False,
            )
        shutil.rmtree(folder, ignore_errors=True)


def create_database(url: str, name: str) -> str:
    """Create database ``name`` on ``url``'s server; return its URL (same user, socket)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return sa.make_url(url).set(database=name).render_as_string(hide_password=False)


def _me() -> str:
    import getpass

    return getpass.getuser()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A session-wide private PostgreSQL database (see the module doc)."""
    with postgres_server() as url:
        yield url
