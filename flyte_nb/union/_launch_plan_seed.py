"""The seed's ``LaunchPlan`` members beyond what ``_launch_plan.py`` defines: its interfaces,
``saved_inputs``, the cloud-only settings read back (always None here, since they are
refused when set) and ``parameters=`` as a constructor argument.

``parameters`` is flytekit's ``ParameterMap``: every input a caller may pass with its
default. Here it is what ``LaunchPlan.parameters`` returns (name to
``LaunchPlanParameter``), or a plain dict of name to default value; either becomes the
plan's default inputs, so ``LaunchPlan(name, wf, parameters=lp.parameters)`` round-trips.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..exceptions import FlyteValidationException

if TYPE_CHECKING:
    from ..models import NativeInterface
    from ._launch_plan import LaunchPlan

__all__ = ["LaunchPlanSeedMethods", "defaults_from_parameters"]


def defaults_from_parameters(
    where: str, parameters: Any, default_inputs: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    """The default inputs ``parameters`` stands for (see the module docstring)."""
    from ._launch_plan import LaunchPlanParameter

    if parameters is None:
        return default_inputs
    if default_inputs is not None:
        raise FlyteValidationException(
            f"{where}: give the defaults once, as parameters= or as default_inputs="
        )
    if not isinstance(parameters, Mapping) or not all(isinstance(k, str) for k in parameters):
        raise FlyteValidationException(
            f"{where}: parameters must be a dict of input name to default value (or what "
            f"LaunchPlan.parameters returns), got {parameters!r}"
        )
    out: dict[str, Any] = {}
    for key, p in parameters.items():
        if isinstance(p, LaunchPlanParameter):
            if not p.required:
                out[key] = p.default
        else:
            out[key] = p
    return out


def _lp(mixin: object) -> LaunchPlan:
    return mixin  # type: ignore[return-value]


class LaunchPlanSeedMethods:
    """Mixed into ``LaunchPlan``."""

    @property
    def interface(self) -> NativeInterface:
        """The workflow's interface: what the plan runs and what it returns."""
        return _lp(self).workflow.interface

    @property
    def python_interface(self) -> NativeInterface:
        """flytekit's name for the same interface (Python types, not literal types)."""
        return _lp(self).workflow.interface

    @property
    def saved_inputs(self) -> dict[str, Any]:
        """The plan's default and fixed inputs together, as Python values."""
        lp = _lp(self)
        return {**lp.default_inputs, **lp.fixed_inputs}

    @property
    def raw_output_data_config(self) -> None:
        """Union's output location override; never set here (outputs go to the blob store)."""
        return None

    @property
    def security_context(self) -> None:
        """Union's run-as identity; never set here (runs run as the backend's user)."""
        return None

    @property
    def trigger(self) -> None:
        """Union's artifact trigger; never set here (schedules use ``schedule=``)."""
        return None

    def construct_node_metadata(self) -> dict[str, Any]:
        """The node settings a workflow gives this plan's node: its name, no retries,
        timeout or interruptible override."""
        return {"name": _lp(self).name, "retries": 0, "timeout": None, "interruptible": None}
