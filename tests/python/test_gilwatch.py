"""Naming the import that turned the GIL back on (runner/gilwatch.py).

Host interpreters have no GIL to turn on, so the GIL probe is injected: a
fake `_imp` for the watch's own logic, and for real imports a probe that
reports the GIL on once a given extension's library is mapped into the
process, as a free-threaded build turns it on while creating the module.

Run with `python3 -m unittest discover -s tests/python` (see runner_support).
"""

import importlib.machinery
import os
import shutil
import sys
import tempfile
import textwrap
import types
import unittest

from runner_support import ROOT


def _runner_module(name):
    sys.path.insert(0, ROOT)
    try:
        return __import__("runner." + name, fromlist=("_",))
    finally:
        sys.path.remove(ROOT)


gilwatch = _runner_module("gilwatch")


class FakeImp(object):
    """An `_imp` whose create_dynamic turns the GIL on for `gil_users`."""

    def __init__(self, gil_users=(), create_inside=None, fail=False):
        self.gil_on = False
        self.gil_users = set(gil_users)
        self.create_inside = create_inside or {}
        self.fail = fail
        self.created = []

    def create_dynamic(self, spec):
        inner = self.create_inside.get(spec.name)
        if inner is not None:
            self.create_dynamic(types.SimpleNamespace(name=inner))
        self.created.append(spec.name)
        if spec.name in self.gil_users:
            self.gil_on = True
        if self.fail:
            raise ImportError("cannot load %s" % spec.name)
        return types.ModuleType(spec.name)

    def probe(self):
        return self.gil_on


def spec(name):
    return types.SimpleNamespace(name=name)


class TestGilImportWatch(unittest.TestCase):
    def watch(self, imp):
        return gilwatch.GilImportWatch(probe=imp.probe, imp=imp)

    def test_names_the_module_whose_creation_turned_the_gil_on(self):
        imp = FakeImp(gil_users={"pkg._speedups"})
        with self.watch(imp) as watch:
            imp.create_dynamic(spec("pkg._ok"))
            self.assertIsNone(watch.enabled_by)
            imp.create_dynamic(spec("pkg._speedups"))
            imp.create_dynamic(spec("other._speedups"))
        self.assertEqual(watch.enabled_by, "pkg._speedups")
        self.assertEqual(imp.created, ["pkg._ok", "pkg._speedups", "other._speedups"])

    def test_a_module_created_inside_another_is_named_not_its_creator(self):
        imp = FakeImp(gil_users={"inner"}, create_inside={"outer": "inner"})
        with self.watch(imp) as watch:
            imp.create_dynamic(spec("outer"))
        self.assertEqual(watch.enabled_by, "inner")

    def test_a_failed_creation_that_turned_the_gil_on_is_named(self):
        imp = FakeImp(gil_users={"broken"}, fail=True)
        with self.watch(imp) as watch:
            with self.assertRaises(ImportError):
                imp.create_dynamic(spec("broken"))
        self.assertEqual(watch.enabled_by, "broken")

    def test_the_original_is_back_when_the_watch_ends(self):
        imp = FakeImp()
        original = imp.create_dynamic
        with self.assertRaises(KeyError):
            with self.watch(imp):
                self.assertNotEqual(imp.create_dynamic, original)
                raise KeyError("setup failed")
        self.assertEqual(imp.create_dynamic, original)

    def test_nothing_is_wrapped_while_the_gil_is_on(self):
        imp = FakeImp()
        imp.gil_on = True
        original = imp.create_dynamic
        with self.watch(imp) as watch:
            self.assertEqual(imp.create_dynamic, original)
        self.assertIsNone(watch.enabled_by)

    def test_imports_after_the_watch_are_not_seen(self):
        imp = FakeImp(gil_users={"late"})
        with self.watch(imp) as watch:
            imp.create_dynamic(spec("early"))
        imp.create_dynamic(spec("late"))
        self.assertIsNone(watch.enabled_by)

    def test_a_second_window_keeps_watching(self):
        imp = FakeImp(gil_users={"in_setup"})
        watch = self.watch(imp)
        with watch:
            imp.create_dynamic(spec("at_import"))
        with watch:
            imp.create_dynamic(spec("in_setup"))
        self.assertEqual(watch.enabled_by, "in_setup")


def _extension_file():
    """A standard-library extension module file, to copy under a new name."""
    for name in ("_bz2", "_lzma", "_json", "_csv"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        path = getattr(module, "__file__", None)
        if path and path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            return name, path
    return None, None


class ExtensionCopy(object):
    """A package in a temporary folder holding a copy of a standard-library
    extension module; `probe` says the GIL is on once the copy is loaded."""

    def __init__(self, test, package):
        name, path = _extension_file()
        if path is None or not os.path.exists("/proc/self/maps"):
            test.skipTest("needs an extension module file and /proc/self/maps")
        self.folder = tempfile.mkdtemp(prefix="gilbench-gilwatch-")
        test.addCleanup(shutil.rmtree, self.folder, True)
        package_dir = os.path.join(self.folder, package)
        os.mkdir(package_dir)
        with open(os.path.join(package_dir, "__init__.py"), "w") as f:
            f.write("from . import %s\n" % name)
        self.library = os.path.join(package_dir, os.path.basename(path))
        shutil.copy(path, self.library)
        self.module = "%s.%s" % (package, name)
        test.addCleanup(self._forget, package)

    def probe(self):
        with open("/proc/self/maps") as maps:
            return self.library in maps.read()

    def _forget(self, package):
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]


class TestRealImports(unittest.TestCase):
    """The import machinery creates extension modules through the watch."""

    def test_importing_a_package_names_its_extension_module(self):
        copy = ExtensionCopy(self, "gilbench_fake_pkg")
        sys.path.insert(0, copy.folder)
        self.addCleanup(sys.path.remove, copy.folder)
        with gilwatch.GilImportWatch(probe=copy.probe) as watch:
            __import__("gilbench_fake_pkg")
        self.assertEqual(watch.enabled_by, copy.module)


class TestSamples(unittest.TestCase):
    """A sample names the import in its workload's setup, in threads and in
    processes mode (where each worker process sets up on its own)."""

    WORKLOAD = """\
        import sys
        CATEGORY = "cpu"; SCALING = "weak"; SIZE = 1
        def setup(size, workers):
            sys.path.insert(0, %(folder)r)
            import %(package)s
        def work(state, i, n, size):
            return size
        def check(results, size, workers):
            return results == [size] * workers
        """

    def sample_of(self, mode, package):
        copy = ExtensionCopy(self, package)
        path = os.path.join(copy.folder, "gil_in_setup.py")
        with open(path, "w") as f:
            f.write(textwrap.dedent(self.WORKLOAD % {"folder": copy.folder,
                                                     "package": package}))
        original_probe = gilwatch.gil_enabled
        gilwatch.gil_enabled = copy.probe
        self.addCleanup(setattr, gilwatch, "gil_enabled", original_probe)
        self.addCleanup(lambda: copy.folder in sys.path and sys.path.remove(copy.folder))
        sample = _runner_module("sample").run_sample(path, mode, 2, None, False)
        self.assertEqual(sample["status"], "ok", sample)
        return sample, copy.module

    def test_threads_mode_names_the_import_in_setup(self):
        sample, module = self.sample_of("threads", "gilbench_fake_threads")
        self.assertEqual(sample["gil_enabled_by"], module)

    def test_a_sample_names_the_modules_its_workload_brought_in(self):
        sample, module = self.sample_of("threads", "gilbench_fake_imports")
        self.assertIn(module.split(".")[0], sample["imports"])
        self.assertNotIn("threading", sample["imports"])  # the standard library's

    def test_the_server_passes_on_what_the_worker_measured(self):
        sample, _ = self.sample_of("threads", "gilbench_fake_server")
        common = _runner_module("common")
        echoed = set(common.REQUEST_FIELDS)  # the server has them from the request
        passed_on = set(common.MEASURED_FIELDS)
        self.assertFalse(set(sample) - echoed - passed_on, set(sample) - echoed - passed_on)

    def test_processes_mode_names_the_import_in_a_worker_process(self):
        sample, module = self.sample_of("processes", "gilbench_fake_processes")
        self.assertEqual(sample["gil_enabled_by"], module)
        self.assertTrue(sample["gil_enabled"])


if __name__ == "__main__":
    unittest.main()
