"""The parent side of `--dagbag`: start the child with a scrubbed environment, wait with a timeout.

The child is started before the static scan and collected after it, so the two run side by side.
A timeout kills the child's whole process group; a timeout or a crash becomes an error Notice.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scanner

# The only variables copied from the parent; everything else (AWS_*, AIRFLOW_CONN_*, AIRFLOW_VAR_*,
# tokens, passwords, GITHUB_*, ...) never reaches DAG code.
ALLOWED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT", "TMPDIR")
STDERR_TAIL_CHARS = 2000


def child_environment(dag_paths: list[Path], home: Path) -> dict[str, str]:
    """A minimal environment: an allow-list of the parent's variables plus Airflow settings that
    keep the load local (temporary AIRFLOW_HOME and SQLite file, no examples, no .pyc files).
    PYTHONPATH holds only airguard's own package root, so the child module can be found."""
    environment = {name: os.environ[name] for name in ALLOWED_ENV if name in os.environ}
    folders = [str(p if p.is_dir() else p.parent) for p in dag_paths]
    package_parent = str(Path(scanner.__file__).resolve().parent.parent)
    airflow_home = home / "airflow"
    environment.update({
        "HOME": str(home),
        "AIRFLOW_HOME": str(airflow_home),
        "PYTHONPATH": package_parent,  # the child appends the DAG folders to sys.path, as Airflow does
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "AIRFLOW__CORE__DAGS_FOLDER": folders[0] if folders else str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAG_DISCOVERY_SAFE_MODE": "True",
        "AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACKS": "True",
        "AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACK_DEPTH": "100",  # keep the DAG file's frame
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__SECRETS__BACKEND": "",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
        "AIRFLOW__LOGGING__REMOTE_LOGGING": "False",
        "AIRFLOW__METRICS__STATSD_ON": "False",
        "AIRFLOW__TRACES__OTEL_ON": "False",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    })
    return environment


@dataclass
class DagbagOutcome:
    """What the child reported (`data`), or why there is nothing (`problem`)."""

    data: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    last_file: str | None = None
    seconds: float = 0.0
    exclude: list[str] = field(default_factory=list)


class DagbagRun:
    """One running child process."""

    def __init__(self, dag_paths: list[Path], timeout: float, exclude: list[str] | None = None) -> None:
        self.timeout = timeout
        self.exclude = list(exclude or [])
        self.home = Path(tempfile.mkdtemp(prefix="airguard-dagbag-"))
        self.result_file = self.home / "result.json"
        self.progress_file = self.home / "progress.txt"
        self.stderr_file = self.home / "stderr.txt"
        self.started = time.monotonic()
        command = [sys.executable, "-m", "scanner.collect.dagbag.child", str(self.result_file),
                   str(self.progress_file), *(str(p.resolve()) for p in dag_paths)]
        self.process: subprocess.Popen[bytes] | None = None
        self.start_problem: str | None = None
        try:
            with open(self.stderr_file, "wb") as stderr:
                self.process = subprocess.Popen(
                    command, cwd=self.home, env=child_environment([p.resolve() for p in dag_paths], self.home),
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
        except OSError as exc:
            self.start_problem = f"cannot start the DagBag child process: {exc.strerror or type(exc).__name__}"
        # If the scan dies before wait() (an internal error, Ctrl-C), the child must not outlive it.
        atexit.register(self._abandon)

    def _abandon(self) -> None:
        self._kill()
        shutil.rmtree(self.home, ignore_errors=True)

    def wait(self) -> DagbagOutcome:
        if self.process is None:
            atexit.unregister(self._abandon)
            shutil.rmtree(self.home, ignore_errors=True)
            return DagbagOutcome(problem=self.start_problem or "DagBag child process not started")
        try:
            remaining = max(0.0, self.timeout - (time.monotonic() - self.started))
            try:
                code = self.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                self._kill()
                return DagbagOutcome(problem=f"DagBag load timed out after {self.timeout:g} s and was stopped",
                                     last_file=self._last_file(), seconds=time.monotonic() - self.started)
            seconds = time.monotonic() - self.started
            if not self.result_file.is_file():
                tail = self._stderr_tail()
                return DagbagOutcome(problem=f"DagBag child process ended (exit code {code}) without a result"
                                             + (f": {tail}" if tail else ""), last_file=self._last_file(),
                                     seconds=seconds)
            try:
                data = json.loads(self.result_file.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                return DagbagOutcome(problem=f"DagBag result unreadable ({type(exc).__name__})", seconds=seconds)
            if "fatal" in data:
                return DagbagOutcome(problem=f"DagBag load failed: {data['fatal']}", seconds=seconds)
            return DagbagOutcome(data=data, seconds=seconds, exclude=self.exclude)
        finally:
            atexit.unregister(self._abandon)
            self._abandon()

    def _kill(self) -> None:
        """Stop the child and everything it started (its own process group)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def _last_file(self) -> str | None:
        try:
            lines = self.progress_file.read_text("utf-8").splitlines()
        except OSError:
            return None
        return lines[-1] if lines else None

    def _stderr_tail(self) -> str:
        try:
            text = self.stderr_file.read_text("utf-8", errors="replace")
        except OSError:
            return ""
        lines = [line for line in text.strip().splitlines() if line.strip()]
        return lines[-1][:STDERR_TAIL_CHARS] if lines else ""
