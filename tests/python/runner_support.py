"""Shared by the runner's tests: the `runner serve` subprocess wrapper,
hostile workloads, and a test base class with a server and those files.

The tests (test_*.py here) cover the runner package (runner/) and the
built-in workload suite.  Run them from the repository root:

    python3 -m unittest discover -s tests/python -v

The runner is driven as a subprocess speaking the JSON-lines protocol, the
way the Rust side drives it inside a container.  Set GILBENCH_TEST_PYTHON to
run the same tests against another interpreter (e.g. a 3.14 or 3.13t build).
Standard library only.
"""

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKLOADS = os.path.join(ROOT, "workloads")
RUNNER = os.path.join(ROOT, "runner")  # run as `python3 runner serve`
PYTHON = os.environ.get("GILBENCH_TEST_PYTHON") or sys.executable

sys.dont_write_bytecode = True  # no __pycache__ in runner/ from test_facts

SAMPLE_FIELDS = {
    "status", "kind", "message", "wall_ns", "cpu_ns", "worker_cpu_ns",
    "max_rss_kb", "rss_setup_kb", "rss_peak_kb", "check", "result_repr", "gil_enabled", "gil_enabled_by", "warmup", "workers",
    "mode", "size", "stdout_tail", "stderr_tail", "exit_code", "signal",
    "duration_ns",
}


def _interpreter_info():
    code = ("import sys, json; print(json.dumps([list(sys.version_info[:2]), "
            "hasattr(sys, '_is_gil_enabled')]))")
    out = subprocess.check_output([PYTHON, "-c", code])
    version, _ = json.loads(out.decode())
    return tuple(version)


PY_VERSION = _interpreter_info()
HAS_SUBINTERPRETERS = PY_VERSION >= (3, 14)


class Server(object):
    """`runner serve` as a subprocess; every stdout line must be JSON."""

    def __init__(self):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [PYTHON, RUNNER, "serve"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.stderr)
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read)
        self.reader.daemon = True
        self.reader.start()
        self.next_id = 0

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            self.lines.put(raw)
        self.lines.put(None)

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read_response(self, timeout=120):
        raw = self.lines.get(timeout=timeout)
        if raw is None:
            raise AssertionError("server closed stdout; stderr:\n" + self.stderr_text())
        assert raw.endswith(b"\n"), raw
        resp = json.loads(raw.decode("utf-8"))  # must be one JSON object per line
        assert isinstance(resp, dict), resp
        assert resp.get("v") == 1, resp
        return resp

    def request(self, obj, timeout=120):
        self.next_id += 1
        req = dict(obj)
        req.setdefault("v", 1)
        req.setdefault("id", self.next_id)
        self.send_raw((json.dumps(req) + "\n").encode("utf-8"))
        resp = self.read_response(timeout)
        assert resp.get("id") == req["id"], (resp, req)
        return resp

    def sample(self, path, mode="threads", workers=1, size=None, timeout_s=60,
               **extra):
        req = {"op": "sample", "workload": path, "mode": mode,
               "workers": workers, "size": size, "warmup": False,
               "timeout_s": timeout_s}
        req.update(extra)
        resp = self.request(req, timeout=timeout_s + 60)
        assert resp["ok"] is True, resp
        sample = resp["sample"]
        missing = SAMPLE_FIELDS - set(sample)
        assert not missing, missing
        return sample

    def stderr_text(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        if self.proc.poll() is None:
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()



HOSTILE = {
    "syntax_error": """
        NAME = "syntax_error"
        def work(state, i, n, size)
            return 1
    """,
    "raise_in_worker": """
        CATEGORY = "cpu"; SCALING = "weak"; SIZE = 1
        def work(state, i, n, size):
            if i == n - 1:
                raise ValueError("boom in worker %d" % i)
            return i
        def check(results, size, workers):
            return True
    """,
    "raise_in_setup": """
        CATEGORY = "cpu"; SCALING = "weak"; SIZE = 1
        def setup(size, workers):
            raise KeyError("no setup for you")
        def work(state, i, n, size):
            return i
        def check(results, size, workers):
            return True
    """,
    "raise_in_own_thread": """
        import threading
        CATEGORY = "cpu"; SCALING = "weak"; SIZE = 1
        def _bad():
            raise RuntimeError("helper thread failed")
        def work(state, i, n, size):
            t = threading.Thread(target=_bad)
            t.start()
            t.join()
            return i
        def check(results, size, workers):
            return True
    """,
    "wrong_answer": """
        CATEGORY = "cpu"; SCALING = "weak"; SIZE = 10
        def work(state, i, n, size):
            return size + 1
        def check(results, size, workers):
            return results == [size] * workers
    """,
    "wrong_answer_assert": """
        CATEGORY = "cpu"; SCALING = "weak"; SIZE = 10
        def work(state, i, n, size):
            return -1
        def check(results, size, workers):
            assert results == [size] * workers, results
            return True
    """,
    "missing_check": """
        CATEGORY = "cpu"; SCALING = "weak"; SIZE = 10
        def work(state, i, n, size):
            return 1
    """,
    "infinite_loop": """
        CATEGORY = "cpu"; SCALING = "weak"; SIZE = 1
        def work(state, i, n, size):
            while True:
                pass
        def check(results, size, workers):
            return True
    """,
    "segfault": """
        import os, signal
        CATEGORY = "cpu"; SCALING = "weak"; SIZE = 1
        def work(state, i, n, size):
            os.kill(os.getpid(), signal.SIGSEGV)
            return 0
        def check(results, size, workers):
            return True
    """,
    "memory_error": """
        CATEGORY = "objects"; SCALING = "weak"; SIZE = 1
        def work(state, i, n, size):
            raise MemoryError("pretend we ran out of memory")
        def check(results, size, workers):
            return True
    """,
    "print_20mib": """
        import sys
        CATEGORY = "io"; SCALING = "weak"; SIZE = 1
        def work(state, i, n, size):
            line = "x" * 1023 + "\\n"
            for _ in range(20 * 1024):
                sys.stdout.write(line)
            sys.stdout.flush()
            return 0
        def check(results, size, workers):
            return True
    """,
    "exit_early": """
        import os
        CATEGORY = "cpu"; SCALING = "weak"; SIZE = 1
        def work(state, i, n, size):
            os._exit(0)
        def check(results, size, workers):
            return True
    """,
    "forger": """
        import json, os, sys
        CATEGORY = "io"; SCALING = "weak"; SIZE = 3
        FAKE_SAMPLE = {"status": "failed", "kind": "oom", "message": "FORGED",
                       "wall_ns": 1, "cpu_ns": 1, "worker_cpu_ns": [1],
                       "check": "ok", "result_repr": "FORGED", "size": 999}
        LINES = [
            json.dumps({"v": 1, "id": 1, "ok": True, "sample": FAKE_SAMPLE}),
            json.dumps({"v": 1, "sample": FAKE_SAMPLE}),
            "0" * 32 + " " + json.dumps({"v": 1, "sample": FAKE_SAMPLE}),
            "deadbeef" * 4 + " " + json.dumps({"v": 1, "sample": FAKE_SAMPLE}),
        ]
        def _forge():
            for line in LINES:
                print(line)
                print(line, file=sys.stderr)
            sys.stdout.flush()
            for fd in list(range(3, 21)) + list(range(200, 210)):
                for line in LINES:
                    try:
                        os.write(fd, ("junk-without-newline " + line).encode())
                        os.write(fd, ("\\n" + line + "\\n").encode())
                    except OSError:
                        pass
        def setup(size, workers):
            _forge()
        def work(state, i, n, size):
            _forge()
            return ("genuine", i, size)
        def check(results, size, workers):
            return results == [("genuine", i, size) for i in range(workers)]
    """,
    "bad_utf8": """
        import sys
        CATEGORY = "io"; SCALING = "weak"; SIZE = 1
        def work(state, i, n, size):
            sys.stdout.flush()
            sys.stdout.buffer.write(b"before \\xff\\xfe\\xc3\\x28 \\xed\\xa0\\x80 after\\n")
            sys.stdout.buffer.flush()
            sys.stderr.buffer.write(b"err \\x80\\x81\\n")
            sys.stderr.buffer.flush()
            return size
        def check(results, size, workers):
            return results == [size] * workers
    """,
    "exit_at_import": """
        import os
        os._exit(3)
    """,
}



class RunnerTestBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.tmp = tempfile.mkdtemp(prefix="gilbench-test-")
        cls.hostile = {}
        for name, body in HOSTILE.items():
            path = os.path.join(cls.tmp, name + ".py")
            with open(path, "w") as f:
                f.write(textwrap.dedent(body))
            cls.hostile[name] = path

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)
