"""dict_build: building dicts and lists of fresh objects (allocation heavy).

Each worker inserts ``size`` string keys (in rounds of 1000-entry dicts),
builds a list of the items and sums them back (weak scaling).  Exercises
the allocator, string formatting, dict resizing and list growth: on a
free-threaded build it shows how well per-thread allocation (mimalloc)
scales.  The sum is checked against a closed formula.
"""

NAME = "dict_build"
CATEGORY = "objects"
SCALING = "weak"
DESCRIPTION = "build dicts/lists of fresh keys and values: allocator and dict growth"
SIZE = 1_200_000

ROUND = 1000


def _rounds(size):
    return max(1, size // ROUND)


def work(state, worker_index, workers, size):
    entries = 0
    total = 0
    for r in range(_rounds(size)):
        d = {}
        for k in range(ROUND):
            d["key%d" % k] = [k, r]
        items = list(d.items())
        for key, (a, b) in items:
            total += a + b
        entries += len(d)
    return (entries, total)


def check(results, size, workers):
    rounds = _rounds(size)
    expected = (rounds * ROUND,
                rounds * (ROUND * (ROUND - 1) // 2) + ROUND * (rounds * (rounds - 1) // 2))
    assert results == [expected] * workers, (results, expected)
    return True
