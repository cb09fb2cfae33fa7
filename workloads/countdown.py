"""countdown: the classic GIL demonstration, ``while n > 0: n -= 1``.

Pure bytecode, no allocation, no I/O.  With the GIL two threads take about
twice as long as one (weak scaling: each worker counts down ``size``); on a
free-threaded build, or with processes / subinterpreters, the time stays flat
as long as there are free cores.
"""

NAME = "countdown"
CATEGORY = "cpu"
SCALING = "weak"
DESCRIPTION = "while n > 0: n -= 1 -- the classic GIL example"
SIZE = 20_000_000


def work(state, worker_index, workers, size):
    n = size
    while n > 0:
        n -= 1
    return (n, size)


def check(results, size, workers):
    assert len(results) == workers, results
    for final, done in results:
        assert final == 0 and done == size, (final, done)
    return True
