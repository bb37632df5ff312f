"""``UnionRemote``'s seed constructors and the parts of the seed that concern a hosted
Union service.

Decisions:

* ``for_endpoint`` connects to a flyte_nb backend at that URL (token from ``token=`` or
  ``FLYTE_NB_TOKEN``); ``for_sandbox`` and ``auto`` mean this machine's backend (``auto``
  follows ``FLYTE_NB_ENDPOINT``/``FLYTE_NB_TOKEN`` when set, as ``fl.init()`` does).
* ``config`` is the connection the remote uses (endpoint, project, domain, home), and
  ``context`` the session behind every call; ``file_access`` moves files in and out of the
  backend's blob store, which is what flytekit's file access provider does for a cluster.
* ``generate_console_http_domain`` is the backend's address: the JupyterLab panel (our
  console) reads that same backend, and ``generate_console_url`` links into it.
* gRPC channels, per-service clients, API keys and protobuf registration have no meaning
  without Union's service: they raise ``NotAvailableHereError``, which says what to use.
"""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..._unavailable import not_available_here
from ...exceptions import NotAvailableHereError
from ._args import arg, invalid, required
from ._base import RemoteBase, as_remote

if TYPE_CHECKING:
    from ...client import Session
    from ._remote import UnionRemote

__all__ = ["BlobAccess", "HostedMethods", "RemoteConfig"]

_NO_GRPC = "the Union SDK's gRPC channels and service clients exist only for a Union service"
_USE_CLIENT = "remote.client (flyte_nb's HTTP client) or the UnionRemote methods"


@dataclass(frozen=True)
class RemoteConfig:
    """Where a ``UnionRemote`` sends its calls (the seed's ``config``)."""

    endpoint: str
    project: str
    domain: str
    home: str


class BlobAccess:
    """The backend's blob store seen as flytekit's file access provider."""

    def __init__(self, remote: UnionRemote) -> None:
        self._remote = remote

    def put_data(self, local_path: str | os.PathLike[str], remote_path: str | None = None) -> str:
        """Upload a file; returns its ``flyte-nb://blobs/<sha256>`` URI (content-addressed,
        so ``remote_path`` is only accepted for flytekit's signature)."""
        return self._remote.upload_file(pathlib.Path(local_path))[1]

    def get_data(
        self, remote_path: str, local_path: str | os.PathLike[str], is_multipart: bool = False
    ) -> pathlib.Path:
        """Download a blob URI to ``local_path``."""
        return self._remote.download(remote_path, local_path)


def _check_kwargs(method: str, kwargs: dict[str, Any], allowed: tuple[str, ...]) -> None:
    extra = sorted(set(kwargs) - set(allowed))
    if extra:
        raise invalid(
            method,
            f"unexpected arguments {extra}: these are Union client options "
            f"(gRPC, auth) with no meaning here; accepted: {list(allowed)}",
        )


class HostedMethods(RemoteBase):
    """Part of ``UnionRemote`` (``_remote.py``)."""

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def for_endpoint(
        cls,
        endpoint: str,
        insecure: bool = False,
        data_config: Any = None,
        config_file: str | None = None,
        default_project: str | None = None,
        default_domain: str | None = None,
        data_upload_location: str | None = None,
        interactive_mode_enabled: bool | None = None,
        **kwargs: Any,
    ) -> UnionRemote:
        """A remote for the flyte_nb backend at ``endpoint`` (``http(s)://host:port``; a bare
        ``host:port`` gets ``http://`` when ``insecure`` else ``https://``). The token comes
        from ``token=`` or ``FLYTE_NB_TOKEN``."""
        from ._remote import UnionRemote

        m = "for_endpoint"
        required(m, "endpoint", endpoint, "str", "for_endpoint('http://127.0.0.1:8765')")
        arg(m, "insecure", insecure, "bool")
        for param, value in (("data_config", data_config), ("config_file", config_file)):
            if value is not None:
                raise invalid(
                    m,
                    f"{param} is flytekit configuration, which flyte_nb does not "
                    "read; pass the endpoint and token=, or set FLYTE_NB_TOKEN",
                )
        _check_kwargs(m, kwargs, ("token",))
        if "://" not in endpoint:
            endpoint = ("http://" if insecure else "https://") + endpoint
        return UnionRemote(
            endpoint=endpoint,
            default_project=default_project,
            default_domain=default_domain,
            data_upload_location=data_upload_location,
            interactive_mode_enabled=interactive_mode_enabled,
            token=kwargs.get("token") or os.environ.get("FLYTE_NB_TOKEN"),
        )

    @classmethod
    def for_sandbox(
        cls,
        default_project: str | None = None,
        default_domain: str | None = None,
        data_upload_location: str | None = None,
        interactive_mode_enabled: bool | None = None,
        **kwargs: Any,
    ) -> UnionRemote:
        """A remote for this machine's backend: this home folder's, started if needed, even
        when ``FLYTE_NB_ENDPOINT`` names another one."""
        from ... import _config
        from ...client import connect, current
        from ...client._daemon import ensure_server
        from ._remote import UnionRemote

        _check_kwargs("for_sandbox", kwargs, ())
        info = ensure_server(_config.home())
        session = current()
        if session is None or session.endpoint != info.url.rstrip("/"):
            connect(info.url, token=info.token)
        return UnionRemote(
            None, default_project, default_domain, data_upload_location, interactive_mode_enabled
        )

    @classmethod
    def auto(
        cls,
        config_file: str | None = None,
        default_project: str | None = None,
        default_domain: str | None = None,
        data_upload_location: str | None = None,
        interactive_mode_enabled: bool | None = None,
        **kwargs: Any,
    ) -> UnionRemote:
        """The backend the environment names (``FLYTE_NB_ENDPOINT``/``FLYTE_NB_TOKEN``),
        else this machine's: what ``UnionRemote()`` does."""
        from ._remote import UnionRemote

        if config_file is not None:
            raise invalid(
                "auto",
                "config_file is a flytekit config file, which flyte_nb does "
                "not read; set FLYTE_NB_ENDPOINT and FLYTE_NB_TOKEN instead",
            )
        _check_kwargs("auto", kwargs, ())
        return UnionRemote(
            None, default_project, default_domain, data_upload_location, interactive_mode_enabled
        )

    @classmethod
    @not_available_here(
        "a Union API key encodes a Union tenant's endpoint and OAuth client secret",
        "UnionRemote.for_endpoint('http://host:port', token=...) with the flyte_nb backend's token",
    )
    def from_api_key(
        cls,
        api_key: str,
        default_project: str | None = None,
        default_domain: str | None = None,
        data_upload_location: str | None = None,
        **kwargs: Any,
    ) -> UnionRemote:
        raise AssertionError  # replaced by the decorator

    # -- what the remote uses --------------------------------------------------------------
    @property
    def config(self) -> RemoteConfig:
        from ... import _config

        s = as_remote(self)._session()
        return RemoteConfig(s.endpoint, s.project, s.domain, str(_config.home()))

    @property
    def context(self) -> Session:
        """The session (endpoint, project, domain, HTTP client) behind every call."""
        return as_remote(self)._session()

    @property
    def file_access(self) -> BlobAccess:
        return BlobAccess(as_remote(self))

    def generate_console_http_domain(self) -> str:
        """The backend's address, which the JupyterLab panel (the console here) reads."""
        return as_remote(self).endpoint

    def get_extra_headers_for_protocol(self, native_url: str) -> dict[str, str]:
        """Headers a plain HTTP client needs to read ``native_url``: the token for this
        backend's own URLs, none for anything else (as flytekit gives none for s3/gs)."""
        required("get_extra_headers_for_protocol", "native_url", native_url, "str", "'http://..'")
        if native_url.startswith(as_remote(self).endpoint):
            return {"Authorization": as_remote(self).client._http.headers["Authorization"]}
        return {}

    # -- hosted only -----------------------------------------------------------------------
    @not_available_here(_NO_GRPC, _USE_CLIENT)
    def async_channel(self) -> Any:
        raise AssertionError

    @not_available_here(
        "raw_register takes flytekit's compiled protobuf entities, which flyte_nb never builds",
        "register_task / register_workflow / register_launch_plan with the Python entity",
    )
    def raw_register(
        self,
        cp_entity: Any,
        settings: Any,
        version: str,
        create_default_launchplan: bool = True,
        options: Any = None,
        og_entity: Any = None,
    ) -> Any:
        raise AssertionError

    @not_available_here(
        "flyte_nb workflow nodes are actions that run tasks; no node refers to a launch plan",
        "find_launch_plan(LaunchPlanId(...)) or fetch_launch_plan(name=...)",
    )
    def find_launch_plan_for_node(self, node: Any, node_launch_plans: Any = None) -> Any:
        raise AssertionError


def _hosted_property(name: str) -> property:
    def get(self: Any) -> Any:
        raise NotAvailableHereError(f"UnionRemote.{name}: {_NO_GRPC}. Instead: {_USE_CLIENT}")

    get.__flyte_nb_unavailable__ = True  # type: ignore[attr-defined]
    get.__doc__ = f"Union's {name}: not available here (raises NotAvailableHereError)."
    return property(get)


for _name in (
    "apps_service_client",
    "artifacts_client",
    "authorizer_service_client",
    "hooks_async_client",
    "hooks_sync_client",
    "images_client",
    "secret_client",
    "sync_channel",
    "user_service_client",
    "users_client",
):
    setattr(HostedMethods, _name, _hosted_property(_name))
