"""CPU seconds that PostgreSQL's processes and this process spend over a stretch of a benchmark.

Wall time on a shared 2-core machine moves by a quarter from run to run; CPU seconds move far
less, so they show a change of a few percent that timings hide. PostgreSQL must run on this
machine (its processes are read from /proc). A backend that exits between two samples loses at
most one sample's worth of CPU: samples are 20 ms apart.
"""

from __future__ import annotations

import os
import resource
import threading

_TICKS = os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/comm") as comm:
                    if comm.read().strip() == "postgres":
                        pids.append(int(name))
            except OSError:
                continue
    return pids


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """`with CpuMeter() as meter: ...`, then `meter.database` and `meter.own` in seconds."""

    def __init__(self) -> None:
        self._start: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.database = self.own = 0.0

    def _read(self, pids) -> None:
        for pid in pids:
            seconds = _cpu_seconds(pid)
            if seconds is None:
                continue
            self._start.setdefault(pid, seconds if pid in self._baseline else 0.0)
            self._last[pid] = seconds

    def _sample(self) -> None:
        pids = _postgres_pids()
        rounds = 0
        while not self._stop.wait(0.02):
            rounds += 1
            if rounds % 25 == 0:  # new backends, twice a second
                pids = _postgres_pids()
            self._read(pids)

    def __enter__(self) -> CpuMeter:
        pids = _postgres_pids()
        self._baseline = set(pids)
        self._read(pids)
        self._own_start = _own_cpu_seconds()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._read(_postgres_pids())
        # The sampling thread's own reads are counted in `own`; they cost about 1 % of a core.
        self.own = _own_cpu_seconds() - self._own_start
        self.database = sum(self._last[pid] - self._start[pid] for pid in self._last)
