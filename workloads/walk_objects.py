"""walk_objects: each worker walks a list of objects that setup made.

Every element read takes and drops a reference. In threads mode the
objects belong to the main thread, which ran setup: on a free-threaded
build a worker thread then takes the slower shared reference-count path
(the cross-thread penalty in the README); processes own theirs.
"""

NAME = "walk_objects"
CATEGORY = "objects"
DESCRIPTION = "sum attributes over objects setup made: reference counts across threads"
SCALING = "weak"
SIZE = 300


class Point:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y


def setup(size, workers):
    return [[Point(i, -i) for i in range(50_000)] for _ in range(workers)]


def work(state, worker_index, workers, size):
    points = state[worker_index]
    total = 0
    for _ in range(size):
        for p in points:
            total += p.x + p.y
    return total


def check(results, size, workers):
    return results == [0] * workers
