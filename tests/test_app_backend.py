"""Apps on a real backend: real app processes answering HTTP on 127.0.0.1.

One server for the module (its app start-up timeout lowered to 3 s through the
environment, as a user would set it). Each test picks free ports, deploys small Python
HTTP servers (``APP_SCRIPT``) and talks to them with httpx.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _backend_util import alive, http, running_server, wait_for

import flyte_nb as fl
from flyte_nb.app import AppEnvironment, Parameter, RunOutput
from flyte_nb.cli import main as cli
from flyte_nb.client import _daemon
from flyte_nb.exceptions import AppFailedError, FlyteValidationException, RunNotFoundError
from flyte_nb.remote import App

APP_SCRIPT = """
import http.server, json, os
port = int(os.environ["FLYTE_NB_APP_PORT"])
print("starting on", port, flush=True)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/model":
            with open(os.environ["MODEL_PATH"], "rb") as f:
                body = f.read()
        else:
            body = json.dumps({
                "pid": os.getpid(),
                "parameters": json.loads(os.environ["FLYTE_NB_APP_PARAMETERS"]),
                "greeting": os.environ.get("GREETING"),
                "token": os.environ.get("FLYTE_NB_TOKEN"),
            }).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        print("served", self.path, flush=True)

http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""

appenv = fl.TaskEnvironment("appenv")


@appenv.task
def train(folder: str, text: str) -> Path:
    path = Path(folder) / f"model-{text}.txt"
    path.write_text(text)
    return path


@appenv.task
def label(text: str) -> str:
    return text


@appenv.task
def stored_model(text: str) -> fl.FlyteFile:
    path = Path(fl.current_context().run_base_dir or ".") / "stored.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return fl.FlyteFile(str(path))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any, Path]]:
    home = tmp_path_factory.mktemp("apps-home")
    script = tmp_path_factory.mktemp("apps-code") / "serve.py"
    script.write_text(APP_SCRIPT)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FLYTE_NB_APP_STARTUP_TIMEOUT", "3")
        with running_server(home, workers=1) as info:
            yield home, info, script


@pytest.fixture
def remote(server: tuple[Path, Any, Path]) -> fl.UnionRemote:
    fl.init(home=server[0])
    return fl.UnionRemote()


def serve_app(name: str, script: Path, *params: Parameter, port: int | None = None) -> Any:
    return AppEnvironment(
        name,
        command=[sys.executable, str(script)],
        port=port or free_port(),
        parameters=list(params),
    )


def test_an_app_serves_a_run_output_and_a_redeploy_picks_up_the_new_run(
    server: tuple[Path, Any, Path], remote: fl.UnionRemote, tmp_path: Path
) -> None:
    first = fl.run(train, str(tmp_path), "weights-1").wait(timeout=60)
    model = RunOutput(type="file", task_name="appenv.train")
    app_env = serve_app(
        "model-api",
        server[2],
        Parameter("model", model, env_var="MODEL_PATH", download=True),
        Parameter("greeting", "hello", env_var="GREETING"),
    )
    app = remote.deploy_app(app_env)
    assert app.state == "ACTIVE"
    assert app.endpoint == app_env.endpoint
    assert httpx.get(app.endpoint + "/model").text == "weights-1"
    info = httpx.get(app.endpoint).json()
    assert info["greeting"] == "hello"
    assert info["token"] is None  # the backend's token never reaches an app
    served = info["parameters"]["model"]
    assert Path(served).read_text() == "weights-1"  # a downloaded copy next to the app
    assert served != str(tmp_path / "model-weights-1.txt")
    (model_param, greeting) = app.parameters
    assert (model_param["run"], model_param["task_name"]) == (first.name, "appenv.train")
    assert greeting["run"] is None

    second = fl.run(train, str(tmp_path), "weights-2").wait(timeout=60)
    assert httpx.get(app.endpoint + "/model").text == "weights-1"  # deployed, not live
    app = app.activate()  # redeploy: the RunOutput resolves afresh
    assert app.revision == 2
    assert app.parameters[0]["run"] == second.name
    assert httpx.get(app.endpoint + "/model").text == "weights-2"
    wait_for(lambda: "starting on" in app.logs(revision=2), 10, "the new revision's logs")

    pid = app.pid
    assert pid is not None
    stopped = remote.stop_app("model-api")
    assert stopped.state == "STOPPED"
    assert stopped.reason == "stopped by the user"
    assert not alive(pid)
    assert not answers(app.port)
    assert App.get("model-api").desired_state == "STOPPED"


def test_a_flyte_file_output_reaches_the_app_as_its_own_copy(
    server: tuple[Path, Any, Path], remote: fl.UnionRemote
) -> None:
    run = fl.run(stored_model, "stored-weights").wait(timeout=60)
    assert run.phase == "SUCCEEDED", run.error
    model = RunOutput(type=fl.FlyteFile, task_name="appenv.stored_model")
    param = Parameter("m", model, env_var="MODEL_PATH")
    app = remote.deploy_app(serve_app("stored", server[2], param))
    assert httpx.get(app.endpoint + "/model").text == "stored-weights"
    served = Path(app.parameters[0]["value"])
    assert served.name == "stored.txt"
    assert served.parent.name == "m"  # under the app's own folder, not a scratch folder
    remote.stop_app("stored")


def test_a_killed_app_restarts_then_fails_after_bounded_restarts(
    server: tuple[Path, Any, Path], remote: fl.UnionRemote
) -> None:
    app = remote.deploy_app(serve_app("crashy", server[2]))
    pids = [app.pid]
    for restart in (1, 2, 3):
        os.kill(pids[-1], signal.SIGKILL)
        wait_for(
            lambda: app.refresh().pid not in (None, *pids) and app.is_active(),
            30,
            f"restart {restart}",
        )
        assert app.restarts == restart
        pids.append(app.pid)
        assert httpx.get(app.endpoint).json()["pid"] == app.pid
    os.kill(pids[-1], signal.SIGKILL)
    wait_for(lambda: app.refresh().state == "FAILED", 30, "the app to fail")
    assert app.reason is not None
    assert "killed by SIGKILL" in app.reason
    assert "restarted 3 times" in app.reason
    with pytest.raises(AppFailedError, match="is FAILED: the app process exited"):
        app.watch("activated")
    assert not answers(app.port)


def test_apps_that_cannot_run_fail_with_the_reason(
    server: tuple[Path, Any, Path], remote: fl.UnionRemote
) -> None:
    py = sys.executable
    cases = {
        "missing-cmd": (["no-such-program-xyz"], r"cannot start 'no-such-program-xyz'"),
        "crash-at-start": (
            [py, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"],
            r"exit code 3\) and was restarted 3 times.*last output: 'boom'",
        ),
        "never-listens": ([py, "-c", "import time; time.sleep(60)"], "did not open port"),
    }
    for name, (command, reason) in cases.items():
        with pytest.raises(AppFailedError, match=reason):
            remote.deploy_app(AppEnvironment(name, command=command, port=free_port()))
        assert App.get(name).state == "FAILED"
    missing = Parameter("model", RunOutput(type="file", task_name="appenv.nothing"))
    with pytest.raises(AppFailedError, match="parameter 'model': RunOutput: no succeeded run"):
        remote.deploy_app(serve_app("no-run", server[2], missing))


def test_a_port_in_use_is_a_clear_failure(
    server: tuple[Path, Any, Path], remote: fl.UnionRemote
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(AppFailedError, match=f"port {port} is already in use"):
            remote.deploy_app(serve_app("squatted", server[2], port=port))
    first = remote.deploy_app(serve_app("first", server[2]))
    with pytest.raises(FlyteValidationException, match="used by app 'first'"):
        remote.deploy_app(serve_app("second", server[2], port=first.port))
    remote.stop_app("first")


def test_versions_select_runs_of_the_registered_code(
    server: tuple[Path, Any, Path], remote: fl.UnionRemote
) -> None:
    registered = remote.execute(label, inputs={"text": "from-v1"}, version="v1", wait=True)
    fl.with_runcontext(mode="local").run(label, text="local-newer")
    newest = RunOutput(type="string", task_name="appenv.label")
    assert newest.get() == "local-newer"
    for pinned in (
        RunOutput(type="string", task_name="appenv.label", task_version="v1"),
        RunOutput(type="string", task_name="appenv.label", task_auto_version="latest"),
    ):
        assert pinned.get() == "from-v1"  # kernel runs record no code version
    with pytest.raises(RunNotFoundError, match="no version 'v2'"):
        RunOutput(type="string", task_name="appenv.label", task_version="v2").get()
    current = RunOutput(type="string", task_name="appenv.label", task_auto_version="current")
    app = remote.deploy_app(
        serve_app("versioned", server[2], Parameter("label", current)), version="v1"
    )
    assert app.parameters[0]["value"] == "from-v1"
    assert app.parameters[0]["run"] == registered.id.name
    assert app.version == "v1"
    remote.stop_app("versioned")
    with pytest.raises(AppFailedError, match="deployed with"):
        remote.deploy_app(serve_app("unversioned", server[2], Parameter("label", current)))


def test_the_http_api(server: tuple[Path, Any, Path], remote: fl.UnionRemote) -> None:
    run = fl.run(label, "api").wait(timeout=60)
    spec = serve_app(
        "api-app",
        server[2],
        Parameter("label", RunOutput(type="string", run_name=run.name), env_var="LABEL"),
    ).to_spec()
    with http(server[1]) as client:
        created = client.post("/api/v1/apps", json={"spec": spec})
        assert created.status_code == 201, created.text
        assert created.json()["state"] == "PENDING"
        app = App.get("api-app").watch()
        assert app.parameters[0]["value"] == "api"
        listed = client.get("/api/v1/apps", params={"state": "ACTIVE"}).json()["items"]
        assert "api-app" in [a["name"] for a in listed]
        path = "/api/v1/apps/default/development/api-app/logs"
        wait_for(lambda: client.get(path).json()["items"], 10, "the app's first log line")
        logs = client.get(path).json()["items"]
        assert logs[0]["text"].startswith("starting on")
        assert logs[0]["revision"] == 1
        later = client.get(path, params={"after": logs[-1]["id"]}).json()["items"]
        assert all(line["id"] > logs[-1]["id"] for line in later)
        missing = client.get("/api/v1/apps/default/development/nope")
        assert missing.status_code == 404
        assert "no app named 'nope'" in missing.json()["error"]["message"]
        assert client.post("/api/v1/apps/default/development/nope/stop").status_code == 404
        both = {
            **spec["parameters"][0],
            "run_output": {"type": "string", "run_name": run.name, "task_name": "appenv.label"},
        }
        bad = client.post("/api/v1/apps", json={"spec": {**spec, "parameters": [both]}})
        assert bad.status_code == 400
        assert "not both" in bad.json()["error"]["message"]
        for broken in ({**spec, "port": 0}, {**spec, "argv": []}, {**spec, "name": "Bad"}):
            assert client.post("/api/v1/apps", json={"spec": broken}).status_code == 400
        resolved = client.post(
            "/api/v1/run-outputs/resolve",
            json={"run_output": {"type": "string", "run_name": run.name}},
        )
        assert resolved.json() == {"run": run.name, "task_name": "appenv.label", "output": "api"}
        unknown = client.post(
            "/api/v1/run-outputs/resolve",
            json={"run_output": {"type": "string", "run_name": "nope-1"}},
        )
        assert unknown.status_code == 404
        stopped = client.post("/api/v1/apps/default/development/api-app/stop").json()
        assert stopped["state"] == "STOPPED"


def test_the_cli(
    server: tuple[Path, Any, Path],
    remote: fl.UnionRemote,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("FLYTE_NB_HOME", str(server[0]))
    port = free_port()
    source = tmp_path / "apps_def.py"
    source.write_text(
        "import sys\nfrom flyte_nb.app import AppEnvironment, Parameter\n"
        f"web = AppEnvironment('cli-app', command=[sys.executable, {str(server[2])!r}], "
        f"port={port}, parameters=[Parameter('greeting', 'hi', env_var='GREETING')])\n"
    )
    assert cli(["apps", "deploy", str(source), "web"]) == 0
    assert "cli-app (default/development) revision 1: ACTIVE" in capsys.readouterr().out
    assert httpx.get(f"http://127.0.0.1:{port}").json()["greeting"] == "hi"
    assert cli(["apps", "list"]) == 0
    assert "cli-app" in capsys.readouterr().out
    assert cli(["apps", "get", "cli-app"]) == 0
    assert "param greeting = 'hi'" in capsys.readouterr().out
    wait_for(lambda: App.get("cli-app").logs(), 10, "the app's first log line")
    assert cli(["apps", "logs", "cli-app"]) == 0
    assert "starting on" in capsys.readouterr().out
    assert cli(["apps", "redeploy", "cli-app"]) == 0
    assert "revision 2: ACTIVE" in capsys.readouterr().out
    assert cli(["apps", "stop", "cli-app"]) == 0
    assert "cli-app: STOPPED" in capsys.readouterr().out
    assert cli(["apps", "get", "nope"]) == 1
    assert "no app named 'nope'" in capsys.readouterr().err
    assert cli(["apps", "deploy", str(source), "nothing"]) == 2
    assert "there: ['web']" in capsys.readouterr().err


def test_client_side_arguments_are_checked(remote: fl.UnionRemote) -> None:
    with pytest.raises(FlyteValidationException, match=r"app must be a flyte_nb\.app"):
        remote.deploy_app("model-api")
    with pytest.raises(FlyteValidationException, match="name is required"):
        remote.stop_app(None)  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="wait_for must be"):
        App({**_view(), "state": "ACTIVE"}, remote.client).watch("running")
    with pytest.raises(FlyteValidationException, match="limit must be"):
        App.listall(limit=0)
    with pytest.raises(FlyteValidationException, match="state must be one of"):
        App.listall(state="RUNNING")
    with pytest.raises(RunNotFoundError, match="no app named 'ghost'"):
        App.get("ghost")


def _view() -> dict[str, Any]:
    return {
        "name": "x",
        "project": "default",
        "domain": "development",
        "revision": 1,
        "state": "PENDING",
        "reason": None,
        "desired_state": "ACTIVE",
        "version": None,
        "port": 1,
        "endpoint": "http://127.0.0.1:1",
        "pid": None,
        "restarts": 0,
        "parameters": [],
        "spec": {},
    }


# -- backend restarts --------------------------------------------------------------------------
def test_apps_come_back_after_a_backend_restart_or_crash(
    tmp_path: Path, server: tuple[Path, Any, Path]
) -> None:
    home = tmp_path / "restart-home"
    with running_server(home, workers=1):
        fl.init(home=home)
        remote = fl.UnionRemote()
        fl.run(label, "before").wait(timeout=60)
        newest = RunOutput(type="string", task_name="appenv.label")
        keep = remote.deploy_app(serve_app("keep", server[2], Parameter("label", newest)))
        parked = remote.deploy_app(serve_app("parked", server[2]))
        missing = Parameter("m", RunOutput(type="string", task_name="appenv.never"))
        with pytest.raises(AppFailedError):
            remote.deploy_app(serve_app("failed", server[2], missing))
        remote.stop_app("parked")
        fl.run(label, "after").wait(timeout=60)  # newer, but a restart keeps what was served
        first_pid = keep.pid
        assert first_pid is not None
    assert not alive(first_pid)  # a stopping backend stops its apps
    with contextlib.closing(_db(home)) as db:
        state, reason = db.execute("SELECT state, reason FROM apps WHERE name='keep'").fetchone()
    assert (state, reason) == (
        "STOPPED",
        "the backend stopped; it deploys the app again when it starts",
    )

    with running_server(home, workers=1):
        fl.init(home=home)
        back = App.get("keep").watch(timeout=30)
        assert back.pid not in (None, first_pid)
        assert back.revision == keep.revision
        assert back.parameters[0]["value"] == "before"  # pinned to the run it served
        assert App.get("parked").state == "STOPPED"
        assert App.get("failed").state == "FAILED"  # a restart does not revive a failed app
        orphan = back.pid
        record = json.loads((home / "server.json").read_text())
        os.killpg(record["pid"], signal.SIGKILL)  # the backend dies; the app lives on
        wait_for(lambda: not alive(record["pid"]), 10, "the server to die")
        assert alive(orphan)
        _daemon.ensure_server(home, workers=1)
        fl.init(home=home)
        wait_for(lambda: not alive(orphan), 15, "the orphan to be killed")
        again = App.get("keep").watch(timeout=30)
        assert again.pid not in (None, orphan)
        assert httpx.get(again.endpoint).json()["parameters"] == {"label": "before"}
        assert App.get(parked.name).state == "STOPPED"


def _db(home: Path) -> Any:
    import sqlite3

    return sqlite3.connect(home / "flyte_nb.db")
