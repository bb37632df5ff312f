"""The two backend stacks the backend tests run against, each started for real.

- ``sqlite-local``: the embedded default, a SQLite file under the home and local workers.
- ``postgres-ray``: a PostgreSQL database (a fresh one in the session's private cluster,
  ``_postgres.py``) and the Ray executor on the session's private Ray cluster (``_ray.py``).

A module opts in by parametrizing its module-scoped server fixture with ``STACKS`` and
passing ``stack_settings(request)`` to ``running_server``: its tests then run once per
stack, one server at a time, and the clusters are started only when a ``postgres-ray``
test is collected to run (``request.getfixturevalue``).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from _postgres import create_database

STACKS = ["sqlite-local", "postgres-ray"]


def stack_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Server settings for the stack ``request.param`` names."""
    if request.param == "sqlite-local":
        return {}
    assert request.param == "postgres-ray", request.param
    postgres_url = request.getfixturevalue("postgres_url")
    return {
        "db_url": create_database(postgres_url, f"s{uuid.uuid4().hex[:12]}"),
        "executor": "ray",
        "ray_address": request.getfixturevalue("ray_address"),
    }
