"""Client process of ``bench_load``: RUNS concurrent runs against an already running backend.

Usage: ``python benchmarks/_load_client.py HOME RUNS FANOUT TIMEOUT``. It connects, prints
``ready``, waits for one line on stdin (so every client starts together), submits all its
runs at once (each ``_backend_tasks.fan_out(FANOUT)``: a parent and FANOUT trivial children),
waits for them, and prints one JSON line: wall-clock start and end, and how many runs ended
with the right output, failed, or were still unfinished at the deadline.
"""

import json
import sys
import time

import _common  # noqa: F401  (puts this checkout on sys.path)
from _backend_tasks import fan_out

import flyte_nb as fl

if __name__ == "__main__":
    home, runs, fanout, timeout = (
        sys.argv[1],
        int(sys.argv[2]),
        int(sys.argv[3]),
        float(sys.argv[4]),
    )
    fl.init(home=home)
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.time()
    submitted = [fl.run(fan_out, fanout) for _ in range(runs)]
    deadline = time.monotonic() + timeout
    ok = failed = unfinished = 0
    for run in submitted:
        try:
            run.wait(timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            unfinished += 1
            continue
        try:
            good = run.outputs() == fanout
        except Exception:  # a failed run raises its error here: count it, don't stop
            good = False
        ok += good
        failed += not good
    end = time.time()
    print(
        json.dumps(
            {"start": start, "end": end, "ok": ok, "failed": failed, "unfinished": unfinished}
        )
    )
