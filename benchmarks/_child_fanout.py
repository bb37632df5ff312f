"""Child process of ``bench_memory``: one ``fl.run`` of the 1000-task fan-out.

Usage: ``python benchmarks/_child_fanout.py HOME``; prints the peak RSS in KiB.
"""

import resource
import sys

import _workloads as w

import flyte_nb as fl

if __name__ == "__main__":
    fl.init(home=sys.argv[1], local=True)
    assert fl.run(w.fanout, n=1000).outputs() == w.expected_sum(1000)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
