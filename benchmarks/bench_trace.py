"""``@flyte.trace`` cost in the kernel: per traced call, and replay against running.

- per call: a task calls a trivial traced function ``n`` times; the same task calling the
  plain function ``n`` times is the baseline, measured in the same process, interleaved.
  overhead per call = (t_traced - t_plain) / n, each call recorded as a child action.
- replay: a task (``retries=1``) makes 1,000 traced calls that each do 1 ms of work, then
  fails once; its second attempt replays all 1,000. The two attempts' durations come from
  the run's own attempt log; the ratio is replay / run. Both attempts return the same sum.
"""

from __future__ import annotations

import time

from _common import Row, init_temp_home, parse_args, print_table, sample

import flyte_nb as fl

OVERHEAD_TARGET_MS = 0.05
REPLAY_TARGET_RATIO = 0.3
N_REPLAY = 1000

env = fl.TaskEnvironment("bench_trace")


def plain_add(x: int) -> int:
    return x + 1


traced_add = fl.trace(plain_add)


@fl.trace
def one_ms(i: int) -> int:
    time.sleep(0.001)
    return i


@env.task
def calls_plain(n: int) -> int:
    return sum(plain_add(i) for i in range(n))


@env.task
def calls_traced(n: int) -> int:
    return sum(traced_add(i) for i in range(n))


_attempt_sums: list[int] = []


@env.task(retries=1)
def replays(n: int) -> int:
    total = sum(one_ms(i) for i in range(n))
    _attempt_sums.append(total)
    if len(_attempt_sums) % 2 == 1:
        raise RuntimeError("first attempt fails after its traces; the retry replays them")
    return total


def main() -> None:
    opts = parse_args(__doc__.splitlines()[0])
    n_calls = 2000 if opts.quick else 20000
    reps = opts.reps(7)
    init_temp_home("trace")
    local = fl.with_runcontext(mode="local")
    expected = sum(range(1, n_calls + 1))
    assert local.run(calls_traced, n_calls).outputs() == expected
    times = sample(
        {
            "plain": lambda: local.run(calls_plain, n_calls),
            "traced": lambda: local.run(calls_traced, n_calls),
        },
        reps=reps,
    )
    overhead_ms = (min(times["traced"]) - min(times["plain"])) * 1000 / n_calls
    plain_ms = min(times["plain"]) * 1000 / n_calls

    ratios = []
    for _ in range(1 if opts.quick else 3):
        run = local.run(replays, N_REPLAY)
        first, second = run.action("a0").attempt_log[:2]
        assert run.outputs() == _attempt_sums[-1] == _attempt_sums[-2]  # replay == result
        ran = first["ended_at"] - first["started_at"]
        replayed = second["ended_at"] - second["started_at"]
        ratios.append((replayed / ran, ran, replayed))
    ratio, ran, replayed = min(ratios)
    print_table(
        f"@flyte.trace in the kernel ({n_calls} calls per run, best of {reps})",
        [
            Row(
                "overhead per traced call",
                overhead_ms,
                "ms",
                OVERHEAD_TARGET_MS,
                plain_ms,
                "plain call in a task",
            ),
            Row(f"{N_REPLAY} traces of 1 ms, run", ran * 1000, "ms"),
            Row(f"{N_REPLAY} traces of 1 ms, replayed", replayed * 1000, "ms"),
            Row("replay / run", ratio, "x", REPLAY_TARGET_RATIO),
        ],
        notes=[
            "each traced call encodes its inputs and output, names its action and records it",
            "the replay attempt reads the records this process kept for the run's retry",
        ],
    )


if __name__ == "__main__":
    main()
