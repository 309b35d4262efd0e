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
