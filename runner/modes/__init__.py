"""The three ways a worker runs a workload's `work` in parallel: threads,
processes and subinterpreters (one module each, imported only when its
mode runs), and what they share.

Each ``run_*`` function returns a dict with wall_ns, cpu_ns,
worker_cpu_ns, results, errors (a list of (kind, message)), max_rss_kb and
memory (rss_setup_kb and rss_peak_kb, see runner/memory.py), or raises
WorkloadFailure.  Processes mode adds gil_enabled and
gil_enabled_by: whether the GIL was on in a worker process after its setup,
and which import there turned it on.
"""

import sys
import threading
import time

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


def release_and_join(barrier, threads):
    """Release the worker threads waiting at `barrier` (the caller is its
    last party) and join them all: (wall_ns, cpu_ns) of that section."""
    barrier.wait()
    t0 = time.perf_counter_ns()
    c0 = time.process_time_ns()
    for t in threads:
        t.join()
    t1 = time.perf_counter_ns()
    c1 = time.process_time_ns()
    return t1 - t0, c1 - c0


def catch_thread_exceptions(errors, where=""):
    """From now on, an exception that ends any thread (other than
    SystemExit) is appended to `errors` as (kind, message), then passed on
    to the hook it replaces.  Returns that hook, for the caller to restore.
    `where` is added after the thread's name in the message."""
    previous_hook = threading.excepthook

    def excepthook(args):
        if args.exc_type is SystemExit:
            return
        exc = args.exc_value if args.exc_value is not None else args.exc_type()
        errors.append((classify(exc),
                       truncate("exception in thread %s%s: %s"
                                % (getattr(args.thread, "name", "?"), where,
                                   exc_message(exc)))))
        try:
            previous_hook(args)
        except Exception:
            pass

    threading.excepthook = excepthook
    return previous_hook


def run_mode(mode, mod, path, workers, size, gil_watch, owner_first=False):
    """Run one sample of the imported workload `mod` in `mode`.  Threads
    mode sets up in this process, under `gil_watch`; worker processes watch
    their own setup, and subinterpreters have a GIL each."""
    if mode == "threads":
        from .threads import run_threads
        return run_threads(mod, workers, size, gil_watch, owner_first)
    if mode == "processes":
        from .processes import run_processes
        return run_processes(mod, path, workers, size)
    from .subinterpreters import run_subinterpreters
    return run_subinterpreters(mod, path, workers, size)
