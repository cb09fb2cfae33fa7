"""string_build: building strings by formatting, join, concatenation, upper().

Each worker runs ``size`` rounds (weak scaling); a round formats 100 small
strings, joins them, transforms the result and grows a string with ``+=``.
Unicode object creation and copying dominate.  Lengths and a CRC of the last
string are checked against one round computed in ``check``.
"""

import zlib

NAME = "string_build"
CATEGORY = "objects"
SCALING = "weak"
DESCRIPTION = "format/join/concatenate/upper strings: unicode allocation and copying"
SIZE = 20_000


def _round():
    parts = []
    for k in range(100):
        parts.append("%d:%s" % (k, "x" * (k % 7)))
    s = ",".join(parts)
    s = s.upper().replace("X", "y")
    t = ""
    for k in range(30):
        t += str(k)
    return s, t


def work(state, worker_index, workers, size):
    total = 0
    last = ""
    for _ in range(size):
        s, t = _round()
        total += len(s) + len(t)
        last = s + t
    return (total, zlib.crc32(last.encode("ascii")))


def check(results, size, workers):
    s, t = _round()
    expected = (size * (len(s) + len(t)), zlib.crc32((s + t).encode("ascii")))
    assert results == [expected] * workers, (results, expected)
    return True
