"""One sample, in the worker: import the workload, check its API, run it in
the requested mode, and check the results."""

import sys
import threading

from .common import (
    classify, exc_message, gil_enabled, have_subinterpreters, is_int, new_sample,
    print_exc, short_repr, truncate,
)
from .cpuload import LoadWatch
from .gilwatch import GilImportWatch
from .modes import WorkloadFailure, catch_thread_exceptions, run_mode
from .modes.threads import warm_calls
from .workload import import_workload, workload_meta


def _fail(sample, kind, message, status="failed"):
    sample["status"] = status
    sample["kind"] = kind if status == "failed" else None
    sample["message"] = truncate(message)
    return sample


def _record_gil(sample, gil_watch, out):
    """Whether the GIL was on at any point of the sample, and which import
    turned it on: in this process (import, setup in threads mode), or in a
    worker process (its setup, in processes mode)."""
    sample["gil_enabled"] = bool(sample["gil_enabled_after_import"] or gil_enabled()
                                 or out.get("gil_enabled"))
    sample["gil_enabled_by"] = gil_watch.enabled_by or out.get("gil_enabled_by")
    sample["imports"] = sorted(gil_watch.imported)


def run_sample(path, mode, workers, size, warmup, owner_first=False, warm=0):
    sample = new_sample(mode, workers, size, warmup)
    if mode == "subinterpreters" and not have_subinterpreters():
        return _fail(sample, None, "mode 'subinterpreters' needs concurrent.interpreters "
                     "(CPython 3.14+); this is %d.%d.%d" % sys.version_info[:3],
                     status="unsupported")
    # Active while the workload is imported and set up, never while timed.
    gil_watch = GilImportWatch()
    try:
        with gil_watch:
            mod = import_workload(path)
    except BaseException as exc:
        print_exc("cannot import workload %s" % path, exc)
        kind = "oom" if isinstance(exc, MemoryError) else "import_error"
        return _fail(sample, kind, "importing %s: %s" % (path, exc_message(exc)))
    meta, problem = workload_meta(mod, path)
    sample["name"] = meta["name"]
    sample["scaling"] = meta["scaling"]
    sample["gil_enabled_after_import"] = gil_enabled()
    sample["gil_enabled"] = sample["gil_enabled_after_import"]
    sample["gil_enabled_by"] = gil_watch.enabled_by
    sample["imports"] = sorted(gil_watch.imported)
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
    previous_hook = catch_thread_exceptions(hook_errors)
    try:
        if warm:
            # Watched apart from the timed section: other load during the
            # untimed calls disturbs the cold time, and the JIT's warm-up.
            warm_watch = LoadWatch()
            sample["warm_call_ns"] = warm_calls(mod, size, warm, gil_watch)
            sample["warm_load"] = warm_watch.result() or None
        watch = LoadWatch()
        out = run_mode(mode, mod, path, workers, size, gil_watch, owner_first)
        sample.update(watch.result())
    except WorkloadFailure as failure:
        _record_gil(sample, gil_watch, {})
        return _fail(sample, failure.kind, failure.message)
    except BaseException as exc:
        print_exc("runner error", exc)
        return _fail(sample, classify(exc), "runner error: " + exc_message(exc))
    finally:
        threading.excepthook = previous_hook

    _record_gil(sample, gil_watch, out)
    sample["wall_ns"] = out["wall_ns"]
    sample["cpu_ns"] = out["cpu_ns"]
    # Either every worker's CPU time, or null: never a list with holes.
    wcpu = out["worker_cpu_ns"]
    sample["worker_cpu_ns"] = wcpu if wcpu and all(is_int(c) for c in wcpu) else None
    sample["max_rss_kb"] = out.get("max_rss_kb")
    sample.update(out.get("memory") or {})
    sample["start_method"] = out.get("start_method")
    sample["owner_wall_ns"] = out.get("owner_wall_ns")
    results = out["results"]
    sample["result_repr"] = short_repr(results)
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
    failure = _check(mod, results, size, workers, sample, "")
    if failure is None and "owner_results" in out:
        failure = _check(mod, out["owner_results"], size, 1, sample, " (owning thread)")
    if failure is not None:
        return _fail(sample, *failure)
    sample["check"] = "ok"
    return sample


def _check(mod, results, size, workers, sample, where):
    """None if the workload's check accepts `results`, else (kind, message);
    a failure's text also goes to sample["check"]."""
    try:
        verdict = mod.check(results, size, workers)
    except AssertionError as exc:
        text = "check failed%s: %s" % (where, exc_message(exc))
        sample["check"] = truncate(text)
        return "wrong_result", text
    except BaseException as exc:
        print_exc("exception in check", exc)
        sample["check"] = truncate("check raised%s %s" % (where, exc_message(exc)))
        return classify(exc), "exception in check%s: %s" % (where, exc_message(exc))
    if verdict is True or (verdict and not isinstance(verdict, str)):
        return None
    text = "check returned %s%s for results %s" % (short_repr(verdict), where, short_repr(results))
    sample["check"] = truncate(text)
    return "wrong_result", text
