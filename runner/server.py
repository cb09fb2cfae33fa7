"""The protocol server (``runner serve``): validate each request, answer it
with the help of a fresh worker, one JSON line per request; and the
one-shot commands ``run``, ``facts`` and ``describe``."""

import json
import os
import signal
import sys
import traceback

from .child import child_failure, kill_current_child, run_child
from .common import (
    KINDS, MEASURED_FIELDS, MODES, PROTOCOL_VERSION, clean, dumps, exc_message, is_int, new_sample, truncate,
)
from .workload import entry_for, expand_paths

MAX_REQUEST_BYTES = 4 * 1024 * 1024
DEFAULT_TIMEOUT_S = 60.0


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
    failure = child_failure(out, "facts worker")
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
    failure = child_failure(out, "describe worker")
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
            entries.append(entry_for(f, "no such workload file or directory"))
    if files:
        found, _ = _describe_batch(files, timeout, env)
        if found is None:
            # One workload broke the whole import batch: describe one by one.
            found = []
            for f in files:
                one, err = _describe_batch([f], timeout, env)
                found.extend(one if one is not None else [entry_for(f, err)])
        named = set(os.path.abspath(p) for p in paths if not os.path.isdir(p))
        for entry in found:
            if not entry.pop("helper", False) or entry["path"] in named:
                entries.append(entry)
    entries.sort(key=lambda e: (str(e.get("name")), str(e.get("path"))))
    return {"ok": True, "workloads": entries}


def op_sample(req):
    path = req.get("workload")
    if not isinstance(path, str) or not path:
        raise RequestError("workload must be a path string")
    mode = req.get("mode", "threads")
    if mode not in MODES:
        raise RequestError("mode must be one of %s" % (MODES,))
    workers = req.get("workers", 1)
    if not is_int(workers) or not (1 <= workers <= 4096):
        raise RequestError("workers must be an integer in 1..4096")
    size = req.get("size")
    if size is not None and (not is_int(size) or size < 1):
        raise RequestError("size must be null or a positive integer")
    warmup = req.get("warmup", False)
    if not isinstance(warmup, bool):
        raise RequestError("warmup must be a boolean")
    owner_first = req.get("owner_first", False)
    if not isinstance(owner_first, bool):
        raise RequestError("owner_first must be a boolean")
    warm_calls = req.get("warm_calls", 0)
    if not is_int(warm_calls) or not (0 <= warm_calls <= 1000):
        raise RequestError("warm_calls must be an integer in 0..1000")
    timeout = _get_timeout(req)
    env = _get_env(req)
    path = os.path.abspath(path)

    args = ["--workload", path, "--mode", mode, "--workers", str(workers)]
    if size is not None:
        args += ["--size", str(size)]
    if warmup:
        args.append("--warmup")
    if owner_first:
        args.append("--owner-first")
    if warm_calls:
        args += ["--warm-calls", str(warm_calls)]
    out = run_child(args, timeout, env)

    sample = new_sample(mode, workers, size, warmup)
    sample["workload"] = path
    child = out.payload.get("sample") if out.payload else None
    if isinstance(child, dict):
        for key in MEASURED_FIELDS:
            if key in child:
                sample[key] = child[key]
    sample["stdout_tail"] = out.stdout_tail
    sample["stderr_tail"] = out.stderr_tail
    sample["exit_code"] = out.exit_code
    sample["signal"] = out.signal
    sample["duration_ns"] = out.duration_ns
    failure = child_failure(out, "worker")
    if failure is None and not isinstance(child, dict):
        failure = ("protocol", out.payload.get("error") or "result has no sample")
    if failure is not None:
        kind, message = failure
        if kind == "timeout":
            message = "sample exceeded its timeout of %gs and was killed" % timeout
        sample["status"] = "failed"
        sample["kind"] = kind
        sample["message"] = truncate(message)
    elif sample.get("status") not in ("ok", "failed", "unsupported") or \
            (sample["status"] == "failed" and sample.get("kind") not in KINDS):
        sample["status"] = "failed"
        sample["kind"] = "protocol"
        sample["message"] = "worker sent an invalid status %r / kind %r" % (
            child.get("status"), child.get("kind"))
    if sample["status"] != "failed":
        sample["kind"] = None
    return {"ok": True, "sample": sample}


def op_script(req):
    """Run a program of the client's (a reproducer) once, as a sample's
    worker runs: a fresh process in a session of its own, the timeout and
    the output limit.  Its result is how it ended and its output."""
    import shutil
    import tempfile
    source = req.get("source")
    if not isinstance(source, str) or not source:
        raise RequestError("source must be the program's text")
    args = req.get("args", [])
    if not isinstance(args, list) or \
            not all(isinstance(a, str) and "\0" not in a for a in args):
        raise RequestError("args must be a list of strings")
    timeout = _get_timeout(req)
    env = _get_env(req)
    folder = tempfile.mkdtemp(prefix="gilbench-script-")
    try:
        path = os.path.join(folder, "script.py")
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
        out = run_child(args, timeout, env, script=path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"ok": True, "script": {
        "exit_code": out.exit_code, "signal": out.signal, "timeout_s": timeout,
        "timed_out": out.timed_out, "output_limited": out.output_limited,
        "oom_killed": out.oom_killed, "error": out.spawn_error,
        "duration_ns": out.duration_ns, "stdout_tail": out.stdout_tail,
        "stderr_tail": out.stderr_tail,
    }}


OPS = {"facts": op_facts, "describe": op_describe, "sample": op_sample, "script": op_script}


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
    if not (is_int(rid) or isinstance(rid, str)):
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
        return {"id": rid, "ok": False, "error": "internal error: " + exc_message(exc)}, False
    resp["id"] = rid
    return resp, False


def _protocol_stream():
    """Keep the real stdout for protocol lines; point fd 1 at stderr."""
    proto_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(proto_fd, "wb", buffering=0)


def _on_terminate(signum, frame):
    kill_current_child()
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
            proto.write((dumps(resp) + "\n").encode("ascii"))
        except (BrokenPipeError, OSError):
            return 1
        if stop:
            break
    return 0


def oneshot(argv):
    """``runner run|facts|describe ...``: one request through the same
    handling as ``serve``; prints the response, pretty-printed."""
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
    print(json.dumps(clean(resp), indent=2))
    return 0 if resp.get("ok") else 1
