"""gilbench's in-container runner (standard library only, CPython 3.9+).

Run the folder as a program: ``python3 <dir>/runner serve`` (the protocol
is described in workloads/README.md).  The folder's parent must hold no
workloads; the bench dir holds runner/, workloads/ and user/.

  __main__.py   sys.path set-up, and the subcommands (serve, worker, run,
                facts, describe)
  server.py     the protocol server: requests, the serve loop, one-shot CLI
  child.py      the server's side of one worker: spawn, tails, result
                line, timeout, kill, failure kinds
  worker.py     the worker's entry point: token, result fd, one request
  sample.py     one sample in the worker: import, validate, run, check
  modes/        threads.py, processes.py, subinterpreters.py, and what
                they share (__init__.py)
  workload.py   importing workload files, their metadata, describe
  gilwatch.py   which import turned the GIL back on (free-threaded builds)
  facts.py      interpreter facts: build, GIL, JIT, CPUs, cgroup limits
  common.py     protocol constants and helpers shared by all of them

Nothing is imported here: a worker, started for every sample, imports
only the modules its request needs.
"""
