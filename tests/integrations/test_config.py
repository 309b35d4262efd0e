"""The issue's configuration points: found upward from the scanned path, flags win, unknown keys named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, findings_of

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


def test_settings_take_either_spelling_once_and_problems_use_the_files_key(tmp_path: Path) -> None:
    """`fail-on` or `fail_on` (pydantic's populate-by-name, kept when the model became a dataclass); both at
    once is an error, and a wrong value is named by the key as the file spells it."""
    from scanner.config import ConfigError, load_config

    config_file = tmp_path / ".airguard.toml"
    for text in ('fail-on = "high"\nrule-dirs = ["r"]\n', 'fail_on = "high"\nrule_dirs = ["r"]\n'):
        config_file.write_text(text)
        config = load_config(config_file)
        assert (config.fail_on, config.rule_dirs, config.path) == ("high", ["r"], config_file.resolve())
    config_file.write_text('fail-on = "high"\nfail_on = "low"\n')
    with pytest.raises(ConfigError, match=r"^\.airguard\.toml: 'fail-on' is set twice \(also as 'fail_on'\)$"):
        load_config(config_file)
    config_file.write_text('fail-on = 3\nselect = "AG101"\npath = "elsewhere"\n[rule-parameters]\nAG105 = 1\n')
    with pytest.raises(ConfigError) as raised:
        load_config(config_file)
    assert str(raised.value).splitlines() == [
        ".airguard.toml: 'fail-on': Input should be a valid string",
        ".airguard.toml: 'select': Input should be a valid list",
        ".airguard.toml: 'rule-parameters.AG105': Input should be a valid dictionary",
        ".airguard.toml: unknown key 'path'",
    ]
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('tool = "airguard"\n')     # not a table: no [tool.airguard], nothing to read
    assert load_config(pyproject).fail_on == "low"
    pyproject.write_text('[tool]\nairguard = 3\n')
    with pytest.raises(ConfigError, match=r"^pyproject\.toml: \[tool\.airguard\] must be a table$"):
        load_config(pyproject)


def test_a_plain_configuration_is_built_as_pydantic_would_validate_it() -> None:
    """Values exactly of their declared types skip pydantic (`_plainly_valid`): the Config is what pydantic's
    validation makes of them; anything else goes through pydantic, which accepts or names the problem."""
    from pydantic import TypeAdapter

    from scanner.config import Config, ConfigError, _plainly_valid, _validated

    plain = [{}, {"fail_on": "high", "profile": "strict", "select": ["AG1"], "ignore": [], "exclude": ["a/*"],
                  "rule_dirs": ["r"], "baseline": "b.json", "aws_snapshot": "s.json", "parameters": {"x": 1.5},
                  "rule_parameters": {"AG105": {"max_session_seconds": 900, "y": [1, "a"]}}}]
    for settings in plain:
        assert _plainly_valid(settings)
        assert _validated(settings, "") == TypeAdapter(Config).validate_python(settings)
    not_plain = [{"select": ("AG1",)}, {"select": ["AG1", 2]}, {"baseline": None}, {"parameters": []},
                 {"rule_parameters": {"AG105": 1}}, {"path": "x"}, {"colours": {}}, {"fail_on": 3}]
    for settings in not_plain:
        assert not _plainly_valid(settings), settings
    assert _validated({"select": ("AG1",), "baseline": None}, "") == Config(select=["AG1"])  # pydantic's lax mode
    for settings in not_plain[1:2] + not_plain[3:]:
        with pytest.raises(ConfigError):
            _validated(settings, "")


def test_a_scan_with_a_plain_configuration_file_does_not_import_pydantic(tmp_path: Path) -> None:
    project = _project(tmp_path, 'fail-on = "high"\nexclude = ["x/*"]\n[rule-parameters.AG105]\nmax_session_seconds = 900\n')
    env = {**os.environ, "AIRGUARD_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "scanner", "scan", "."], cwd=project, env=env, capture_output=True,
                   check=False, timeout=120)                       # fills the rule cache
    probe = ("import io, contextlib, sys\nfrom scanner.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n    code = main(['scan', '.'])\n"
             "print(code, 'pydantic' in sys.modules)\n")
    completed = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, env=env,
                               timeout=120, check=False)
    assert completed.stdout.split() == ["1", "False"], completed.stderr


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


# --- typed rule parameters ----------------------------------------------------------------------------

AWS_ENV = 'AIRFLOW_CONN_AWS_X=\'{"conn_type": "aws", "extra": {"assume_role_kwargs": {"DurationSeconds": 1800}}}\'\n'

FLOAT_RULE = """id: XY500
name: session-over-a-float-limit
title: Session longer than a fractional limit
severity: low
confidence: high
resource: airflow.connection
condition: {key: extra.assume_role_kwargs.DurationSeconds, op: gt, value: {param: limit}}
message: "'{name}' asks for {extra.assume_role_kwargs.DurationSeconds} s (limit {params.limit} s)"
parameters:
  limit: {type: float, default: 7200.5, description: A fractional limit in seconds.}
  labels: {default: [a], description: Inferred as a list of strings.}
  strict_mode: {default: false, description: Inferred as a bool.}
docs: {what: "Finds long sessions.", why: "Long sessions outlive leaks.", fix: "Ask for shorter sessions."}
tests:
  fail: [{attributes: {extra: {assume_role_kwargs: {DurationSeconds: 9000}}}}]
  pass: [{attributes: {extra: {assume_role_kwargs: {DurationSeconds: 60}}}}]
"""


def _typed_project(root: Path, config: str, name: str = ".airguard.toml") -> Path:
    (root / ".git").mkdir(exist_ok=True)
    (root / ".env").write_text(AWS_ENV)
    (root / "rules").mkdir(exist_ok=True)
    (root / "rules" / "xy500.yaml").write_text(FLOAT_RULE)
    (root / name).write_text(config)
    return root


def test_a_wrongly_typed_parameter_is_a_configuration_error_naming_key_and_file(run_cli, tmp_path: Path) -> None:
    _typed_project(tmp_path, '[rule-parameters.AG507]\nmax_session_seconds = "abc"\n'
                             '[rule-parameters.AG105]\nmax_session_seconds = true\n'
                             '[rule-parameters.AG504]\nallowed_cidrs = ["10.0.0.0/8", 8]\n'
                             '[rule-parameters.AG509]\nmax_rotation_days = 30.5\n'
                             '[rule-parameters.XY500]\nlimit = "1h"\nlabels = "a"\nstrict_mode = 1\n')
    result = run_cli("scan", ".", "--rules", "rules", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr == (
        "airguard: error: .airguard.toml: rule-parameters.AG105.max_session_seconds: expected an integer, got true\n"
        ".airguard.toml: rule-parameters.AG504.allowed_cidrs: expected a list of strings, got ['10.0.0.0/8', 8]\n"
        ".airguard.toml: rule-parameters.AG507.max_session_seconds: expected an integer, got 'abc'\n"
        ".airguard.toml: rule-parameters.AG509.max_rotation_days: expected an integer, got 30.5\n"
        ".airguard.toml: rule-parameters.XY500.labels: expected a list of strings, got 'a'\n"
        ".airguard.toml: rule-parameters.XY500.limit: expected a number, got '1h'\n"
        ".airguard.toml: rule-parameters.XY500.strict_mode: expected true or false, got 1\n")


def test_shared_parameters_are_checked_against_every_rule_that_declares_them(run_cli, tmp_path: Path) -> None:
    _typed_project(tmp_path, '[tool.airguard.parameters]\nmax_session_seconds = "1h"\nallowed_cidrs = {a = 1}\n',
                   "pyproject.toml")
    result = run_cli("scan", ".", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr == (
        "airguard: error: pyproject.toml: parameters.allowed_cidrs: expected a list of strings, got a table\n"
        "pyproject.toml: parameters.max_session_seconds: expected an integer, got '1h'\n")


def test_an_integer_is_a_fine_float_and_well_typed_values_apply(run_cli, tmp_path: Path) -> None:
    _typed_project(tmp_path, '[rule-parameters.XY500]\nlimit = 1000\nlabels = []\nstrict_mode = true\n'
                             '[rule-parameters.AG105]\nmax_session_seconds = 900\n')
    result = run_cli("scan", ".", "--rules", "rules", "-f", "json", cwd=tmp_path)
    assert result.exit_code == 1, result.stderr
    assert findings_of(result.json()) == {("XY500", ".env", 1), ("AG105", ".env", 1)}


def test_a_rule_parameter_needs_a_type_its_default_and_profiles_fit(run_cli, tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    untyped = FLOAT_RULE.replace("{type: float, default: 7200.5,", "{default: {seconds: 1},")
    (tmp_path / "r" / "a.yaml").write_text(untyped)
    result = run_cli("rules", "--rules", tmp_path / "r", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (2, ("airguard: error: invalid rules:\n  r/a.yaml:10: "
                                                  "/parameters/limit/default: {'seconds': 1} is not of type "
                                                  "'boolean', 'number', 'string', 'array'\n"))
    mistyped = FLOAT_RULE.replace("{type: float, default: 7200.5,", "{type: int, default: 7200.5,")
    (tmp_path / "r" / "a.yaml").write_text(mistyped)
    result = run_cli("rules", "--rules", tmp_path / "r", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (2, ("airguard: error: invalid rules:\n  r/a.yaml:10: "
                                                  "/parameters/limit/default: 7200.5 is not of type 'integer'\n"))
    profile = FLOAT_RULE.replace("{default: [a],", "{default: [a], profiles: {strict: [1]},")
    (tmp_path / "r" / "a.yaml").write_text(profile)
    result = run_cli("rules", "--rules", tmp_path / "r", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (2, ("airguard: error: invalid rules:\n  r/a.yaml:11: "
                                                  "/parameters/labels/profiles/strict/0: 1 is not of type 'string'\n"))


def test_the_default_config_is_the_models_defaults() -> None:
    """No configuration file: `default_config` is what validating an empty table gives, each with lists of
    its own."""
    from scanner.config import _validated, default_config

    made, validated = default_config(), _validated({}, "")
    assert made == validated and repr(made) == repr(validated) and made.path is None
    made.select.append("AG101")
    made.rule_parameters["AG101"] = {}
    assert default_config() == validated


def test_a_pyproject_naming_airguard_only_through_an_escape_is_still_read(run_cli, tmp_path: Path) -> None:
    """pyproject.toml files that never mention airguard are not parsed; one that spells the table with an
    escape (or any backslash) still is."""
    config = '[tool."\\u0061irguard"]\nignore = ["AG102"]\nfail-on = "critical"\n'
    project = _project(tmp_path, config, "pyproject.toml")
    result = run_cli("scan", project / "dags" / "team", "-f", "json", cwd=tmp_path)
    assert result.json()["summary"]["fail_on"] == "critical"
    assert {f["rule_id"] for f in result.json()["findings"]} == {"AG101"}


def test_a_pyproject_without_airguard_is_not_parsed(tmp_path: Path) -> None:
    """The pre-commit path in a Python project: its pyproject.toml does not load the TOML parser."""
    project = _project(tmp_path, '[project]\nname = "orders"\n[tool.ruff]\nline-length = 100\n', "pyproject.toml")
    probe = ("import io, contextlib, sys\nfrom scanner.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n    main(['scan', 'dags/team/.env'])\n"
             "print('tomllib' in sys.modules, 'tomli' in sys.modules)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO), "AIRGUARD_CACHE_DIR": str(tmp_path / "c")}
    completed = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True,
                               timeout=60, env=env, check=False)
    assert completed.stdout.split() == ["False", "False"], completed.stderr
