"""The Ray executor's figures, against Ray's own dispatch measured in the same run.

- fan-out of 1000 trivial tasks on a backend whose executor is Ray (SQLite store), per
  action (target <= 1.5 ms), against Ray's own dispatch of the same function from a driver
  (``ray.get([f.remote(i) for i in range(1000)])``) on the same cluster;
- the same fan-out on a backend whose store is PostgreSQL (target <= 1.2x the SQLite
  figure).

A private Ray cluster (``ray start --head``, the settings in ../shared/RECIPES.md) and a
private PostgreSQL are started for the run and always stopped (the test suite's helpers,
``tests/_ray.py`` and ``tests/_postgres.py``). Both servers are up at once and the three
candidates run interleaved, so a slow spell of the machine hits them alike. ``--quick``:
100 tasks, one repetition (the cluster's start-up is most of its time).
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
from collections.abc import Callable

from _common import N_TASKS, REPO, Row, parse_args, print_table, sample, temp_home

import flyte_nb as fl
from flyte_nb.client import _daemon

sys.path.insert(0, str(REPO / "tests"))


def _fan_out(home: str, n: int) -> Callable[[], object]:
    from _backend_tasks import fan_out

    def run() -> object:
        fl.init(home=home)
        return fl.run(fan_out, n).wait(timeout=600).outputs()

    return run


def _ray_dispatch(n: int) -> Callable[[], object]:
    import ray
    from _backend_tasks import plain

    remote = ray.remote(plain)
    return lambda: ray.get([remote.remote(i) for i in range(n)])


def figures(n: int, reps: int) -> list[Row]:
    from _postgres import postgres_server
    from _ray import ray_cluster

    workers = os.cpu_count() or 2
    with ray_cluster(num_cpus=workers, num_gpus=0) as address, postgres_server() as pg_url:
        import ray  # now: Ray reads its settings (ray_cluster's RAY_* variables) on import

        ray.init(address=address, log_to_driver=False, logging_level="WARNING")
        homes = {"sqlite": str(temp_home("ray-sqlite")), "postgres": str(temp_home("ray-pg"))}
        settings = {"executor": "ray", "ray_address": address, "workers": workers}
        try:
            _daemon.ensure_server(homes["sqlite"], **settings)
            _daemon.ensure_server(homes["postgres"], db_url=pg_url, **settings)
            times = sample(
                {
                    "ray": _ray_dispatch(n),
                    "sqlite": _fan_out(homes["sqlite"], n),
                    "postgres": _fan_out(homes["postgres"], n),
                },
                reps,
            )
        finally:
            for home in homes.values():
                _daemon.stop(home)
            ray.shutdown()
    per = {name: min(t) / n * 1000 for name, t in times.items()}
    med = {name: statistics.median(t) / n * 1000 for name, t in times.items()}
    return [
        Row(
            f"fan-out of {n} on Ray (SQLite), per action",
            per["sqlite"],
            "ms",
            1.5,
            per["ray"],
            "Ray's own dispatch",
        ),
        Row("  median of runs", med["sqlite"], "ms", None, med["ray"], "Ray median"),
        Row(
            "the same on PostgreSQL, per action",
            per["postgres"],
            "ms",
            1.2 * per["sqlite"],
            per["sqlite"],
            "SQLite",
        ),
        Row("  median of runs", med["postgres"], "ms", None, med["sqlite"], "SQLite median"),
    ]


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    if importlib.util.find_spec("ray") is None:
        print('bench_ray: skipped, Ray is not installed (pip install "flyte_nb[ray]")')
        return
    n = 100 if opts.quick else N_TASKS
    rows = figures(n, opts.reps(5, 1))
    notes = [f"{os.cpu_count()} cores; workers = cores; both servers up, runs interleaved"]
    print_table("Ray executor", rows, notes=notes)


if __name__ == "__main__":
    main()
