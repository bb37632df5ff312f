from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.tasks._secret import MountType, Secret, normalize_secrets


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FLYTE_NB_HOME", str(tmp_path))
    for name in ("FLYTE_NB_SECRET_OPENAI_API_KEY", "FLYTE_NB_SECRET_API_KEY", "MY_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_construction_and_defaults() -> None:
    s = Secret(group="openai", key="api_key")
    assert s.mount_requirement is MountType.ANY
    assert s.group_version is None
    assert s.env_var is None
    assert Secret(key="k").group is None
    assert Secret(group="g").key is None
    assert not s.is_empty
    assert hash(s) == hash(Secret(group="openai", key="api_key"))
    assert pickle.loads(pickle.dumps(s)) == s


def test_mount_requirement_accepts_names_and_values() -> None:
    assert Secret(key="k", mount_requirement="env_var").mount_requirement is MountType.ENV_VAR  # type: ignore[arg-type]
    assert Secret(key="k", mount_requirement=2).mount_requirement is MountType.FILE  # type: ignore[arg-type]
    assert [m.value for m in MountType] == [0, 1, 2]


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({}, ["needs a key or a group", 'Secret(group="openai", key="api_key")']),
        ({"group_version": "v1"}, ["needs a key or a group"]),
        ({"key": "has space"}, ["key='has space'", "letters, digits"]),
        ({"key": ""}, ["key=''", "letters, digits"]),
        ({"group": "a/b"}, ["group='a/b'", "letters, digits"]),
        ({"key": ".."}, ["key='..'", "cannot be '.' or '..'"]),
        ({"key": "k", "group_version": "v 1"}, ["group_version='v 1'"]),
        ({"key": 5}, ["key=5", "letters, digits"]),
        (
            {"key": "k", "env_var": "1BAD"},
            ["env_var='1BAD'", "environment variable", "OPENAI_API_KEY"],
        ),
        ({"key": "k", "env_var": "A-B"}, ["env_var='A-B'"]),
        (
            {"key": "k", "mount_requirement": "disk"},
            ["mount_requirement='disk'", "MountType.ENV_VAR"],
        ),
        ({"key": "k", "mount_requirement": 7}, ["mount_requirement=7"]),
    ],
)
def test_bad_inputs(kwargs: dict[str, object], fragments: list[str]) -> None:
    with pytest.raises(FlyteValidationException) as info:
        Secret(**kwargs)  # type: ignore[arg-type]
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_strings() -> None:
    s = Secret(group="openai", key="api_key", env_var="OPENAI_API_KEY")
    assert s.short_string() == "openai/api_key"
    assert Secret(key="k").short_string() == "k"
    assert s.verbose_string() == (
        "Secret(group='openai', key='api_key', group_version=None, "
        "mount_requirement=MountType.ANY, env_var='OPENAI_API_KEY')"
    )
    assert repr(s) == "Secret(group='openai', key='api_key', env_var='OPENAI_API_KEY')"
    assert repr(Secret(key="k", mount_requirement=MountType.FILE)) == (
        "Secret(key='k', mount_requirement=MountType.FILE)"
    )


def test_dict_round_trip_and_stable_serialization() -> None:
    s = Secret(group="g", key="k", group_version="v1", mount_requirement=MountType.FILE)
    d = s.to_dict()
    assert d == {
        "group": "g",
        "key": "k",
        "group_version": "v1",
        "mount_requirement": "FILE",
        "env_var": None,
    }
    assert Secret.from_dict(d) == s
    text = s.serialize_to_string()
    assert text == json.dumps(d, sort_keys=True, separators=(",", ":"))
    assert text == Secret.from_dict(json.loads(text)).serialize_to_string()
    assert Secret.from_dict({"key": "k"}) == Secret(key="k")


def test_from_dict_errors() -> None:
    with pytest.raises(FlyteValidationException, match=r"unknown field\(s\) name"):
        Secret.from_dict({"name": "x"})
    with pytest.raises(FlyteValidationException, match="expects a dict"):
        Secret.from_dict("k")  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="needs a key or a group"):
        Secret.from_dict({})


def test_idl_methods_use_the_dict_form() -> None:
    """The seed's to_flyte_idl/from_flyte_idl, without protobuf: the message's fields."""
    s = Secret(group="g", key="k", mount_requirement=Secret.MountType.FILE, env_var="E")
    assert s.to_flyte_idl() == s.to_dict()
    assert Secret.from_flyte_idl(s.to_flyte_idl()) == s

    class Message:  # shaped like flyteidl's security_pb2.Secret: "" for unset, enum as int
        group, key, group_version, env_var = "g", "k", "", ""
        mount_requirement = 1

    assert Secret.from_flyte_idl(Message()) == Secret(
        group="g", key="k", mount_requirement=Secret.MountType.ENV_VAR
    )
    with pytest.raises(FlyteValidationException, match="from_flyte_idl expects"):
        Secret.from_flyte_idl(42)


def test_normalize_secrets() -> None:
    s = Secret(group="g", key="k")
    assert normalize_secrets(None) == ()
    assert normalize_secrets("api") == (Secret(key="api"),)
    assert normalize_secrets(s) == (s,)
    assert normalize_secrets(["a", s]) == (Secret(key="a"), s)
    assert normalize_secrets(("a",)) == (Secret(key="a"),)
    assert normalize_secrets([]) == ()


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (5, "secrets=5: expected a key string, a Secret, or a list"),
        ({"key": "k"}, "secrets={'key': 'k'}"),
        (["ok", 3], "secrets: item 3 (int) is not a key string or a Secret"),
        ([None], "secrets: item None"),
        ("bad key", "key='bad key'"),
    ],
)
def test_normalize_secrets_errors(value: object, fragment: str) -> None:
    with pytest.raises(FlyteValidationException) as info:
        normalize_secrets(value)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_resolve_absent_is_none() -> None:
    assert Secret(group="openai", key="api_key").resolve() is None


def test_resolve_lookup_order(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Secret(group="openai", key="api-key", env_var="MY_KEY")
    secrets = home / "secrets"
    (secrets / "openai").mkdir(parents=True)
    (secrets / "api-key").write_text("from-key-file\n")
    assert s.resolve() == "from-key-file"
    (secrets / "openai" / "api-key").write_text("from-group-file\n")
    assert s.resolve() == "from-group-file"
    monkeypatch.setenv("FLYTE_NB_SECRET_API_KEY", "from-key-env")
    assert s.resolve() == "from-key-env"
    monkeypatch.setenv("FLYTE_NB_SECRET_OPENAI_API_KEY", "from-group-env")
    assert s.resolve() == "from-group-env"
    monkeypatch.setenv("MY_KEY", "from-env-var")
    assert s.resolve() == "from-env-var"


def test_resolve_key_only_and_group_only(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_NB_SECRET_TOKEN_V2", "t")
    assert Secret(key="token.v2").resolve() == "t"
    (home / "secrets").mkdir()
    (home / "secrets" / "db").write_text("pw")
    assert Secret(group="db").resolve() == "pw"


def test_resolve_default_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLYTE_NB_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    target = tmp_path / ".flyte_nb" / "secrets" / "k"
    target.parent.mkdir(parents=True)
    target.write_text("v\r\n")
    assert Secret(key="k").resolve() == "v"
