"""The local secrets store and its CLI; secrets reaching tasks (env var or mounted file) in the
kernel and on a real backend; a missing secret failing before the task starts; and the value
absent from every record, log and blob afterwards."""

from __future__ import annotations

import asyncio
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb.cli import main as cli
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteValidationException, SecretNotFoundError
from flyte_nb.secrets import MountType, Secret, SecretsStore, injected, redact

VALUE = "sk-test-5f3a9c1e7d"  # what must never reach a record
env = fl.TaskEnvironment("secret-tasks", secrets=[Secret(group="openai", key="api_key")])
files = fl.TaskEnvironment(
    "secret-files",
    secrets=[Secret(key="cert", mount_requirement=MountType.FILE, env_var="CERT_PATH")],
)
needy = fl.TaskEnvironment("secret-needy", secrets=["never_set"])
plain = fl.TaskEnvironment("secret-plain")


@env.task
def use_secret(marker: str) -> int:
    value = os.environ["FLYTE_NB_SECRET_OPENAI_API_KEY"]
    assert Secret(group="openai", key="api_key").resolve() == value
    print(f"calling the API with {value}")  # masked in the recorded logs
    Path(marker).write_text("ran")
    return len(value)


@files.task
def read_mounted() -> list[str]:
    path = Path(os.environ["CERT_PATH"])
    mode = stat.S_IMODE(path.stat().st_mode)
    folder = os.environ["FLYTE_NB_SECRETS_DIR"]
    return [path.read_text(), oct(mode), str(path.parent == Path(folder)), folder]


@needy.task
def needs_missing(marker: str) -> int:
    Path(marker).write_text("ran")  # must never happen
    return 1


@plain.task
async def parent_of_missing(marker: str) -> str:
    try:
        await needs_missing.aio(marker)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "no error"


@plain.task
def env_after() -> str | None:
    return os.environ.get("FLYTE_NB_SECRET_OPENAI_API_KEY")


# -- the store -----------------------------------------------------------------------------------
def test_store_set_get_list_delete(tmp_path: Path) -> None:
    store = SecretsStore(tmp_path)
    assert store.list() == []
    assert store.set("api_key", VALUE, group="openai") == Secret(group="openai", key="api_key")
    store.set("token", "t0k3n")
    store.set("token", "t0k3n-2")  # replaced
    assert store.get("api_key", group="openai") == VALUE
    assert store.get("token") == "t0k3n-2"
    assert store.get("absent") is None
    assert store.list() == [Secret(group="openai", key="api_key"), Secret(key="token")]
    assert Secret(group="openai", key="api_key").resolve(tmp_path) == VALUE
    root = tmp_path / "secrets"
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "openai").stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "openai" / "api_key").stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "token").stat().st_mode) == 0o600
    assert store.delete("api_key", group="openai")
    assert not store.delete("api_key", group="openai")
    assert not (root / "openai").exists()
    assert store.list() == [Secret(key="token")]


def test_store_tightens_a_readable_folder(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir(mode=0o755)
    (tmp_path / "secrets").chmod(0o755)
    SecretsStore(tmp_path).set("k", "v1")
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("key", "value", "group", "fragment"),
    [
        ("", "v", None, "a secret needs a key"),
        ("has space", "v", None, "names may only use letters"),
        ("k", "v", "../up", "names may only use letters"),
        ("k", "", None, "must be a non-empty string"),
        ("k", 5, None, "must be a non-empty string"),
        ("k", "a\0b", None, "without NUL"),
        ("k", "line\n", None, "ends with a newline"),
    ],
)
def test_store_refuses_bad_input(
    tmp_path: Path, key: str, value: object, group: str | None, fragment: str
) -> None:
    with pytest.raises(FlyteValidationException) as info:
        SecretsStore(tmp_path).set(key, value, group=group)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_cli_never_prints_values(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(VALUE + "\n"))
    assert cli(["secrets", "set", "api_key", "--group", "openai"]) == 0
    assert cli(["secrets", "set", "token", "--value", "t0k3n"]) == 0
    assert cli(["secrets", "list"]) == 0
    out = capsys.readouterr().out
    assert "openai" in out
    assert "FLYTE_NB_SECRET_OPENAI_API_KEY" in out
    assert "token" in out
    assert VALUE not in out
    assert "t0k3n" not in out
    assert SecretsStore(home).get("api_key", group="openai") == VALUE  # stdin, newline dropped
    assert cli(["secrets", "delete", "token"]) == 0
    assert cli(["secrets", "delete", "token"]) == 1
    assert "no secret token is stored" in capsys.readouterr().err
    assert cli(["secrets", "set", "bad key", "--value", "x"]) == 1


# -- injection -----------------------------------------------------------------------------------
def test_injected_restores_and_redacts(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = Secret(key="k", env_var="MY_SECRET")
    monkeypatch.setenv("MY_SECRET", "before")
    with injected([secret], ["inner-value"], "here"):
        with injected([secret], ["inner-value"], "here"):  # held twice
            assert os.environ["MY_SECRET"] == "inner-value"
        assert os.environ["MY_SECRET"] == "inner-value"
        assert redact("x inner-value y") == "x [secret] y"
    assert os.environ["MY_SECRET"] == "before"
    assert redact("x inner-value y") == "x inner-value y"
    with (
        pytest.raises(SecretNotFoundError, match="flyte-nb secrets set k"),
        injected([secret], [None], "Task 't'"),
    ):
        pass


def _leaks(home: Path) -> list[str]:
    """Every file under ``home`` holding the value, except the store that keeps it."""
    found = []
    for path in home.rglob("*"):
        stored = path.relative_to(home).parts[0] == "secrets"
        if path.is_file() and not stored and VALUE.encode() in path.read_bytes():
            found.append(str(path))
    return found


def test_local_mode_injects_and_never_records(home: Path, tmp_path: Path) -> None:
    SecretsStore(home).set("api_key", VALUE, group="openai")
    SecretsStore(home).set("cert", "-----BEGIN CERT-----")
    run = fl.run(use_secret, str(tmp_path / "m"))
    assert run.outputs() == len(VALUE)
    assert "calling the API with [secret]" in run.logs()
    assert fl.run(env_after).outputs() is None  # gone once the task ended
    content, mode, inside, folder = fl.run(read_mounted).outputs()
    assert (content, mode, inside) == ("-----BEGIN CERT-----", "0o600", "True")
    assert not Path(folder).exists()  # the mounted folder is removed afterwards
    fl.remote.Run.get(run.name).actions()  # everything flushed
    assert _leaks(home) == []


def test_missing_secret_fails_before_the_task_starts(tmp_path: Path) -> None:
    marker = tmp_path / "m"
    with pytest.raises(SecretNotFoundError, match=r"'never_set'.*flyte-nb secrets set never_set"):
        fl.run(needs_missing, str(marker))
    out = fl.run(parent_of_missing, str(marker)).outputs()
    assert out.startswith("SecretNotFoundError")
    assert "flyte-nb secrets set never_set" in out
    assert not marker.exists()


# -- the backend ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("secrets-home")
    SecretsStore(home).set("api_key", VALUE, group="openai")
    SecretsStore(home).set("cert", "-----BEGIN CERT-----")
    with running_server(home) as info:
        yield home, info


def test_backend_injects_and_never_records(
    server: tuple[Path, _daemon.ServerInfo], home: Path, tmp_path: Path
) -> None:
    fl.init(home=server[0])
    run = fl.run(use_secret, str(tmp_path / "m")).wait(timeout=60)
    assert run.outputs() == len(VALUE)
    assert "calling the API with [secret]" in run.logs()
    content, mode, inside, _ = fl.run(read_mounted).wait(timeout=60).outputs()
    assert (content, mode, inside) == ("-----BEGIN CERT-----", "0o600", "True")
    assert fl.run(env_after).wait(timeout=60).outputs() is None  # not left in the worker
    assert _leaks(server[0]) == []


def test_backend_missing_secret(
    server: tuple[Path, _daemon.ServerInfo], home: Path, tmp_path: Path
) -> None:
    fl.init(home=server[0])
    marker = tmp_path / "m"
    with pytest.raises(SecretNotFoundError, match="flyte-nb secrets set never_set"):
        fl.run(needs_missing, str(marker))  # refused before the run exists
    run = fl.run(parent_of_missing, str(marker)).wait(timeout=60)
    assert "SecretNotFoundError" in run.outputs()
    child = next(a for a in run.actions() if a.parent is not None)
    assert child.phase == "FAILED"
    assert child.attempts == 0
    assert not marker.exists()


def test_concurrent_tasks_share_one_variable(home: Path, tmp_path: Path) -> None:
    SecretsStore(home).set("api_key", VALUE, group="openai")

    @plain.task
    async def many(n: int) -> list[int]:
        return list(
            await asyncio.gather(*[use_secret.aio(str(tmp_path / str(i))) for i in range(n)])
        )

    assert fl.run(many, 4).outputs() == [len(VALUE)] * 4
    assert "FLYTE_NB_SECRET_OPENAI_API_KEY" not in os.environ
