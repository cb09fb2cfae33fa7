"""Every built-in workload in every mode (threads, processes,
subinterpreters), at small sizes.

Run with `python3 -m unittest discover -s tests/python` (see runner_support).
"""

import os
import unittest

from runner_support import HAS_SUBINTERPRETERS, WORKLOADS, RunnerTestBase

# Small sizes so that the whole suite runs in seconds.
SMALL = {
    "countdown": 200000, "fib": 20, "nbody": 1000, "spectral_norm": 20,
    "primes": 20000, "dict_build": 20000, "gc_churn": 200,
    "string_build": 300, "lock_counter": 30000, "shared_dict": 30000,
    "queue_pingpong": 300, "sha256": 1, "zlib_compress": 1, "sleep": 5,
    "file_io": 30, "socketpair": 1000, "richards": 1,
}


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
                    # At one thread the owning thread is timed too; both
                    # results passed the check.
                    if mode == "threads" and workers == 1:
                        self.assertGreater(s["owner_wall_ns"], 0)
                    else:
                        self.assertIsNone(s.get("owner_wall_ns"))

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

    def test_the_owning_thread_may_go_first(self):
        path = os.path.join(WORKLOADS, "lock_counter.py")
        for owner_first in (True, False):
            s = self.server.sample(path, size=30000, owner_first=owner_first)
            self.assertEqual(s["status"], "ok", s)
            self.assertGreater(s["owner_wall_ns"], 0)
        resp = self.server.request({"op": "sample", "workload": path, "owner_first": 1})
        self.assertIs(resp["ok"], False)
        self.assertIn("owner_first", resp["error"])

    def test_default_size_and_warmup_echo(self):
        s = self.server.sample(os.path.join(WORKLOADS, "fib.py"), size=None, warmup=True)
        self.assertEqual(s["status"], "ok", s)
        self.assertIs(s["warmup"], True)
        fib = [e for e in self.entries if e["name"] == "fib"][0]
        self.assertEqual(s["size"], fib["size"])

    def test_samples_report_the_load_on_their_cpus(self):
        s = self.server.sample(os.path.join(WORKLOADS, "countdown.py"), size=200000)
        self.assertEqual(s["status"], "ok", s)
        cpus = len(os.sched_getaffinity(0))
        self.assertEqual(s["watched_cpus"], cpus)
        self.assertGreaterEqual(s["watched_ns"], s["wall_ns"])
        self.assertGreaterEqual(s["foreign_cpu_ns"], 0)
        self.assertGreaterEqual(s["steal_ns"], 0)
        # Foreign time cannot exceed what the watched CPUs could give.
        self.assertLessEqual(s["foreign_cpu_ns"], s["watched_ns"] * cpus + 2 * 10**7)


if __name__ == "__main__":
    unittest.main()
