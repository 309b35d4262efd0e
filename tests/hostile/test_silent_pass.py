"""No silent pass: what airguard could not read or understand makes the scan partial (exit 3)."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.conftest import run_hostile


def test_a_connection_value_that_does_not_parse_is_an_error(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".env").write_text("AIRFLOW_CONN_BROKEN=postgres://u:Unparsed-Pw-5151@[bad-host/db\n")
    run = run_hostile(repo, ".")
    run.assert_clean("Unparsed-Pw-5151")
    assert run.exit_code == 3
    assert [(n["kind"], n["level"], n["path"], n["line"]) for n in run.notices()] == [
        ("parse-error", "error", ".env", 1)]
    assert run.findings() == set()


def test_json_and_sarif_printed_in_a_job_log_carry_no_workflow_command(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    name = "x ##[error]injected.env"
    (repo / name).write_text("AIRFLOW_CONN_X=postgres://u:Cmd-Pw-6161@db.cluster-a.eu-west-1.rds.amazonaws.com/d\n")
    run = run_hostile(repo, ".")
    for report in ("report.json", "report.sarif"):
        assert "##[" not in run.outputs[report]
    assert ("AG101", name, 1) in run.findings()  # the same path once parsed
