#!/usr/bin/env python3
"""gilbench in-container runner (standard library only, CPython 3.9+).

Run the folder itself: ``python3 <dir>/runner <subcommand>``.

Subcommands:

  runner serve
      Long-lived protocol server.  Reads one JSON request per line on stdin,
      writes exactly one JSON response line per request on stdout.  Every
      line carries "v": 1.  Each sample runs in a FRESH interpreter child
      (``runner worker``), see workloads/README.md for the full protocol.

  runner worker --result-fd N (--facts [--after-import P] |
                               --describe P [P ...] |
                               --workload P --mode M --workers N ...)
      The child.  Reads a per-run token from stdin first thing, then reports
      exactly one result line "<token> <json>" on the pipe fd N.

  runner run PATH [--mode M] [--workers N] [--size S] [--timeout T]
  runner facts [--after-import PATH]
  runner describe PATH [PATH ...]
      Human conveniences: run one request through the same machinery as
      ``serve`` and print the JSON response.

This package must run unchanged on CPython 3.9 .. 3.15, on default,
free-threaded and JIT builds: no match statements, no ``X | Y`` type syntax,
no newer-than-3.9 library calls without a guard.
"""

import os
import sys

# Running the folder puts the folder itself first on sys.path: drop it, so
# that nothing next to the runner's own files can shadow the standard
# library.  Its parent (the bench dir) holds no workloads, and is never put
# on sys.path.
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
if sys.path and sys.path[0] and os.path.abspath(sys.path[0]) == PACKAGE_DIR:
    del sys.path[0]

import errno
import faulthandler
import hashlib
import json
import re
import signal
import threading
import time
import traceback

# platform, secrets, subprocess and sysconfig are imported where they are used:
# the worker, started for every sample, does not need them, and each import
# adds to the time between samples.

PROTOCOL_VERSION = 1

MODES = ("threads", "processes", "subinterpreters")
CATEGORIES = ("cpu", "objects", "contention", "native", "io")
SCALINGS = ("weak", "strong")

#: Failure kinds (see README.md, "Failure kinds").
KINDS = (
    "import_error", "exception", "wrong_result", "timeout", "signal", "oom",
    "output_limit", "protocol", "resource_limit",
)

TAIL_BYTES = 64 * 1024            # kept tail of each of stdout / stderr
TAIL_LINES = 40                   # lines of that tail reported in a sample
OUTPUT_LIMIT = 16 * 1024 * 1024   # total stdout+stderr bytes before kill
RESULT_LINE_MAX = 4 * 1024 * 1024  # longest result line accepted
MAX_REQUEST_BYTES = 4 * 1024 * 1024
MESSAGE_MAX = 4000
REPR_MAX = 200
DEFAULT_TIMEOUT_S = 60.0
READER_JOIN_S = 5.0

ENV_FACTS = (
    "PYTHON_GIL", "PYTHON_JIT", "PYTHONMALLOC", "PYTHONHASHSEED",
    "PYTHON_CPU_COUNT", "PYTHONDEVMODE", "PYTHONOPTIMIZE",
    "PYTHONFAULTHANDLER", "PYTHONPERFSUPPORT", "PYTHON_PERF_JIT_SUPPORT",
    "PYTHONUNBUFFERED", "PYTHONPATH", "PYTHON_THREAD_INHERIT_CONTEXT",
    "PYTHON_CONTEXT_AWARE_WARNINGS", "PYTHONWARNINGS",
)


# ---------------------------------------------------------------------------
# Small helpers shared by server and worker
# ---------------------------------------------------------------------------

def _gil_enabled():
    """sys._is_gil_enabled() where it exists (3.13+), else True."""
    fn = getattr(sys, "_is_gil_enabled", None)
    if fn is None:
        return True
    try:
        return bool(fn())
    except Exception:
        return True


def _have_subinterpreters():
    try:
        import concurrent.interpreters  # noqa: F401  (3.14+)
    except Exception:
        return False
    return True


def _truncate(text, limit=MESSAGE_MAX):
    if text is None:
        return None
    if len(text) > limit:
        return text[: limit - 15] + "...[truncated]"
    return text


def _exc_message(exc):
    try:
        text = str(exc)
    except Exception:
        text = "<unprintable exception>"
    name = type(exc).__name__
    return _truncate(name + ": " + text if text else name)


def _short_repr(obj):
    try:
        text = repr(obj)
    except Exception as exc:  # a hostile __repr__
        text = "<repr failed: %s>" % _exc_message(exc)
    if len(text) > REPR_MAX:
        text = text[: REPR_MAX - 3] + "..."
    return text


def _clean(obj):
    """Make a value safe for strict JSON parsers (no lone surrogates, no NaN)."""
    if isinstance(obj, str):
        return obj.encode("utf-8", "replace").decode("utf-8")
    if isinstance(obj, float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            return None
        return obj
    if isinstance(obj, dict):
        return dict((_clean(str(k)), _clean(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def _dumps(obj):
    return json.dumps(_clean(obj), ensure_ascii=True, allow_nan=False,
                      separators=(",", ":"))


def _read_text(path, limit=4096):
    try:
        with open(path, "rb") as f:
            data = f.read(limit)
    except OSError:
        return None
    return data.decode("utf-8", "replace").strip()


def _oom_kill_count():
    """The cgroup's oom_kill counter (v2 memory.events, v1 oom_control)."""
    for path in ("/sys/fs/cgroup/memory.events",
                 "/sys/fs/cgroup/memory/memory.oom_control"):
        text = _read_text(path)
        if text is None:
            continue
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "oom_kill":
                try:
                    return int(parts[1])
                except ValueError:
                    return None
    return None


def _signal_name(signum):
    try:
        return signal.Signals(signum).name
    except Exception:
        return "signal %d" % signum


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _module_name_for(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    stem = re.sub(r"\W", "_", stem) or "workload"
    digest = hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()
    return "gilbench_wl_%s_%s" % (stem, digest[:10])


def import_workload(path):
    """Import a workload file by path under a unique module name."""
    import importlib.util

    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise ImportError("workload file not found: %s" % path)
    modname = _module_name_for(path)
    if modname in sys.modules:
        return sys.modules[modname]
    wdir = os.path.dirname(path)
    if wdir not in sys.path:
        # Lets a workload import helper modules (e.g. _common.py) next to
        # it; appended, so that it never shadows the standard library.
        sys.path.append(wdir)
    spec = importlib.util.spec_from_file_location(modname, path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot load a Python module from %s" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(modname, None)
        raise
    return module


def workload_meta(module, path):
    """Validate the workload API; returns (meta dict, error string or None)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    meta = {
        "name": stem, "path": os.path.abspath(path), "category": None,
        "scaling": None, "description": None, "size": None,
        "modes": [], "error": None,
    }
    problems = []
    name = getattr(module, "NAME", stem)
    if isinstance(name, str) and name:
        meta["name"] = name
    else:
        problems.append("NAME must be a non-empty string")
    category = getattr(module, "CATEGORY", None)
    if category in CATEGORIES:
        meta["category"] = category
    else:
        problems.append("CATEGORY must be one of %s (got %r)"
                        % ("/".join(CATEGORIES), category))
    scaling = getattr(module, "SCALING", None)
    if scaling in SCALINGS:
        meta["scaling"] = scaling
    else:
        problems.append("SCALING must be 'weak' or 'strong' (got %r)" % (scaling,))
    description = getattr(module, "DESCRIPTION", None)
    if description is None:
        doc = (getattr(module, "__doc__", None) or "").strip()
        description = doc.splitlines()[0] if doc else ""
    if isinstance(description, str):
        meta["description"] = description.strip()
    else:
        problems.append("DESCRIPTION must be a string")
    size = getattr(module, "SIZE", None)
    if _is_int(size) and size >= 1:
        meta["size"] = size
    else:
        problems.append("SIZE must be a positive int (got %r)" % (size,))
    modes = getattr(module, "MODES", MODES)
    if isinstance(modes, str):
        modes = (modes,)
    try:
        modes = list(modes)
    except TypeError:
        modes = None
    if modes is None or not modes or any(m not in MODES for m in modes):
        problems.append("MODES must be a non-empty subset of %s" % (MODES,))
    else:
        meta["modes"] = [m for m in MODES if m in modes]
    if not callable(getattr(module, "work", None)):
        problems.append("missing required function work(state, worker_index, workers, size)")
    if not callable(getattr(module, "check", None)):
        problems.append("missing required function check(results, size, workers)")
    setup = getattr(module, "setup", None)
    if setup is not None and not callable(setup):
        problems.append("setup must be a function setup(size, workers)")
    if problems:
        meta["error"] = "invalid workload: " + "; ".join(problems)
    return meta, meta["error"]


def expand_paths(paths):
    """Directories expand to their *.py files (not _*.py, not runner.py)."""
    files = []
    for p in paths:
        p = os.path.abspath(p)
        if os.path.isdir(p):
            for entry in sorted(os.listdir(p)):
                if (entry.endswith(".py") and not entry.startswith("_")
                        and entry != "runner.py"
                        and os.path.isfile(os.path.join(p, entry))):
                    files.append(os.path.join(p, entry))
        else:
            files.append(p)
    seen = set()
    out = []
    for f in files:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


# ---------------------------------------------------------------------------
# Interpreter facts (computed in the child)
# ---------------------------------------------------------------------------

def _config_args():
    import sysconfig
    return sysconfig.get_config_var("CONFIG_ARGS") or ""


def detect_jit():
    """Return (jit_built, jit_enabled, jit_detection)."""
    sysjit = getattr(sys, "_jit", None)
    if sysjit is not None and hasattr(sysjit, "is_available"):
        try:
            built = bool(sysjit.is_available())
            enabled = bool(sysjit.is_enabled())
            return built, enabled, "sys._jit.is_available()/is_enabled() (3.14+)"
        except Exception as exc:
            note = "sys._jit failed (%s); " % _exc_message(exc)
    else:
        note = ""
    import sysconfig
    cflags = sysconfig.get_config_var("PY_CORE_CFLAGS") or ""
    args = _config_args()
    built = None
    how = []
    if re.search(r"-D_Py_JIT\b", cflags):
        built = True
        how.append("_Py_JIT in PY_CORE_CFLAGS")
    else:
        m = re.search(r"--enable-experimental-jit(?:=([\w-]+))?", args)
        if m:
            value = m.group(1) or "yes"
            built = value in ("yes", "yes-off")
            how.append("CONFIG_ARGS --enable-experimental-jit=%s" % value)
        else:
            built = False
            how.append("no _Py_JIT in PY_CORE_CFLAGS and no --enable-experimental-jit in CONFIG_ARGS")
    if not built:
        return False, False, note + "; ".join(how)
    try:
        import _testinternalcapi
    except ImportError:
        return True, None, note + "; ".join(how) + \
            "; _testinternalcapi not importable, JIT enabled state unknown"
    get_opt = getattr(_testinternalcapi, "get_optimizer", None)
    if get_opt is None:
        return True, None, note + "; ".join(how) + \
            "; _testinternalcapi.get_optimizer missing, JIT enabled state unknown"
    try:
        opt = get_opt()
    except Exception as exc:
        return True, None, note + "; ".join(how) + \
            "; _testinternalcapi.get_optimizer() failed: %s" % _exc_message(exc)
    tname = type(opt).__name__ if opt is not None else "None"
    enabled = opt is not None and "uop" in tname.lower()
    return True, enabled, note + "; ".join(how) + \
        "; _testinternalcapi.get_optimizer() -> %s" % tname


def _cgroup_facts():
    out = {"cgroup_version": None, "cgroup_cpu_max": None,
           "cgroup_memory_max": None, "cgroup_pids_max": None}
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        out["cgroup_version"] = 2
        out["cgroup_cpu_max"] = _read_text("/sys/fs/cgroup/cpu.max")
        out["cgroup_memory_max"] = _read_text("/sys/fs/cgroup/memory.max")
        out["cgroup_pids_max"] = _read_text("/sys/fs/cgroup/pids.max")
        return out
    # cgroup v1, normalised to the v2 spelling ("max" = unlimited).
    quota = None
    period = None
    for d in ("/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct",
              "/sys/fs/cgroup/cpuacct,cpu"):
        quota = _read_text(os.path.join(d, "cpu.cfs_quota_us"))
        period = _read_text(os.path.join(d, "cpu.cfs_period_us"))
        if quota is not None:
            break
    if quota is not None:
        out["cgroup_version"] = 1
        out["cgroup_cpu_max"] = "%s %s" % ("max" if quota == "-1" else quota,
                                           period or "100000")
    mem = _read_text("/sys/fs/cgroup/memory/memory.limit_in_bytes")
    if mem is not None:
        out["cgroup_version"] = 1
        try:
            out["cgroup_memory_max"] = "max" if int(mem) >= (1 << 62) else mem
        except ValueError:
            out["cgroup_memory_max"] = mem
    pids = _read_text("/sys/fs/cgroup/pids/pids.max")
    if pids is not None:
        out["cgroup_version"] = 1
        out["cgroup_pids_max"] = pids
    return out


def _processes_supported():
    try:
        import multiprocessing
        methods = multiprocessing.get_all_start_methods()
        method = "fork" if "fork" in methods else "spawn"
        ctx = multiprocessing.get_context(method)
        ctx.Lock()  # needs working POSIX semaphores (/dev/shm)
        return True, method, None
    except Exception as exc:
        return False, None, _exc_message(exc)


def collect_facts(gil_at_start, after_import=None):
    import platform
    import sysconfig
    facts = {
        "python_version": platform.python_version(),
        "version": sys.version,
        "implementation": platform.python_implementation(),
        "compiler": platform.python_compiler(),
        "executable": sys.executable,
        "config_args": sysconfig.get_config_var("CONFIG_ARGS"),
        "py_gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled_at_start": gil_at_start,
        "gil_enabled_after_import": None,
        "after_import": None,
        "after_import_error": None,
        "cpu_count": os.cpu_count(),
        "process_cpu_count": None,
        "affinity": None,
        "kernel": platform.release(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "env": dict((k, os.environ.get(k)) for k in ENV_FACTS),
        "switch_interval": sys.getswitchinterval(),
        "has_subinterpreters": _have_subinterpreters(),
        "start_method": None,
        "modes": None,
        "modes_unsupported": {},
        "protocol_version": PROTOCOL_VERSION,
    }
    built, enabled, how = detect_jit()
    facts["jit_built"] = built
    facts["jit_enabled"] = enabled
    facts["jit_detection"] = how
    pcc = getattr(os, "process_cpu_count", None)
    if pcc is not None:
        try:
            facts["process_cpu_count"] = pcc()
        except Exception:
            pass
    getaff = getattr(os, "sched_getaffinity", None)
    if getaff is not None:
        try:
            facts["affinity"] = sorted(getaff(0))
        except Exception:
            pass
    facts.update(_cgroup_facts())
    modes = ["threads"]
    ok, method, why = _processes_supported()
    facts["start_method"] = method
    if ok:
        modes.append("processes")
    else:
        facts["modes_unsupported"]["processes"] = why
    if facts["has_subinterpreters"]:
        modes.append("subinterpreters")
    else:
        facts["modes_unsupported"]["subinterpreters"] = \
            "concurrent.interpreters is not available (needs CPython 3.14+)"
    facts["modes"] = modes
    if after_import:
        facts["after_import"] = os.path.abspath(after_import)
        try:
            import_workload(after_import)
        except BaseException as exc:
            facts["after_import_error"] = _exc_message(exc)
            traceback.print_exc()
        else:
            facts["gil_enabled_after_import"] = _gil_enabled()
    return facts


# ---------------------------------------------------------------------------
# Worker: measuring one sample
# ---------------------------------------------------------------------------

class WorkloadFailure(Exception):
    """A classified failure while running a sample in the worker."""

    def __init__(self, kind, message):
        Exception.__init__(self, message)
        self.kind = kind
        self.message = message


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


def _classify(exc, spawning=False):
    """Map an exception to a failure kind."""
    if getattr(exc, "_gilbench_resource_limit", False):
        return "resource_limit"
    if isinstance(exc, MemoryError):
        return "oom"
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
        return "resource_limit"
    if spawning and isinstance(exc, OSError):
        if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
            return "resource_limit"
        if exc.errno == errno.ENOMEM:
            return "oom"
    return "exception"


def _print_exc(prefix, exc):
    try:
        sys.stderr.write("gilbench: %s\n" % prefix)
        traceback.print_exception(type(exc), exc, exc.__traceback__)
        sys.stderr.flush()
    except Exception:
        pass


def _maxrss_kb(who):
    try:
        import resource
    except ImportError:
        return None
    value = resource.getrusage(who).ru_maxrss
    if sys.platform == "darwin":
        value //= 1024
    return int(value)


def _new_errors():
    return []


def _record_error(errors, index, exc, where, spawning=False):
    kind = _classify(exc, spawning)
    if index is None:
        msg = "%s: %s" % (where, _exc_message(exc))
    else:
        msg = "%s (worker %d): %s" % (where, index, _exc_message(exc))
    errors.append((kind, _truncate(msg)))
    _print_exc(msg, exc)


def _start_threads(workers, target, name, barrier, report=False):
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
            _print_exc("cannot start worker thread", exc)
        raise WorkloadFailure(_classify(exc, spawning=True),
                              "starting worker thread %d: %s"
                              % (len(threads), _exc_message(exc)))
    return threads


def run_threads(mod, workers, size):
    setup = getattr(mod, "setup", None)
    try:
        state = setup(size, workers) if setup is not None else None
    except BaseException as exc:
        _print_exc("exception in setup", exc)
        raise WorkloadFailure(_classify(exc), "in setup: " + _exc_message(exc))
    work = mod.work
    barrier = threading.Barrier(workers + 1)
    results = [None] * workers
    cpu = [None] * workers
    errors = _new_errors()

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
            _record_error(errors, index, exc, "exception in work")
            return
        cpu[index] = time.thread_time_ns() - c0
        results[index] = value

    threads = _start_threads(workers, target, "gilbench-worker", barrier,
                             report=True)
    barrier.wait()
    t0 = time.perf_counter_ns()
    c0 = time.process_time_ns()
    for t in threads:
        t.join()
    t1 = time.perf_counter_ns()
    c1 = time.process_time_ns()
    return {
        "wall_ns": t1 - t0, "cpu_ns": c1 - c0, "worker_cpu_ns": cpu,
        "results": results, "errors": errors,
        "max_rss_kb": _maxrss_kb_self(),
    }


def _maxrss_kb_self():
    try:
        import resource
        return _maxrss_kb(resource.RUSAGE_SELF)
    except ImportError:
        return None


def _relocate_conn(conn):
    """Move a worker's result pipe out of the low fd range (see README)."""
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
    previous_hook = threading.excepthook

    def excepthook(args):
        if args.exc_type is not SystemExit:
            exc = args.exc_value if args.exc_value is not None else args.exc_type()
            thread_errors.append((_classify(exc), "exception in thread %s (worker %d): %s"
                                  % (getattr(args.thread, "name", "?"), index,
                                     _exc_message(exc))))
        try:
            previous_hook(args)
        except Exception:
            pass

    threading.excepthook = excepthook
    try:
        mod = import_workload(path)
        setup = getattr(mod, "setup", None)
        state = setup(size, workers) if setup is not None else None
    except BaseException as exc:
        _print_exc("exception in setup (process worker %d)" % index, exc)
        _safe_send(conn, ("error", _classify(exc),
                          "in setup (worker %d): %s" % (index, _exc_message(exc))))
        return
    _safe_send(conn, ("ready",))
    start.wait()
    if abort.is_set():
        _safe_send(conn, ("aborted",))
        return
    c0 = time.process_time_ns()
    try:
        value = mod.work(state, index, workers, size)
    except BaseException as exc:
        _print_exc("exception in work (process worker %d)" % index, exc)
        _safe_send(conn, ("error", _classify(exc),
                          "exception in work (worker %d): %s" % (index, _exc_message(exc))))
        return
    c1 = time.process_time_ns()
    if thread_errors:
        _safe_send(conn, ("error",) + tuple(thread_errors[0]))
        return
    try:
        conn.send(("done", value, c1 - c0))
    except BaseException as exc:
        _print_exc("cannot send result (process worker %d)" % index, exc)
        _safe_send(conn, ("error", "exception",
                          "worker %d result cannot be sent back: %s"
                          % (index, _exc_message(exc))))


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
    oom_before = _oom_kill_count()
    # The start line is a pair of Events, not a multiprocessing.Barrier: a
    # Barrier keeps its counters in an mmap'd file whose fd every worker
    # inherits, so a workload writing to stray fds could corrupt it.
    # Events are made of semaphores only.
    try:
        start = ctx.Event()
        abort = ctx.Event()
    except BaseException as exc:
        raise WorkloadFailure(_classify(exc, spawning=True),
                              "cannot create multiprocessing events: %s"
                              % _exc_message(exc))
    procs = []
    conns = []
    errors = _new_errors()
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
        _print_exc("cannot start worker process", exc)
        raise WorkloadFailure(_classify(exc, spawning=True),
                              "starting worker process %d: %s"
                              % (len(procs), _exc_message(exc)))

    results = [None] * workers
    cpu = [None] * workers

    def death_error(i):
        code = procs[i].exitcode
        if code is not None and code < 0:
            signum = -code
            if signum == signal.SIGKILL:
                after = _oom_kill_count()
                if oom_before is not None and after is not None and after > oom_before:
                    return ("oom", "process worker %d was OOM-killed" % i)
            return ("signal", "process worker %d killed by signal %d (%s)"
                    % (i, signum, _signal_name(signum)))
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
                               "received: %s" % (i, _exc_message(exc)))
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
                    pending.discard(i)
                elif tag == "done" and expect == "done":
                    results[i] = msg[1]
                    cpu[i] = msg[2]
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
    t0 = time.perf_counter_ns()
    c0 = time.process_time_ns()
    start.set()
    collect("done")
    for p in procs:
        p.join()
    t1 = time.perf_counter_ns()
    c1 = time.process_time_ns()
    cpu_total = (c1 - c0) + sum(c for c in cpu if c is not None)
    rss = None
    try:
        import resource
        rss = _maxrss_kb(resource.RUSAGE_SELF) + _maxrss_kb(resource.RUSAGE_CHILDREN)
    except ImportError:
        pass
    return {"wall_ns": t1 - t0, "cpu_ns": cpu_total, "worker_cpu_ns": cpu,
            "results": results, "errors": errors, "max_rss_kb": rss,
            "start_method": method}


def _reap(procs):
    for p in procs:
        p.join(5)
        if p.is_alive():
            p.kill()
            p.join()


# Code run inside each subinterpreter.  Exceptions never escape `exec`
# (3.14 swallows some, e.g. MemoryError): each step records a status tuple
# which is sent back, pickled to bytes, through a cross-interpreter queue.
_SUB_PREPARE = """\
import sys as _gb_sys, time as _gb_time, pickle as _gb_pickle, traceback as _gb_tb
import threading as _gb_threading
_gb_status = None
_gb_qerr = None
_gb_thread_errors = []
_gb_prev_hook = _gb_threading.excepthook

def _gb_hook(args):
    if args.exc_type is not SystemExit:
        _gb_thread_errors.append((getattr(args.exc_type, "__name__", "Exception"),
                                  "in thread %s: %s" % (getattr(args.thread, "name", "?"),
                                                        args.exc_value)))
    _gb_prev_hook(args)

_gb_threading.excepthook = _gb_hook
try:
    _gb_q
except NameError:
    try:
        from concurrent.interpreters import _queues as _gb_queues
        _gb_q = _gb_queues.Queue(_gb_qid)
    except BaseException as _gb_e:
        _gb_qerr = repr(_gb_e)

def _gb_fail(_gb_e, _gb_phase):
    global _gb_status
    try:
        _gb_tb.print_exc()
    except BaseException:
        pass
    _gb_status = ("error", _gb_phase, type(_gb_e).__name__, str(_gb_e))

def _gb_send():
    try:
        _gb_data = _gb_pickle.dumps(_gb_status)
    except BaseException as _gb_e:
        _gb_data = _gb_pickle.dumps(("error", "send", type(_gb_e).__name__,
                                     "result cannot be pickled: " + str(_gb_e)))
    _gb_q.put(_gb_data)
"""

_SUB_IMPORT = """\
try:
    if _gb_dir not in _gb_sys.path:
        _gb_sys.path.append(_gb_dir)
    import importlib.util as _gb_iu
    _gb_spec = _gb_iu.spec_from_file_location(_gb_modname, _gb_path)
    _gb_mod = _gb_iu.module_from_spec(_gb_spec)
    _gb_sys.modules[_gb_modname] = _gb_mod
    _gb_spec.loader.exec_module(_gb_mod)
    _gb_setup = getattr(_gb_mod, "setup", None)
    _gb_status = ("imported",)
except BaseException as _gb_e:
    _gb_fail(_gb_e, "import")
_gb_send()
"""

_SUB_SETUP = """\
try:
    _gb_state = _gb_setup(_gb_size, _gb_workers) if _gb_setup is not None else None
    _gb_status = ("ready",)
except BaseException as _gb_e:
    _gb_fail(_gb_e, "setup")
_gb_send()
"""

_SUB_WORK = """\
_gb_c0 = _gb_time.thread_time_ns()
try:
    _gb_r = _gb_mod.work(_gb_state, _gb_index, _gb_workers, _gb_size)
    _gb_status = ("done", _gb_r, _gb_time.thread_time_ns() - _gb_c0)
except BaseException as _gb_e:
    _gb_fail(_gb_e, "work")
if _gb_thread_errors and _gb_status[0] == "done":
    _gb_status = ("error", "work", _gb_thread_errors[0][0], _gb_thread_errors[0][1])
"""

_SUB_SEND = "_gb_send()\n"


def run_subinterpreters(mod, path, workers, size):
    import pickle
    from concurrent import interpreters as ci

    modname = _module_name_for(os.path.abspath(path))
    queue = ci.create_queue()
    interps = []
    errors = _new_errors()
    results = [None] * workers
    cpu = [None] * workers

    def receive(index, phase):
        try:
            data = queue.get(timeout=30)
        except Exception as exc:
            return ("error", phase, type(exc).__name__,
                    "no status from subinterpreter %d: %s" % (index, exc))
        try:
            return pickle.loads(data)
        except BaseException as exc:
            return ("error", phase, type(exc).__name__,
                    "cannot unpickle result of subinterpreter %d: %s" % (index, exc))

    def status_failure(index, status, default_kind):
        if not (isinstance(status, tuple) and len(status) == 4):
            return ("protocol", "subinterpreter worker %d sent %s"
                    % (index, _short_repr(status)))
        _, phase, tname, text = status
        kind = "oom" if tname == "MemoryError" else default_kind
        if phase == "import" and tname != "MemoryError":
            kind = "import_error"
        return (kind, _truncate("%s in %s (subinterpreter worker %d): %s: %s"
                                % ("exception", phase, index, tname, text)))

    def run_code(index, code):
        try:
            interps[index].exec(code)
        except ci.ExecutionFailed as exc:
            info = getattr(exc, "excinfo", None)
            tname = getattr(getattr(info, "type", None), "__name__", None) or "Exception"
            text = getattr(info, "msg", None) or str(exc)
            return ("error", "exec", tname, text)
        return None

    try:
        try:
            for i in range(workers):
                it = ci.create()
                interps.append(it)
                it.prepare_main(_gb_path=os.path.abspath(path), _gb_modname=modname,
                                _gb_dir=os.path.dirname(os.path.abspath(path)),
                                _gb_index=i, _gb_workers=workers, _gb_size=size)
                try:
                    it.prepare_main(_gb_q=queue)
                except Exception:
                    it.prepare_main(_gb_qid=int(queue.id))
        except BaseException as exc:
            _print_exc("cannot create subinterpreter", exc)
            raise WorkloadFailure(_classify(exc, spawning=True),
                                  "creating subinterpreter %d: %s"
                                  % (len(interps), _exc_message(exc)))
        for i in range(workers):
            for code, phase, ok_tag, kind in (
                    (_SUB_PREPARE, "prepare", None, "exception"),
                    (_SUB_IMPORT, "import", "imported", "import_error"),
                    (_SUB_SETUP, "setup", "ready", "exception")):
                failure = run_code(i, code)
                if failure is None and ok_tag is not None:
                    status = receive(i, phase)
                    if status[0] != ok_tag:
                        failure = status
                if failure is not None:
                    raise WorkloadFailure(*status_failure(i, failure, kind))

        barrier = threading.Barrier(workers + 1)
        exec_failures = [None] * workers

        def target(index):
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                return
            try:
                exec_failures[index] = run_code(index, _SUB_WORK)
            except BaseException as exc:
                exec_failures[index] = ("error", "work", type(exc).__name__, str(exc))

        threads = _start_threads(workers, target, "gilbench-subinterp", barrier)
        barrier.wait()
        t0 = time.perf_counter_ns()
        c0 = time.process_time_ns()
        for t in threads:
            t.join()
        t1 = time.perf_counter_ns()
        c1 = time.process_time_ns()

        for i in range(workers):
            if exec_failures[i] is not None:
                errors.append(status_failure(i, exec_failures[i], "exception"))
                continue
            failure = run_code(i, _SUB_SEND)
            status = failure if failure is not None else receive(i, "send")
            if status[0] == "done":
                results[i] = status[1]
                cpu[i] = status[2]
            elif status[0] == "error":
                errors.append(status_failure(i, status, "exception"))
            else:
                errors.append(("protocol", "subinterpreter worker %d sent %r"
                               % (i, _short_repr(status))))
        return {"wall_ns": t1 - t0, "cpu_ns": c1 - c0, "worker_cpu_ns": cpu,
                "results": results, "errors": errors,
                "max_rss_kb": _maxrss_kb_self()}
    finally:
        for it in interps:
            try:
                it.close()
            except Exception:
                pass


def _new_sample(mode, workers, size, warmup):
    return {
        "status": "ok", "kind": None, "message": None,
        "wall_ns": None, "cpu_ns": None, "worker_cpu_ns": None,
        "max_rss_kb": None, "check": None, "result_repr": None,
        "gil_enabled": None, "gil_enabled_after_import": None,
        "warmup": bool(warmup), "workers": workers, "mode": mode,
        "size": size, "name": None, "scaling": None, "start_method": None,
    }


def _fail(sample, kind, message, status="failed"):
    sample["status"] = status
    sample["kind"] = kind if status == "failed" else None
    sample["message"] = _truncate(message)
    return sample


def run_sample(path, mode, workers, size, warmup):
    sample = _new_sample(mode, workers, size, warmup)
    if mode == "subinterpreters" and not _have_subinterpreters():
        return _fail(sample, None, "mode 'subinterpreters' needs concurrent.interpreters "
                     "(CPython 3.14+); this is %d.%d.%d" % sys.version_info[:3],
                     status="unsupported")
    try:
        mod = import_workload(path)
    except BaseException as exc:
        _print_exc("cannot import workload %s" % path, exc)
        kind = "oom" if isinstance(exc, MemoryError) else "import_error"
        return _fail(sample, kind, "importing %s: %s" % (path, _exc_message(exc)))
    meta, problem = workload_meta(mod, path)
    sample["name"] = meta["name"]
    sample["scaling"] = meta["scaling"]
    sample["gil_enabled_after_import"] = _gil_enabled()
    sample["gil_enabled"] = sample["gil_enabled_after_import"]
    if problem:
        return _fail(sample, "import_error", problem)
    if mode not in meta["modes"]:
        return _fail(sample, None, "workload %s declares MODES = %s"
                     % (meta["name"], tuple(meta["modes"])), status="unsupported")
    if size is None:
        size = meta["size"]
        sample["size"] = size

    # Exceptions in threads the workload starts itself are failures too.
    hook_errors = []
    previous_hook = threading.excepthook

    def excepthook(args):
        if args.exc_type is SystemExit:
            return
        name = getattr(args.thread, "name", "?")
        exc = args.exc_value
        if exc is None:
            exc = args.exc_type()
        hook_errors.append((_classify(exc),
                            _truncate("exception in thread %s: %s"
                                      % (name, _exc_message(exc)))))
        try:
            previous_hook(args)
        except Exception:
            pass

    threading.excepthook = excepthook
    try:
        if mode == "threads":
            out = run_threads(mod, workers, size)
        elif mode == "processes":
            out = run_processes(mod, path, workers, size)
        else:
            out = run_subinterpreters(mod, path, workers, size)
    except WorkloadFailure as failure:
        sample["gil_enabled"] = bool(sample["gil_enabled_after_import"] or _gil_enabled())
        return _fail(sample, failure.kind, failure.message)
    except BaseException as exc:
        _print_exc("runner error", exc)
        return _fail(sample, _classify(exc), "runner error: " + _exc_message(exc))
    finally:
        threading.excepthook = previous_hook

    sample["gil_enabled"] = bool(sample["gil_enabled_after_import"] or _gil_enabled())
    sample["wall_ns"] = out["wall_ns"]
    sample["cpu_ns"] = out["cpu_ns"]
    # Either every worker's CPU time, or null: never a list with holes.
    wcpu = out["worker_cpu_ns"]
    sample["worker_cpu_ns"] = wcpu if wcpu and all(_is_int(c) for c in wcpu) else None
    sample["max_rss_kb"] = out.get("max_rss_kb")
    sample["start_method"] = out.get("start_method")
    results = out["results"]
    sample["result_repr"] = _short_repr(results)
    errors = list(out["errors"]) + hook_errors
    if errors:
        kind, message = errors[0]
        for k, m in errors:  # a MemoryError anywhere makes it an oom
            if k == "oom":
                kind, message = k, m
                break
        if len(errors) > 1:
            message = "%s (and %d more error(s))" % (message, len(errors) - 1)
        return _fail(sample, kind, message)
    try:
        verdict = mod.check(results, size, workers)
    except AssertionError as exc:
        text = "check failed: " + _exc_message(exc)
        sample["check"] = _truncate(text)
        return _fail(sample, "wrong_result", text)
    except BaseException as exc:
        _print_exc("exception in check", exc)
        sample["check"] = _truncate("check raised " + _exc_message(exc))
        return _fail(sample, _classify(exc), "exception in check: " + _exc_message(exc))
    if verdict is True or (verdict and not isinstance(verdict, str)):
        sample["check"] = "ok"
        return sample
    text = "check returned %s for results %s" % (_short_repr(verdict), sample["result_repr"])
    sample["check"] = _truncate(text)
    return _fail(sample, "wrong_result", text)


def describe_files(paths):
    entries = []
    for path in paths:
        stem = os.path.splitext(os.path.basename(path))[0]
        try:
            mod = import_workload(path)
        except BaseException as exc:
            _print_exc("cannot import workload %s" % path, exc)
            entry = {"name": stem, "path": os.path.abspath(path), "category": None,
                     "scaling": None, "description": None, "size": None,
                     "modes": [],
                     "error": "import failed: " + _exc_message(exc)}
        else:
            entry, _ = workload_meta(mod, path)
        entries.append(entry)
    return entries


# ---------------------------------------------------------------------------
# Worker process entry point
# ---------------------------------------------------------------------------

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
    line = ("\n" + token + " " + _dumps(payload) + "\n").encode("ascii")
    view = memoryview(line)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:
            continue
        view = view[n:]


def worker_main(argv):
    import argparse

    gil_at_start = _gil_enabled()
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
            payload = {"facts": collect_facts(gil_at_start, args.after_import)}
        elif args.describe:
            payload = {"workloads": describe_files(args.describe)}
        elif args.workload:
            payload = {"sample": run_sample(args.workload, args.mode, args.workers,
                                            args.size, args.warmup)}
        else:
            payload = {"error": "worker: nothing to do"}
    except BaseException as exc:
        _print_exc("worker internal error", exc)
        payload = {"error": "worker internal error: " + _exc_message(exc)}
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    _emit(out_fd, token, payload)
    # Skip interpreter shutdown: leftover non-daemon threads, atexit hooks
    # or a slow finalisation of the workload must not affect the sample.
    os._exit(0)


# ---------------------------------------------------------------------------
# Server side: running one child
# ---------------------------------------------------------------------------

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


def _killpg(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


_compiled_runner = []


def _worker_folder():
    """This package compiled once into a private temporary folder, so that
    each worker starts from bytecode instead of compiling the runner again
    (about 20 ms a sample). Falls back to the source where nothing is
    writable."""
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
            _compiled_runner.append(target)
        except (OSError, py_compile.PyCompileError):
            _compiled_runner.append(PACKAGE_DIR)
    return _compiled_runner[0]


def run_child(worker_args, timeout_s, extra_env=None):
    """Run `runner worker ...` in a fresh process group; see README."""
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
    cmd = [sys.executable, "-B", _worker_folder(), "worker", "--result-fd", str(w_fd)] \
        + list(worker_args)
    oom_before = _oom_kill_count()
    t0 = time.perf_counter_ns()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=(w_fd,),
                                start_new_session=True, env=env, close_fds=True)
    except BaseException as exc:
        os.close(r_fd)
        os.close(w_fd)
        out.spawn_error = "cannot start worker process: " + _exc_message(exc)
        out.spawn_kind = _classify(exc, spawning=True)
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
        while True:
            try:
                chunk = os.read(fd, 65536)
            except InterruptedError:
                continue
            except OSError:
                break
            if not chunk:
                break
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
        while True:
            try:
                chunk = os.read(r_fd, 65536)
            except InterruptedError:
                continue
            except OSError:
                break
            if not chunk:
                break
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
        proc.stdin.write(token.encode("ascii") + b"\n")
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
        after = _oom_kill_count()
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


def _child_failure(out, what):
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
            what, out.signal, _signal_name(out.signal))
    if out.payload is None:
        detail = out.payload_error or "no valid result line"
        return "protocol", "%s exited with code %s without a valid result (%s)" % (
            what, out.exit_code, detail)
    if out.exit_code != 0:
        return "protocol", "%s reported a result but exited with code %s" % (
            what, out.exit_code)
    return None


# ---------------------------------------------------------------------------
# Server: request handling
# ---------------------------------------------------------------------------

class RequestError(Exception):
    pass


def _get_timeout(req):
    timeout = req.get("timeout_s", DEFAULT_TIMEOUT_S)
    if timeout is None:
        timeout = DEFAULT_TIMEOUT_S
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
            or not (timeout > 0) or timeout > 7 * 24 * 3600:
        raise RequestError("timeout_s must be a positive number of seconds")
    return float(timeout)


def _get_env(req):
    env = req.get("env")
    if env is None:
        return {}
    if not isinstance(env, dict):
        raise RequestError("env must be an object of string values")
    for k, v in env.items():
        if not isinstance(k, str) or not k or "=" in k or "\0" in k:
            raise RequestError("invalid env variable name %r" % (k,))
        if v is not None and (not isinstance(v, str) or "\0" in v):
            raise RequestError("env value for %s must be a string or null" % k)
    return env


def op_facts(req):
    timeout = _get_timeout(req)
    args = ["--facts"]
    after = req.get("after_import")
    if after is not None:
        if not isinstance(after, str) or not after:
            raise RequestError("after_import must be a path string")
        args += ["--after-import", os.path.abspath(after)]
    out = run_child(args, timeout, _get_env(req))
    failure = _child_failure(out, "facts worker")
    if failure is None and "facts" not in out.payload:
        failure = ("protocol", out.payload.get("error") or "facts missing")
    if failure is not None:
        kind, message = failure
        if kind == "timeout":
            message = "facts worker timed out after %gs" % timeout
        return {"ok": False, "error": "%s: %s" % (kind, message),
                "stderr_tail": out.stderr_tail}
    return {"ok": True, "facts": out.payload["facts"]}


def _describe_batch(files, timeout, env):
    out = run_child(["--describe"] + files, timeout, env)
    failure = _child_failure(out, "describe worker")
    if failure is None and isinstance(out.payload.get("workloads"), list):
        return out.payload["workloads"], None
    if failure is None:
        failure = ("protocol", out.payload.get("error") or "workloads missing")
    kind, message = failure
    if kind == "timeout":
        message = "importing took longer than %gs" % timeout
    tail = out.stderr_tail.strip().splitlines()
    if tail:
        message = "%s; last stderr line: %s" % (message, tail[-1])
    return None, "%s: %s" % (kind, message)


def op_describe(req):
    paths = req.get("paths")
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not paths or \
            not all(isinstance(p, str) and p for p in paths):
        raise RequestError("paths must be a non-empty list of path strings")
    timeout = _get_timeout(req)
    env = _get_env(req)
    entries = []
    files = []
    for f in expand_paths(paths):
        if os.path.isfile(f):
            files.append(f)
        else:
            entries.append(_error_entry(f, "no such workload file or directory"))
    if files:
        found, _ = _describe_batch(files, timeout, env)
        if found is None:
            # One workload broke the whole import batch: describe one by one.
            found = []
            for f in files:
                one, err = _describe_batch([f], timeout, env)
                found.extend(one if one is not None else [_error_entry(f, err)])
        entries.extend(found)
    entries.sort(key=lambda e: (str(e.get("name")), str(e.get("path"))))
    return {"ok": True, "workloads": entries}


def _error_entry(path, error):
    return {"name": os.path.splitext(os.path.basename(path))[0], "path": path,
            "category": None, "scaling": None, "description": None,
            "size": None, "modes": [], "error": error}


SAMPLE_CHILD_FIELDS = (
    "status", "kind", "message", "wall_ns", "cpu_ns", "worker_cpu_ns",
    "max_rss_kb", "check", "result_repr", "gil_enabled",
    "gil_enabled_after_import", "size", "name", "scaling", "start_method",
)


def op_sample(req):
    path = req.get("workload")
    if not isinstance(path, str) or not path:
        raise RequestError("workload must be a path string")
    mode = req.get("mode", "threads")
    if mode not in MODES:
        raise RequestError("mode must be one of %s" % (MODES,))
    workers = req.get("workers", 1)
    if not _is_int(workers) or not (1 <= workers <= 4096):
        raise RequestError("workers must be an integer in 1..4096")
    size = req.get("size")
    if size is not None and (not _is_int(size) or size < 1):
        raise RequestError("size must be null or a positive integer")
    warmup = req.get("warmup", False)
    if not isinstance(warmup, bool):
        raise RequestError("warmup must be a boolean")
    timeout = _get_timeout(req)
    env = _get_env(req)
    path = os.path.abspath(path)

    args = ["--workload", path, "--mode", mode, "--workers", str(workers)]
    if size is not None:
        args += ["--size", str(size)]
    if warmup:
        args.append("--warmup")
    out = run_child(args, timeout, env)

    sample = _new_sample(mode, workers, size, warmup)
    sample["workload"] = path
    child = out.payload.get("sample") if out.payload else None
    if isinstance(child, dict):
        for key in SAMPLE_CHILD_FIELDS:
            if key in child:
                sample[key] = child[key]
    sample["stdout_tail"] = out.stdout_tail
    sample["stderr_tail"] = out.stderr_tail
    sample["exit_code"] = out.exit_code
    sample["signal"] = out.signal
    sample["duration_ns"] = out.duration_ns
    failure = _child_failure(out, "worker")
    if failure is None and not isinstance(child, dict):
        failure = ("protocol", out.payload.get("error") or "result has no sample")
    if failure is not None:
        kind, message = failure
        if kind == "timeout":
            message = "sample exceeded its timeout of %gs and was killed" % timeout
        sample["status"] = "failed"
        sample["kind"] = kind
        sample["message"] = _truncate(message)
    elif sample.get("status") not in ("ok", "failed", "unsupported") or \
            (sample["status"] == "failed" and sample.get("kind") not in KINDS):
        sample["status"] = "failed"
        sample["kind"] = "protocol"
        sample["message"] = "worker sent an invalid status %r / kind %r" % (
            child.get("status"), child.get("kind"))
    if sample["status"] != "failed":
        sample["kind"] = None
    return {"ok": True, "sample": sample}


OPS = {"facts": op_facts, "describe": op_describe, "sample": op_sample}


def handle_request(line):
    """Return (response dict, stop?) for one request line (bytes or str)."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", "replace")
    try:
        req = json.loads(line)
    except ValueError as exc:
        return {"id": None, "ok": False, "error": "malformed JSON: %s" % exc}, False
    if not isinstance(req, dict):
        return {"id": None, "ok": False, "error": "request must be a JSON object"}, False
    rid = req.get("id")
    if not (_is_int(rid) or isinstance(rid, str)):
        rid = None
    if req.get("v") != PROTOCOL_VERSION:
        return {"id": rid, "ok": False,
                "error": "unsupported protocol version %r (this runner speaks v%d)"
                % (req.get("v"), PROTOCOL_VERSION)}, False
    op = req.get("op")
    if op == "shutdown":
        return {"id": rid, "ok": True}, True
    handler = OPS.get(op) if isinstance(op, str) else None
    if handler is None:
        return {"id": rid, "ok": False, "error": "unknown op %r" % (op,)}, False
    try:
        resp = handler(req)
    except RequestError as exc:
        return {"id": rid, "ok": False, "error": str(exc)}, False
    except Exception as exc:
        traceback.print_exc()
        return {"id": rid, "ok": False, "error": "internal error: " + _exc_message(exc)}, False
    resp["id"] = rid
    return resp, False


def _protocol_stream():
    """Keep the real stdout for protocol lines; point fd 1 at stderr."""
    proto_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(proto_fd, "wb", buffering=0)


def _on_terminate(signum, frame):
    proc = _current_child.get("proc")
    if proc is not None:
        _killpg(proc.pid)
    os._exit(128 + signum)


def serve():
    proto = _protocol_stream()
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        try:
            signal.signal(sig, _on_terminate)
        except (OSError, ValueError):
            pass
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline(MAX_REQUEST_BYTES)
        if not line:
            break
        if not line.endswith(b"\n") and len(line) >= MAX_REQUEST_BYTES:
            while True:  # discard the rest of an over-long line
                rest = stdin.readline(MAX_REQUEST_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            resp, stop = {"id": None, "ok": False, "error": "request line too long"}, False
        elif not line.strip():
            continue
        else:
            resp, stop = handle_request(line)
        resp["v"] = PROTOCOL_VERSION
        try:
            proto.write((_dumps(resp) + "\n").encode("ascii"))
        except (BrokenPipeError, OSError):
            return 1
        if stop:
            break
    return 0


def _cli_oneshot(argv):
    import argparse

    parser = argparse.ArgumentParser(prog="runner")
    sub = parser.add_subparsers(dest="cmd")
    p_run = sub.add_parser("run", help="run one sample and print it as JSON")
    p_run.add_argument("workload")
    p_run.add_argument("--mode", choices=MODES, default="threads")
    p_run.add_argument("--workers", type=int, default=1)
    p_run.add_argument("--size", type=int)
    p_run.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S)
    p_facts = sub.add_parser("facts", help="print interpreter facts as JSON")
    p_facts.add_argument("--after-import")
    p_desc = sub.add_parser("describe", help="describe workload files or dirs")
    p_desc.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    if args.cmd == "run":
        req = {"v": 1, "id": 0, "op": "sample", "workload": args.workload,
               "mode": args.mode, "workers": args.workers, "size": args.size,
               "timeout_s": args.timeout}
    elif args.cmd == "facts":
        req = {"v": 1, "id": 0, "op": "facts", "after_import": args.after_import}
    elif args.cmd == "describe":
        req = {"v": 1, "id": 0, "op": "describe", "paths": args.paths}
    else:
        parser.print_help()
        return 2
    resp, _ = handle_request(json.dumps(req))
    resp["v"] = PROTOCOL_VERSION
    print(json.dumps(_clean(resp), indent=2))
    return 0 if resp.get("ok") else 1


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "serve":
        return serve()
    if argv and argv[0] == "worker":
        return worker_main(argv[1:])
    return _cli_oneshot(argv)


if __name__ == "__main__":
    sys.exit(main())
