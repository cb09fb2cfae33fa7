"""gilbench in-container runner (standard library only, CPython 3.9+).

Run the folder itself: ``python3 <dir>/runner <subcommand>``.

Subcommands:

  runner serve
      Long-lived protocol server (server.py).  Reads one JSON request per
      line on stdin, writes exactly one JSON response line per request on
      stdout.  Every line carries "v": 1.  Each sample runs in a FRESH
      interpreter child (``runner worker``, started by child.py), see
      workloads/README.md for the full protocol.

  runner worker --result-fd N (--facts [--after-import P] |
                               --describe P [P ...] |
                               --workload P --mode M --workers N ...)
      The child (worker.py).  Reads a per-run token from stdin first thing,
      then reports exactly one result line "<token> <json>" on the pipe fd N.

  runner run PATH [--mode M] [--workers N] [--size S] [--timeout T]
  runner facts [--after-import PATH]
  runner describe PATH [PATH ...]
      Human conveniences: run one request through the same machinery as
      ``serve`` and print the JSON response.

This package must run unchanged on CPython 3.9 .. 3.15, on default,
free-threaded and JIT builds: no match statements, no ``X | Y`` type syntax,
no newer-than-3.9 library calls without a guard.
"""

import os
import sys

# Running the folder (or, for a worker, its compiled __main__ file) puts
# the folder itself first on sys.path, which would make the runner's modules
# importable by their bare names, ahead of a workload's own helper modules
# (say a common.py next to it): drop it.  The package is then imported from
# its parent folder, which is on sys.path for that one import only, before
# anything else is imported; its modules are found through the package from
# then on.  So nothing next to the runner can shadow the standard library.
_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and sys.path[0] and os.path.abspath(sys.path[0]) == _HERE:
    del sys.path[0]
_PACKAGE = os.path.basename(_HERE)
sys.path.insert(0, os.path.dirname(_HERE))
try:
    __import__(_PACKAGE)
finally:
    del sys.path[0]


def _module(name):
    """The package's module `name` (imported on first use)."""
    return __import__(_PACKAGE + "." + name, fromlist=("_",))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "worker":
        return _module("worker").main(argv[1:])
    # The server never writes __pycache__ into the package folder (the
    # source tree, or the bench dir): workers run a private compiled copy.
    sys.dont_write_bytecode = True
    if argv and argv[0] == "serve":
        return _module("server").serve()
    return _module("server").oneshot(argv)


if __name__ == "__main__":
    sys.exit(main())
