"""Cache cost per entry: filling it (a miss that stores the result) and hitting it.

Each run fans out 1000 ``cached_square`` actions (``cache="auto"``) under an uncached parent:

- ``t_nocache``: the same fan-out over an uncached ``square`` (recording on, no cache);
- ``t_fill``: 1000 distinct new inputs, all misses, each result stored;
- ``t_hit``: a rerun of inputs already stored, all hits;
- ``t_plain``: the fan-out as plain asyncio coroutines.

fill per entry = (t_fill - t_nocache) / 1000; hit per action = t_hit / 1000, shown next to
the cost of running the action uncached, and net of plain asyncio ((t_hit - t_plain) / 1000).

With ``--peers``, Flyte 2's local mode runs the same three fan-outs in its own venv
(``peers.py``); its fill is computed the same way, its hit is compared absolute.
"""

from __future__ import annotations

import itertools

import _workloads as w
from _common import N_TASKS, Row, init_temp_home, medians, parse_args, print_table, sample
from peers import peer_row, pick, run_peer

import flyte_nb as fl
from flyte_nb.remote import Run

FILL_TARGET_MS = 0.1
HIT_TARGET_MS = 0.05
HIT_OFFSET = 10**9  # inputs of the hit runs; every fill run uses a range of its own


def check_cache_hits(run: Run, expect_hit: bool) -> None:
    """Every child action of ``run`` was a hit (or every one a miss)."""
    children = [a for a in run.actions() if a.parent is not None]
    hits = sum(a.cache_hit for a in children)
    want = len(children) if expect_hit else 0
    if len(children) != N_TASKS or hits != want:
        raise AssertionError(f"{len(children)} children, {hits} cache hits, expected {want}")


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    reps = opts.reps(9)
    init_temp_home("cache")
    fresh_offsets = itertools.count(start=N_TASKS, step=N_TASKS)

    def fill() -> Run:
        offset = next(fresh_offsets)
        run = fl.run(w.cached_fanout, n=N_TASKS, offset=offset)
        assert run.outputs() == w.expected_sum(N_TASKS, offset)
        return run

    def hit() -> Run:
        return fl.run(w.cached_fanout, n=N_TASKS, offset=HIT_OFFSET)

    check_cache_hits(fill(), expect_hit=False)
    check_cache_hits(fl.run(w.cached_fanout, n=N_TASKS, offset=HIT_OFFSET), expect_hit=False)
    check_cache_hits(hit(), expect_hit=True)

    times = sample(
        {
            "nocache": lambda: fl.run(w.fanout, n=N_TASKS),
            "fill": fill,
            "hit": hit,
            "plain": lambda: w.run_plain(N_TASKS),
        },
        reps=reps,
    )
    best = per_action_ms({k: min(v) for k, v in times.items()})
    mid = per_action_ms(medians(times))
    label, peer = run_peer(opts.peers, "flyte", ["cache", str(N_TASKS), str(reps)], 600)
    p_fill = pick(peer, lambda f: (f["fill_best"] - f["nocache_best"]) * 1000 / N_TASKS)
    p_fill_mid = pick(peer, lambda f: (f["fill_median"] - f["nocache_median"]) * 1000 / N_TASKS)
    p_hit = pick(peer, lambda f: f["hit_best"] * 1000 / N_TASKS)
    print_table(
        f"cache, {N_TASKS} actions per run (best of {reps}; 'median' rows: median of {reps})",
        [
            Row(
                "uncached action (run / tasks)",
                best["nocache"],
                "ms",
                ref=best["plain"],
                ref_label="plain asyncio",
            ),
            peer_row(
                "fill per entry (fill - uncached)",
                best["fill"] - best["nocache"],
                "ms",
                FILL_TARGET_MS,
                label,
                p_fill,
            ),
            peer_row(
                "fill per entry, median",
                mid["fill"] - mid["nocache"],
                "ms",
                FILL_TARGET_MS,
                label,
                p_fill_mid,
            ),
            Row(
                "hit per action, absolute",
                best["hit"],
                "ms",
                HIT_TARGET_MS,
                best["nocache"],
                "uncached action",
            ),
            peer_row(
                "hit per action, absolute",
                best["hit"],
                "ms",
                HIT_TARGET_MS,
                label,
                p_hit,
            ),
            Row("hit - plain asyncio per task", best["hit"] - best["plain"], "ms", HIT_TARGET_MS),
            Row("hit - plain asyncio, median", mid["hit"] - mid["plain"], "ms", HIT_TARGET_MS),
        ],
        notes=[
            "every figure includes recording each action; 'absolute' also includes the "
            "plain-asyncio cost of a task and the run's own start and end",
            "fill is a difference of two noisy runs of similar length: a small or negative "
            "value means the fill cost is below this machine's noise; the median row is steadier",
            "a hit is checked to be a hit (and a fill a miss) from the run's records",
        ],
    )


def per_action_ms(seconds: dict[str, float]) -> dict[str, float]:
    return {name: t * 1000 / N_TASKS for name, t in seconds.items()}


if __name__ == "__main__":
    main()
