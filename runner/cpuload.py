"""CPU time that something else spent on this sample's CPUs while it ran.

The host's per-CPU counters in /proc/stat (a container sees them
unnamespaced) give the busy time of the CPUs the sample may use; the
sample's own process tree accounts for part of it (os.times, which counts
reaped children such as worker processes); the rest is foreign load: another
process, a neighbour container, the kernel. Steal time is what the
hypervisor reports taking. Both are counted in clock ticks (usually 10 ms).
"""

import os
import time

_TICK_NS = 1e9 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 1e7


def _allowed_cpus():
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def _ticks(cpus):
    """(busy, steal) clock ticks summed over `cpus`, or None."""
    try:
        with open("/proc/stat") as f:
            lines = f.readlines()
    except OSError:
        return None
    busy = steal = 0
    for line in lines:
        if not (line.startswith("cpu") and line[3:4].isdigit()):
            continue
        fields = line.split()
        if int(fields[0][3:]) not in cpus:
            continue
        # user nice system idle iowait irq softirq steal (guest time is in user)
        v = [int(x) for x in fields[1:9]] + [0] * 8
        busy += v[0] + v[1] + v[2] + v[5] + v[6]
        steal += v[7]
    return busy, steal


def _own_ns():
    t = os.times()
    return (t[0] + t[1] + t[2] + t[3]) * 1e9


class LoadWatch(object):
    """Started before a sample's parallel section, read after it."""

    def __init__(self):
        self.cpus = _allowed_cpus()
        self.start = _ticks(self.cpus) if self.cpus else None
        self.own = _own_ns()
        self.t0 = time.perf_counter_ns()

    def result(self):
        """foreign_cpu_ns, steal_ns, watched_ns and watched_cpus, or {} if
        /proc/stat cannot be read."""
        if self.start is None:
            return {}
        end = _ticks(self.cpus)
        if end is None:
            return {}
        watched = time.perf_counter_ns() - self.t0
        busy_ns = (end[0] - self.start[0]) * _TICK_NS
        own_ns = _own_ns() - self.own
        return {
            "foreign_cpu_ns": int(max(0.0, busy_ns - own_ns)),
            "steal_ns": int((end[1] - self.start[1]) * _TICK_NS),
            "watched_ns": watched,
            "watched_cpus": len(self.cpus),
        }
