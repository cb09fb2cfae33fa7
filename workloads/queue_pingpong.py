"""queue_pingpong: producer/consumer hand-offs through queue.Queue.

Each worker starts an echo thread and sends ``size`` numbers through a pair
of queue.Queue objects, waiting for every answer (weak scaling).  Every
round trip is two condition-variable hand-offs between threads, so this
measures wake-up latency and lock convoys rather than computation: with the
GIL, more workers mean more threads fighting for it.  The sum of the echoed
values is checked exactly.
"""

import queue
import threading

NAME = "queue_pingpong"
CATEGORY = "contention"
SCALING = "weak"
DESCRIPTION = "queue.Queue round trips between a worker and its echo thread"
SIZE = 16_000


def _echo(inbox, outbox):
    while True:
        value = inbox.get()
        if value is None:
            return
        outbox.put(value + 1)


def work(state, worker_index, workers, size):
    inbox = queue.Queue()
    outbox = queue.Queue()
    # Not a daemon thread: subinterpreters refuse daemon threads.
    echo = threading.Thread(target=_echo, args=(inbox, outbox))
    echo.start()
    total = 0
    try:
        for k in range(size):
            inbox.put(k)
            total += outbox.get()
    finally:
        inbox.put(None)
        echo.join()
    return total


def check(results, size, workers):
    expected = size * (size + 1) // 2
    assert results == [expected] * workers, (results, expected)
    return True
