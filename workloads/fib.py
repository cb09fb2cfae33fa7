"""fib: naive recursive Fibonacci -- function-call heavy pure-Python CPU work.

Each worker computes fib(size) recursively (weak scaling).  Function calls
and small-int arithmetic dominate; it is a good probe for call overhead and
for the JIT.  The answer is checked against an iterative computation.
"""

NAME = "fib"
CATEGORY = "cpu"
SCALING = "weak"
DESCRIPTION = "recursive fib(size): call-heavy pure-Python CPU work"
SIZE = 32


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def work(state, worker_index, workers, size):
    return fib(size)


def _fib_iter(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def check(results, size, workers):
    expected = _fib_iter(size)
    assert results == [expected] * workers, (results, expected)
    return True
