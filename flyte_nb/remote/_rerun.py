"""``Run.rerun``: the panel's Re-run from a notebook, on the same backend route.

The backend starts the new run from the old one's stored code reference, options and
inputs (``backend/_rerun.py``, shared with recoveries); edited inputs are plain JSON
values checked there against the task's interface, so a notebook and the panel get the
same rules and the same messages. To pass a value JSON cannot carry (a file, a
dataframe, an object), run the task again with ``fl.run``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException

if TYPE_CHECKING:
    from ._handles import Run

__all__ = ["rerun"]


def rerun(
    run: Run,
    *,
    name: str | None = None,
    inputs: dict[str, Any] | None = None,
    env_vars: dict[str, str] | None = None,
) -> Run:
    """Start ``run`` again on its backend; ``inputs`` replaces some of its inputs."""
    from ..client import connect, current
    from ._handles import Run
    from ._sources import RemoteSource

    if run.mode != "backend":
        raise FlyteValidationException(
            f"run {run.name!r} ran in this kernel; only backend runs start again from their "
            "records. Run the task again with fl.run(...)"
        )
    if name is not None and (not isinstance(name, str) or not name):
        raise FlyteValidationException(f"Run.rerun(name=...) takes a run name, got {name!r}")
    if inputs is not None and not (
        isinstance(inputs, dict) and all(isinstance(k, str) for k in inputs)
    ):
        raise FlyteValidationException(
            f"Run.rerun(inputs=...) takes a dict of input name -> new value, got {inputs!r}; "
            "e.g. run.rerun(inputs={'n': 3})"
        )
    if env_vars is not None and not (
        isinstance(env_vars, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in env_vars.items())
    ):
        raise FlyteValidationException(
            f"Run.rerun(env_vars=...) takes a dict of strings, got {env_vars!r}"
        )
    source = run._source
    client = source.client if isinstance(source, RemoteSource) else (current() or connect()).client
    view = client.rerun_run(
        run.name, {"name": name, "inputs": inputs or {}, "env_vars": env_vars or {}}
    )
    return Run(view, source=RemoteSource(client))
