"""Tests for the runner package (runner/) and the built-in workload suite.

Run from the repository root:

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
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKLOADS = os.path.join(ROOT, "workloads")
RUNNER = os.path.join(ROOT, "runner")  # run as `python3 runner serve`
PYTHON = os.environ.get("GILBENCH_TEST_PYTHON") or sys.executable

sys.dont_write_bytecode = True  # no __pycache__ in runner/ from TestJitDetection

# Small sizes so that the whole suite runs in seconds.
SMALL = {
    "countdown": 200000, "fib": 20, "nbody": 1000, "spectral_norm": 20,
    "primes": 20000, "dict_build": 20000, "gc_churn": 200,
    "string_build": 300, "lock_counter": 30000, "shared_dict": 30000,
    "queue_pingpong": 300, "sha256": 1, "zlib_compress": 1, "sleep": 5,
    "file_io": 30, "socketpair": 1000,
}

REQUIRED_WORKLOADS = {
    "countdown", "fib", "nbody", "primes", "dict_build", "gc_churn",
    "string_build", "lock_counter", "shared_dict", "queue_pingpong",
    "sha256", "zlib_compress", "sleep", "file_io", "socketpair",
}

SAMPLE_FIELDS = {
    "status", "kind", "message", "wall_ns", "cpu_ns", "worker_cpu_ns",
    "max_rss_kb", "check", "result_repr", "gil_enabled", "warmup", "workers",
    "mode", "size", "stdout_tail", "stderr_tail", "exit_code", "signal",
    "duration_ns",
}

FACT_FIELDS = {
    "python_version", "version", "implementation", "compiler", "executable",
    "config_args", "py_gil_disabled", "gil_enabled_at_start",
    "gil_enabled_after_import", "jit_built", "jit_enabled", "jit_detection",
    "cpu_count", "process_cpu_count", "affinity", "cgroup_cpu_max",
    "cgroup_memory_max", "cgroup_pids_max", "kernel", "machine", "env",
    "switch_interval", "has_subinterpreters", "modes",
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


class TestFactsAndDescribe(RunnerTestBase):
    def test_facts(self):
        resp = self.server.request({"op": "facts"})
        self.assertTrue(resp["ok"], resp)
        facts = resp["facts"]
        self.assertFalse(FACT_FIELDS - set(facts), FACT_FIELDS - set(facts))
        self.assertEqual(tuple(int(x) for x in facts["python_version"].split(".")[:2]),
                         PY_VERSION)
        self.assertEqual(facts["implementation"], "CPython")
        self.assertIsInstance(facts["py_gil_disabled"], bool)
        self.assertIsInstance(facts["gil_enabled_at_start"], bool)
        if not facts["py_gil_disabled"]:
            self.assertTrue(facts["gil_enabled_at_start"])
        self.assertIsNone(facts["gil_enabled_after_import"])
        self.assertIsInstance(facts["jit_built"], bool)
        self.assertIn(facts["jit_enabled"], (True, False, None))
        self.assertIsInstance(facts["jit_detection"], str)
        self.assertTrue(facts["jit_detection"])
        self.assertIsInstance(facts["cpu_count"], int)
        self.assertGreaterEqual(facts["cpu_count"], 1)
        if PY_VERSION >= (3, 13):
            self.assertIsInstance(facts["process_cpu_count"], int)
        else:
            self.assertIsNone(facts["process_cpu_count"])
        if hasattr(os, "sched_getaffinity"):
            self.assertEqual(facts["affinity"], sorted(facts["affinity"]))
            self.assertTrue(facts["affinity"])
        self.assertIn("PYTHON_GIL", facts["env"])
        self.assertIn("PYTHON_JIT", facts["env"])
        self.assertIn("PYTHONMALLOC", facts["env"])
        self.assertGreater(facts["switch_interval"], 0)
        self.assertEqual(facts["has_subinterpreters"], HAS_SUBINTERPRETERS)
        self.assertIn("threads", facts["modes"])
        self.assertIn("processes", facts["modes"])
        self.assertEqual("subinterpreters" in facts["modes"], HAS_SUBINTERPRETERS)
        self.assertIsInstance(facts["kernel"], str)
        self.assertIsInstance(facts["machine"], str)

    def test_facts_after_import(self):
        resp = self.server.request({"op": "facts",
                                    "after_import": os.path.join(WORKLOADS, "countdown.py")})
        self.assertTrue(resp["ok"], resp)
        self.assertIsInstance(resp["facts"]["gil_enabled_after_import"], bool)
        self.assertIsNone(resp["facts"]["after_import_error"])

    def test_describe_suite(self):
        resp = self.server.request({"op": "describe", "paths": [WORKLOADS]})
        self.assertTrue(resp["ok"], resp)
        entries = resp["workloads"]
        self.assertGreaterEqual(len(entries), 14)
        names = [e["name"] for e in entries]
        self.assertEqual(names, sorted(names))
        self.assertEqual(len(set(names)), len(names))
        self.assertNotIn("runner", names)
        self.assertFalse(REQUIRED_WORKLOADS - set(names))
        self.assertTrue({"spectral_norm", "mandelbrot"} & set(names))
        for e in entries:
            self.assertIsNone(e.get("error"), e)
            self.assertIn(e["category"], ("cpu", "objects", "contention", "native", "io"))
            self.assertIn(e["scaling"], ("weak", "strong"))
            self.assertIsInstance(e["description"], str)
            self.assertTrue(e["description"])
            self.assertIsInstance(e["size"], int)
            self.assertTrue(e["modes"])
            self.assertIn("threads", e["modes"])
            self.assertTrue(os.path.isabs(e["path"]))
        self.assertEqual({e["category"] for e in entries},
                         {"cpu", "objects", "contention", "native", "io"})

    def test_describe_errors(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        with open(os.path.join(d, "good.py"), "w") as f:
            f.write("CATEGORY = 'cpu'\nSCALING = 'weak'\nSIZE = 3\n"
                    "DESCRIPTION = 'fine'\nMODES = ('threads',)\n"
                    "def work(s, i, n, size):\n    return 1\n"
                    "def check(r, size, n):\n    return True\n")
        with open(os.path.join(d, "_helper.py"), "w") as f:
            f.write("raise SystemExit('helpers are not workloads')\n")
        shutil.copy(self.hostile["syntax_error"], os.path.join(d, "broken.py"))
        shutil.copy(self.hostile["missing_check"], os.path.join(d, "incomplete.py"))
        shutil.copy(self.hostile["exit_at_import"], os.path.join(d, "exits.py"))
        resp = self.server.request({"op": "describe",
                                    "paths": [d, os.path.join(d, "nope.py")]})
        self.assertTrue(resp["ok"], resp)
        by_name = {e["name"]: e for e in resp["workloads"]}
        self.assertEqual(set(by_name), {"good", "broken", "incomplete", "exits", "nope"})
        self.assertIsNone(by_name["good"]["error"])
        self.assertEqual(by_name["good"]["modes"], ["threads"])
        self.assertEqual(by_name["good"]["size"], 3)
        self.assertIn("SyntaxError", by_name["broken"]["error"])
        self.assertIn("check", by_name["incomplete"]["error"])
        self.assertTrue(by_name["exits"]["error"])
        self.assertTrue(by_name["nope"]["error"])
        for e in resp["workloads"]:
            self.assertIsInstance(e["modes"], list)  # [] when unknown, never null
            self.assertIsInstance(e["name"], str)
            self.assertIsInstance(e["path"], str)


class TestBuiltinWorkloads(RunnerTestBase):
    @classmethod
    def setUpClass(cls):
        super(TestBuiltinWorkloads, cls).setUpClass()
        resp = cls.server.request({"op": "describe", "paths": [WORKLOADS]})
        cls.entries = resp["workloads"]

    def _size(self, entry):
        return SMALL.get(entry["name"], max(1, entry["size"] // 100))

    def _run_all(self, mode, worker_counts):
        for entry in self.entries:
            for workers in worker_counts:
                size = self._size(entry)
                with self.subTest(workload=entry["name"], mode=mode, workers=workers):
                    s = self.server.sample(entry["path"], mode, workers, size)
                    if mode not in entry["modes"]:
                        self.assertEqual(s["status"], "unsupported", s)
                        continue
                    self.assertEqual(s["status"], "ok", s)
                    self.assertIsNone(s["kind"])
                    self.assertEqual(s["check"], "ok")
                    self.assertEqual(s["size"], size)
                    self.assertEqual(s["workers"], workers)
                    self.assertEqual(s["mode"], mode)
                    self.assertIs(s["warmup"], False)
                    self.assertGreater(s["wall_ns"], 0)
                    self.assertGreaterEqual(s["cpu_ns"], 0)
                    self.assertEqual(len(s["worker_cpu_ns"]), workers)
                    self.assertTrue(all(isinstance(c, int) and c >= 0
                                        for c in s["worker_cpu_ns"]))
                    self.assertGreater(s["max_rss_kb"], 0)
                    self.assertIsInstance(s["gil_enabled"], bool)
                    self.assertIsInstance(s["result_repr"], str)
                    self.assertGreaterEqual(s["duration_ns"], s["wall_ns"])
                    self.assertEqual(s["exit_code"], 0)
                    self.assertIsNone(s["signal"])

    def test_threads(self):
        self._run_all("threads", (1, 2))

    def test_processes(self):
        self._run_all("processes", (1, 2))

    def test_subinterpreters(self):
        if HAS_SUBINTERPRETERS:
            self._run_all("subinterpreters", (1, 2))
            return
        for entry in self.entries[:3]:
            s = self.server.sample(entry["path"], "subinterpreters", 2, self._size(entry))
            self.assertEqual(s["status"], "unsupported", s)
            self.assertIsNone(s["kind"])
            self.assertIn("3.14", s["message"])

    def test_default_size_and_warmup_echo(self):
        s = self.server.sample(os.path.join(WORKLOADS, "fib.py"), size=None, warmup=True)
        self.assertEqual(s["status"], "ok", s)
        self.assertIs(s["warmup"], True)
        fib = [e for e in self.entries if e["name"] == "fib"][0]
        self.assertEqual(s["size"], fib["size"])


class TestFailures(RunnerTestBase):
    def run_hostile(self, name, mode="threads", workers=1, **kw):
        return self.server.sample(self.hostile[name], mode, workers, **kw)

    def assertFailed(self, sample, kind):
        self.assertEqual(sample["status"], "failed", sample)
        self.assertEqual(sample["kind"], kind, sample)
        self.assertTrue(sample["message"], sample)
        # Strict consumers (serde): a full list of ints or null, no holes.
        wcpu = sample["worker_cpu_ns"]
        self.assertTrue(wcpu is None or all(isinstance(c, int) for c in wcpu), wcpu)

    def test_syntax_error(self):
        s = self.run_hostile("syntax_error")
        self.assertFailed(s, "import_error")
        self.assertIn("SyntaxError", s["message"])
        self.assertIn("SyntaxError", s["stderr_tail"])

    def test_missing_api(self):
        self.assertFailed(self.run_hostile("missing_check"), "import_error")

    def test_missing_file(self):
        s = self.server.sample(os.path.join(self.tmp, "does_not_exist.py"))
        self.assertFailed(s, "import_error")

    def test_exception_in_worker_thread(self):
        s = self.run_hostile("raise_in_worker", workers=2)
        self.assertFailed(s, "exception")
        self.assertIn("ValueError", s["message"])
        self.assertIn("boom in worker 1", s["stderr_tail"])

    def test_exception_in_worker_process(self):
        s = self.run_hostile("raise_in_worker", mode="processes", workers=2)
        self.assertFailed(s, "exception")
        self.assertIn("ValueError", s["message"])

    def test_exception_in_setup(self):
        self.assertFailed(self.run_hostile("raise_in_setup"), "exception")
        self.assertFailed(self.run_hostile("raise_in_setup", mode="processes",
                                           workers=2), "exception")

    def test_exception_in_workload_thread(self):
        modes = ["threads", "processes"]
        if HAS_SUBINTERPRETERS:
            modes.append("subinterpreters")
        for mode in modes:
            with self.subTest(mode=mode):
                s = self.run_hostile("raise_in_own_thread", mode=mode)
                self.assertFailed(s, "exception")
                self.assertIn("helper thread failed", s["message"])

    def test_subinterpreter_failures(self):
        if not HAS_SUBINTERPRETERS:
            self.skipTest("needs concurrent.interpreters (3.14+)")
        self.assertFailed(self.run_hostile("syntax_error", mode="subinterpreters"),
                          "import_error")
        self.assertFailed(self.run_hostile("raise_in_worker", mode="subinterpreters",
                                           workers=2), "exception")
        self.assertFailed(self.run_hostile("raise_in_setup", mode="subinterpreters"),
                          "exception")
        self.assertFailed(self.run_hostile("memory_error", mode="subinterpreters"),
                          "oom")
        self.assertFailed(self.run_hostile("wrong_answer", mode="subinterpreters"),
                          "wrong_result")

    def test_wrong_result(self):
        s = self.run_hostile("wrong_answer", workers=2)
        self.assertFailed(s, "wrong_result")
        self.assertNotEqual(s["check"], "ok")
        self.assertFailed(self.run_hostile("wrong_answer_assert"), "wrong_result")
        self.assertFailed(self.run_hostile("wrong_answer", mode="processes"),
                          "wrong_result")

    def test_timeout(self):
        s = self.run_hostile("infinite_loop", timeout_s=1)
        self.assertFailed(s, "timeout")
        self.assertLess(s["duration_ns"], 10 * 10 ** 9)
        self.assertGreaterEqual(s["duration_ns"], 10 ** 9)

    def test_timeout_processes(self):
        s = self.run_hostile("infinite_loop", mode="processes", workers=2, timeout_s=1)
        self.assertFailed(s, "timeout")
        self.assertLess(s["duration_ns"], 10 * 10 ** 9)

    def test_signal(self):
        s = self.run_hostile("segfault")
        self.assertFailed(s, "signal")
        self.assertEqual(s["signal"], 11)
        self.assertIsNone(s["exit_code"])
        self.assertIn("SIGSEGV", s["message"])
        # faulthandler's report reaches the failure report (its exact shape
        # differs between versions).
        self.assertTrue("Fatal Python error" in s["stderr_tail"]
                        or "segfault.py" in s["stderr_tail"], s["stderr_tail"])

    def test_signal_in_process_worker(self):
        s = self.run_hostile("segfault", mode="processes")
        self.assertFailed(s, "signal")
        self.assertIn("SIGSEGV", s["message"])

    def test_oom(self):
        self.assertFailed(self.run_hostile("memory_error", workers=2), "oom")
        self.assertFailed(self.run_hostile("memory_error", mode="processes"), "oom")

    def test_output_limit(self):
        s = self.run_hostile("print_20mib")
        self.assertFailed(s, "output_limit")
        self.assertLessEqual(len(s["stdout_tail"].encode("utf-8")), 64 * 1024 + 1024)

    def test_protocol(self):
        s = self.run_hostile("exit_early")
        self.assertFailed(s, "protocol")
        self.assertEqual(s["exit_code"], 0)

    def test_forged_protocol_lines(self):
        for mode, workers in (("threads", 1), ("threads", 2), ("processes", 2)):
            with self.subTest(mode=mode, workers=workers):
                s = self.run_hostile("forger", mode=mode, workers=workers, size=3)
                self.assertEqual(s["status"], "ok", s)
                self.assertIsNone(s["kind"])
                self.assertIsNone(s["message"])
                self.assertEqual(s["check"], "ok")
                self.assertEqual(s["size"], 3)
                self.assertEqual(len(s["worker_cpu_ns"]), workers)
                self.assertNotEqual(s["wall_ns"], 1)
                self.assertIn("genuine", s["result_repr"])
                self.assertNotIn("FORGED", s["result_repr"])
                self.assertIn("FORGED", s["stdout_tail"])  # captured, not parsed
                self.assertIn("FORGED", s["stderr_tail"])

    def test_invalid_utf8_output(self):
        s = self.run_hostile("bad_utf8", workers=2)
        self.assertEqual(s["status"], "ok", s)
        self.assertIn("\ufffd", s["stdout_tail"])
        self.assertIn("before", s["stdout_tail"])
        self.assertIn("after", s["stdout_tail"])
        self.assertIn("\ufffd", s["stderr_tail"])

    def test_excluded_mode_is_unsupported(self):
        s = self.server.sample(os.path.join(WORKLOADS, "shared_dict.py"), "processes", 2, 10)
        self.assertEqual(s["status"], "unsupported", s)
        self.assertIsNone(s["kind"])


class TestProtocol(RunnerTestBase):
    def bad(self, line, expect_id=None):
        if isinstance(line, str):
            line = line.encode("utf-8")
        self.server.send_raw(line + b"\n")
        resp = self.server.read_response()
        self.assertIs(resp["ok"], False, resp)
        self.assertIsInstance(resp["error"], str)
        self.assertEqual(resp["id"], expect_id, resp)
        return resp

    def test_malformed_requests(self):
        self.bad("this is not json")
        self.bad(b"\xff\xfe{not utf8")
        self.bad("[1, 2, 3]")
        self.bad('{"v": 1, "id": 7')
        self.bad('{"id": 8, "op": "facts"}', 8)
        self.bad('{"v": 2, "id": 9, "op": "facts"}', 9)
        self.bad('{"v": 1, "id": 10, "op": "frobnicate"}', 10)
        self.bad('{"v": 1, "id": 11}', 11)
        self.bad('{"v": 1, "id": 12, "op": "sample"}', 12)
        self.bad(json.dumps({"v": 1, "id": 13, "op": "sample", "workload": RUNNER,
                             "mode": "fibers"}), 13)
        self.bad(json.dumps({"v": 1, "id": 14, "op": "sample", "workload": RUNNER,
                             "workers": 0}), 14)
        self.bad(json.dumps({"v": 1, "id": 15, "op": "sample", "workload": RUNNER,
                             "size": "big"}), 15)
        self.bad(json.dumps({"v": 1, "id": 16, "op": "sample", "workload": RUNNER,
                             "timeout_s": -1}), 16)
        self.bad(json.dumps({"v": 1, "id": 17, "op": "describe", "paths": []}), 17)
        self.bad(json.dumps({"v": 1, "id": "s18", "op": "sample", "workload": RUNNER,
                             "env": {"A": 1}}), "s18")
        # ...and the server keeps serving.
        resp = self.server.request({"op": "facts"})
        self.assertTrue(resp["ok"])
        s = self.server.sample(os.path.join(WORKLOADS, "countdown.py"), size=1000)
        self.assertEqual(s["status"], "ok", s)

    def test_blank_lines_are_ignored(self):
        self.server.send_raw(b"\n   \n")
        resp = self.server.request({"op": "describe",
                                    "paths": [os.path.join(WORKLOADS, "fib.py")]})
        self.assertTrue(resp["ok"])
        self.assertEqual([e["name"] for e in resp["workloads"]], ["fib"])

    def test_env_is_passed_to_the_child(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        path = os.path.join(d, "envcheck.py")
        with open(path, "w") as f:
            f.write("import os\nCATEGORY='io'\nSCALING='weak'\nSIZE=1\n"
                    "def work(s, i, n, size):\n    return os.environ.get('GILBENCH_T')\n"
                    "def check(r, size, n):\n    return r == ['yes'] * n\n")
        s = self.server.sample(path, env={"GILBENCH_T": "yes"})
        self.assertEqual(s["status"], "ok", s)
        s = self.server.sample(path)
        self.assertEqual(s["kind"], "wrong_result", s)

    def test_workload_named_like_a_stdlib_module(self):
        # A workload file json.py must not shadow the runner's own
        # `import json`: neither in the workloads folder nor next to the
        # package (the package's parent is never left on sys.path).
        d = tempfile.mkdtemp(dir=self.tmp)
        shutil.copytree(RUNNER, os.path.join(d, "runner"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        workloads = os.path.join(d, "workloads")
        os.mkdir(workloads)
        with open(os.path.join(workloads, "json.py"), "w") as f:
            # work() also reports any sys.path entry holding the runner
            # (its folder, a compiled copy of it, or its parent).
            f.write("import os, sys\n"
                    "CATEGORY = 'cpu'\nSCALING = 'weak'\nSIZE = 5\n"
                    "def dumps(*a, **k):\n    raise RuntimeError('shadowed!')\n"
                    "loads = dumps\n"
                    "def work(s, i, n, size):\n"
                    "    return size, [p for p in sys.path if any(os.path.exists(\n"
                    "        os.path.join(p or os.curdir, name))\n"
                    "        for name in ('runner', '__main__.py', '__main__.pyc'))]\n"
                    "def check(r, size, n):\n    return r == [(size, [])] * n\n")
        for name in ("json", "queue"):
            with open(os.path.join(d, name + ".py"), "w") as f:
                f.write("raise RuntimeError('shadowed by the parent folder!')\n")
        proc = subprocess.Popen([PYTHON, os.path.join(d, "runner"), "serve"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        reqs = [{"v": 1, "id": 1, "op": "describe", "paths": [workloads]},
                {"v": 1, "id": 2, "op": "sample",
                 "workload": os.path.join(workloads, "json.py"),
                 "mode": "processes", "workers": 2}]
        out, err = proc.communicate(
            "".join(json.dumps(r) + "\n" for r in reqs).encode(), timeout=120)
        self.assertEqual(proc.returncode, 0, err)
        lines = out.decode().splitlines()
        self.assertEqual(len(lines), 2, out)
        described = json.loads(lines[0])["workloads"]
        self.assertEqual([(e["name"], e["error"]) for e in described], [("json", None)])
        sample = json.loads(lines[1])["sample"]
        self.assertEqual(sample["status"], "ok", sample)

    def test_shutdown_and_eof(self):
        server = Server()
        try:
            resp = server.request({"op": "shutdown"})
            self.assertTrue(resp["ok"])
            self.assertEqual(server.proc.wait(30), 0)
        finally:
            server.close()
        server = Server()
        try:
            server.proc.stdin.close()
            self.assertEqual(server.proc.wait(30), 0)
        finally:
            server.close()


class TestJitDetection(unittest.TestCase):
    """detect_jit() on the 3.13 code path, with faked build variables."""

    def setUp(self):
        sys.path.insert(0, ROOT)
        try:
            from runner import facts
        finally:
            sys.path.remove(ROOT)
        self.facts = facts
        self.saved_jit = getattr(sys, "_jit", None)
        self.saved_tic = sys.modules.get("_testinternalcapi")
        if self.saved_jit is not None:
            del sys._jit

    def tearDown(self):
        if self.saved_jit is not None:
            sys._jit = self.saved_jit
        if self.saved_tic is None:
            sys.modules.pop("_testinternalcapi", None)
        else:
            sys.modules["_testinternalcapi"] = self.saved_tic

    def fake(self, cflags, config_args, optimizer="absent"):
        cfg = {"PY_CORE_CFLAGS": cflags, "CONFIG_ARGS": config_args}
        # The runner imports sysconfig where it uses it: fake the module itself.
        fake_sysconfig = types.ModuleType("sysconfig")
        fake_sysconfig.get_config_var = cfg.get
        import sysconfig
        self.addCleanup(sys.modules.__setitem__, "sysconfig", sysconfig)
        sys.modules["sysconfig"] = fake_sysconfig
        if optimizer == "absent":
            sys.modules["_testinternalcapi"] = None  # import raises ImportError
        else:
            mod = types.ModuleType("_testinternalcapi")
            mod.get_optimizer = lambda: optimizer
            sys.modules["_testinternalcapi"] = mod
        return self.facts.detect_jit()

    def test_not_built(self):
        built, enabled, how = self.fake("-O3", "'--prefix=/usr'")
        self.assertEqual((built, enabled), (False, False))
        self.assertIn("PY_CORE_CFLAGS", how)

    def test_built_and_enabled(self):
        uop = type("uop_optimizer", (), {})()
        built, enabled, how = self.fake("-O3 -D_Py_JIT -DNDEBUG", "", uop)
        self.assertEqual((built, enabled), (True, True))
        self.assertIn("get_optimizer", how)

    def test_built_but_disabled(self):
        built, enabled, how = self.fake("-D_Py_JIT", "", None)
        self.assertEqual((built, enabled), (True, False))

    def test_built_without_testinternalcapi(self):
        built, enabled, how = self.fake("", "'--enable-experimental-jit'")
        self.assertEqual((built, enabled), (True, None))
        self.assertIn("_testinternalcapi", how)

    def test_interpreter_only_tier2_is_not_jit(self):
        built, enabled, how = self.fake("", "'--enable-experimental-jit=interpreter'")
        self.assertEqual((built, enabled), (False, False))


if __name__ == "__main__":
    unittest.main()
