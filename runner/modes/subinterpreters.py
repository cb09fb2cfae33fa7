"""Subinterpreters mode: N interpreters of concurrent.interpreters (3.14+),
each running `work` from its own thread of the main interpreter."""

import os
import threading

from ..common import classify, exc_message, print_exc, short_repr, truncate
from ..memory import PeakWatch
from ..workload import module_name_for
from . import WorkloadFailure, maxrss_kb_self, new_errors, release_and_join, start_threads


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

    modname = module_name_for(os.path.abspath(path))
    queue = ci.create_queue()
    interps = []
    errors = new_errors()
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
                    % (index, short_repr(status)))
        _, phase, tname, text = status
        kind = "oom" if tname == "MemoryError" else default_kind
        if phase == "import" and tname != "MemoryError":
            kind = "import_error"
        return (kind, truncate("%s in %s (subinterpreter worker %d): %s: %s"
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
            print_exc("cannot create subinterpreter", exc)
            raise WorkloadFailure(classify(exc, spawning=True),
                                  "creating subinterpreter %d: %s"
                                  % (len(interps), exc_message(exc)))
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
        memory = PeakWatch()

        def target(index):
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                return
            try:
                exec_failures[index] = run_code(index, _SUB_WORK)
            except BaseException as exc:
                exec_failures[index] = ("error", "work", type(exc).__name__, str(exc))

        threads = start_threads(workers, target, "gilbench-subinterp", barrier)
        wall_ns, cpu_ns = release_and_join(barrier, threads)
        memory_out = memory.result()

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
                               % (i, short_repr(status))))
        return {"wall_ns": wall_ns, "cpu_ns": cpu_ns, "worker_cpu_ns": cpu,
                "results": results, "errors": errors,
                "max_rss_kb": maxrss_kb_self(), "memory": memory_out}
    finally:
        for it in interps:
            try:
                it.close()
            except Exception:
                pass
