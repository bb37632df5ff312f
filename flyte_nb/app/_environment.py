"""``AppEnvironment``: a long-running process (a dashboard, an API) the backend supervises.

Design decisions:

* What runs is ``command + args`` (either may be a list or a shell-like string, split with
  ``shlex``; neither means nothing to run, an error). No shell: an app's command line is
  exactly what was written, and a ``$VAR`` in it stays literal.
* ``port`` is where the app listens, on this machine; the backend's health check is a TCP
  connect to ``127.0.0.1:port``, and a port already taken when the app starts is a clear
  FAILED reason rather than a health check fooled by someone else's server. The app also
  finds its port in ``FLYTE_NB_APP_PORT``.
* ``Scaling(replicas=...)`` is recorded as given. The backend runs one process per app (a
  port serves one process), so a minimum above one is refused here instead of silently
  running fewer; a maximum above one is a cap that one replica never exceeds.
* ``resources`` (``flyte_nb.tasks.Resources``) and ``requires_auth`` are recorded with the
  deployment and shown by the API; the backend does not sit in front of the app, so
  authentication is the app's own business on this machine (see docs/apps.md).
* Validation happens here, at construction, so a deploy never fails for a spelling
  mistake; ``to_spec`` is the JSON the backend deploys from, and ``Parameter.to_spec``
  makes it independent of the caller's working directory except for ``cwd`` itself,
  recorded explicitly: the app runs where the caller stood (as a notebook's files are).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..exceptions import FlyteValidationException
from ..tasks import Resources
from ._parameter import Parameter, check_env_name

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, init=False)
class Scaling:
    """Replica count: an int, or ``(min, max)`` for autoscaling (Flyte's default (0, 1))."""

    replicas: tuple[int, int]

    def __init__(self, replicas: int | tuple[int, int] = (0, 1)) -> None:
        pair: Any = (replicas, replicas) if _int(replicas) else replicas
        if (
            not isinstance(pair, (tuple, list))
            or len(pair) != 2
            or not all(_int(n) and n >= 0 for n in pair)
            or pair[0] > pair[1]
            or pair[1] < 1
        ):
            raise FlyteValidationException(
                f"Scaling: replicas must be an int >= 1 or a (min, max) pair of ints with "
                f"0 <= min <= max and max >= 1, got {replicas!r}; e.g. Scaling(replicas=(0, 1))"
            )
        object.__setattr__(self, "replicas", (int(pair[0]), int(pair[1])))

    def get_replicas(self) -> tuple[int, int]:
        return self.replicas


def _argv_part(value: object, what: str, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise FlyteValidationException(
                f"{where}: cannot split {what} {value!r}: {exc}"
            ) from None
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise FlyteValidationException(
        f"{where}: {what} must be a list of str or a string, got {value!r}; e.g. "
        f"{what}=['python', 'serve.py']"
    )


class AppEnvironment:
    """An app: what to run, on which port, with which parameters.

    app = AppEnvironment(
        name="model-api",
        command=["python", "serve.py"],
        port=8081,
        parameters=[Parameter("model", RunOutput(type="file", task_name="train.fit"),
                              env_var="MODEL_PATH")],
    )
    remote.deploy_app(app)
    """

    def __init__(
        self,
        name: str,
        *,
        command: str | Sequence[str] | None = None,
        args: str | Sequence[str] | None = None,
        port: int = 8080,
        parameters: Sequence[Parameter] = (),
        env_vars: Mapping[str, str] | None = None,
        resources: Resources | None = None,
        scaling: Scaling | None = None,
        requires_auth: bool = True,
        description: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise FlyteValidationException(
                f"AppEnvironment name must be 1-63 lowercase letters, digits or '-', starting "
                f"and ending with a letter or digit, got {name!r}; e.g. "
                "AppEnvironment(name='model-api')"
            )
        where = f"AppEnvironment {name!r}"
        argv = _argv_part(command, "command", where) + _argv_part(args, "args", where)
        if not argv or not argv[0]:
            raise FlyteValidationException(
                f"{where} needs command= (and/or args=): what to run, e.g. "
                "command=['python', '-m', 'http.server', '8080']"
            )
        if not _int(port) or not 1 <= port <= 65535:
            raise FlyteValidationException(
                f"{where}: port must be an int from 1 to 65535, got {port!r}"
            )
        self.name = name
        self.command = command
        self.args = args
        self.argv: list[str] = argv
        self.port: int = port
        self.parameters = _check_parameters(parameters, where)
        self.env_vars = _check_env_vars(env_vars, self.parameters, where)
        if resources is not None and not isinstance(resources, Resources):
            raise FlyteValidationException(
                f"{where}: resources must be a flyte_nb.Resources(...), got {resources!r}"
            )
        self.resources = resources
        if scaling is None:
            scaling = Scaling()
        if not isinstance(scaling, Scaling):
            raise FlyteValidationException(
                f"{where}: scaling must be a Scaling(replicas=...), got {scaling!r}"
            )
        if scaling.replicas[0] > 1:
            raise FlyteValidationException(
                f"{where}: this backend runs one process per app (one port), so it cannot "
                f"keep {scaling.replicas[0]} replicas running; use Scaling(replicas=1) or "
                "(0, 1), or run several apps on different ports"
            )
        self.scaling = scaling
        if not isinstance(requires_auth, bool):
            raise FlyteValidationException(
                f"{where}: requires_auth must be True or False, got {requires_auth!r}"
            )
        self.requires_auth = requires_auth
        if description is not None and not isinstance(description, str):
            raise FlyteValidationException(
                f"{where}: description must be a str, got {description!r}"
            )
        self.description = description

    @property
    def endpoint(self) -> str:
        """Where the app answers once it is ACTIVE."""
        return f"http://127.0.0.1:{self.port}"

    def get_port(self) -> int:
        return self.port

    def to_spec(self) -> dict[str, Any]:
        """The JSON the backend deploys (``POST /api/v1/apps``)."""
        resources = None
        if self.resources is not None:
            resources = {"requests": self.resources.requests(), "limits": self.resources.limits()}
        return {
            "name": self.name,
            "argv": list(self.argv),
            "port": self.port,
            "env": dict(self.env_vars),
            "parameters": [p.to_spec() for p in self.parameters],
            "resources": resources,
            "replicas": list(self.scaling.replicas),
            "requires_auth": self.requires_auth,
            "description": self.description,
            "cwd": os.getcwd(),
        }

    def __repr__(self) -> str:
        return f"AppEnvironment(name={self.name!r}, argv={self.argv!r}, port={self.port})"


def _check_parameters(parameters: object, where: str) -> tuple[Parameter, ...]:
    if not isinstance(parameters, (list, tuple)) or not all(
        isinstance(p, Parameter) for p in parameters
    ):
        raise FlyteValidationException(
            f"{where}: parameters must be a list of Parameter(...), got {parameters!r}"
        )
    names: set[str] = set()
    env_vars: set[str] = set()
    for p in parameters:
        if p.name in names:
            raise FlyteValidationException(f"{where}: two parameters are named {p.name!r}")
        names.add(p.name)
        if p.env_var is not None:
            if p.env_var in env_vars:
                raise FlyteValidationException(
                    f"{where}: two parameters set the env var {p.env_var!r}"
                )
            env_vars.add(p.env_var)
    return tuple(parameters)


def _check_env_vars(
    env_vars: object, parameters: tuple[Parameter, ...], where: str
) -> dict[str, str]:
    if env_vars is None:
        return {}
    if not isinstance(env_vars, Mapping) or not all(isinstance(v, str) for v in env_vars.values()):
        raise FlyteValidationException(
            f"{where}: env_vars must be a dict of str to str, got {env_vars!r}; e.g. "
            "env_vars={'LOG_LEVEL': 'debug'}"
        )
    taken = {p.env_var: p.name for p in parameters if p.env_var}
    for key in env_vars:
        check_env_name(key, f"{where} env_vars")
        if key in taken:
            raise FlyteValidationException(
                f"{where}: env var {key!r} is set by env_vars and by parameter "
                f"{taken[key]!r}; keep one"
            )
    return dict(env_vars)
