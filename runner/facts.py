"""Interpreter facts, computed in a worker: version and build, GIL and JIT
state, CPUs, cgroup limits, supported modes.

platform and sysconfig are imported where they are used (see worker.py).
"""

import os
import re
import sys
import traceback

from .common import PROTOCOL_VERSION, exc_message, gil_enabled, have_subinterpreters, read_text
from .gilwatch import GilImportWatch
from .workload import import_workload

ENV_FACTS = (
    "PYTHON_GIL", "PYTHON_JIT", "PYTHONMALLOC", "PYTHONHASHSEED",
    "PYTHON_CPU_COUNT", "PYTHONDEVMODE", "PYTHONOPTIMIZE",
    "PYTHONFAULTHANDLER", "PYTHONPERFSUPPORT", "PYTHON_PERF_JIT_SUPPORT",
    "PYTHONUNBUFFERED", "PYTHONPATH", "PYTHON_THREAD_INHERIT_CONTEXT",
    "PYTHON_CONTEXT_AWARE_WARNINGS", "PYTHONWARNINGS",
)


def cpu_model():
    """The CPU's model name: /proc/cpuinfo is the host's, not namespaced."""
    for line in (read_text("/proc/cpuinfo", limit=1 << 16) or "").splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "Hardware") and value.strip():
            return value.strip()
    return None


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
            note = "sys._jit failed (%s); " % exc_message(exc)
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
            "; _testinternalcapi.get_optimizer() failed: %s" % exc_message(exc)
    tname = type(opt).__name__ if opt is not None else "None"
    enabled = opt is not None and "uop" in tname.lower()
    return True, enabled, note + "; ".join(how) + \
        "; _testinternalcapi.get_optimizer() -> %s" % tname


def _cgroup_facts():
    out = {"cgroup_version": None, "cgroup_cpu_max": None,
           "cgroup_memory_max": None, "cgroup_pids_max": None}
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        out["cgroup_version"] = 2
        out["cgroup_cpu_max"] = read_text("/sys/fs/cgroup/cpu.max")
        out["cgroup_memory_max"] = read_text("/sys/fs/cgroup/memory.max")
        out["cgroup_pids_max"] = read_text("/sys/fs/cgroup/pids.max")
        return out
    # cgroup v1, normalised to the v2 spelling ("max" = unlimited).
    quota = None
    period = None
    for d in ("/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct",
              "/sys/fs/cgroup/cpuacct,cpu"):
        quota = read_text(os.path.join(d, "cpu.cfs_quota_us"))
        period = read_text(os.path.join(d, "cpu.cfs_period_us"))
        if quota is not None:
            break
    if quota is not None:
        out["cgroup_version"] = 1
        out["cgroup_cpu_max"] = "%s %s" % ("max" if quota == "-1" else quota,
                                           period or "100000")
    mem = read_text("/sys/fs/cgroup/memory/memory.limit_in_bytes")
    if mem is not None:
        out["cgroup_version"] = 1
        try:
            out["cgroup_memory_max"] = "max" if int(mem) >= (1 << 62) else mem
        except ValueError:
            out["cgroup_memory_max"] = mem
    pids = read_text("/sys/fs/cgroup/pids/pids.max")
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
        return False, None, exc_message(exc)


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
        "gil_enabled_by": None,
        "after_import": None,
        "after_import_error": None,
        "cpu_count": os.cpu_count(),
        "process_cpu_count": None,
        "affinity": None,
        "kernel": platform.release(),
        "machine": platform.machine(),
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "env": dict((k, os.environ.get(k)) for k in ENV_FACTS),
        "switch_interval": sys.getswitchinterval(),
        "has_subinterpreters": have_subinterpreters(),
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
        gil_watch = GilImportWatch()
        try:
            with gil_watch:
                import_workload(after_import)
        except BaseException as exc:
            facts["after_import_error"] = exc_message(exc)
            traceback.print_exc()
        else:
            facts["gil_enabled_after_import"] = gil_enabled()
        facts["gil_enabled_by"] = gil_watch.enabled_by
    return facts
