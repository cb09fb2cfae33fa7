"""zlib_compress: zlib compress + decompress of 1 MiB of text-like data.

Each worker compresses (level 6) and decompresses the same 1 MiB buffer
``size`` times (weak scaling).  zlib releases the GIL while it works, so like
sha256 this scales with threads on every build.  The round trip must give the
original bytes back (CRC-32 compared with a known answer) and every worker
must produce the same compressed size.
"""

import zlib

NAME = "zlib_compress"
CATEGORY = "native"
SCALING = "weak"
DESCRIPTION = "zlib compress/decompress of 1 MiB: native code without the GIL"
SIZE = 8

WORDS = ("the", "global", "interpreter", "lock", "thread", "free", "python",
         "bench", "mark", "parallel", "speed", "core", "cache", "line", "fork",
         "queue", "a", "of", "and", "to")
EXPECTED_LEN = 1024 * 1024
EXPECTED_CRC = 3331167095  # zlib.crc32(make_data())


def make_data():
    """1 MiB: a 64 KiB chunk of pseudo-random words (LCG), repeated.

    zlib's window is 32 KiB, so the repetition does not help the compressor.
    """
    out = []
    n = 0
    x = 12345
    while n < 64 * 1024:
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        w = WORDS[(x >> 16) % len(WORDS)]
        out.append(w)
        n += len(w) + 1
    chunk = " ".join(out).encode("ascii")[: 64 * 1024]
    return chunk * 16


def setup(size, workers):
    return make_data()


def work(state, worker_index, workers, size):
    ok = 0
    crc = None
    clen = None
    for _ in range(size):
        packed = zlib.compress(state, 6)
        unpacked = zlib.decompress(packed)
        crc = zlib.crc32(unpacked)
        clen = len(packed)
        if len(unpacked) == EXPECTED_LEN and crc == EXPECTED_CRC:
            ok += 1
    return (ok, crc, clen)


def check(results, size, workers):
    assert len(results) == workers
    assert all(r[0] == size and r[1] == EXPECTED_CRC for r in results), results
    assert len(set(r[2] for r in results)) == 1, results  # deterministic
    return True
