"""Settings for the server and the client: defaults, precedence (arguments, then the
environment, then ``config.toml`` in the home folder) and errors that name where a bad value
came from. No process is started: ``load_server_config``/``load_client_config`` are read
directly (the daemon that uses them: ``test_server_daemon.py``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from flyte_nb.client._settings import (
    ClientConfig,
    load_client_config,
    load_server_config,
    read_or_create_token,
)
from flyte_nb.exceptions import FlyteValidationException

SETTINGS_ENV = [
    *("FLYTE_NB_SERVER_HOST", "FLYTE_NB_SERVER_PORT", "FLYTE_NB_DB_URL", "FLYTE_NB_BLOB_URL"),
    *("FLYTE_NB_WORKERS", "FLYTE_NB_MAX_BODY_BYTES", "FLYTE_NB_ALLOW_REMOTE"),
    *("FLYTE_NB_SERVER_LOG_LEVEL", "FLYTE_NB_ENDPOINT", "FLYTE_NB_TOKEN", "FLYTE_NB_PROJECT"),
    *("FLYTE_NB_DOMAIN", "FLYTE_NB_INTERACTIVE"),
]


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """A home folder of its own."""
    home = tmp_path / "fresh"
    home.mkdir()
    return home


def test_defaults(fresh: Path) -> None:
    config = load_server_config(fresh)
    assert config.home == fresh.resolve()
    assert (config.host, config.port, config.allow_remote) == ("127.0.0.1", 0, False)
    assert config.db_url == f"sqlite:///{fresh.resolve() / 'flyte_nb.db'}"
    assert config.blob_url == str(fresh.resolve() / "blobs")
    assert config.workers == (os.cpu_count() or 1)
    assert config.max_body_bytes == 64 * 1024 * 1024
    assert config.log_level == "warning"
    assert config.token == read_or_create_token(fresh)
    client = load_client_config(fresh)
    assert client == ClientConfig(
        endpoint=None,
        token=None,
        project="default",
        domain="development",
        interactive_mode=None,
        bundle_size_limit=100 * 1024 * 1024,
    )


def test_arguments_beat_environment_beat_config_file(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (fresh / "config.toml").write_text(
        '[server]\nport = 1111\nworkers = 3\nblob_url = "b"\nlog_level = "INFO"\n'
        'db_url = "sqlite:////tmp/x.db"\n'
        '[client]\nproject = "from-file"\ndomain = "staging"\nbundle_size_limit = 1024\n'
    )
    monkeypatch.setenv("FLYTE_NB_SERVER_PORT", "2222")
    monkeypatch.setenv("FLYTE_NB_WORKERS", "5")
    monkeypatch.setenv("FLYTE_NB_PROJECT", "from-env")
    monkeypatch.setenv("FLYTE_NB_INTERACTIVE", "yes")
    monkeypatch.setenv("FLYTE_NB_ENDPOINT", "http://127.0.0.1:8000/")
    config = load_server_config(fresh, port=3333)
    assert (config.port, config.workers, config.log_level) == (3333, 5, "info")
    assert config.blob_url == str(fresh.resolve() / "b")  # relative to home
    assert config.db_url == "sqlite:////tmp/x.db"
    assert load_server_config(fresh).port == 2222
    monkeypatch.setenv("FLYTE_NB_SERVER_PORT", "")  # empty counts as unset
    assert load_server_config(fresh, port=None).port == 1111  # None means "not given"
    client = load_client_config(fresh, domain="production")
    assert client == ClientConfig(
        endpoint="http://127.0.0.1:8000",
        token=None,
        project="from-env",
        domain="production",
        interactive_mode=True,
        bundle_size_limit=1024,
    )


@pytest.mark.parametrize(
    ("kind", "where", "value", "message"),
    [
        ("server", "arg", {"port": 70000}, "argument port=: port must be an integer in 0..65535"),
        ("server", "arg", {"workers": 0}, "argument workers=: workers must be an integer >= 1"),
        ("server", "arg", {"log_level": "loud"}, "log_level must be one of critical"),
        ("server", "arg", {"db_url": "flyte.db"}, "db_url must be a SQLAlchemy URL"),
        ("server", "arg", {"prot": 1}, "unknown setting(s) ['prot']"),
        (
            "server",
            "env",
            {"FLYTE_NB_SERVER_PORT": "eighty"},
            "environment variable FLYTE_NB_SERVER_PORT: port must be an integer",
        ),
        (
            "server",
            "env",
            {"FLYTE_NB_WORKERS": "-2"},
            "environment variable FLYTE_NB_WORKERS: workers must be an integer >= 1",
        ),
        (
            "server",
            "env",
            {"FLYTE_NB_ALLOW_REMOTE": "maybe"},
            "environment variable FLYTE_NB_ALLOW_REMOTE: allow_remote must be true or false",
        ),
        ("server", "env", {"FLYTE_NB_MAX_BODY_BYTES": "0"}, "max_body_bytes must be a byte"),
        ("server", "file", "[server]\nport = -1\n", "[server] port: port must be an integer"),
        ("server", "file", "[server]\nworkers = true\n", "[server] workers: workers must be"),
        ("server", "file", "[server]\nprot = 8000\n", "unknown key(s) ['prot'] in [server]"),
        ("server", "file", "[server\nport = 1\n", "cannot read config file"),
        ("server", "file", "server = 3\n", "[server] must be a table"),
        ("client", "arg", {"endpoint": "ftp://host"}, "endpoint must be http(s)://host[:port]"),
        ("client", "arg", {"endpoint": "http://h:99999"}, "endpoint must be http(s)://"),
        ("client", "arg", {"endpoint": "http://h/api"}, "endpoint must be http(s)://"),
        ("client", "arg", {"bundle_size_limit": 0}, "bundle_size_limit must be a byte count"),
        (
            "client",
            "env",
            {"FLYTE_NB_PROJECT": "My Project"},
            "environment variable FLYTE_NB_PROJECT: project must be 1-63 lowercase",
        ),
        ("client", "env", {"FLYTE_NB_TOKEN": "two words"}, "FLYTE_NB_TOKEN: token must be"),
        ("client", "env", {"FLYTE_NB_INTERACTIVE": "sometimes"}, "FLYTE_NB_INTERACTIVE"),
        ("client", "file", '[client]\ndomain = "Prod"\n', "[client] domain: domain must be"),
    ],
)
def test_bad_settings_name_their_source(
    fresh: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    where: str,
    value: Any,
    message: str,
) -> None:
    overrides: dict[str, Any] = {}
    if where == "arg":
        overrides = value
    elif where == "env":
        for name, text in value.items():
            monkeypatch.setenv(name, text)
    else:
        (fresh / "config.toml").write_text(value)
    load = load_server_config if kind == "server" else load_client_config
    with pytest.raises(FlyteValidationException) as caught:
        load(fresh, **overrides)
    text = str(caught.value)
    assert message in text
    if where == "file":
        assert str(fresh / "config.toml") in text


def test_a_token_file_others_can_read_is_refused(fresh: Path) -> None:
    token = read_or_create_token(fresh)
    (fresh / "server.token").chmod(0o644)
    with pytest.raises(FlyteValidationException, match=r"readable by other users \(mode 0644\)"):
        load_server_config(fresh)
    (fresh / "server.token").chmod(0o600)
    assert read_or_create_token(fresh) == token
