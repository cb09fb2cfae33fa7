"""The three ways a worker runs a workload's `work` in parallel: threads,
processes and subinterpreters (one module each, imported only when its
mode runs), and what they share.

Each ``run_*`` function returns a dict with wall_ns, cpu_ns,
worker_cpu_ns, results, errors (a list of (kind, message)) and max_rss_kb,
or raises WorkloadFailure.
"""

import sys
import threading

from ..common import classify, exc_message, print_exc, truncate


class WorkloadFailure(Exception):
    """A classified failure while running a sample in the worker."""

    def __init__(self, kind, message):
        Exception.__init__(self, message)
        self.kind = kind
        self.message = message


def maxrss_kb(who):
    try:
        import resource
    except ImportError:
        return None
    value = resource.getrusage(who).ru_maxrss
    if sys.platform == "darwin":
        value //= 1024
    return int(value)


def maxrss_kb_self():
    try:
        import resource
        return maxrss_kb(resource.RUSAGE_SELF)
    except ImportError:
        return None


def new_errors():
    return []


def record_error(errors, index, exc, where, spawning=False):
    kind = classify(exc, spawning)
    if index is None:
        msg = "%s: %s" % (where, exc_message(exc))
    else:
        msg = "%s (worker %d): %s" % (where, index, exc_message(exc))
    errors.append((kind, truncate(msg)))
    print_exc(msg, exc)


def start_threads(workers, target, name, barrier, report=False):
    """Start `workers` daemon threads running target(i). If one cannot start
    (e.g. the pids limit), release the others through the barrier, join
    them, and fail the sample (``resource_limit`` for a refused thread)."""
    threads = []
    try:
        for i in range(workers):
            t = threading.Thread(target=target, args=(i,), name="%s-%d" % (name, i))
            t.daemon = True
            t.start()
            threads.append(t)
    except BaseException as exc:
        barrier.abort()
        for t in threads:
            t.join()
        if report:
            print_exc("cannot start worker thread", exc)
        raise WorkloadFailure(classify(exc, spawning=True),
                              "starting worker thread %d: %s"
                              % (len(threads), exc_message(exc)))
    return threads


def run_mode(mode, mod, path, workers, size):
    """Run one sample of the imported workload `mod` in `mode`."""
    if mode == "threads":
        from .threads import run_threads
        return run_threads(mod, workers, size)
    if mode == "processes":
        from .processes import run_processes
        return run_processes(mod, path, workers, size)
    from .subinterpreters import run_subinterpreters
    return run_subinterpreters(mod, path, workers, size)
