"""sleep: time.sleep(0.001) in a loop -- waiting, not computing.

Each worker sleeps ``size`` times for 1 ms (weak scaling).  Sleeping
releases the GIL, so every mode and every build scales perfectly here; the
wall time is set by the timer slack of the kernel, and the CPU time is close
to zero (effective parallelism ~0).  The number of completed sleeps is
checked.
"""

import time

NAME = "sleep"
CATEGORY = "io"
SCALING = "weak"
DESCRIPTION = "time.sleep(1 ms) in a loop: releases the GIL, uses no CPU"
SIZE = 300


def work(state, worker_index, workers, size):
    done = 0
    for _ in range(size):
        time.sleep(0.001)
        done += 1
    return done


def check(results, size, workers):
    assert results == [size] * workers, results
    return True
