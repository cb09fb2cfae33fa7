"""sha256: hashlib.sha256 over a 16 MiB buffer -- C code that releases the GIL.

Each worker hashes the same read-only 16 MiB buffer ``size`` times (weak
scaling).  hashlib drops the GIL while hashing large buffers, so even the
default build scales with threads here: the contrast with countdown shows
that the GIL only serialises Python bytecode.  Every digest is compared
with a known answer.
"""

import hashlib

NAME = "sha256"
CATEGORY = "native"
SCALING = "weak"
DESCRIPTION = "hashlib.sha256 of a 16 MiB buffer: native code without the GIL"
SIZE = 48

MIB = 1024 * 1024
EXPECTED = "341aacac661ccb210720bedaa9ead5d668fe5ea41a73532fc147c71e34040df1"


def setup(size, workers):
    block = bytes(range(256)) * (MIB // 256)
    return block * 16  # 16 MiB, built outside the timed region


def work(state, worker_index, workers, size):
    matches = 0
    digest = None
    for _ in range(size):
        digest = hashlib.sha256(state).hexdigest()
        if digest == EXPECTED:
            matches += 1
    return (matches, digest)


def check(results, size, workers):
    assert results == [(size, EXPECTED)] * workers, results
    return True
