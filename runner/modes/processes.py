"""Processes mode: N multiprocessing workers (fork where available).

Memory is the parent's and every worker's added together, after setup and
at the peak: the sum of the processes' peaks, which is the peak of their
sum when they peak together (as workers doing the same work do) and an
upper bound otherwise. Pages a forked worker still shares with the parent
count in each process that maps them.
"""

import os
import signal
import time

from ..common import classify, exc_message, oom_kill_count, print_exc, signal_name
from ..gilwatch import GilImportWatch
from ..memory import PeakWatch
from ..workload import import_workload
from . import WorkloadFailure, catch_thread_exceptions, maxrss_kb, new_errors


def _relocate_conn(conn):
    """Move a worker's result pipe out of the low fd range (see workloads/README.md)."""
    try:
        import fcntl
        from multiprocessing.connection import Connection
        fd = fcntl.fcntl(conn.fileno(), fcntl.F_DUPFD_CLOEXEC, 300)
    except Exception:
        return conn
    conn.close()
    return Connection(fd, readable=False, writable=True)


def _process_entry(path, index, workers, size, start, abort, conn):
    """Body of one processes-mode worker (runs in the child process)."""
    conn = _relocate_conn(conn)
    thread_errors = []
    catch_thread_exceptions(thread_errors, " (worker %d)" % index)
    gil_watch = GilImportWatch()
    try:
        with gil_watch:
            mod = import_workload(path)
            setup = getattr(mod, "setup", None)
            state = setup(size, workers) if setup is not None else None
    except BaseException as exc:
        print_exc("exception in setup (process worker %d)" % index, exc)
        _safe_send(conn, ("error", classify(exc),
                          "in setup (worker %d): %s" % (index, exc_message(exc))))
        return
    memory = PeakWatch()
    _safe_send(conn, ("ready", gil_watch.gil_on(), gil_watch.enabled_by, memory.setup_kb))
    start.wait()
    if abort.is_set():
        _safe_send(conn, ("aborted",))
        return
    c0 = time.process_time_ns()
    try:
        value = mod.work(state, index, workers, size)
    except BaseException as exc:
        print_exc("exception in work (process worker %d)" % index, exc)
        _safe_send(conn, ("error", classify(exc),
                          "exception in work (worker %d): %s" % (index, exc_message(exc))))
        return
    c1 = time.process_time_ns()
    if thread_errors:
        _safe_send(conn, ("error",) + tuple(thread_errors[0]))
        return
    try:
        conn.send(("done", value, c1 - c0, memory.peak_kb()))
    except BaseException as exc:
        print_exc("cannot send result (process worker %d)" % index, exc)
        _safe_send(conn, ("error", "exception",
                          "worker %d result cannot be sent back: %s"
                          % (index, exc_message(exc))))


def _safe_send(conn, msg):
    try:
        conn.send(msg)
    except BaseException:
        pass


def run_processes(mod, path, workers, size):
    import multiprocessing
    from multiprocessing.connection import wait as mp_wait

    methods = multiprocessing.get_all_start_methods()
    method = "fork" if "fork" in methods else "spawn"
    ctx = multiprocessing.get_context(method)
    oom_before = oom_kill_count()
    # The start line is a pair of Events, not a multiprocessing.Barrier: a
    # Barrier keeps its counters in an mmap'd file whose fd every worker
    # inherits, so a workload writing to stray fds could corrupt it.
    # Events are made of semaphores only.
    try:
        start = ctx.Event()
        abort = ctx.Event()
    except BaseException as exc:
        raise WorkloadFailure(classify(exc, spawning=True),
                              "cannot create multiprocessing events: %s"
                              % exc_message(exc))
    procs = []
    conns = []
    errors = new_errors()
    try:
        for i in range(workers):
            recv_end, send_end = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_process_entry,
                            args=(path, i, workers, size, start, abort, send_end),
                            name="gilbench-worker-%d" % i)
            p.daemon = True
            p.start()
            send_end.close()
            procs.append(p)
            conns.append(recv_end)
    except BaseException as exc:
        abort.set()
        start.set()
        _reap(procs)
        print_exc("cannot start worker process", exc)
        raise WorkloadFailure(classify(exc, spawning=True),
                              "starting worker process %d: %s"
                              % (len(procs), exc_message(exc)))

    results = [None] * workers
    cpu = [None] * workers
    # (gil_enabled, gil_enabled_by) of each worker once it is set up.
    gil_states = []
    setup_kb = []
    peak_kb = []

    def death_error(i):
        code = procs[i].exitcode
        if code is not None and code < 0:
            signum = -code
            if signum == signal.SIGKILL:
                after = oom_kill_count()
                if oom_before is not None and after is not None and after > oom_before:
                    return ("oom", "process worker %d was OOM-killed" % i)
            return ("signal", "process worker %d killed by signal %d (%s)"
                    % (i, signum, signal_name(signum)))
        return ("protocol", "process worker %d exited with code %s without reporting"
                % (i, code))

    def collect(expect):
        """Wait until every pending worker sent `expect` or failed."""
        pending = set(i for i in range(workers) if results[i] is None
                      and i not in failed)
        while pending:
            waitables = {}
            for i in pending:
                if i not in eof:
                    waitables[conns[i]] = ("conn", i)
                waitables[procs[i].sentinel] = ("proc", i)
            for obj in mp_wait(list(waitables)):
                what, i = waitables[obj]
                if i not in pending:
                    continue
                if what == "proc" and procs[i].exitcode is None:
                    # A readable sentinel normally means "exited", but the
                    # workload may have written junk into the inherited write
                    # end: drain it; EOF means the process is really exiting.
                    try:
                        junk = os.read(procs[i].sentinel, 65536)
                    except OSError:
                        junk = b""
                    if junk:
                        continue
                    procs[i].join()
                msg = None
                if i not in eof and (what == "conn" or conns[i].poll()):
                    try:
                        msg = conns[i].recv()
                    except (EOFError, OSError):
                        msg = None
                    except BaseException as exc:
                        msg = ("error", "exception", "worker %d result cannot be "
                               "received: %s" % (i, exc_message(exc)))
                if msg is None:
                    eof.add(i)
                    if procs[i].exitcode is not None:
                        procs[i].join()
                        errors.append(death_error(i))
                        failed.add(i)
                        pending.discard(i)
                    continue
                tag = msg[0]
                if tag == expect == "ready":
                    gil_states.append(msg[1:3])
                    setup_kb.append(msg[3])
                    pending.discard(i)
                elif tag == "done" and expect == "done":
                    results[i] = msg[1]
                    cpu[i] = msg[2]
                    peak_kb.append(msg[3])
                    pending.discard(i)
                elif tag == "error":
                    errors.append((msg[1], msg[2]))
                    failed.add(i)
                    pending.discard(i)
                elif tag == "aborted":
                    failed.add(i)
                    pending.discard(i)

    failed = set()
    eof = set()
    collect("ready")
    if failed:
        abort.set()
        start.set()
        _reap(procs)
        return {"wall_ns": None, "cpu_ns": None, "worker_cpu_ns": cpu,
                "results": results, "errors": errors,
                "max_rss_kb": None, "start_method": method}
    # Every worker finished its setup and waits on `start`: go.
    memory = PeakWatch()
    t0 = time.perf_counter_ns()
    c0 = time.process_time_ns()
    start.set()
    collect("done")
    for p in procs:
        p.join()
    t1 = time.perf_counter_ns()
    c1 = time.process_time_ns()
    cpu_total = (c1 - c0) + sum(c for c in cpu if c is not None)
    parent = memory.result()
    rss = None
    try:
        import resource
        rss = maxrss_kb(resource.RUSAGE_SELF) + maxrss_kb(resource.RUSAGE_CHILDREN)
    except ImportError:
        pass
    return {"wall_ns": t1 - t0, "cpu_ns": cpu_total, "worker_cpu_ns": cpu,
            "results": results, "errors": errors, "max_rss_kb": rss,
            "start_method": method,
            "memory": {"rss_setup_kb": _total([parent["rss_setup_kb"]] + setup_kb),
                       "rss_peak_kb": _total([parent["rss_peak_kb"]] + peak_kb)},
            "gil_enabled": any(on for on, _ in gil_states),
            "gil_enabled_by": next((by for _, by in gil_states if by), None)}


def _total(values):
    """The sum, or None when a process had no figure."""
    return None if None in values else sum(values)


def _reap(procs):
    for p in procs:
        p.join(5)
        if p.is_alive():
            p.kill()
            p.join()
