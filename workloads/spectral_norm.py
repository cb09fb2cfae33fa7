"""spectral_norm: power iteration for the spectral norm of an infinite matrix.

Each worker computes the spectral norm approximation for an n=``size``
matrix (weak scaling): nested loops, float division, generator expressions.
The result converges to 1.274224153...; workers must agree bit for bit.
"""

NAME = "spectral_norm"
CATEGORY = "cpu"
SCALING = "weak"
DESCRIPTION = "spectral norm by power iteration: nested float loops"
SIZE = 250

LIMIT = 1.2742241535


def _a(i, j):
    ij = i + j
    return 1.0 / (ij * (ij + 1) // 2 + i + 1)


def _av(n, u):
    return [sum(_a(i, j) * u[j] for j in range(n)) for i in range(n)]


def _atv(n, u):
    return [sum(_a(j, i) * u[j] for j in range(n)) for i in range(n)]


def _atav(n, u):
    return _atv(n, _av(n, u))


def work(state, worker_index, workers, size):
    n = size
    u = [1.0] * n
    v = u
    for _ in range(10):
        v = _atav(n, u)
        u = _atav(n, v)
    vbv = sum(ue * ve for ue, ve in zip(u, v))
    vv = sum(ve * ve for ve in v)
    return (vbv / vv) ** 0.5


def check(results, size, workers):
    assert len(results) == workers
    first = results[0]
    assert all(r == first for r in results), results  # deterministic
    if size <= 40:
        # Small enough to recompute here: must match exactly.
        expected = work(None, 0, 1, size)
        assert first == expected, (first, expected)
    else:
        # The finite-n approximation approaches the limit from below
        # (n=50: 1.27419, n=100: 1.27422).
        assert LIMIT - 1e-3 < first <= LIMIT + 1e-9, first
    return True
