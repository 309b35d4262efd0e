"""Rule files: built-in rules pass their own tests; bad user rules fail loudly with file and line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.collect.dagbag import airflow_available
from scanner.engine import loader
from scanner.engine.loader import builtin_rules_dir, fixture_dir, load_rules, rule_files
from scanner.engine.rule import rule_json
from scanner.rule_fixtures import DAG_FILE, run_rule_tests

GOOD_RULE = """\
id: XY101
name: no-sqlite
title: Connection uses SQLite
severity: low
confidence: high
resource: airflow.connection
condition: {key: conn_type, op: equals, value: sqlite}
message: "Connection '{name}' uses sqlite"
docs: {what: "Finds sqlite connections.", why: "SQLite is not for production.", fix: "Use Aurora instead."}
tests:
  fail: [{attributes: {conn_type: sqlite}}]
  pass: [{attributes: {conn_type: postgres}}]
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_every_builtin_rule_passes_its_own_tests(run_cli) -> None:
    result = run_cli("rules", "test")
    assert result.exit_code == 0, result.stdout
    count = len(rule_files(builtin_rules_dir()))   # the YAML inside fixture folders is no rule
    assert f"{count} of {count} rules passed their tests" in result.stdout


def test_builtin_rules_document_themselves() -> None:
    for rule in load_rules(use_cache=False):
        assert rule.docs.bad and rule.docs.good, rule.id
        assert rule.references and all(r.startswith("https://") for r in rule.references), rule.id
        assert rule.tests.fail and rule.tests.pass_, rule.id


def test_rules_show_prints_documentation(run_cli) -> None:
    result = run_cli("rules", "show", "AG105")
    assert result.exit_code == 0
    for heading in ("What it does", "Why is this bad?", "How to fix", "Example", "Use instead", "Parameters",
                    "max_session_seconds (default: 3600, strict: 900)", "References"):
        assert heading in result.stdout
    assert run_cli("rules", "show", "rds-connection-without-iam").exit_code == 0
    missing = run_cli("rules", "show", "AG999")
    assert missing.exit_code == 2 and "no rule 'AG999'" in missing.stderr


def test_user_rules_are_loaded_and_tested(run_cli, tmp_path: Path) -> None:
    _write(tmp_path / "myrules", "sqlite.yaml", GOOD_RULE)
    result = run_cli("rules", "test", "--rules", tmp_path / "myrules")
    assert result.exit_code == 0 and "ok   XY101 no-sqlite" in result.stdout
    env = _write(tmp_path / "proj", ".env", "AIRFLOW_CONN_LOCAL=sqlite:////tmp/x.db\n")
    report = run_cli("scan", env, "--rules", tmp_path / "myrules", "-f", "json", cwd=tmp_path).json()
    assert [(f["rule_id"], f["location"]["path"], f["location"]["start_line"]) for f in report["findings"]] == [
        ("XY101", "proj/.env", 1)]


def test_a_failing_rule_test_fails_the_command(run_cli, tmp_path: Path) -> None:
    broken = GOOD_RULE.replace("pass: [{attributes: {conn_type: postgres}}]", "pass: [{attributes: {conn_type: sqlite}}]")
    _write(tmp_path / "r", "sqlite.yaml", broken)
    result = run_cli("rules", "test", "XY101", "--rules", tmp_path / "r")
    assert result.exit_code == 1
    assert "FAIL XY101" in result.stdout and "tests.pass[0]: expected no finding, got one" in result.stdout


@pytest.mark.parametrize("change,expected", [
    (("severity: low", "severity: severe"), "r/bad.yaml:4: /severity: 'severe' is not one of"),
    (("resource: airflow.connection", "resource: airflow.pipeline"),
     "r/bad.yaml:6: /resource: unknown resource type 'airflow.pipeline'"),
    (("op: equals", "op: equalz"), "r/bad.yaml:7: /condition: not a valid condition"),
    (("name: no-sqlite\n", "name: no-sqlite\ncolour: red\n"), "r/bad.yaml:1: /: unknown key(s) ('colour' was unexpected)"),
    (("value: sqlite}", "value: '(unclosed'}\n"), "r/bad.yaml:7: /condition/value: invalid regular expression"),
    (("message:", "message: [\nbroken"), "r/bad.yaml:"),
])
def test_schema_errors_name_the_file_and_line(run_cli, tmp_path: Path, change, expected) -> None:
    text = GOOD_RULE.replace(*change)
    if "unclosed" in expected or "regular expression" in expected:
        text = text.replace("op: equals", "op: matches")
    _write(tmp_path / "r", "bad.yaml", text)
    result = run_cli("rules", "--rules", tmp_path / "r", cwd=tmp_path)
    assert result.exit_code == 2
    assert "invalid rules" in result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_duplicate_rule_id_is_an_error(run_cli, tmp_path: Path) -> None:
    _write(tmp_path / "r", "a.yaml", GOOD_RULE)
    _write(tmp_path / "r", "b.yaml", GOOD_RULE.replace("no-sqlite", "no-sqlite-again"))
    result = run_cli("rules", "--rules", tmp_path / "r", cwd=tmp_path)
    assert result.exit_code == 2
    assert "r/b.yaml:1: duplicate rule id XY101 (already defined in r/a.yaml)" in result.stderr
    clash = _write(tmp_path / "s", "c.yaml", GOOD_RULE.replace("XY101", "AG101"))
    result = run_cli("rules", "--rules", clash.parent, cwd=tmp_path)
    assert "duplicate rule id AG101" in result.stderr


def test_scan_with_an_invalid_rule_folder_exits_2(run_cli, tmp_path: Path) -> None:
    _write(tmp_path / "r", "bad.yaml", "id: nope\n")
    result = run_cli("scan", "fixtures/demo", "--rules", tmp_path / "r")
    assert result.exit_code == 2
    assert "/id: 'nope' does not match" in result.stderr


def test_parameters_follow_profile_and_config(run_cli, tmp_path: Path) -> None:
    env = _write(tmp_path, ".env", 'AIRFLOW_CONN_AWS_X=\'{"conn_type": "aws", "extra": {"assume_role_kwargs": '
                                   '{"DurationSeconds": 1800}}}\'\n')
    default = run_cli("scan", env, "-f", "json", cwd=tmp_path).json()
    assert [f["rule_id"] for f in default["findings"]] == []
    strict = run_cli("scan", env, "-f", "json", "--strict", cwd=tmp_path).json()
    assert [f["rule_id"] for f in strict["findings"]] == ["AG105"]
    assert "(limit 900 s)" in strict["findings"][0]["message"]
    config = _write(tmp_path, "airguard.toml", '[rule-parameters.AG105]\nmax_session_seconds = 1200\n')
    custom = run_cli("scan", env, "-f", "json", "--config", config, cwd=tmp_path).json()
    assert "(limit 1200 s)" in custom["findings"][0]["message"]


def test_rule_cache_is_used_and_invalidated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", str(tmp_path / "cache"))
    _write(tmp_path / "r", "sqlite.yaml", GOOD_RULE)
    first = load_rules([tmp_path / "r"])
    assert list((tmp_path / "cache").glob("rules-*.json"))
    assert [r.id for r in load_rules([tmp_path / "r"])] == [r.id for r in first]
    _write(tmp_path / "r", "sqlite.yaml", GOOD_RULE.replace("severity: low", "severity: high"))
    assert next(r for r in load_rules([tmp_path / "r"]) if r.id == "XY101").severity.value == "high"


def test_rules_from_the_cache_equal_validated_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache is read back without validation (`rule_from_data`): every field, nested models and enums
    included, must come back as validation made it."""
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", str(tmp_path / "cache"))
    validated = load_rules(use_cache=False)
    load_rules()                       # writes the cache
    restored = load_rules()            # reads it
    assert restored == validated
    assert [rule_json(r) for r in restored] == [rule_json(r) for r in validated]
    assert {type(r.severity).__name__ for r in restored} == {"Severity"}
    [cache_file] = (tmp_path / "cache").glob("rules-*.json")
    cache_file.write_text('[{"id": "AG999"}]', "utf-8")   # damaged: falls back to validating the files
    assert load_rules() == validated


def test_the_builtin_rules_stamp_is_current() -> None:
    """rules/validated.sha256 records the built-in set the suite validates in full (`use_cache=False`)."""
    assert loader.shipped_stamp() == loader.stamp_digest(loader.builtin_files()), \
        "a built-in rule or the rule schema changed: run python scripts/stamp_rules.py"


def test_a_start_without_rule_cache_loads_stamped_rules_without_jsonschema(tmp_path: Path) -> None:
    code = ("import sys, json; from scanner.engine.loader import load_rules; "
            "from scanner.engine.rule import rule_json; rules = load_rules(); "
            "print(json.dumps({'jsonschema': 'jsonschema' in sys.modules, "
            "'pydantic': 'pydantic' in sys.modules, "
            "'rules': [rule_json(r) for r in rules]}))")
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "AIRGUARD_CACHE_DIR": str(tmp_path / "cache")})
    answer = json.loads(ran.stdout)
    assert answer["jsonschema"] is False
    assert answer["pydantic"] is True      # the stamped files are still validated by pydantic
    assert answer["rules"] == [rule_json(r) for r in load_rules(use_cache=False)]


def test_stamp_mismatch_validates_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", "")
    calls: list[int] = []
    validate_all = loader._validate_all
    monkeypatch.setattr(loader, "_validate_all", lambda files, loaded=None: calls.append(len(files))
                        or validate_all(files, loaded))
    load_rules()
    assert calls == [0] or calls == []       # stamped: only the (no) user files went through the schema
    monkeypatch.setattr(loader, "shipped_stamp", lambda: "0" * 64)
    calls.clear()
    assert load_rules() == load_rules(use_cache=False)
    assert calls[0] == len(loader.builtin_files())
    edited = loader.builtin_files()
    edited[0].text += "\n# edited\n"
    assert loader.stamp_digest(edited) != loader.stamp_digest(loader.builtin_files())


def test_user_rules_are_validated_beside_stamped_builtins(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", "")
    _write(tmp_path / "r", "bad.yaml", GOOD_RULE.replace("severity: low", "severity: catastrophic"))
    result = run_cli("rules", "--rules", tmp_path / "r", cwd=tmp_path)
    assert result.exit_code == 2
    assert "r/bad.yaml:" in result.stderr and "severity" in result.stderr
    clash = _write(tmp_path / "s", "c.yaml", GOOD_RULE.replace("XY101", "AG101"))
    result = run_cli("rules", "--rules", clash.parent, cwd=tmp_path)
    assert "s/c.yaml:1: duplicate rule id AG101 (already defined in rules/" in result.stderr


@pytest.mark.parametrize("rule", load_rules(use_cache=False), ids=lambda rule: rule.id)
def test_every_builtin_rule_has_passing_fixtures(rule) -> None:
    folder = fixture_dir(rule)
    if rule.resource == DAG_FILE:  # the DagBag rules: their fixtures are loaded by Airflow's DagBag (contained)
        if os.environ.get("AIRGUARD_REQUIRE_AIRFLOW"):
            assert airflow_available(), "CI needs apache-airflow for the DagBag rules' fixtures"
        elif not airflow_available():
            pytest.skip("apache-airflow is not installed")
    assert folder is not None, f"{rule.id}: no fixture folder beside {rule.source_path}"
    [outcome] = run_rule_tests([rule])
    assert outcome.failures == []
    assert outcome.fixture_marks["ruleid"] >= 1 and outcome.fixture_marks["ok"] >= 1, outcome.fixture_marks


FIXTURE_ENV = """\
# a connection in an env file
# ruleid: XY101
AIRFLOW_CONN_LITE=sqlite:///tmp/airflow.db
# ok: XY101
AIRFLOW_CONN_PG=postgres://airflow@db.example.internal/airflow
"""


@pytest.mark.parametrize(("mutation", "expected"), [
    (None, None),
    (("sqlite:///tmp", "postgres://airflow@db/tmp"), "user/sqlite/.env:3: ruleid: expected one XY101 finding, got 0"),
    (("postgres://airflow@db.example.internal/airflow", "sqlite:///other.db"),
     "user/sqlite/.env:5: ok: expected no XY101 finding, got 1"),
    (("# ok: XY101\nAIRFLOW_CONN_PG=postgres://airflow@db.example.internal/airflow", "AIRFLOW_CONN_PG=sqlite:///x.db"),
     "user/sqlite/.env:4: 1 XY101 finding(s) on a line no '# ruleid: XY101' marks"),
    (("# ruleid: XY101", "# ruleid: XY999"), "user/sqlite/.env:3: 1 XY101 finding(s) on a line no"),
])
def test_rule_fixtures_run_through_the_real_collectors_and_a_mutation_fails(run_cli, tmp_path, mutation,
                                                                           expected) -> None:
    rules = tmp_path / "user"
    _write(rules, "sqlite.yaml", GOOD_RULE)
    _write(rules / "sqlite", ".env", FIXTURE_ENV.replace(*mutation) if mutation else FIXTURE_ENV)
    result = run_cli("rules", "test", "XY101", "--rules", rules, cwd=tmp_path)
    if expected is None:
        assert result.exit_code == 0, result.stdout
        assert "ok   XY101 no-sqlite (4 cases)" in result.stdout   # 2 inline examples + 2 fixture markers
    else:
        assert result.exit_code == 1, result.stdout
        assert expected in result.stdout, result.stdout


def test_a_fixture_folder_without_markers_fails(run_cli, tmp_path) -> None:
    rules = tmp_path / "user"
    _write(rules, "sqlite.yaml", GOOD_RULE)
    _write(rules / "sqlite", ".env", "AIRFLOW_CONN_LITE=sqlite:///tmp/airflow.db\n")
    result = run_cli("rules", "test", "XY101", "--rules", rules, cwd=tmp_path)
    assert result.exit_code == 1
    assert "user/sqlite: no '# ruleid: XY101' or '# ok: XY101' marker" in result.stdout


def _as_user_rule(source: Path, tmp_path: Path, rule_id: str, new_id: str, name: str, new_name: str) -> Path:
    """The built-in rule file beside folder `source`, renamed `new_id` (its name prefix `name` -> `new_name`), as
    tmp_path/user/<new_id>.yaml; returns the user rules folder."""
    rules = tmp_path / "user"
    text = source.with_suffix(".yaml").read_text().replace(rule_id, new_id)
    _write(rules, f"{new_id}.yaml", text.replace(f"name: {name}", f"name: {new_name}"))
    return rules


def test_a_snapshot_fixture_is_marked_by_resource_name_in_its_sidecar(run_cli, tmp_path) -> None:
    # AG513 as a user rule XY513, its fixture folder copied: the sidecar's `ok` turned into `ruleid` must fail
    source = builtin_rules_dir() / "aws" / "AG513-iam-user-old-access-key"
    rules = _as_user_rule(source, tmp_path, "AG513", "XY513", "iam-user-old", "xy-old")
    (rules / "XY513").mkdir()
    (rules / "XY513" / "aws-snapshot.json").write_text((source / "aws-snapshot.json").read_text())
    expect = (source / "aws-snapshot.json.expect").read_text().replace("AG513", "XY513")
    (rules / "XY513" / "aws-snapshot.json.expect").write_text(expect)
    assert run_cli("rules", "test", "XY513", "--rules", rules, cwd=tmp_path).exit_code == 0
    (rules / "XY513" / "aws-snapshot.json.expect").write_text(expect.replace("ok: XY513", "ruleid: XY513"))
    result = run_cli("rules", "test", "XY513", "--rules", rules, cwd=tmp_path)
    assert result.exit_code == 1
    assert "user/XY513/aws-snapshot.json:fresh-ci: ruleid: expected one XY513 finding, got 0" in result.stdout


def test_a_user_rule_over_dagbag_files_never_runs_its_fixture_code(run_cli, tmp_path) -> None:
    # AG401 as a user rule XY401 with a fixture DAG that would leave a file behind if it ran: refused, not loaded
    rules = _as_user_rule(builtin_rules_dir() / "dagfile" / "AG401-dag-import-error", tmp_path,
                          "AG401", "XY401", "dag-import", "xy-imp")
    ran = tmp_path / "ran"
    _write(rules / "XY401" / "dags", "dag.py", f"# ruleid: XY401\nopen({str(ran)!r}, 'w').close()\n")
    result = run_cli("rules", "test", "XY401", "--rules", rules, cwd=tmp_path)
    assert result.exit_code == 1
    assert ("XY401 reads airflow.dag_file, which only DagBag gives: fixtures are loaded with DagBag (their code runs) "
            "for built-in rules only") in result.stdout
    assert not ran.exists()


def test_without_airflow_the_dagbag_fixtures_are_skipped_not_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    # an install without the airflow extra: the inline examples run, the fixture folder is reported as not run
    import scanner.rule_fixtures

    monkeypatch.setattr(scanner.rule_fixtures, "airflow_available", lambda: False)
    [rule] = [r for r in load_rules(use_cache=False) if r.id == "AG401"]
    [outcome] = run_rule_tests([rule])
    assert outcome.failures == [] and outcome.cases == len(rule.tests.fail) + len(rule.tests.pass_)
    assert outcome.fixture_marks == {"ruleid": 0, "ok": 0}
    expected = "rules/dagfile/AG401-dag-import-error: not run: they need Airflow's DagBag (install the airguard[airflow] extra)"
    assert outcome.skipped == [expected]
