"""primes: count primes below ``size`` by trial division (strong scaling).

The candidate range is fixed and split among the workers (worker i takes
every workers-th odd candidate, which balances the load), so this is the
suite's strong-scaling CPU workload: ideal speedup(N) = T(1) / T(N) = N.
The total is checked against a sieve of Eratosthenes.
"""

NAME = "primes"
CATEGORY = "cpu"
SCALING = "strong"
DESCRIPTION = "count primes below size by trial division, split among workers"
SIZE = 400_000


def _is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def work(state, worker_index, workers, size):
    count = 1 if (worker_index == 0 and size > 2) else 0  # the prime 2
    for n in range(3 + 2 * worker_index, size, 2 * workers):
        if _is_prime(n):
            count += 1
    return count


def _sieve_count(limit):
    if limit <= 2:
        return 0
    flags = bytearray([1]) * limit
    flags[0] = flags[1] = 0
    for i in range(2, int(limit ** 0.5) + 1):
        if flags[i]:
            flags[i * i::i] = bytes(len(range(i * i, limit, i)))
    return sum(flags)


def check(results, size, workers):
    assert len(results) == workers
    expected = _sieve_count(size)
    assert sum(results) == expected, (sum(results), expected)
    return True
