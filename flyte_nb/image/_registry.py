"""Does a registry hold ``name:tag``? The OCI distribution API's manifest endpoint, with httpx.

``HEAD /v2/<repository>/manifests/<tag>`` answers 200 (it exists) or 404 (it does not). A
401 carries a challenge: ``Bearer realm=...,service=...`` is the token flow most registries
use (Docker Hub, GHCR, ...): fetch a pull token from the realm (anonymously, or with the
credentials in ``registry_config``, a Docker ``config.json``), then ask again; ``Basic``
means send the credentials directly. Anything else (no answer, a refusal, a server error, a
redirect loop) is "cannot tell": ``None``, never an exception, because callers use the answer
to decide whether to build, and a build is the safe choice.

Registries on ``localhost``/``127.0.0.1``/``[::1]`` are spoken to over plain HTTP, as Docker
does for local registries; every other over HTTPS. No registry means Docker Hub
(``registry-1.docker.io``, with ``library/`` in front of a bare name).
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

__all__ = ["manifest_exists", "registry_url"]

TIMEOUT = 5.0
ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
_LOCAL = ("localhost", "127.0.0.1", "[::1]")
_PARAM = re.compile(r'(\w+)="([^"]*)"')


def registry_url(registry: str | None, name: str) -> tuple[str, str, str]:
    """(base URL, host as written, repository path) for ``name`` in ``registry``."""
    if not registry or registry in ("docker.io", "index.docker.io"):
        repo = name if "/" in name else f"library/{name}"
        return "https://registry-1.docker.io", "docker.io", repo
    host, _, path = registry.partition("/")
    repo = f"{path}/{name}" if path else name
    scheme = "http" if host.split(":")[0] in _LOCAL or host.startswith("[::1]") else "https"
    return f"{scheme}://{host}", host, repo


def _credentials(config: str | None, host: str) -> tuple[str, str] | None:
    """(user, password) for ``host`` from a Docker ``config.json`` (``auths.<host>.auth``)."""
    if not config:
        return None
    try:
        auths = json.loads(Path(config).expanduser().read_text()).get("auths", {})
    except (OSError, ValueError, AttributeError):
        return None
    for key in (host, f"https://{host}", f"http://{host}", f"https://{host}/v1/"):
        entry = auths.get(key)
        if isinstance(entry, dict) and isinstance(entry.get("auth"), str):
            try:
                user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
            except ValueError:
                return None
            return user, password
    return None


def _token(client: Any, challenge: str, repo: str, creds: tuple[str, str] | None) -> str | None:
    params = dict(_PARAM.findall(challenge))
    realm = params.pop("realm", None)
    if not realm:
        return None
    params.setdefault("scope", f"repository:{repo}:pull")
    response = client.get(realm, params=params, auth=creds)
    if response.status_code != 200:
        return None
    body = response.json()
    token = body.get("token") or body.get("access_token")
    return token if isinstance(token, str) else None


def manifest_exists(
    registry: str | None, name: str, tag: str, registry_config: str | None = None
) -> bool | None:
    """True / False when the registry says so, None when it cannot tell."""
    import httpx

    base, host, repo = registry_url(registry, name)
    url = f"{base}/v2/{repo}/manifests/{tag}"
    creds = _credentials(registry_config, host)
    headers = {"Accept": ACCEPT}
    try:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as client:
            response = client.head(url, headers=headers)
            if response.status_code == 401:
                challenge = response.headers.get("www-authenticate", "")
                scheme = challenge.split(" ", 1)[0].lower()
                if scheme == "bearer":
                    token = _token(client, challenge, repo, creds)
                    if token is None:
                        return None
                    headers["Authorization"] = f"Bearer {token}"
                    response = client.head(url, headers=headers)
                elif scheme == "basic" and creds is not None:
                    response = client.head(url, headers=headers, auth=creds)
    except (httpx.HTTPError, OSError, ValueError):
        return None
    if response.status_code == 200:
        return True
    if response.status_code == 404:
        return False
    return None
