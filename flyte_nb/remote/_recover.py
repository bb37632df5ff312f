"""``fl.recover`` and ``Run.recover``: ask the backend for a run that reuses what a finished
run finished (Flyte 2's recover).

The backend decides what is reused (``backend/_recovery.py`` says how); this side checks
the arguments, asks over HTTP and hands back the new run's handle, so it lives with the
handles, below ``durable`` (which exports it as ``flyte_nb.recover``).
"""

from __future__ import annotations

from typing import Any

from ..exceptions import FlyteValidationException


def recover(run: Any, *, name: str | None = None, env_vars: dict[str, str] | None = None) -> Any:
    """Start a new run that reuses everything ``run`` finished and runs only the rest.

    ``run`` is a finished backend run (a ``Run`` or its name). Succeeded task calls and
    traces are reused by their deterministic name and inputs; failed or never-run ones
    execute. ``env_vars`` are added to the old run's (e.g. the fix a flaky step needed).
    Returns the new ``Run``, linked to the old one.
    """
    from ..client import connect, current
    from ..remote._handles import Run
    from ..remote._sources import RemoteSource

    old = run if isinstance(run, str) else getattr(run, "name", None)
    if not isinstance(old, str) or not old:
        raise FlyteValidationException(
            f"recover() takes a Run or a run name, got {run!r}; e.g. fl.recover(run)"
        )
    if getattr(run, "mode", "backend") != "backend":
        raise FlyteValidationException(
            f"run {old!r} ran in this kernel; only backend runs can be recovered (as in "
            "Flyte 2). Run it again with fl.run(...), or on a backend after fl.init()"
        )
    if name is not None and not isinstance(name, str):
        raise FlyteValidationException(f"recover(name=...) takes a run name, got {name!r}")
    if env_vars is not None and (
        not isinstance(env_vars, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in env_vars.items())
    ):
        raise FlyteValidationException(
            f"recover(env_vars=...) takes a dict of strings, got {env_vars!r}; "
            "e.g. env_vars={'FLAKY_OK': '1'}"
        )
    session = current() or connect()
    view = session.client.recover_run(old, {"name": name, "env_vars": env_vars or {}})
    return Run(view, source=RemoteSource(session.client))
