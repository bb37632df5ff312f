"""Container tasks: ``ContainerTask`` runs a command in an image, inputs and outputs passed
through two directories (Flyte's raw-container contract).

``_task`` defines and validates the task; ``_runtime`` runs it, in a container through the
docker or podman CLI when ``FLYTE_NB_CONTAINER_RUNTIME`` names one, otherwise as a plain
process on this machine with the same directory contract (see its docstring).
"""

from ._runtime import ContainerTaskError, runtime_name
from ._task import ContainerTask, MetadataFormat

__all__ = ["ContainerTask", "ContainerTaskError", "MetadataFormat", "runtime_name"]
