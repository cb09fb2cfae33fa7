"""The protocol server: malformed requests, blank lines, env, shutdown and
EOF; workload files named like standard modules, and what a worker imports.

Run with `python3 -m unittest discover -s tests/python` (see runner_support).
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from runner_support import PYTHON, RUNNER, WORKLOADS, RunnerTestBase, Server


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

    def test_warm_calls_run_before_the_timed_work(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        path = os.path.join(d, "calls.py")
        # Counts the calls in this process: the timed one comes last.
        with open(path, "w") as f:
            f.write("CATEGORY='cpu'\nSCALING='weak'\nSIZE=1\nCALLS=[]\n"
                    "def work(s, i, n, size):\n    CALLS.append(1)\n"
                    "    if len(CALLS) == size:\n        raise ValueError('call %d' % size)\n"
                    "    return len(CALLS)\n"
                    "def check(r, size, n):\n    return r[0] > 3\n")
        s = self.server.sample(path, size=50, warm_calls=3)
        self.assertEqual(s["status"], "ok", s)
        self.assertEqual(len(s["warm_call_ns"]), 3)
        self.assertTrue(all(t > 0 for t in s["warm_call_ns"]), s)
        if os.path.exists("/proc/stat"):
            # The untimed calls are watched for other load apart.
            load = s["warm_load"]
            self.assertGreaterEqual(load["watched_ns"], sum(s["warm_call_ns"]), s)
            self.assertEqual(load["watched_cpus"], s["watched_cpus"], s)
            self.assertGreaterEqual(load["foreign_cpu_ns"], 0, s)
        cold = self.server.sample(path, size=50)
        self.assertIsNone(cold["warm_call_ns"])
        self.assertIsNone(cold["warm_load"])
        # A warm-up call that fails fails the sample.
        s = self.server.sample(path, size=2, warm_calls=3)
        self.assertEqual(s["kind"], "exception", s)
        self.assertIn("in warm-up call 2: ValueError", s["message"])
        resp = self.server.request({"op": "sample", "workload": path, "warm_calls": -1})
        self.assertFalse(resp["ok"])

    def test_a_script_runs_once_as_a_worker_runs(self):
        source = ("import os, sys\n"
                  "print(sys.argv[1:], os.environ.get('GILBENCH_T'), repr(sys.stdin.read()))\n"
                  "sys.exit(3)\n")
        resp = self.server.request({"op": "script", "source": source, "args": ["a b"],
                                    "env": {"GILBENCH_T": "yes"}, "timeout_s": 30})
        self.assertTrue(resp["ok"], resp)
        run = resp["script"]
        self.assertEqual(run["exit_code"], 3, run)
        # Its arguments and environment, and no token on its stdin.
        self.assertIn("['a b'] yes ''", run["stdout_tail"])
        self.assertFalse(run["timed_out"])
        self.assertGreater(run["duration_ns"], 0)
        # A loop is killed at its timeout.
        resp = self.server.request({"op": "script", "source": "while True:\n    pass\n",
                                    "timeout_s": 1})
        run = resp["script"]
        self.assertTrue(run["timed_out"], run)
        self.assertEqual(run["timeout_s"], 1.0)
        self.assertIsNone(run["exit_code"])
        resp = self.server.request({"op": "script", "source": "", "timeout_s": 1})
        self.assertFalse(resp["ok"])
        self.assertIn("source", resp["error"])

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

    def test_worker_imports_only_what_a_sample_needs(self):
        # A worker starts for every sample, so its imports are per-sample
        # overhead: a threads-mode sample must not import the server's
        # modules, nor the standard modules only they need (unless the
        # interpreter imports them at start-up anyway).
        server_only = ["platform", "secrets", "subprocess", "sysconfig"]
        at_start = json.loads(subprocess.check_output(
            [PYTHON, "-B", "-c", "import json, sys; print(json.dumps(sorted(sys.modules)))"]))
        server_only = [m for m in server_only if m not in at_start]
        server_only += ["runner.server", "runner.child", "runner.facts",
                        "runner.modes.processes", "runner.modes.subinterpreters"]
        d = tempfile.mkdtemp(dir=self.tmp)
        path = os.path.join(d, "imports.py")
        with open(path, "w") as f:
            f.write("import sys\nCATEGORY = 'cpu'\nSCALING = 'weak'\nSIZE = 1\n"
                    "SERVER_ONLY = %r\n"
                    "def work(s, i, n, size):\n"
                    "    return ([m for m in SERVER_ONLY if m in sys.modules],\n"
                    "            'runner.worker' in sys.modules)\n"  # the names are right
                    "def check(r, size, n):\n    return r == [([], True)] * n\n"
                    % (server_only,))
        s = self.server.sample(path, "threads", 2)
        self.assertEqual(s["status"], "ok", s)

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



if __name__ == "__main__":
    unittest.main()
