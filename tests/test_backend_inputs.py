"""Bad input to the backend's SDK entry points: one clear error each, and nothing started."""

from __future__ import annotations

from pathlib import Path

import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb.exceptions import (
    BackendAuthError,
    BackendUnavailableError,
    FlyteValidationException,
)

bi = fl.TaskEnvironment("bi")


@bi.task
def one() -> int:
    return 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"endpoint": "ftp://example.com"}, "endpoint"),
        ({"endpoint": "http://127.0.0.1:9"}, "token"),
        ({"project": "Not A Project!"}, "project"),
        ({"domain": ""}, "domain"),
        ({"local": "yes"}, "local"),
        ({"home": 42}, "home"),
        ({"bundle_size_limit": -5}, "bundle_size_limit"),
    ],
)
def test_init_rejects_bad_settings(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(FlyteValidationException, match=match):
        fl.init(**kwargs)  # type: ignore[arg-type]


def test_init_says_how_to_start_a_backend_that_does_not_answer() -> None:
    with pytest.raises(BackendUnavailableError, match="flyte-nb server start"):
        fl.init(endpoint="http://127.0.0.1:9", token="t")


def test_a_wrong_token_is_refused_clearly(tmp_path: Path) -> None:
    with running_server(tmp_path / "h") as info:
        with pytest.raises(BackendAuthError, match="token"):
            fl.init(endpoint=info.url, token="not-the-token")
        fl.init(endpoint=info.url, token=info.token)
        assert fl.run(one).wait(timeout=30).outputs() == 1


def test_run_context_and_handles_reject_bad_input() -> None:
    with pytest.raises(FlyteValidationException, match="mode must be one of"):
        fl.with_runcontext(mode="cloud")  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="unknown filter 'color'"):
        fl.remote.Run.listall(color="red")
    run = fl.with_runcontext(mode="local").run(one)
    with pytest.raises(FlyteValidationException, match="reason must be a str"):
        run.abort(reason=3)  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="needs a run name"):
        fl.remote.Run.get("")
