"""Wall-clock time per stage of one run (`airguard scan --timings`): where a slow scan spends its time.

Stages are timed in this process only; time spent in worker processes shows as the stage that waits for
them. Recording is always on (a `perf_counter` pair per stage: a few dozen per scan), printing is asked for.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

_seconds: dict[str, float] = {}   # stage -> seconds, in the order stages first ran
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


def reset() -> None:
    """Forget the stages timed so far: a command run again in the same process (tests, a long-lived
    caller) times only its own stages; start-up stays the process's."""
    if _seconds:  # not the process's first command: its own time starts now, not at the process's start
        _again[:] = [time.perf_counter()]
    _seconds.clear()
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
    stage, what no stage covered, and the total."""
    now = time.perf_counter()
    age = None if _again else process_age()
    total = age if age is not None else now - (_again[0] if _again else _ENTERED)
    began = _first[0] if _first else now
    startup = max(0.0, total - (now - began))
    rows = [("start-up (interpreter, imports)" if age is not None else "start-up (imports)", startup)]
    rows += list(_seconds.items())
    rows.append(("other (between stages)", max(0.0, total - sum(seconds for _, seconds in rows))))
    width = max(len(name) for name, _ in rows)
    heading = "timings (wall clock, this process; work done by worker processes shows in the stage waiting for it):"
    lines = [heading]
    lines += [f"  {name:<{width}}  {seconds:7.3f} s  {100 * seconds / total if total else 0:5.1f} %"
              for name, seconds in rows]
    lines.append(f"  {'total':<{width}}  {total:7.3f} s")
    return "\n".join(lines)
