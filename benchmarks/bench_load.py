"""Many clients, one embedded backend: lost runs, process count, memory and throughput.

CLIENTS client processes (4; ``--quick``: 2) each connect to ONE backend started cold with
``--workers 2`` and submit RUNS concurrent runs (100; 10), each a parent fanning out FANOUT
trivial children (10; 5), then wait for them all. Figures:

- lost runs: submitted runs that did not end with the right output by the deadline (must be 0);
- peak process count and peak RSS of the server's process tree (the server and every
  descendant), sampled from /proc every 0.1 s;
- throughput: actions (parents + children) per second, from the first client's start to the
  last one's end (all clients start together, after connecting).

Baseline in the same run: the same load again on the same server, its worker pool now warm.
With ``--peers``: Flyte 2's local mode running the same CLIENTS x RUNS runs concurrently in one
process, in its own venv (``peers.py``). Each side's throughput is its best of two (a fresh
cold server each time, a fresh peer process; ``--quick``: one), since one load lasts seconds
on a noisy machine; lost runs and peaks are the worst of the two.

Targets (issue 17): 0 lost; peak processes of the server's tree <= workers + 3; peak RSS
<= 1 GiB; cold throughput >= 0.8x the warm pool's and >= 2x Flyte 2 local's, written as
time per action (cold <= 1.25x warm, <= 0.5x the peer's) so each target is a same-run bound.
Every run is capped (the clients get a deadline and are killed past it) and the server's
process group is stopped at the end, whatever happened.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from _common import BENCH_DIR, PYTHON, REPO, Row, child_env, parse_args, print_table, temp_home
from peers import peer_row, pick, run_peer

from flyte_nb.client import _daemon

WORKERS = 2
CLIENT = str(BENCH_DIR / "_load_client.py")


# -- the server's process tree, sampled from /proc ------------------------------------------
def _start_time(pid: int) -> str:
    """The process's start time (in clock ticks since boot): with the pid, who it is."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[19]


def _is(pid: int, started: str) -> bool:
    """Whether ``pid`` is still the process that started at ``started`` (and not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[19] == started and fields[0] != "Z"


def _tree(root: int) -> dict[int, float]:
    """RSS in MiB of ``root`` and each of its live descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with (
                contextlib.suppress(OSError, IndexError, ValueError),
                open(f"/proc/{entry}/stat") as f,
            ):
                parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
    members, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [c for c, p in parents.items() if p == pid and c not in members]
        members.update(children)
        frontier.extend(children)
    rss: dict[int, float] = {}
    for pid in members:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss[pid] = int(line.split()[1]) / 1024
    return rss


@dataclass
class Sampler:
    """Peak size of a process tree, sampled every 0.1 s on a thread of its own."""

    root: int
    peak_procs: int = 0
    peak_rss: float = 0.0
    seen: dict[int, str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _loop(self) -> None:
        while not self._stop.is_set():
            tree = _tree(self.root)
            for pid in tree.keys() - self.seen.keys():
                with contextlib.suppress(OSError, IndexError):
                    self.seen[pid] = _start_time(pid)
            self.peak_procs = max(self.peak_procs, len(tree))
            self.peak_rss = max(self.peak_rss, sum(tree.values()))
            self._stop.wait(0.1)

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- one load ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Load:
    clients: int
    runs: int
    fanout: int
    timeout: float

    @property
    def total_runs(self) -> int:
        return self.clients * self.runs

    @property
    def actions(self) -> int:
        return self.total_runs * (1 + self.fanout)


@dataclass(frozen=True)
class Result:
    lost: int
    wall: float
    peak_procs: int
    peak_rss: float
    seen: dict[int, str]


def run_load(home: str, root: int, load: Load) -> Result:
    """Start the clients, let them go together, collect their counts; kill them past the cap."""
    args = [str(home), str(load.runs), str(load.fanout), str(load.timeout)]
    env = child_env({"PYTHONPATH": os.pathsep.join([str(REPO), str(BENCH_DIR)])})
    procs = [
        subprocess.Popen(
            [PYTHON, CLIENT, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        for _ in range(load.clients)
    ]
    reports: list[dict[str, float]] = []
    try:
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a load client did not connect to the server")
        with Sampler(root) as sampler:
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            for proc in procs:
                out, _ = proc.communicate(timeout=load.timeout + 60)
                reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    ok = sum(int(r["ok"]) for r in reports)
    wall = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    return Result(load.total_runs - ok, wall, sampler.peak_procs, sampler.peak_rss, sampler.seen)


def stop_server(home: str, seen: dict[int, str]) -> list[int]:
    """Stop the server's process group, then kill any process of its tree still alive.

    A pid counts as the same process only if its start time matches the one sampled, so a
    pid reused since by an unrelated process is left alone. Returns the pids killed.
    """
    _daemon.stop(home)
    alive = dict(seen)
    deadline = time.monotonic() + 5  # let the workers finish exiting on their own first
    while alive and time.monotonic() < deadline:
        alive = {pid: t for pid, t in alive.items() if _is(pid, t)}
        time.sleep(0.1)
    killed = []
    for pid, started in alive.items():
        with contextlib.suppress(OSError, IndexError):
            if _is(pid, started):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
    return killed


def one_server(load: Load) -> tuple[Result, Result, list[int]]:
    """A cold server's first load, then the same load on its warm pool; the pids killed
    because they outlived the server's stop."""
    home = str(temp_home("load"))
    seen: dict[int, str] = {}
    try:
        info = _daemon.ensure_server(home, workers=WORKERS)
        seen[info.pid] = _start_time(info.pid)
        cold = run_load(home, info.pid, load)
        seen.update(cold.seen)
        warm = run_load(home, info.pid, load)
        seen.update(warm.seen)
    finally:
        leftover = stop_server(home, seen)
    return cold, warm, leftover


def worst(results: list[Result], best: Result) -> Result:
    """``best``'s wall with the worst of every other figure: a lost run or a process over
    the budget in any repetition counts."""
    return Result(
        lost=max(r.lost for r in results),
        wall=best.wall,
        peak_procs=max(r.peak_procs for r in results),
        peak_rss=max(r.peak_rss for r in results),
        seen=best.seen,
    )


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    load = Load(2, 10, 5, 60.0) if opts.quick else Load(4, 100, 10, 300.0)
    reps = opts.reps(2, 1)  # each side's best of ``reps``: these machines are noisy
    os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO), str(BENCH_DIR)])  # the workers'
    runs = [one_server(load) for _ in range(reps)]
    leftover = [pid for _, _, killed in runs for pid in killed]
    colds, warms = [c for c, _, _ in runs], [w for _, w, _ in runs]
    cold = worst(colds, min(colds, key=lambda r: r.wall))
    warm = worst(warms, min(warms, key=lambda r: r.wall))
    peer_load = ["load", str(load.total_runs), str(load.fanout)]
    label, peer = run_peer(opts.peers, "flyte", peer_load, load.timeout)
    for _ in range(reps - 1):
        _, again = run_peer(opts.peers, "flyte", peer_load, load.timeout)
        if isinstance(peer, dict) and isinstance(again, dict) and again["wall"] < peer["wall"]:
            peer = again
    peer_rate = pick(peer, lambda f: load.actions / f["wall"])
    peer_lost = pick(peer, lambda f: load.total_runs - f["ok_runs"])
    peer_rss = pick(peer, lambda f: f["rss_kib"] / 1024)
    rate = {name: load.actions / r.wall for name, r in (("cold", cold), ("warm", warm))}
    per = {name: 1000 / r for name, r in rate.items()}  # ms per action
    peer_per = pick(peer, lambda f: 1000 * f["wall"] / load.actions)
    print_table(
        f"load: {load.clients} clients x {load.runs} concurrent runs x fan-out {load.fanout} "
        f"({load.actions} actions per load), one backend, --workers {WORKERS}",
        [
            Row("lost runs, cold server", cold.lost, "runs", 0, warm.lost, "warm pool"),
            peer_row("lost runs, cold server", cold.lost, "runs", 0, label, peer_lost),
            Row(
                "throughput, cold server",
                rate["cold"],
                "actions/s",
                ref=rate["warm"],
                ref_label="warm pool",
            ),
            peer_row("throughput, cold server", rate["cold"], "actions/s", None, label, peer_rate),
            Row(
                "time per action, cold (<= 1.25x warm)",
                per["cold"],
                "ms",
                1.25 * per["warm"],
                per["warm"],
                "warm pool",
            ),
            peer_row(
                "time per action, cold (<= 0.5x peer)",
                per["cold"],
                "ms",
                None if isinstance(peer_per, str) else 0.5 * peer_per,
                label,
                peer_per,
            ),
            Row(
                "peak processes, server tree, cold",
                cold.peak_procs,
                "procs",
                WORKERS + 3,
                warm.peak_procs,
                "warm pool",
            ),
            Row(
                "peak RSS, server tree, cold",
                cold.peak_rss,
                "MiB",
                1024,
                warm.peak_rss,
                "warm pool",
            ),
            peer_row("peak RSS, server tree, cold", cold.peak_rss, "MiB", None, label, peer_rss),
            Row("wall of the load, cold", cold.wall, "s", ref=warm.wall, ref_label="warm pool"),
        ],
        notes=[
            f"{os.cpu_count()} cores; the peer runs all {load.total_runs} runs concurrently in "
            "one process (Flyte 2's local mode has no server: its RSS is that process's peak)",
            f"throughput: each side's best of {reps} (a fresh server each time, a fresh peer "
            "process); lost runs and peaks: the worst of them",
            "processes: the server, its workers and anything they started, sampled every 0.1 s",
            f"after stopping the server, {len(leftover)} process(es) of its tree were still "
            "alive 5 s later and were killed",
        ],
    )


if __name__ == "__main__":
    main()
