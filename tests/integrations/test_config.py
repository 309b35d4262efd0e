"""The issue's configuration points: found upward from the scanned path, flags win, unknown keys named."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import findings_of

BAD = "AIRFLOW_CONN_ORDERS=postgres://u:Config-Pw-31@orders.cluster-abc.us-east-1.rds.amazonaws.com/db\n"


def _project(root: Path, config: str, name: str = ".airguard.toml") -> Path:
    project = root / "project"
    (project / ".git").mkdir(parents=True)
    (project / "dags" / "team").mkdir(parents=True)
    (project / "dags" / "team" / ".env").write_text(BAD)
    (project / name).write_text(config)
    return project


def test_config_is_found_upward_from_the_scanned_path_not_the_cwd(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path, 'ignore = ["AG102"]\nfail-on = "critical"\n')
    result = run_cli("scan", project / "dags" / "team", "-f", "json", cwd=tmp_path)
    report = result.json()
    assert report["summary"]["fail_on"] == "critical" and result.exit_code == 0
    assert {f["rule_id"] for f in report["findings"]} == {"AG101"}


def test_command_line_flags_override_the_config(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path, '[tool.airguard]\nfail-on = "critical"\nselect = ["AG102"]\n', "pyproject.toml")
    assert run_cli("scan", "dags", cwd=project).exit_code == 0
    result = run_cli("scan", "dags", "--fail-on", "high", "--select", "AG101", "-f", "json", cwd=project)
    assert result.exit_code == 1
    assert result.json()["summary"]["fail_on"] == "high"
    assert findings_of(result.json()) == {("AG101", "dags/team/.env", 1)}


def test_config_excludes_and_rule_parameters_apply(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path, 'exclude = ["dags/team/*"]\n')
    assert run_cli("scan", ".", "-f", "json", cwd=project).json()["findings"] == []
    assert run_cli("scan", "dags/team/.env", "-f", "json", cwd=project).json()["findings"] == []


def test_unknown_key_names_the_key_and_the_file(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path, '[tool.airguard]\nfail-on = "high"\nseverity-threshold = "low"\n', "pyproject.toml")
    result = run_cli("scan", "dags", cwd=project)
    assert result.exit_code == 2
    assert result.stderr == "airguard: error: pyproject.toml: [tool.airguard] unknown key 'severity-threshold'\n"
    (project / "pyproject.toml").unlink()
    (project / ".airguard.toml").write_text('[parameters]\nmax_session_seconds = 1\n[colours]\nred = 1\n')
    result = run_cli("scan", "dags", cwd=project)
    assert result.exit_code == 2
    assert result.stderr == "airguard: error: .airguard.toml: unknown key 'colours'\n"


def test_unknown_rule_parameters_are_errors_that_name_them(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("AIRFLOW_CONN_X=postgres://h/db\n")
    (tmp_path / ".airguard.toml").write_text(
        '[rule-parameters.AG105]\nmax_sesion_seconds = 900\n\n[rule-parameters.AG999]\nx = 1\n'
        '\n[parameters]\nnope = 2\n')
    result = run_cli("scan", ".", cwd=tmp_path)
    assert result.exit_code == 2
    assert ".airguard.toml: rule-parameters.AG105: unknown parameter 'max_sesion_seconds' " \
           "(known: max_session_seconds)" in result.stderr
    assert ".airguard.toml: rule-parameters: unknown rule 'AG999'" in result.stderr
    assert ".airguard.toml: parameters: no rule has a parameter 'nope'" in result.stderr
    assert "Traceback" not in result.stderr
