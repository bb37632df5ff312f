"""The embedded backend's figures, each against a baseline measured in the same run.

- fan-out of 1000 trivial tasks, per action (target <= 0.2 ms, issue 17), against a
  process pool's submit floor (``ProcessPoolExecutor`` with as many workers, same 1000
  calls); the children run in their parent's worker (``backend/_hosting.py``);
- ``fl.run()`` to the first action running on a warm server, p50 (target <= 2 ms),
  against a bare authenticated HTTP round trip to the same server;
- a cold ``fl.init()`` that starts the server (target <= 1.5 s), against a process that
  only imports the server's libraries; the idle server's memory with its workers (target
  <= 110 MiB), against a bare process holding the same libraries;
- a worker process ready to take a job (target <= 0.1 s), against a bare interpreter's
  start (``python -c pass``).
"""

from __future__ import annotations

import concurrent.futures
import os
import statistics
import time

from _common import N_TASKS, Row, child_env, parse_args, print_table, run_python, temp_home

import flyte_nb as fl
from flyte_nb.client import _daemon


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except OSError:
                pass
    return out


def fan_out_figures(reps: int) -> list[Row]:
    from _backend_tasks import fan_out, plain

    workers = os.cpu_count() or 2
    times, floors = [], []
    fl.run(fan_out, 10).wait()
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        list(pool.map(plain, range(10)))
        for _ in range(reps):
            start = time.perf_counter()
            run = fl.run(fan_out, N_TASKS).wait(timeout=300)
            times.append(time.perf_counter() - start)
            assert run.outputs() == N_TASKS
            start = time.perf_counter()
            futures = [pool.submit(plain, i) for i in range(N_TASKS)]
            concurrent.futures.wait(futures)
            floors.append(time.perf_counter() - start)
    per = min(times) / N_TASKS * 1000
    floor = min(floors) / N_TASKS * 1000
    return [
        Row(
            f"fan-out of {N_TASKS} on the backend, per action",
            per,
            "ms",
            0.2,
            floor,
            "process pool submit floor",
        ),
        Row("  median of runs", statistics.median(times) / N_TASKS * 1000, "ms"),
    ]


def latency_figures(reps: int, info: _daemon.ServerInfo) -> list[Row]:
    import httpx
    from _backend_tasks import started_at

    lat, rtt = [], []
    fl.run(started_at).wait()
    headers = {"Authorization": f"Bearer {info.token}"}
    with httpx.Client(base_url=info.url, headers=headers) as client:
        for _ in range(reps):
            t0 = time.time()
            run = fl.run(started_at).wait(timeout=60)
            lat.append(run.outputs() - t0)
            t1 = time.perf_counter()
            client.get("/api/v1/health")
            rtt.append(time.perf_counter() - t1)
    return [
        Row(
            "run() to first action running, p50",
            statistics.median(lat) * 1000,
            "ms",
            2,
            statistics.median(rtt) * 1000,
            "HTTP round trip",
        ),
        Row("  p90", sorted(lat)[int(len(lat) * 0.9)] * 1000, "ms"),
    ]


COLD = """
import sys, time
t = time.perf_counter()
import flyte_nb as fl
fl.init(home=sys.argv[1])
print(time.perf_counter() - t)
"""
IMPORTS = "import fastapi, uvicorn, sqlalchemy, httpx, flyte_nb.backend, time; time.sleep({})"


def cold_figures(reps: int) -> list[Row]:
    colds, floors = [], []
    server_rss = total_rss = 0.0
    for _ in range(reps):
        home = temp_home("cold")
        try:
            colds.append(float(run_python(["-c", COLD, str(home)], child_env()).strip()))
            info = _daemon.status(home)
            assert info is not None
            time.sleep(3)  # idle: workers started and settled
            server_rss = _rss_mib(info.pid)
            total_rss = server_rss + sum(_rss_mib(p) for p in _children(info.pid))
        finally:
            _daemon.stop(home)
        start = time.perf_counter()
        run_python(["-c", IMPORTS.format(0)], child_env())
        floors.append(time.perf_counter() - start)
    import subprocess
    import sys

    bare = subprocess.Popen([sys.executable, "-c", IMPORTS.format(5)], env=child_env())
    time.sleep(3)
    bare_rss = _rss_mib(bare.pid)
    bare.kill()
    bare.wait()
    return [
        Row(
            "cold fl.init() starting the server",
            min(colds),
            "s",
            1.5,
            min(floors),
            "importing its libraries",
        ),
        Row(
            "idle server memory (server process)",
            server_rss,
            "MiB",
            None,
            bare_rss,
            "bare process, same libraries",
        ),
        Row("  with its idle workers", total_rss, "MiB", 110),
    ]


def worker_ready_figures(reps: int) -> list[Row]:
    """A worker spawned as the pool spawns one, timed to its ``ready`` message."""
    import socket
    import subprocess
    import sys

    readies, bares = [], []
    blobs = temp_home("worker") / "blobs"
    for _ in range(reps):
        parent, child = socket.socketpair()
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "flyte_nb.backend._worker", str(child.fileno()), str(blobs)],
            pass_fds=[child.fileno()],
            start_new_session=True,  # it kills its process group when the channel closes
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=child_env(),
        )
        child.close()
        parent.recv(4)  # the first frame's length: the ready message is on its way
        readies.append(time.perf_counter() - start)
        parent.close()
        proc.wait()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=child_env())
        bares.append(time.perf_counter() - start)
    return [
        Row("worker ready", min(readies), "s", 0.1, min(bares), "bare interpreter start"),
    ]


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    home = temp_home("backend")
    info = _daemon.ensure_server(home)
    try:
        fl.init(home=home)
        rows = fan_out_figures(opts.reps(5, 2))
        rows += latency_figures(opts.reps(40, 10), info)
    finally:
        _daemon.stop(home)
    rows += cold_figures(opts.reps(3, 1))
    rows += worker_ready_figures(opts.reps(5, 2))
    print_table("embedded backend", rows, notes=[f"{os.cpu_count()} cores, workers = cores"])


if __name__ == "__main__":
    main()
