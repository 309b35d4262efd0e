"""Small helpers for the benchmark scripts: run a command as a child process and measure it.

`run_child` times one whole process (wall clock from start to reaped), its CPU seconds (user + system,
the child's own and those of the children it reaped, e.g. `--jobs` workers) and its peak RSS (the
largest single process among the child and its reaped descendants). The command runs under GNU
`/usr/bin/time` when there is one: a child forked straight from this (large) benchmark process would
report at least this process's own peak RSS, which Linux carries over the exec; without it, `wait4`'s
numbers are used and the RSS is a floor of this process's. Best-of and median helpers pick what the
tables print. Numbers only; nothing here is a test.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ChildRun:
    wall: float           # seconds, start to reaped
    cpu: float            # user + system seconds (child and its reaped descendants)
    rss_mb: float         # peak resident set of the largest process, MiB
    returncode: int
    stdout: Path | None   # where stdout went (None: discarded)
    stderr_tail: str      # last bytes of stderr, for error messages


GNU_TIME = "/usr/bin/time"


def gnu_time_available() -> bool:
    try:
        probe = subprocess.run([GNU_TIME, "-f", "%M", "-o", os.devnull, "true"], capture_output=True, check=False)
    except OSError:
        return False
    return probe.returncode == 0


USE_GNU_TIME = gnu_time_available()


def run_child(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None,
              stdout: Path | None = None, timeout: float | None = None) -> ChildRun:
    """Run `command` in `cwd`; stdout to the file `stdout` (or discarded), stderr kept (its tail)."""
    stem = Path(os.environ.get("TMPDIR", "/tmp")) / f"benchlib-{os.getpid()}-{time.monotonic_ns()}"
    err_path, time_path = stem.with_suffix(".err"), stem.with_suffix(".time")
    argv = list(command)
    if USE_GNU_TIME:  # peak RSS (KiB), user and system seconds of the command and its reaped children
        argv = [GNU_TIME, "-f", "%M %U %S", "-o", str(time_path), *argv]
    with open(stdout or os.devnull, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = None if timeout is None else started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG if deadline else 0)
            if pid:
                break
            if deadline and time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    cpu, rss_kib = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
    try:
        tail = err_path.read_bytes()[-600:].decode("utf-8", "replace")
        if USE_GNU_TIME:  # last line "%M %U %S" (a line before it tells a non-zero exit or a signal)
            fields = time_path.read_text().strip().splitlines()[-1].split()
            rss_kib, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
    except (OSError, IndexError, ValueError):
        pass
    finally:
        err_path.unlink(missing_ok=True)
        time_path.unlink(missing_ok=True)
    return ChildRun(wall=wall, cpu=cpu, rss_mb=rss_kib / 1024, returncode=process.returncode, stdout=stdout,
                    stderr_tail=tail)


def run_children(commands: Sequence[Sequence[str]], cwd: Path) -> ChildRun:
    """Start every command at once and wait for all: wall clock from the first start to the last reaped, CPU
    summed, peak RSS of the largest (from wait4: a floor of this process's, see the module's note)."""
    started = time.perf_counter()
    processes = [subprocess.Popen(list(command), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL) for command in commands]
    cpu, rss_kib, code = 0.0, 0, 0
    for process in processes:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)   # reaped here: Popen must not wait again
        cpu += usage.ru_utime + usage.ru_stime
        rss_kib = max(rss_kib, usage.ru_maxrss)
        code = code or process.returncode
    return ChildRun(wall=time.perf_counter() - started, cpu=cpu, rss_mb=rss_kib / 1024, returncode=code,
                    stdout=None, stderr_tail="")


def best(runs: list[ChildRun]) -> ChildRun:
    """The fastest run (wall clock): on a shared machine the least disturbed one."""
    return min(runs, key=lambda run: run.wall)


def median_wall(runs: list[ChildRun]) -> float:
    return statistics.median(run.wall for run in runs)


def peak_rss(runs: list[ChildRun]) -> float:
    return max(run.rss_mb for run in runs)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "?"
