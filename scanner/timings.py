"""Wall-clock time and peak memory per stage of one run (`airguard scan --timings`): where a slow or large
scan spends its time and its memory.

Stages are timed in this process only; time spent in worker processes shows as the stage that waits for
them. Recording is always on (a `perf_counter` pair and a read of the peak memory per stage: a few dozen
per scan), printing is asked for. Memory is this process's peak resident size when the stage ended (a high-water
mark: the stage that raises it is the one that needed it), where the platform tells it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

_seconds: dict[str, float] = {}   # stage -> seconds, in the order stages first ran
_peak_mb: dict[str, float] = {}   # stage -> this process's peak resident MB when it (last) ended
_ENTERED = time.perf_counter()    # when this module was imported: early in a run's imports
_first: list[float] = []          # when the first stage began: start-up ends there
_again: list[float] = []          # when a later command in this process began (`reset`): its total starts there


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the block as `name` (added up when a stage runs more than once)."""
    started = time.perf_counter()
    if not _first:
        _first.append(started)
    try:
        yield
    finally:
        _seconds[name] = _seconds.get(name, 0.0) + time.perf_counter() - started
        peak = peak_mb()
        if peak is not None:
            _peak_mb[name] = peak


def peak_mb() -> float | None:
    """This process's peak resident size in MB so far, or None where the platform does not tell it.

    Linux: VmHWM, the high-water mark of this program's memory. Not getrusage: its maximum survives exec, so
    a scan started by a large process (a test runner, an IDE) would show that process's peak."""
    try:
        with open("/proc/self/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024   # kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:
        return None   # Windows
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024   # bytes on macOS, else kB


def reset() -> None:
    """Forget the stages timed so far: a command run again in the same process (tests, a long-lived
    caller) times only its own stages; start-up stays the process's."""
    if _seconds:  # not the process's first command: its own time starts now, not at the process's start
        _again[:] = [time.perf_counter()]
    _seconds.clear()
    _peak_mb.clear()
    _first.clear()


def recorded() -> dict[str, float]:
    """The stages timed so far, in the order they first ran."""
    return dict(_seconds)


def process_age() -> float | None:
    """Seconds since this process started (Linux: /proc), or None where that cannot be read."""
    try:
        with open("/proc/self/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        with open("/proc/uptime", "rb") as handle:
            uptime = float(handle.read().split()[0])
        import os

        ticks = os.sysconf("SC_CLK_TCK")
        return max(0.0, uptime - int(fields[19]) / ticks)   # field 22 of stat: start time in clock ticks
    except (OSError, ValueError, IndexError):
        return None


def table() -> str:
    """The stages as aligned lines: start-up (the interpreter and imports, until the first stage), each
    stage with the peak memory when it ended, what no stage covered, and the total (with the peak so far)."""
    now = time.perf_counter()
    age = None if _again else process_age()
    total = age if age is not None else now - (_again[0] if _again else _ENTERED)
    began = _first[0] if _first else now
    startup = max(0.0, total - (now - began))
    rows = [("start-up (interpreter, imports)" if age is not None else "start-up (imports)", startup)]
    rows += list(_seconds.items())
    rows.append(("other (between stages)", max(0.0, total - sum(seconds for _, seconds in rows))))
    width = max(len(name) for name, _ in rows)
    heading = ("timings (wall clock, this process; work done by worker processes shows in the stage waiting for "
               "it; peak: this process's peak resident memory when the stage ended):")
    lines = [heading]
    lines += [f"  {name:<{width}}  {seconds:7.3f} s  {100 * seconds / total if total else 0:5.1f} %"
              f"{_peak_column(_peak_mb.get(name))}" for name, seconds in rows]
    lines.append(f"  {'total':<{width}}  {total:7.3f} s  {'':7}{_peak_column(peak_mb())}")
    return "\n".join(lines)


def _peak_column(peak: float | None) -> str:
    return "" if peak is None else f"  peak {peak:6.0f} MB"
