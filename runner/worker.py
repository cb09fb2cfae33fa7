"""The per-sample child (``runner worker ...``): read the token, secure the
result pipe, answer one request, report one result line, exit.

A worker is started for every sample, and its start-up is part of the
per-sample overhead: it imports only the modules its request needs, never
the server's (server.py, child.py), nor platform, secrets, subprocess or
sysconfig (only a facts request imports platform and sysconfig).
"""

import errno
import faulthandler
import os
import sys

from .common import MODES, PROTOCOL_VERSION, dumps, exc_message, gil_enabled, print_exc


def _guard_fork():
    """Tag the error of an ``os.fork`` refused for lack of process slots (the
    container's pids limit), so that a fork bomb reads as ``resource_limit``
    and not as an ordinary exception."""
    real_fork = getattr(os, "fork", None)
    if real_fork is None:
        return

    def fork():
        try:
            return real_fork()
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                exc._gilbench_resource_limit = True
            raise

    os.fork = fork


def _read_token():
    data = b""
    while b"\n" not in data and len(data) < 1024:
        try:
            chunk = os.read(0, 1024 - len(data))
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].strip().decode("ascii", "replace")


def _detach_stdin():
    try:
        fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)
        sys.stdin = open(0, "r", closefd=False)
    except OSError:
        pass


def _secure_result_fd(fd):
    """Move the result pipe to a high, close-on-exec fd."""
    import fcntl
    try:
        new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 200)
    except OSError:
        return fd
    os.close(fd)
    return new


def _emit(fd, token, payload):
    payload = dict(payload)
    payload["v"] = PROTOCOL_VERSION
    line = ("\n" + token + " " + dumps(payload) + "\n").encode("ascii")
    view = memoryview(line)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:
            continue
        view = view[n:]


def main(argv):
    """``runner worker --result-fd N ...``: answer one request, then exit."""
    import argparse

    gil_at_start = gil_enabled()
    parser = argparse.ArgumentParser(prog="runner worker")
    parser.add_argument("--result-fd", type=int, required=True)
    parser.add_argument("--facts", action="store_true")
    parser.add_argument("--after-import")
    parser.add_argument("--describe", nargs="+")
    parser.add_argument("--workload")
    parser.add_argument("--mode", choices=MODES, default="threads")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--size", type=int)
    parser.add_argument("--warmup", action="store_true")
    parser.add_argument("--owner-first", action="store_true")
    parser.add_argument("--warm-calls", type=int, default=0)
    args = parser.parse_args(argv)

    token = _read_token()
    _detach_stdin()
    out_fd = _secure_result_fd(args.result_fd)
    _guard_fork()
    # A crash dumps the Python stacks to stderr (kept in stderr_tail).  The
    # C stack that 3.14+ adds would push them out of the tail.
    try:
        faulthandler.enable(file=sys.__stderr__, all_threads=True, c_stack=False)
    except TypeError:
        try:
            faulthandler.enable(file=sys.__stderr__, all_threads=True)
        except Exception:
            pass
    except Exception:
        pass
    try:
        if args.facts:
            from .facts import collect_facts
            payload = {"facts": collect_facts(gil_at_start, args.after_import)}
        elif args.describe:
            from .workload import describe_files
            payload = {"workloads": describe_files(args.describe)}
        elif args.workload:
            from .sample import run_sample
            payload = {"sample": run_sample(args.workload, args.mode, args.workers,
                                            args.size, args.warmup, args.owner_first,
                                            args.warm_calls)}
        else:
            payload = {"error": "worker: nothing to do"}
    except BaseException as exc:
        print_exc("worker internal error", exc)
        payload = {"error": "worker internal error: " + exc_message(exc)}
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    _emit(out_fd, token, payload)
    # Skip interpreter shutdown: leftover non-daemon threads, atexit hooks
    # or a slow finalisation of the workload must not affect the sample.
    os._exit(0)
