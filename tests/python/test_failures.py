"""Hostile workloads: every failure kind, in every mode it can happen in.

Run with `python3 -m unittest discover -s tests/python` (see runner_support).
"""

import os
import unittest

from runner_support import HAS_SUBINTERPRETERS, WORKLOADS, RunnerTestBase


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



if __name__ == "__main__":
    unittest.main()
