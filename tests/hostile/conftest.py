"""Harness for the hostile-input suite: build a tree an attacker controls, run the whole program on it as a
child process (with a planted runner secret in its environment and a time bound), and gather every output
it produced (stdout, stderr, each report file, the baseline, the file cache) for leak checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Values planted in the runner's environment and in files outside the scanned root: none may reach an output.
RUNNER_SECRET = "RunnerEnvSecret-7f3a9c1e"
OUTSIDE_SECRET = "OutsideRootSecret-5b2d8e4f"


@dataclass
class HostileRun:
    exit_code: int
    seconds: float
    stdout: str
    stderr: str
    outputs: dict[str, str] = field(default_factory=dict)  # name -> text of every file airguard wrote

    def everything(self) -> str:
        """Every byte the run produced, as one text (reports, stdout, stderr, cache, baseline)."""
        return "\n".join([self.stdout, self.stderr, *self.outputs.values()])

    def report(self) -> dict:
        return json.loads(self.outputs["report.json"])

    def findings(self) -> set[tuple[str, str, int]]:
        """(rule id, path, line) of every unsuppressed finding in the JSON report."""
        return {(f["rule_id"], f["location"]["path"], f["location"]["start_line"])
                for f in self.report()["findings"]
                if f.get("suppression") is None and f.get("location")}

    def notices(self) -> list[dict]:
        return self.report().get("errors", [])

    def assert_clean(self, *planted: str) -> None:
        """No traceback, and none of the planted values (nor the runner's secret) in any output."""
        text = self.everything()
        assert "Traceback (most recent call last)" not in text
        for value in (RUNNER_SECRET, OUTSIDE_SECRET, *planted):
            assert value not in text, f"{value!r} leaked into an output"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the scanned root holding a credentials file (as ~/.aws/credentials would)."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "credentials").write_text(
        f"[default]\naws_access_key_id = AKIAOUTSIDE000000000\naws_secret_access_key = {OUTSIDE_SECRET}\n"
        f"AIRFLOW_CONN_X=postgres://u:{OUTSIDE_SECRET}@h.cluster-abc.eu-west-1.rds.amazonaws.com/db\n")
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The scanned repository (a git work tree, so it is the report root), with one good finding in it."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    (root / "good.env").write_text(
        "AIRFLOW_CONN_GOOD=postgres://user:Good-File-Pw-4242@db.cluster-abc.eu-west-1.rds.amazonaws.com:5432/app\n")
    return root


GOOD_FINDING = ("AG101", "good.env", 1)


def run_hostile(root: Path, *args: str, timeout: float = 60, env: dict[str, str] | None = None) -> HostileRun:
    """`python -m scanner scan ...` in `root` writing text to stdout and JSON, SARIF and Markdown reports
    into a folder outside the tree; the cache lives there too, so it is grepped with the rest."""
    out = root.parent / "airguard-out"
    out.mkdir(exist_ok=True)
    cache = out / "cache"
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root.parent),
        "RUNNER_TOKEN": RUNNER_SECRET,
        "AWS_SECRET_ACCESS_KEY": RUNNER_SECRET,
        "AIRGUARD_CACHE_DIR": str(cache),
        **(env or {}),
    }
    # -I: the scanned tree is the working directory, and must never be on the import path (a `yaml.py` or a
    # `scanner/` folder in it would otherwise be imported and run); the Action runs airguard the same way.
    command = [sys.executable, "-I", "-m", "scanner", "scan", *args,
               "--report", f"json={out / 'report.json'}", "--report", f"sarif={out / 'report.sarif'}",
               "--report", f"markdown={out / 'report.md'}", "--report", f"junit={out / 'report.xml'}",
               "--report", f"asff={out / 'report.asff.json'}", "--asff-account", "123456789012",
               "--asff-region", "eu-west-1"]
    started = time.monotonic()
    completed = subprocess.run(command, cwd=root, env=environment, capture_output=True, text=True,
                               timeout=timeout, check=False, errors="replace")
    seconds = time.monotonic() - started
    outputs = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            outputs[path.relative_to(out).as_posix()] = path.read_text("utf-8", errors="replace")
    return HostileRun(completed.returncode, seconds, completed.stdout, completed.stderr, outputs)
