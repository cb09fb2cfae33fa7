"""file_io: write, read back and delete 256 KiB temp files.

Each worker uses its own directory under tempfile.gettempdir() and writes,
reads back and removes ``size`` files of 256 KiB (weak scaling).  The
syscalls release the GIL, but the Python code between them does not, so
threads scale only partly with the GIL.  Every file read back must equal the
payload written.
"""

import os
import shutil
import tempfile

NAME = "file_io"
CATEGORY = "io"
SCALING = "weak"
DESCRIPTION = "write/read/remove 256 KiB temp files: syscalls that release the GIL"
SIZE = 3_000

PAYLOAD = bytes(range(256)) * 1024  # 256 KiB


def work(state, worker_index, workers, size):
    base = tempfile.mkdtemp(prefix="gilbench-file-io-%d-" % worker_index,
                            dir=tempfile.gettempdir())
    ok = 0
    nbytes = 0
    try:
        for r in range(size):
            path = os.path.join(base, "f%d.bin" % r)
            with open(path, "wb") as f:
                f.write(PAYLOAD)
            with open(path, "rb") as f:
                data = f.read()
            os.remove(path)
            nbytes += len(data)
            if data == PAYLOAD:
                ok += 1
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return (ok, nbytes)


def check(results, size, workers):
    assert results == [(size, size * len(PAYLOAD))] * workers, results
    return True
