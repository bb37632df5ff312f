"""Where a task would run: the container image (``ImageSpec``) and the pod (``PodTemplate``).

``_spec`` names an image by its content (a deterministic tag) with immutable ``with_*``
builders; ``_dockerfile`` renders the Dockerfile that builds it; ``_registry`` asks an OCI
registry whether the image exists (httpx, None when it cannot tell); ``_pod`` validates and
hashes a Kubernetes pod template. On this machine tasks run in the kernel or in backend
workers, so these are recorded with tasks (and used by ``ContainerTask`` for its image)
rather than built or scheduled here.
"""

from ._dockerfile import render as render_dockerfile
from ._flyte2 import Image
from ._pod import PodTemplate
from ._registry import manifest_exists
from ._spec import ImageSpec

__all__ = ["Image", "ImageSpec", "PodTemplate", "manifest_exists", "render_dockerfile"]
