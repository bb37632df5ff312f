"""The seed's ``ContainerTask`` members from flytekit's task classes: the execute path
(``execute``, ``dispatch_execute``, ``local_execute``, ``pre_execute``/``post_execute``,
``sandbox_execute``), the serialization getters and the descriptive properties.

Decisions:

* flytekit passes literal maps and a ``FlyteContext`` around; values here are Python
  values, so ``dispatch_execute`` takes a dict of input name to value and returns a dict of
  output name to value, and every ``ctx``/``settings`` argument is accepted and unused.
* ``execute(**kwargs)`` runs the container right here (the task body, no run record);
  ``local_execute``/``sandbox_execute``/``compile`` go through the task call, so they record
  a run, or add a node when called while a workflow is compiled, as a plain call does.
* The getters describe what our runtime uses: ``get_container`` the container spec,
  ``get_k8s_pod`` the pod template given (None without one), ``get_extended_resources`` the
  GPU and shared-memory settings; ``get_sql`` and ``get_custom`` are None, as flytekit's
  are for a container task.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException

if TYPE_CHECKING:
    from ..models import NativeInterface
    from ._runtime import ContainerSpec
    from ._task import ContainerTask

__all__ = ["ContainerTaskSeedMethods"]


def _t(mixin: object) -> ContainerTask:
    return mixin  # type: ignore[return-value]


class ContainerTaskSeedMethods:
    """Mixed into ``ContainerTask``."""

    # -- running -----------------------------------------------------------------------------
    def execute(self, **kwargs: Any) -> Any:
        """Run the container with these inputs here and return its outputs (no run record)."""
        t = _t(self)
        missing = sorted(set(t.input_types) - set(kwargs))
        unknown = sorted(set(kwargs) - set(t.input_types))
        if missing or unknown:
            raise FlyteValidationException(
                f"ContainerTask {t.name!r}.execute: inputs are {sorted(t.input_types)}; "
                f"missing {missing}, unknown {unknown}"
            )
        return t.func(**kwargs)

    def dispatch_execute(self, ctx: Any, input_literal_map: dict[str, Any]) -> dict[str, Any]:
        """Inputs by name in, outputs by name out (``o0``-style names are the declared
        output names here), around ``pre_execute``/``execute``/``post_execute``."""
        t = _t(self)
        if not isinstance(input_literal_map, dict):
            raise FlyteValidationException(
                f"ContainerTask {t.name!r}.dispatch_execute: input_literal_map must be a dict "
                f"of input name to value, got {input_literal_map!r}"
            )
        params = self.pre_execute(None)
        result = self.post_execute(params, self.execute(**input_literal_map))
        names = list(t.container.outputs)
        if not names:
            return {}
        if len(names) == 1:
            return {names[0]: result}
        return dict(zip(names, result, strict=True))

    def sandbox_execute(self, ctx: Any, input_literal_map: dict[str, Any]) -> dict[str, Any]:
        return self.dispatch_execute(ctx, input_literal_map)

    def local_execute(self, ctx: Any, **kwargs: Any) -> Any:
        """A call of the task, as ``task(**kwargs)`` (a run, or a node in a workflow)."""
        return _t(self)(**kwargs)

    def compile(self, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """The task called while a workflow is compiled: a node (a call otherwise)."""
        return _t(self)(*args, **kwargs)

    def pre_execute(self, user_params: Any) -> Any:
        """Called before ``execute``; returns ``user_params`` unchanged (override to alter)."""
        return user_params

    def post_execute(self, user_params: Any, rval: Any) -> Any:
        """Called after ``execute``; returns ``rval`` unchanged (override to alter)."""
        return rval

    def local_execution_mode(self) -> str:
        """flytekit's ``ExecutionState.Mode`` for a local task run, by name."""
        return "LOCAL_TASK_EXECUTION"

    def construct_node_metadata(self) -> dict[str, Any]:
        t = _t(self)
        timeout = t.timeout
        return {
            "name": t.name,
            "retries": t.retries.count if t.retries else 0,
            "timeout": timeout,
            "interruptible": None,
        }

    # -- what it is ----------------------------------------------------------------------------
    def get_input_types(self) -> dict[str, Any]:
        return dict(_t(self).input_types)

    def get_type_for_input_var(self, k: str, v: Any = None) -> Any:
        types = _t(self).input_types
        if k not in types:
            raise FlyteValidationException(f"no input {k!r}; inputs are {sorted(types)}")
        return types[k]

    def get_type_for_output_var(self, k: str, v: Any = None) -> Any:
        outputs = _t(self).container.outputs
        if k not in outputs:
            raise FlyteValidationException(f"no output {k!r}; outputs are {sorted(outputs)}")
        return outputs[k]

    def get_container(self, settings: Any = None) -> ContainerSpec:
        """What runs: image, command, arguments, data folders, metadata format, limits."""
        return _t(self).container

    def get_k8s_pod(self, settings: Any = None) -> Any:
        return _t(self).union_settings.get("pod_template")

    def get_config(self, settings: Any = None) -> dict[str, str] | None:
        """flytekit names the primary container when a pod template is given; else None."""
        pod = _t(self).union_settings.get("pod_template")
        name = getattr(pod, "primary_container_name", None) if pod is not None else None
        return {"primary_container_name": name} if name else None

    def get_custom(self, settings: Any = None) -> dict[str, Any] | None:
        return None

    def get_sql(self, settings: Any = None) -> None:
        return None

    def get_extended_resources(self, settings: Any = None) -> dict[str, Any] | None:
        """The GPU and shared-memory settings (None when neither is set)."""
        res = _t(self).resources
        if res is None:
            return None
        picked = {k: v for k, v in res.to_dict().items() if k in ("gpu", "shm")}
        return picked or None

    def find_lhs(self) -> str:
        """The module-level variable this task is assigned to (flytekit's "lhs")."""
        t = _t(self)
        module = sys.modules.get(self.instantiated_in)
        for key, value in vars(module).items() if module is not None else ():
            if value is t:
                return key
        raise FlyteValidationException(
            f"ContainerTask {t.name!r} is not assigned to a variable of module "
            f"{self.instantiated_in!r}; assign it at module level (greet = ContainerTask(...))"
        )

    @property
    def lhs(self) -> str:
        return self.find_lhs()

    @property
    def instantiated_in(self) -> str:
        """The module the task was defined in."""
        return str(_t(self).func.__module__)

    @property
    def location(self) -> str:
        """``<module>.<variable>``, where flytekit would import the task from."""
        return f"{self.instantiated_in}.{self.find_lhs()}"

    @property
    def python_interface(self) -> NativeInterface:
        return _t(self).interface

    @property
    def task_type(self) -> str:
        return "raw-container"

    @property
    def task_type_version(self) -> int:
        return 0

    @property
    def disable_deck(self) -> bool:
        return not _t(self).enable_deck

    @property
    def environment(self) -> dict[str, str]:
        """Environment variables the container gets (besides secrets)."""
        return dict(_t(self).env_vars)

    @property
    def metadata(self) -> dict[str, Any]:
        """flytekit's ``TaskMetadata`` fields that apply: cache, retries, timeout."""
        t = _t(self)
        return {"cache": t.cache, "retries": t.retries, "timeout": t.timeout}

    @property
    def security_context(self) -> dict[str, Any] | None:
        """The secrets the task asks for (None without any)."""
        secrets = _t(self).secrets
        return {"secrets": list(secrets)} if secrets else None
