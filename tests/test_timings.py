"""`airguard scan --timings`: the time of each stage on stderr, the report untouched."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from scanner import timings
from tests.conftest import REPO, run_process

STAGE_LINE = re.compile(r"^  (?P<name>.+?)\s+(?P<seconds>\d+\.\d{3}) s(?:\s+(?P<share>\d+\.\d) %)?"
                        r"(?:\s+peak\s+(?P<peak>\d+) MB)?$")


def test_stages_are_listed_in_order_and_add_up(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("AIRFLOW_CONN_WAREHOUSE=postgresql://loader:Plant3dSecret9@db.example.com/dw\n")
    ran = run_process("scan", ".env", "-f", "json", "--timings", cwd=tmp_path)
    assert ran.exit_code == 1
    assert json.loads(ran.stdout)["findings"]              # the report on stdout is still the report alone
    assert "Plant3dSecret9" not in ran.stderr
    lines = ran.stderr.splitlines()
    assert lines[0].startswith("timings (wall clock")
    rows = [STAGE_LINE.match(line) for line in lines[1:]]
    assert all(rows), lines
    names = [row["name"] for row in rows]
    assert names == ["start-up (interpreter, imports)", "configuration", "rules", "collect: the files",
                     "suppressions and links", "evaluate", "workers' exit, file cache", "baseline", "report (json)",
                     "other (between stages)",
                     "total"]
    seconds = {row["name"]: float(row["seconds"]) for row in rows}
    parts = sum(value for name, value in seconds.items() if name != "total")
    assert abs(parts - seconds["total"]) <= 0.004      # rounding of ten 3-decimal figures
    assert seconds["start-up (interpreter, imports)"] > 0
    peaks = [int(row["peak"]) for row in rows if row["peak"]]   # a high-water mark: never goes down
    assert [row["name"] for row in rows if row["peak"]] == [name for name in names if name not in (
        "start-up (interpreter, imports)", "other (between stages)")]
    assert peaks == sorted(peaks) and 10 < peaks[0] < 500


def test_without_the_flag_stderr_stays_quiet(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("AIRFLOW_CONN_WAREHOUSE=postgresql://loader:Plant3dSecret9@db.example.com/dw\n")
    ran = run_process("scan", ".env", "-f", "json", cwd=tmp_path)
    assert ran.exit_code == 1
    assert ran.stderr == ""


def test_a_stage_run_twice_adds_up() -> None:
    with timings.stage("test: twice"):
        pass
    first = timings.recorded()["test: twice"]
    with timings.stage("test: twice"):
        sum(range(10_000))
    assert timings.recorded()["test: twice"] > first
    assert list(timings.recorded()).count("test: twice") == 1


def test_reading_an_aws_snapshot_is_a_stage() -> None:
    ran = run_process("scan", "fixtures/demo", "-f", "json", "--timings")
    assert ran.exit_code == 1
    names = [m["name"] for m in map(STAGE_LINE.match, ran.stderr.splitlines()[1:]) if m]
    assert names[:6] == ["start-up (interpreter, imports)", "configuration", "read the AWS snapshot", "rules",
                         "collect: the files", "collect: the AWS snapshot"]


def test_a_second_command_in_one_process_times_only_its_own_stages(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("AIRFLOW__CORE__LOAD_EXAMPLES=False\n")
    run_cli("scan", ".env", "-f", "json", cwd=tmp_path)
    with timings.stage("test: left over"):
        pass
    run_cli("scan", ".env", "-f", "json", cwd=tmp_path)
    assert "test: left over" not in timings.recorded()
    assert "evaluate" in timings.recorded()
    lines = timings.table().splitlines()
    assert lines[1].startswith("  start-up (imports)")     # this command's, not the test process's age
    total = float(STAGE_LINE.match(lines[-1])["seconds"])
    assert total < 30


def test_the_peak_is_this_programs_not_the_one_that_started_it(tmp_path: Path) -> None:
    """A large parent (a test runner, an IDE) must not lend the scan its peak: getrusage keeps it across exec."""
    script = ("import subprocess, sys\n"
              "held = bytearray(b'x' * (400 * 1024 * 1024))\n"   # resident: every page written
              "ran = subprocess.run([sys.executable, '-m', 'scanner', 'scan', '.', '--timings'], capture_output=True,"
              " text=True, check=False)\n"
              "print(ran.stderr)\n")
    ran = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    total = STAGE_LINE.match(ran.stdout.strip().splitlines()[-1])
    assert total is not None and total["name"] == "total", ran.stdout
    assert 10 < int(total["peak"]) < 300
