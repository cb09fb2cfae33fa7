"""Threads mode: N threads of the worker's own interpreter."""

import threading
import time

from ..common import classify, exc_message, print_exc
from . import (
    WorkloadFailure, maxrss_kb_self, new_errors, record_error, release_and_join,
    start_threads,
)


def run_threads(mod, workers, size, gil_watch):
    setup = getattr(mod, "setup", None)
    try:
        with gil_watch:
            state = setup(size, workers) if setup is not None else None
    except BaseException as exc:
        print_exc("exception in setup", exc)
        raise WorkloadFailure(classify(exc), "in setup: " + exc_message(exc))
    work = mod.work
    barrier = threading.Barrier(workers + 1)
    results = [None] * workers
    cpu = [None] * workers
    errors = new_errors()

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
        "max_rss_kb": maxrss_kb_self(),
    }
