"""Threads mode: N threads of the worker's own interpreter.

At one thread the work also runs, on a fresh state, in the thread that
built that state (the sample's main thread), in an order the request
chooses: single-thread costs are defined that way (pyperf and
pyperformance time in the owning thread), while speedups compare worker
threads with worker threads. On a free-threaded build the two differ: a
thread using objects another thread created takes the slower shared
reference-count path. Memory at one thread is that of the run which came
first, from a fresh process: the second could reuse memory the first freed
and the allocator kept.
"""

import threading
import time

from ..common import classify, exc_message, print_exc
from ..memory import PeakWatch
from . import (
    WorkloadFailure, maxrss_kb_self, new_errors, record_error, release_and_join,
    start_threads,
)


def _setup(mod, size, workers, gil_watch):
    """The workload's state, built in this thread under `gil_watch`."""
    setup = getattr(mod, "setup", None)
    try:
        with gil_watch:
            return setup(size, workers) if setup is not None else None
    except BaseException as exc:
        print_exc("exception in setup", exc)
        raise WorkloadFailure(classify(exc), "in setup: " + exc_message(exc))


def warm_calls(mod, size, calls, gil_watch):
    """`calls` untimed calls of the work in this thread, each on a fresh
    state, before the timed section (pyperf's warmups): a JIT compiles the
    hot code of this process.  Returns each call's wall time; the first is
    the cold time.  A failure fails the sample."""
    times = []
    for call in range(calls):
        state = _setup(mod, size, 1, gil_watch)
        t0 = time.perf_counter_ns()
        try:
            mod.work(state, 0, 1, size)
        except BaseException as exc:
            print_exc("exception in warm-up call %d" % (call + 1), exc)
            raise WorkloadFailure(classify(exc), "in warm-up call %d: %s"
                                  % (call + 1, exc_message(exc)))
        times.append(time.perf_counter_ns() - t0)
    return times


def run_threads(mod, workers, size, gil_watch, owner_first=False):
    if workers != 1:
        return _in_worker_threads(mod, workers, size, gil_watch)
    if owner_first:
        owner = _in_owner_thread(mod, size, gil_watch)
        out = _in_worker_threads(mod, workers, size, gil_watch)
    else:
        out = _in_worker_threads(mod, workers, size, gil_watch)
        owner = _in_owner_thread(mod, size, gil_watch)
    memory = (owner if owner_first else out)["memory"]
    out["errors"].extend(owner.pop("errors"))
    out.update(owner)
    out["memory"] = memory
    return out


def _in_owner_thread(mod, size, gil_watch):
    state = _setup(mod, size, 1, gil_watch)
    errors = new_errors()
    memory = PeakWatch()
    t0 = time.perf_counter_ns()
    try:
        value = mod.work(state, 0, 1, size)
    except BaseException as exc:
        record_error(errors, None, exc, "exception in work (owning thread)")
        value = None
    wall_ns = time.perf_counter_ns() - t0
    return {"owner_wall_ns": wall_ns, "owner_results": [value], "errors": errors,
            "memory": memory.result()}


def _in_worker_threads(mod, workers, size, gil_watch):
    state = _setup(mod, size, workers, gil_watch)
    work = mod.work
    barrier = threading.Barrier(workers + 1)
    results = [None] * workers
    cpu = [None] * workers
    errors = new_errors()
    # Before the threads start: their stacks are part of what workers cost.
    memory = PeakWatch()

    def target(index):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return
        c0 = time.thread_time_ns()
        try:
            value = work(state, index, workers, size)
        except BaseException as exc:
            cpu[index] = time.thread_time_ns() - c0
            record_error(errors, index, exc, "exception in work")
            return
        cpu[index] = time.thread_time_ns() - c0
        results[index] = value

    threads = start_threads(workers, target, "gilbench-worker", barrier,
                             report=True)
    wall_ns, cpu_ns = release_and_join(barrier, threads)
    return {
        "wall_ns": wall_ns, "cpu_ns": cpu_ns, "worker_cpu_ns": cpu,
        "results": results, "errors": errors,
        "max_rss_kb": maxrss_kb_self(), "memory": memory.result(),
    }
