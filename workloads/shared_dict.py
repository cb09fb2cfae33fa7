"""shared_dict: many threads updating one shared dict.

All workers read and write the same dict (setup creates it once), each
updating its own disjoint set of keys while also reading its neighbours'
(weak scaling: ``size`` updates per worker).  With the GIL the threads take
turns; on a free-threaded build they contend on the dict's per-object lock
and on shared cache lines.  Because keys are disjoint no update may be lost,
which is checked exactly.  Threads only: sharing is the point.
"""

NAME = "shared_dict"
CATEGORY = "contention"
SCALING = "weak"
DESCRIPTION = "threads updating disjoint keys of one shared dict"
SIZE = 3_000_000
MODES = ("threads",)

KEYS = 1024


def setup(size, workers):
    nkeys = max(KEYS, workers)
    return {"d": dict((k, 0) for k in range(nkeys)), "nkeys": nkeys}


def work(state, worker_index, workers, size):
    d = state["d"]
    nkeys = state["nkeys"]
    mine = [k for k in range(nkeys) if k % workers == worker_index]
    nmine = len(mine)
    peeks = 0
    for j in range(size):
        k = mine[j % nmine]
        d[k] = d[k] + 1
        peeks += d[(k + 1) % nkeys] & 1
    return (sum(d[k] for k in mine), len(d))


def check(results, size, workers):
    nkeys = max(KEYS, workers)
    assert results == [(size, nkeys)] * workers, results
    return True
