"""Secrets: the local store (``flyte-nb secrets set/list/delete``) and how tasks receive them.

``_store`` keeps values in files only you can read under ``<home>/secrets/``; ``_inject``
exposes the secrets a task asks for (``secrets=``/``secret_requests=``) while it runs, as
environment variables or mounted files, and masks their values in captured logs. In the
kernel the engine resolves them (environment first, then the store); on the backend the
server resolves them and hands the values to the worker with the job, never to the records.
A task whose secret is not set fails before its body starts, with ``SecretNotFoundError``.

Names resolve lazily (PEP 562): a backend worker imports ``_mask`` at start to mask its
output, and must not pay for the task model (``tasks._secret``) before its first job
(issue 17; ``tests/test_backend_imports.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr

if TYPE_CHECKING:
    from ..exceptions import SecretNotFoundError
    from ..tasks._secret import MountType, Secret
    from ._inject import injected, redact, require, resolve_all, resolve_values, task_scope
    from ._store import SecretsStore

_LAZY = {
    "MountType": "..tasks._secret",
    "Secret": "..tasks._secret",
    "SecretNotFoundError": "..exceptions",
    "SecretsStore": "._store",
    "injected": "._inject",
    "redact": "._inject",
    "require": "._inject",
    "resolve_all": "._inject",
    "resolve_values": "._inject",
    "task_scope": "._inject",
}

__all__ = [
    "MountType",
    "Secret",
    "SecretNotFoundError",
    "SecretsStore",
    "injected",
    "redact",
    "require",
    "resolve_all",
    "resolve_values",
    "task_scope",
]

__getattr__ = lazy_getattr(__name__, _LAZY)
