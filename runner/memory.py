"""Resident memory around a sample's work: the size after setup and the
peak while the work ran, in KiB, so that growth caused by the work is told
apart from start-up and setup.

Linux keeps each process's peak resident size (VmHWM) and resets it to the
current size when "5" is written to /proc/self/clear_refs (a process may
do that to itself, unprivileged, in a container too). The container's
cgroup peak would cover all its processes at once, but containers mount
cgroupfs read-only, so it cannot be reset per sample. Where the reset is
not offered (not Linux) both figures are null rather than a peak that
includes start-up. Reading costs about 0.1 ms, outside the timed region.
"""


def _status_kb(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


class PeakWatch(object):
    """Resets this process's peak on creation; `result()` gives the
    resident size then and the peak since."""

    def __init__(self):
        self.setup_kb = None
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            return
        self.setup_kb = _status_kb("VmRSS:")

    def peak_kb(self):
        return None if self.setup_kb is None else _status_kb("VmHWM:")

    def result(self):
        return {"rss_setup_kb": self.setup_kb, "rss_peak_kb": self.peak_kb()}
