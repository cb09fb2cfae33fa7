"""The describe request: the built-in suite, and broken workload files.

Run with `python3 -m unittest discover -s tests/python` (see runner_support).
"""

import os
import shutil
import tempfile
import unittest

from runner_support import WORKLOADS, RunnerTestBase

REQUIRED_WORKLOADS = {
    "countdown", "fib", "nbody", "primes", "dict_build", "gc_churn",
    "string_build", "lock_counter", "shared_dict", "queue_pingpong",
    "sha256", "zlib_compress", "sleep", "file_io", "socketpair", "richards",
}


class TestDescribe(RunnerTestBase):
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

    def test_folder_helpers_and_subfolders_are_not_workloads(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        with open(os.path.join(d, "good.py"), "w") as f:
            f.write("import shared\nCATEGORY = 'cpu'\nSCALING = 'weak'\nSIZE = 3\n"
                    "def work(s, i, n, size):\n    return shared.ONE\n"
                    "def check(r, size, n):\n    return True\n")
        with open(os.path.join(d, "shared.py"), "w") as f:
            f.write("ONE = 1\n")
        os.mkdir(os.path.join(d, "pkg"))
        with open(os.path.join(d, "pkg", "inner.py"), "w") as f:
            f.write("raise SystemExit('never imported by describe')\n")
        resp = self.server.request({"op": "describe", "paths": [d]})
        self.assertTrue(resp["ok"], resp)
        self.assertEqual([e["name"] for e in resp["workloads"]], ["good"])
        self.assertNotIn("helper", resp["workloads"][0])
        # Named on its own, a file that defines no workload is an error.
        resp = self.server.request({"op": "describe",
                                    "paths": [os.path.join(d, "shared.py")]})
        (entry,) = resp["workloads"]
        self.assertIn("missing required function work", entry["error"])
        self.assertNotIn("helper", entry)



if __name__ == "__main__":
    unittest.main()
