"""Workload files: finding them, importing them, checking and describing
their API (NAME, CATEGORY, SCALING, SIZE, MODES, setup/work/check)."""

import hashlib
import os
import re
import sys

from .common import CATEGORIES, MODES, SCALINGS, exc_message, is_int, print_exc


# A top-level file of a workload folder that defines none of these is a
# helper module, not a broken workload.
API_NAMES = ("work", "check", "CATEGORY", "SCALING")


def module_name_for(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    stem = re.sub(r"\W", "_", stem) or "workload"
    digest = hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()
    return "gilbench_wl_%s_%s" % (stem, digest[:10])


def import_workload(path):
    """Import a workload file by path under a unique module name."""
    import importlib.util

    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise ImportError("workload file not found: %s" % path)
    modname = module_name_for(path)
    if modname in sys.modules:
        return sys.modules[modname]
    wdir = os.path.dirname(path)
    if wdir not in sys.path:
        # Lets a workload import helper modules (e.g. _common.py) next to
        # it; appended, so that it never shadows the standard library.
        sys.path.append(wdir)
    spec = importlib.util.spec_from_file_location(modname, path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot load a Python module from %s" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(modname, None)
        raise
    return module


def workload_meta(module, path):
    """Validate the workload API; returns (meta dict, error string or None)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    meta = entry_for(os.path.abspath(path))
    problems = []
    name = getattr(module, "NAME", stem)
    if isinstance(name, str) and name:
        meta["name"] = name
    else:
        problems.append("NAME must be a non-empty string")
    category = getattr(module, "CATEGORY", None)
    if category in CATEGORIES:
        meta["category"] = category
    else:
        problems.append("CATEGORY must be one of %s (got %r)"
                        % ("/".join(CATEGORIES), category))
    scaling = getattr(module, "SCALING", None)
    if scaling in SCALINGS:
        meta["scaling"] = scaling
    else:
        problems.append("SCALING must be 'weak' or 'strong' (got %r)" % (scaling,))
    description = getattr(module, "DESCRIPTION", None)
    if description is None:
        doc = (getattr(module, "__doc__", None) or "").strip()
        description = doc.splitlines()[0] if doc else ""
    if isinstance(description, str):
        meta["description"] = description.strip()
    else:
        problems.append("DESCRIPTION must be a string")
    size = getattr(module, "SIZE", None)
    if is_int(size) and size >= 1:
        meta["size"] = size
    else:
        problems.append("SIZE must be a positive int (got %r)" % (size,))
    modes = getattr(module, "MODES", MODES)
    if isinstance(modes, str):
        modes = (modes,)
    try:
        modes = list(modes)
    except TypeError:
        modes = None
    if modes is None or not modes or any(m not in MODES for m in modes):
        problems.append("MODES must be a non-empty subset of %s" % (MODES,))
    else:
        meta["modes"] = [m for m in MODES if m in modes]
    if not callable(getattr(module, "work", None)):
        problems.append("missing required function work(state, worker_index, workers, size)")
    if not callable(getattr(module, "check", None)):
        problems.append("missing required function check(results, size, workers)")
    setup = getattr(module, "setup", None)
    if setup is not None and not callable(setup):
        problems.append("setup must be a function setup(size, workers)")
    if problems:
        meta["error"] = "invalid workload: " + "; ".join(problems)
    return meta, meta["error"]


def expand_paths(paths):
    """Directories expand to their top-level *.py files (not _*.py, not
    runner.py); subfolders are the workloads' packages and data."""
    files = []
    for p in paths:
        p = os.path.abspath(p)
        if os.path.isdir(p):
            for entry in sorted(os.listdir(p)):
                if (entry.endswith(".py") and not entry.startswith("_")
                        and entry != "runner.py"
                        and os.path.isfile(os.path.join(p, entry))):
                    files.append(os.path.join(p, entry))
        else:
            files.append(p)
    seen = set()
    out = []
    for f in files:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


def describe_files(paths):
    entries = []
    for path in paths:
        try:
            mod = import_workload(path)
        except BaseException as exc:
            print_exc("cannot import workload %s" % path, exc)
            entry = entry_for(os.path.abspath(path), "import failed: " + exc_message(exc))
        else:
            entry, _ = workload_meta(mod, path)
            if not any(hasattr(mod, name) for name in API_NAMES):
                # A module the workloads of its folder import; op_describe
                # drops it unless it was named on its own.
                entry["helper"] = True
        entries.append(entry)
    return entries


def entry_for(path, error=None):
    """An entry of describe's list that knows only the path (and the error)."""
    return {"name": os.path.splitext(os.path.basename(path))[0], "path": path,
            "category": None, "scaling": None, "description": None,
            "size": None, "modes": [], "error": error}
