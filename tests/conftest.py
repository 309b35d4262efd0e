"""Shared helpers: run the real CLI (in-process or as a child process) and read its outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
DATA = Path(__file__).resolve().parent / "data"


@dataclass
class CliRun:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own rule cache so tests never share state through ~/.cache."""
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Call `airguard` in-process from the repository root (fast; same code path as the console script)."""
    from scanner.cli import main

    def run(*args: str, cwd: Path = REPO) -> CliRun:
        monkeypatch.chdir(cwd)
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


def run_process(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> CliRun:
    """`python -m scanner ...` as a child process: the whole program, as a user runs it."""
    environment = {**os.environ, **(env or {})}
    completed = subprocess.run([sys.executable, "-m", "scanner", *map(str, args)], cwd=cwd, env=environment,
                               capture_output=True, text=True, timeout=120, check=False)
    return CliRun(completed.returncode, completed.stdout, completed.stderr)


def findings_of(report: dict) -> set[tuple[str, str, int]]:
    """(rule id, path, line) of every unsuppressed finding in a JSON report."""
    return {
        (f["rule_id"], f["location"]["path"], f["location"]["start_line"])
        for f in report["findings"]
        if f["suppression"] is None and f["location"] is not None
    }
