"""Actors: ``ActorEnvironment`` (warm, reused worker processes) and ``actor_cache``.

``_environment`` holds the environment and its ``@actor.task`` decorator; ``_cache`` the
per-process memo. The backend's side (replica pools, batched dispatch, TTL scale-down) is
``flyte_nb/backend/_actors.py``; in the kernel actor tasks run like any task.
"""

from ._cache import actor_cache
from ._environment import DEFAULT_TTL_SECONDS, ActorEnvironment

__all__ = ["DEFAULT_TTL_SECONDS", "ActorEnvironment", "actor_cache"]
