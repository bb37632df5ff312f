"""Deploying a small HTTP app to ACTIVE on the embedded backend (target <= 2 s).

deploy = wall of ``UnionRemote().deploy_app(app)`` (it returns once the backend reports the
app ACTIVE: spec recorded, a string parameter resolved from a run's output, the process
started, its port answering), followed by ``stop_app`` outside the timing. Baseline,
measured in the same run, interleaved: starting the very same process directly with
``subprocess.Popen`` and polling its port until it accepts a connection, so the difference
is what the supervisor adds (records, parameter resolution, health check, client polling).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import Row, medians, parse_args, print_table, sample, temp_home

import flyte_nb as fl
from flyte_nb.app import AppEnvironment, Parameter, RunOutput
from flyte_nb.client import _daemon

TARGET_S = 2.0
APP = """
import http.server, os
port = int(os.environ["FLYTE_NB_APP_PORT"])

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = os.environ.get("LABEL", "").encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""

env = fl.TaskEnvironment("bench_apps")


@env.task
def train() -> str:
    return "model-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    reps = opts.reps(7, quick=2)
    home = temp_home("apps")
    script = Path(tempfile.mkdtemp(dir=home)) / "serve.py"
    script.write_text(APP)
    _daemon.ensure_server(home, workers=1)
    try:
        fl.init(home=home)
        remote = fl.UnionRemote()
        fl.run(train).wait(timeout=60)
        port = _free_port()
        model = Parameter(
            "label", RunOutput(type="string", task_name="bench_apps.train"), env_var="LABEL"
        )
        app = AppEnvironment(
            "bench-app", command=[sys.executable, str(script)], port=port, parameters=[model]
        )

        def deploy() -> None:
            deployed = remote.deploy_app(app)
            assert deployed.state == "ACTIVE"
            remote.stop_app(app.name)

        def direct() -> None:
            proc = subprocess.Popen(
                [sys.executable, str(script)],
                env={"FLYTE_NB_APP_PORT": str(port), "LABEL": "model-1", "PATH": ""},
            )
            while not _answers(port):
                time.sleep(0.005)
            proc.kill()
            proc.wait()

        times = sample({"deploy": deploy, "direct": direct}, reps=reps)
    finally:
        _daemon.stop(home)
    best = {k: min(v) for k, v in times.items()}
    mid = medians(times)
    print_table(
        f"deploy a small HTTP app to ACTIVE, embedded backend (best of {reps})",
        [
            Row(
                "deploy to ACTIVE (best)",
                best["deploy"],
                "s",
                TARGET_S,
                best["direct"],
                "process start + port poll",
            ),
            Row(
                "deploy to ACTIVE (median)",
                mid["deploy"],
                "s",
                TARGET_S,
                mid["direct"],
                "process start + port poll",
            ),
        ],
        [f"the app resolves one RunOutput parameter; {reps} deploy/stop cycles"],
    )


if __name__ == "__main__":
    main()
