"""Memory around the work: a workload that maps a known number of MiB per
worker grows each sample by that much, in every mode; one that maps
nothing grows it by almost nothing."""

import os
import unittest

from runner_support import HAS_SUBINTERPRETERS, WORKLOADS, RunnerTestBase

ALLOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                     "memory", "alloc_mib.py")
COUNTDOWN = os.path.join(WORKLOADS, "countdown.py")
MIB = 16


class TestMemory(RunnerTestBase):
    def _growth_kb(self, path, mode, workers, size):
        s = self.server.sample(path, mode, workers, size)
        self.assertEqual(s["status"], "ok", s)
        self.assertGreater(s["rss_setup_kb"], 0)
        return s["rss_peak_kb"] - s["rss_setup_kb"]

    def _check_mode(self, mode):
        for workers in (1, 2, 4):
            with self.subTest(mode=mode, workers=workers):
                per_worker = self._growth_kb(ALLOC, mode, workers, MIB) / workers
                self.assertLess(abs(per_worker - MIB * 1024), 1024, per_worker)
                idle = self._growth_kb(COUNTDOWN, mode, workers, 20000) / workers
                self.assertLess(idle, 1024)

    def test_threads(self):
        self._check_mode("threads")

    def test_processes(self):
        self._check_mode("processes")

    @unittest.skipUnless(HAS_SUBINTERPRETERS, "needs CPython 3.14+")
    def test_subinterpreters(self):
        self._check_mode("subinterpreters")
