"""gc_churn: allocation and garbage-collection churn with reference cycles.

Each worker builds ``size`` rings of 100 linked nodes (every ring is a
reference cycle, so only the cyclic GC can free it), walks each ring once and
drops it (weak scaling).  Shows the cost of the cyclic collector: on
free-threaded builds a collection stops the world, so GC-heavy threads
interfere with each other.  The walk checksum is checked exactly.
"""

NAME = "gc_churn"
CATEGORY = "objects"
SCALING = "weak"
DESCRIPTION = "rings of linked nodes (reference cycles) left to the cyclic GC"
SIZE = 15_000

RING = 100


class Node(object):
    def __init__(self, value):
        self.value = value
        self.next = None
        self.prev = None


def work(state, worker_index, workers, size):
    created = 0
    checksum = 0
    for _ in range(size):
        head = Node(0)
        prev = head
        for k in range(1, RING):
            node = Node(k)
            prev.next = node
            node.prev = prev
            prev = node
        prev.next = head  # close the cycle
        head.prev = prev
        node = head
        for _ in range(RING):
            checksum += node.value
            node = node.next
        created += RING
    return (created, checksum)


def check(results, size, workers):
    expected = (size * RING, size * (RING * (RING - 1) // 2))
    assert results == [expected] * workers, (results, expected)
    return True
