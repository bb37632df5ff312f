"""Per-item cost of a Union-style workflow mapping a trivial task over 1000 items, in the kernel.

per item = wall of ``fl.run(wf, xs=range(1000))`` / 1000, where ``wf`` is
``@workflow def wf(xs): return map_task(trivial)(x=xs)`` and each item is its own recorded
action. Baseline, measured in the same process, interleaved: the same 1000 items through
``fl.map`` in a plain Flyte 2-style ``@env.task`` (the same child task), so the difference
is what the workflow layer (compiled graph, node execution, map node) adds per item.
Both with an async trivial task (the engine's cheapest child) and a sync one (flytekit's
usual style: each item hops to the sync pool).

With ``--peers``, flytekit itself in its own venv (``peers.py``): a local workflow whose
``@dynamic`` node calls a trivial sync ``@task`` per item, and ``map_task`` of it.
"""

from __future__ import annotations

from _common import N_TASKS, Row, init_temp_home, medians, parse_args, print_table, sample
from peers import peer_row, pick, run_peer

import flyte_nb as fl
from flyte_nb.union import map_task, task, workflow

TARGET_MS = 0.1


@task
async def trivial(x: int) -> int:
    return x


@task
def trivial_sync(x: int) -> int:
    return x


@workflow
def wf_async(xs: list[int]) -> list[int]:
    return map_task(trivial)(x=xs)


@workflow
def wf_sync(xs: list[int]) -> list[int]:
    return map_task(trivial_sync)(x=xs)


env = fl.TaskEnvironment("bench_workflow_baseline")


@env.task
async def flyte2_async(xs: list[int]) -> list[int]:
    return await fl.map(trivial, xs)


@env.task
async def flyte2_sync(xs: list[int]) -> list[int]:
    return await fl.map(trivial_sync, xs)


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    reps = opts.reps(5)
    init_temp_home("workflow")
    xs = list(range(N_TASKS))
    run = fl.run(wf_async, xs=xs)
    assert run.outputs() == xs
    assert len(run.actions()) == N_TASKS + 1, "every item should be a recorded action"

    times = sample(
        {
            "wf_async": lambda: fl.run(wf_async, xs=xs),
            "map_async": lambda: fl.run(flyte2_async, xs=xs),
            "wf_sync": lambda: fl.run(wf_sync, xs=xs),
            "map_sync": lambda: fl.run(flyte2_sync, xs=xs),
        },
        reps=reps,
    )
    per = {k: min(v) * 1000 / N_TASKS for k, v in times.items()}
    mid = {k: v * 1000 / N_TASKS for k, v in medians(times).items()}
    label, peer = run_peer(opts.peers, "flytekit", ["dynamic", str(N_TASKS), str(reps)], 600)
    dyn = pick(peer, lambda f: f["dynamic_best"] * 1000 / N_TASKS)
    dyn_mid = pick(peer, lambda f: f["dynamic_median"] * 1000 / N_TASKS)
    mapped = pick(peer, lambda f: f["map_best"] * 1000 / N_TASKS)
    print_table(
        f"workflow map_task over {N_TASKS} items, local, recording on (best of {reps})",
        [
            peer_row(
                "per item, workflow + map_task (async task)",
                per["wf_async"],
                "ms",
                TARGET_MS,
                f"{label} @dynamic",
                dyn,
            ),
            Row(
                "per item, fl.map in a Flyte 2 task (async task)",
                per["map_async"],
                "ms",
                ref=per["wf_async"],
                ref_label="workflow",
            ),
            peer_row(
                "per item, workflow, median (async task)",
                mid["wf_async"],
                "ms",
                TARGET_MS,
                f"{label} @dynamic",
                dyn_mid,
            ),
            peer_row(
                "per item, workflow + map_task (sync task)",
                per["wf_sync"],
                "ms",
                TARGET_MS,
                f"{label} @dynamic",
                dyn,
            ),
            peer_row(
                "per item, workflow + map_task (sync task)",
                per["wf_sync"],
                "ms",
                TARGET_MS,
                f"{label} map_task",
                mapped,
            ),
            Row(
                "per item, fl.map in a Flyte 2 task (sync task)",
                per["map_sync"],
                "ms",
                ref=per["wf_sync"],
                ref_label="workflow",
            ),
        ],
        notes=[
            "per item = whole fl.run wall / items: it includes the run's start and end and "
            "the workflow's one-off compile (cached after the first run)",
        ],
    )


if __name__ == "__main__":
    main()
