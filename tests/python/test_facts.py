"""The facts request, and JIT detection on faked build variables.

Run with `python3 -m unittest discover -s tests/python` (see runner_support).
"""

import os
import sys
import types
import unittest

from runner_support import HAS_SUBINTERPRETERS, PY_VERSION, ROOT, WORKLOADS, RunnerTestBase

FACT_FIELDS = {
    "python_version", "version", "implementation", "compiler", "executable",
    "config_args", "py_gil_disabled", "gil_enabled_at_start",
    "gil_enabled_after_import", "gil_enabled_by", "jit_built", "jit_enabled", "jit_detection",
    "cpu_count", "process_cpu_count", "affinity", "cgroup_cpu_max",
    "cgroup_memory_max", "cgroup_pids_max", "kernel", "machine", "cpu_model", "env",
    "switch_interval", "has_subinterpreters", "modes",
}


class TestFacts(RunnerTestBase):
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
        # countdown imports no extension module that could turn the GIL on.
        self.assertIsNone(resp["facts"]["gil_enabled_by"])


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
