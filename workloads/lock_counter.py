"""lock_counter: one shared counter incremented under a threading.Lock.

Every worker increments the counter ``size`` times, taking the lock for each
increment (weak scaling).  In threads mode all workers fight for the same
lock: adding threads adds contention, not throughput, on any build.  In
processes / subinterpreters modes each worker has its own counter and lock
(setup runs per process / interpreter), which shows the uncontended cost.
Checked exactly: no increment may be lost.
"""

import threading

NAME = "lock_counter"
CATEGORY = "contention"
SCALING = "weak"
DESCRIPTION = "shared counter under a Lock: pure lock contention"
SIZE = 2_500_000


def setup(size, workers):
    return {"lock": threading.Lock(), "counter": [0]}


def work(state, worker_index, workers, size):
    lock = state["lock"]
    counter = state["counter"]
    for _ in range(size):
        with lock:
            counter[0] += 1
    with lock:
        seen = counter[0]
    return (size, seen)


def check(results, size, workers):
    assert len(results) == workers
    assert sum(added for added, _ in results) == size * workers, results
    seen = [s for _, s in results]
    # shared counter: the last worker to finish sees every increment;
    # private counters (processes, subinterpreters): each sees its own.
    assert max(seen) == size * workers or all(s == size for s in seen), results
    return True
