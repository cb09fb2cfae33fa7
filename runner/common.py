"""Protocol constants and small helpers shared by the server and the worker.

Imported by every worker: keep it to modules the worker needs anyway.
"""

import errno
import json
import signal
import sys
import traceback

PROTOCOL_VERSION = 1

MODES = ("threads", "processes", "subinterpreters")
CATEGORIES = ("cpu", "objects", "contention", "native", "io")
SCALINGS = ("weak", "strong")

#: Failure kinds (see workloads/README.md, "Failure kinds").
KINDS = (
    "import_error", "exception", "wrong_result", "timeout", "signal", "oom",
    "output_limit", "protocol", "resource_limit",
)

#: Every field of a sample, the one list of them (src/results/sample.rs
#: reads the same ones; a test holds the two together): what the request
#: asked, echoed; what the worker measured, passed on by the server; what
#: the server saw of the worker's process.
REQUEST_FIELDS = ("warmup", "workers", "mode")
MEASURED_FIELDS = (
    "status", "kind", "message", "wall_ns", "cpu_ns", "worker_cpu_ns",
    "max_rss_kb", "rss_setup_kb", "rss_peak_kb", "check", "result_repr", "gil_enabled",
    "gil_enabled_after_import", "gil_enabled_by", "size", "name", "scaling", "start_method",
    "foreign_cpu_ns", "steal_ns", "watched_ns", "watched_cpus", "owner_wall_ns", "imports",
    "warm_call_ns", "warm_load",
)
SERVER_FIELDS = ("workload", "stdout_tail", "stderr_tail", "exit_code", "signal", "duration_ns")
SAMPLE_FIELDS = REQUEST_FIELDS + MEASURED_FIELDS + SERVER_FIELDS

MESSAGE_MAX = 4000
REPR_MAX = 200


def gil_enabled():
    """sys._is_gil_enabled() where it exists (3.13+), else True."""
    fn = getattr(sys, "_is_gil_enabled", None)
    if fn is None:
        return True
    try:
        return bool(fn())
    except Exception:
        return True


def have_subinterpreters():
    try:
        import concurrent.interpreters  # noqa: F401  (3.14+)
    except Exception:
        return False
    return True


def truncate(text, limit=MESSAGE_MAX):
    if text is None:
        return None
    if len(text) > limit:
        return text[: limit - 15] + "...[truncated]"
    return text


def exc_message(exc):
    try:
        text = str(exc)
    except Exception:
        text = "<unprintable exception>"
    name = type(exc).__name__
    return truncate(name + ": " + text if text else name)


def short_repr(obj):
    try:
        text = repr(obj)
    except Exception as exc:  # a hostile __repr__
        text = "<repr failed: %s>" % exc_message(exc)
    if len(text) > REPR_MAX:
        text = text[: REPR_MAX - 3] + "..."
    return text


def clean(obj):
    """Make a value safe for strict JSON parsers (no lone surrogates, no NaN)."""
    if isinstance(obj, str):
        return obj.encode("utf-8", "replace").decode("utf-8")
    if isinstance(obj, float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            return None
        return obj
    if isinstance(obj, dict):
        return dict((clean(str(k)), clean(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    return obj


def dumps(obj):
    return json.dumps(clean(obj), ensure_ascii=True, allow_nan=False,
                      separators=(",", ":"))


def read_text(path, limit=4096):
    try:
        with open(path, "rb") as f:
            data = f.read(limit)
    except OSError:
        return None
    return data.decode("utf-8", "replace").strip()


def oom_kill_count():
    """The cgroup's oom_kill counter (v2 memory.events, v1 oom_control)."""
    for path in ("/sys/fs/cgroup/memory.events",
                 "/sys/fs/cgroup/memory/memory.oom_control"):
        text = read_text(path)
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


def signal_name(signum):
    try:
        return signal.Signals(signum).name
    except Exception:
        return "signal %d" % signum


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def classify(exc, spawning=False):
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


def print_exc(prefix, exc):
    try:
        sys.stderr.write("gilbench: %s\n" % prefix)
        traceback.print_exception(type(exc), exc, exc.__traceback__)
        sys.stderr.flush()
    except Exception:
        pass


def new_sample(mode, workers, size, warmup):
    sample = dict.fromkeys(REQUEST_FIELDS + MEASURED_FIELDS)
    sample.update(status="ok", warmup=bool(warmup), workers=workers, mode=mode, size=size)
    return sample
