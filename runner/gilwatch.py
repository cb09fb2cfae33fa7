"""Which import turned the GIL back on.

On a free-threaded build, an extension module that does not declare
free-threading support (no ``Py_mod_gil`` slot) turns the GIL on for the
whole process, unless ``PYTHON_GIL=0``.  CPython decides that while
``_imp.create_dynamic`` creates the module: every loader of extension files
goes through it.  While a GilImportWatch is active, that one function is
wrapped and the GIL probed around it; the first module whose creation
turned the GIL on is ``enabled_by``.

The watch covers a workload's import and setup, never its timed work: on
leaving it, the original function is back.  Where the GIL is already on
(a default build, ``PYTHON_GIL=1``, an earlier import) nothing is wrapped.
Each interpreter has its own ``_imp`` module, so a watch sees the imports
of its own interpreter only.

A watch also notes the top-level names of the modules that appeared while
it was active, outside the standard library (``imported``): what ties a
workload to the installed packages whose builds may differ.
"""

import _imp
import sys

from .common import gil_enabled


class GilImportWatch(object):
    """A context manager, entered once or more (import, then setup).  The
    probe (default: sys._is_gil_enabled) and the ``_imp`` module are
    parameters for the tests."""

    def __init__(self, probe=None, imp=None):
        self.enabled_by = None
        self.imported = set()
        self._before = None
        self._probe = probe if probe is not None else gil_enabled
        self._imp = imp if imp is not None else _imp
        self._original = None

    def __enter__(self):
        self._before = set(sys.modules)
        original = getattr(self._imp, "create_dynamic", None)
        if original is None or self._probe():
            return self
        self._original = original
        self._imp.create_dynamic = self._watched(original)
        return self

    def gil_on(self):
        """The GIL's state now, as this watch probes it."""
        return bool(self._probe())

    def __exit__(self, *exc_info):
        self.imported.update(_third_party(set(sys.modules) - self._before))
        if self._original is not None:
            self._imp.create_dynamic = self._original
            self._original = None
        return False

    def _watched(self, create_dynamic):
        def watched_create_dynamic(spec, *args, **kwargs):
            was_on = self._probe()
            try:
                return create_dynamic(spec, *args, **kwargs)
            finally:
                # The first module wins: one created inside another's
                # initialisation finishes, and is seen, first.
                if not was_on and self.enabled_by is None and self._probe():
                    self.enabled_by = _module_name(spec)

        return watched_create_dynamic


def _third_party(names):
    """Top-level names among `names` that are not the standard library's
    (3.10+ lists it; before, only built-in modules are left out)."""
    stdlib = getattr(sys, "stdlib_module_names", ())
    tops = set(name.split(".")[0] for name in names)
    return set(t for t in tops if t not in stdlib and t not in sys.builtin_module_names
               and not t.startswith("gilbench_wl_"))


def _module_name(spec):
    name = getattr(spec, "name", None)
    return name if isinstance(name, str) and name else "an unnamed extension module"
