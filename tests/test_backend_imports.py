"""What a backend worker imports when it starts: every worker pays it, under load many times.

Since the gates work, ``flyte_nb.backend`` imported ``_service`` eagerly, which pulls in
SQLAlchemy through the gates' signal store: a worker started in 0.24-0.33 s and 41 MB
instead of 0.08-0.12 s and 25 MB (issue 17). The package's names are lazy now; this test
holds the line in a fresh interpreter, the way ``backend/_pool.py`` starts a worker
(``python -m flyte_nb.backend._worker`` imports the package, then the module).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "fastapi", "uvicorn", "pydantic", "alembic", "flyte_nb.backend._service")
# What runs a job, imported on a worker's first job (``backend/_worker_job.py``): a worker
# that imported these at start (asyncio, ssl through it, the engine) was ready in 0.19 s
# on a loaded 2-core machine (0.06-0.09 s without), and an idle one 26 MiB instead of 18.
JOB_ONLY = (
    "asyncio",
    "ssl",
    "concurrent.futures",
    "flyte_nb.backend._worker_job",
    "flyte_nb.engine",
    "flyte_nb.types",
    "flyte_nb.tasks",
    "flyte_nb.bundle",
    "flyte_nb.cache",
    "flyte_nb.secrets._inject",
    "cloudpickle",
    "sqlite3",
)


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_a_worker_starts_without_the_service_or_sqlalchemy() -> None:
    loaded = _modules_after("import flyte_nb.backend._worker")
    assert "flyte_nb.backend._worker" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY) == []


def test_a_worker_starts_without_what_runs_a_job() -> None:
    loaded = _modules_after("import flyte_nb.backend._worker")
    packages = tuple(f"{m}." for m in JOB_ONLY)
    assert sorted(m for m in loaded if m in JOB_ONLY or m.startswith(packages)) == []
    # ... and gets it from the job module, which the first job imports
    loaded = _modules_after("import flyte_nb.backend._worker_job")
    assert {"asyncio", "flyte_nb.engine", "flyte_nb.types", "flyte_nb.tasks"} <= loaded


def test_the_package_names_still_resolve() -> None:
    loaded = _modules_after("from flyte_nb.backend import Backend, BackendError, Views")
    assert "sqlalchemy" in loaded  # the service itself needs it, and gets it on first use
    import flyte_nb.backend as backend

    assert backend.BackendError.__name__ == "BackendError"
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = backend.Nope  # type: ignore[attr-defined]
