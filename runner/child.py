"""The server's side of one worker: start it in a fresh process group, feed
it its token, capture its output tails, read its result line, enforce the
timeout and the output limit, kill what is left, and classify failures."""

import json
import os
import signal
import sys
import threading
import time

from .common import PROTOCOL_VERSION, classify, exc_message, oom_kill_count, signal_name

TAIL_BYTES = 64 * 1024            # kept tail of each of stdout / stderr
TAIL_LINES = 40                   # lines of that tail reported in a sample
OUTPUT_LIMIT = 16 * 1024 * 1024   # total stdout+stderr bytes before kill
RESULT_LINE_MAX = 4 * 1024 * 1024  # longest result line accepted
READER_JOIN_S = 5.0

#: This package's folder (a worker runs a compiled copy, see _worker_script).
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class _Tail(object):
    def __init__(self):
        self.buf = bytearray()

    def add(self, chunk):
        self.buf += chunk
        if len(self.buf) > 2 * TAIL_BYTES:
            del self.buf[:-TAIL_BYTES]

    def text(self):
        data = bytes(self.buf[-TAIL_BYTES:])
        text = data.decode("utf-8", "replace")
        lines = text.splitlines(True)
        if len(lines) > TAIL_LINES:
            text = "".join(lines[-TAIL_LINES:])
        return text


class ChildOutcome(object):
    def __init__(self):
        self.payload = None
        self.payload_error = None
        self.stdout_tail = ""
        self.stderr_tail = ""
        self.exit_code = None
        self.signal = None
        self.timed_out = False
        self.output_limited = False
        self.oom_killed = False
        self.duration_ns = None
        self.spawn_error = None
        self.spawn_kind = None


_current_child = {"proc": None}


def kill_current_child():
    """Kill the running worker's process group, if any (on SIGTERM etc.)."""
    proc = _current_child.get("proc")
    if proc is not None:
        _killpg(proc.pid)


def _killpg(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


_compiled_runner = []


def _worker_script():
    """The package's __main__ in a copy of the package compiled once into a
    private temporary folder, so that each worker starts from bytecode
    instead of compiling the runner again (about 20 ms a sample).  Falls
    back to the source where nothing is writable.  The worker runs that
    file rather than the folder: the same start-up, without runpy."""
    if not _compiled_runner:
        import py_compile
        import tempfile
        try:
            target = os.path.join(tempfile.mkdtemp(prefix="gilbench-runner-"),
                                  os.path.basename(PACKAGE_DIR))
            for folder, subdirs, names in os.walk(PACKAGE_DIR):
                subdirs[:] = [d for d in subdirs if d != "__pycache__"]
                for name in sorted(names):
                    if name.endswith(".py"):
                        source = os.path.join(folder, name)
                        relative = os.path.relpath(source, PACKAGE_DIR)
                        py_compile.compile(source, cfile=os.path.join(target, relative + "c"),
                                           doraise=True)
            _compiled_runner.append(os.path.join(target, "__main__.pyc"))
        except (OSError, py_compile.PyCompileError):
            _compiled_runner.append(os.path.join(PACKAGE_DIR, "__main__.py"))
    return _compiled_runner[0]


def _chunks(fd):
    """What a pipe delivers until its writers close it (or it breaks)."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except InterruptedError:
            continue
        except OSError:
            return
        if not chunk:
            return
        yield chunk


def run_child(worker_args, timeout_s, extra_env=None, script=None):
    """Run `runner worker ...` in a fresh process group; see workloads/README.md.
    Given `script`, run that file with `worker_args` instead, the same way:
    a program of its own, which gets no token and no result pipe."""
    import secrets
    import subprocess
    out = ChildOutcome()
    token = secrets.token_hex(16)
    env = dict(os.environ)
    for key, value in (extra_env or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    r_fd, w_fd = os.pipe()
    # -B: never write __pycache__ next to the workloads (often a bind mount).
    if script is None:
        cmd = [sys.executable, "-B", _worker_script(), "worker", "--result-fd", str(w_fd)]
        pass_fds, feed = (w_fd,), token.encode("ascii") + b"\n"
    else:
        cmd, pass_fds, feed = [sys.executable, "-B", script], (), b""
    cmd += list(worker_args)
    oom_before = oom_kill_count()
    t0 = time.perf_counter_ns()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=pass_fds,
                                start_new_session=True, env=env, close_fds=True)
    except BaseException as exc:
        os.close(r_fd)
        os.close(w_fd)
        out.spawn_error = "cannot start worker process: " + exc_message(exc)
        out.spawn_kind = classify(exc, spawning=True)
        if out.spawn_kind == "exception":
            out.spawn_kind = "protocol"
        return out
    os.close(w_fd)
    _current_child["proc"] = proc

    lock = threading.Lock()
    state = {"total": 0, "limited": False}
    tails = {"stdout": _Tail(), "stderr": _Tail()}
    result = {"line": None}

    def drain(fd, tail):
        for chunk in _chunks(fd):
            with lock:
                if state["limited"]:
                    continue
                state["total"] += len(chunk)
                tail.add(chunk)
                if state["total"] > OUTPUT_LIMIT:
                    state["limited"] = True
                    _killpg(proc.pid)

    prefix = token.encode("ascii") + b" "

    def read_results():
        pending = bytearray()
        discarding = False
        for chunk in _chunks(r_fd):
            pending += chunk
            while True:
                nl = pending.find(b"\n")
                if nl < 0:
                    if len(pending) > RESULT_LINE_MAX:
                        del pending[:]
                        discarding = True
                    break
                line = bytes(pending[:nl])
                del pending[:nl + 1]
                if discarding:
                    discarding = False
                    continue
                if line.startswith(prefix):
                    result["line"] = line[len(prefix):]

    readers = [
        threading.Thread(target=drain, args=(proc.stdout.fileno(), tails["stdout"])),
        threading.Thread(target=drain, args=(proc.stderr.fileno(), tails["stderr"])),
        threading.Thread(target=read_results),
    ]
    for t in readers:
        t.daemon = True
        t.start()

    try:
        proc.stdin.write(feed)
        proc.stdin.flush()
    except (BrokenPipeError, OSError):
        pass
    try:
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass

    exited = threading.Event()

    def waiter():
        # WNOWAIT: the child stays a zombie, so its pid/pgid cannot be
        # reused before we kill the rest of its process group.
        try:
            if hasattr(os, "waitid"):
                os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
            else:  # e.g. macOS: reap directly
                proc.wait()
        except (ChildProcessError, OSError):
            pass
        exited.set()

    wt = threading.Thread(target=waiter)
    wt.daemon = True
    wt.start()
    if not exited.wait(timeout_s):
        out.timed_out = True
        _killpg(proc.pid)
        exited.wait()
    out.duration_ns = time.perf_counter_ns() - t0
    _killpg(proc.pid)  # stragglers: leftover grandchildren of the sample
    proc.wait()
    _current_child["proc"] = None
    for t in readers:
        t.join(READER_JOIN_S)
    for f in (proc.stdout, proc.stderr):
        try:
            f.close()
        except OSError:
            pass
    if not readers[2].is_alive():
        try:
            os.close(r_fd)
        except OSError:
            pass

    with lock:
        out.output_limited = state["limited"]
        out.stdout_tail = tails["stdout"].text()
        out.stderr_tail = tails["stderr"].text()
    code = proc.returncode
    if code is not None and code < 0:
        out.signal = -code
    else:
        out.exit_code = code
    if out.signal == signal.SIGKILL and not out.timed_out and not out.output_limited:
        after = oom_kill_count()
        out.oom_killed = bool(oom_before is not None and after is not None
                              and after > oom_before)
    line = result["line"]
    if line is not None:
        try:
            payload = json.loads(line.decode("utf-8", "replace"))
            if not isinstance(payload, dict) or payload.get("v") != PROTOCOL_VERSION:
                raise ValueError("not a v%d result object" % PROTOCOL_VERSION)
            out.payload = payload
        except ValueError as exc:
            out.payload_error = "invalid result line: %s" % exc
    return out


def child_failure(out, what):
    """(kind, message) when the child itself failed, else None."""
    if out.spawn_error:
        return out.spawn_kind, out.spawn_error
    if out.output_limited:
        return "output_limit", "%s wrote more than %d bytes to stdout/stderr and was killed" \
            % (what, OUTPUT_LIMIT)
    if out.timed_out:
        return "timeout", None  # message filled in by caller
    if out.signal is not None:
        if out.oom_killed:
            return "oom", "%s was killed by the OOM killer (SIGKILL, cgroup oom_kill rose)" % what
        return "signal", "%s was killed by signal %d (%s)" % (
            what, out.signal, signal_name(out.signal))
    if out.payload is None:
        detail = out.payload_error or "no valid result line"
        return "protocol", "%s exited with code %s without a valid result (%s)" % (
            what, out.exit_code, detail)
    if out.exit_code != 0:
        return "protocol", "%s reported a result but exited with code %s" % (
            what, out.exit_code)
    return None
