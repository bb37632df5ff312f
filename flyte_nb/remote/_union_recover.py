"""``UnionRemote.recover``: flytekit's ``FlyteRemote.recover`` on the durable-runs machinery.

A recovered execution is a new run that reuses every action of the old one that succeeded
(by its deterministic name and inputs, traces included) and runs only what failed or never
ran (``flyte_nb/durable/_recover.py`` says how). Here it goes through the ``UnionRemote``'s
own backend, which may not be the session ``fl.recover`` would use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._run import Run
from ._union_models import UnionExecution, invalid

if TYPE_CHECKING:
    from ..client import BackendClient

__all__ = ["RecoverMethods"]


class RecoverMethods:
    """Mixed into ``UnionRemote``; relies on its ``client`` and execution helpers."""

    if TYPE_CHECKING:

        @property
        def client(self) -> BackendClient: ...

        def _execution(self, method: str, execution: Any) -> UnionExecution: ...

        @staticmethod
        def _wrap(view: dict[str, Any], client: BackendClient) -> UnionExecution: ...

    def recover(
        self,
        execution: UnionExecution | Run,
        name: str | None = None,
        env_vars: dict[str, str] | None = None,
    ) -> UnionExecution:
        """A new execution that reuses what ``execution`` finished and runs only the rest.

        ``execution`` must have ended (a failed or aborted one is the usual case); ``name``
        names the new execution, ``env_vars`` are added to the old one's.
        """
        m = "recover"
        ex = self._execution(m, execution)
        if name is not None and (not isinstance(name, str) or not name):
            raise invalid(m, f"name must be a run name or None, got {name!r}")
        if env_vars is not None and not (
            isinstance(env_vars, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in env_vars.items())
        ):
            raise invalid(m, f"env_vars must be a dict of strings, got {env_vars!r}")
        view = self.client.recover_run(ex.run.name, {"name": name, "env_vars": env_vars or {}})
        return self._wrap(view, self.client)
