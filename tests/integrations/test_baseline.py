"""Baselines: stable bytes, matches that survive line shifts, new findings in other files, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.conftest import REPO, findings_of
from tests.integrations.test_markdown import PLANTED_IN_DEMO

BAD = "AIRFLOW_CONN_ORDERS=postgres://u:Baseline-Pw-4242@orders.cluster-abc.us-east-1.rds.amazonaws.com/db\n"


def _project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / ".env").write_text(BAD)
    return tmp_path


def test_baseline_file_is_sorted_stable_and_secret_free(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert run_cli("baseline", "--output", "b1.json", "dags", cwd=project).exit_code == 0
    assert run_cli("baseline", "--output", "b2.json", "dags", cwd=project).exit_code == 0
    first, second = (project / "b1.json").read_bytes(), (project / "b2.json").read_bytes()
    assert first == second
    document = json.loads(first)
    assert document["format"] == "airguard-baseline" and document["version"] == 1
    assert [(e["rule_id"], e["path"], e["resource"]) for e in document["findings"]] == [
        ("AG101", "dags/.env", "orders"), ("AG102", "dags/.env", "orders")]
    assert b"Baseline-Pw-4242" not in first
    assert {key for e in document["findings"] for key in e} == {"fingerprint", "rule_id", "path", "resource",
                                                                 "message"}   # no lines, no timestamps


def test_the_baseline_file_itself_is_not_scanned(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    run_cli("baseline", "-o", "dags/.airguard-baseline.json", "dags", cwd=project)
    report = run_cli("scan", "dags", "--baseline", "dags/.airguard-baseline.json", "-f", "json", cwd=project).json()
    assert report["summary"]["files_scanned"] == 1
    assert run_cli("scan", "dags", "--no-baseline", "-f", "json", cwd=project).json()["summary"]["files_scanned"] == 2


def test_scan_with_baseline_reports_only_new_findings(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    run_cli("baseline", "-o", ".airguard-baseline.json", "dags", cwd=project)
    # lines inserted above: still matched
    (project / "dags" / ".env").write_text("# a comment\n\nOTHER=1\n" + BAD)
    result = run_cli("scan", "dags", "--baseline", ".airguard-baseline.json", "-f", "json", cwd=project)
    report = result.json()
    assert result.exit_code == 0
    assert findings_of(report) == set()
    assert report["summary"]["baselined"] == 2 and report["summary"]["baseline_unmatched"] == 0
    assert {f["suppression"]["kind"] for f in report["findings"]} == {"baseline"}
    jsonschema.validate(report, json.loads((REPO / "scanner/schemas/report.schema.json").read_text()))
    # the same violation copied into another file is new
    (project / "dags" / "prod.env").write_text(BAD)
    result = run_cli("scan", "dags", "--baseline", ".airguard-baseline.json", "-f", "json", cwd=project)
    assert result.exit_code == 1
    assert findings_of(result.json()) == {("AG101", "dags/prod.env", 1), ("AG102", "dags/prod.env", 1)}


def test_fixed_findings_are_counted_as_no_longer_found(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    run_cli("baseline", "-o", "base.json", "dags", cwd=project)
    (project / "dags" / ".env").write_text("NOTHING=here\n")
    result = run_cli("scan", "dags", "--baseline", "base.json", cwd=project)
    assert result.exit_code == 0
    assert "2 baseline entries no longer found" in result.stdout
    markdown = run_cli("scan", "dags", "--baseline", "base.json", "-f", "markdown", cwd=project).stdout
    assert "2 baseline entries are no longer found" in markdown
    sarif = json.loads(run_cli("scan", "dags", "--baseline", "base.json", "-f", "sarif", cwd=project).stdout)
    assert sarif["runs"][0]["properties"] == {"baselineUnmatched": 2}


def test_baseline_matched_findings_are_external_suppressions_in_sarif(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    run_cli("baseline", "-o", "base.json", "dags", cwd=project)
    result = run_cli("scan", "dags", "--baseline", "base.json", "-f", "sarif", "--show-suppressed", cwd=project)
    sarif = json.loads(result.stdout)
    jsonschema.validate(sarif, json.loads((REPO / "tests/data/sarif-schema-2.1.0.json").read_text()))
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["suppressions"][0]["kind"]) for r in results] == [("AG101", "external"),
                                                                              ("AG102", "external")]


def test_baseline_from_config_is_relative_to_the_config_file(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "pyproject.toml").write_text('[tool.airguard]\nbaseline = "ci/airguard-baseline.json"\n')
    assert run_cli("baseline", "dags", cwd=project).exit_code == 0      # writes to the configured path
    assert (project / "ci" / "airguard-baseline.json").is_file()
    (project / "dags" / "new.env").write_text(BAD)
    result = run_cli("scan", ".", "-f", "json", cwd=project / "dags")  # config found upward, path relative to it
    assert findings_of(result.json()) == {("AG101", "dags/new.env", 1), ("AG102", "dags/new.env", 1)}
    assert run_cli("scan", ".", "--no-baseline", "-f", "json", cwd=project / "dags").json()["summary"][
        "findings"] == 4


def test_missing_or_bad_baseline_is_a_usage_error(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    missing = run_cli("scan", "dags", "--baseline", "nope.json", cwd=project)
    assert missing.exit_code == 2
    assert missing.stderr == ("airguard: error: baseline file not found: nope.json (create it with "
                              "`airguard baseline --output nope.json`)\n")
    (project / "bad.json").write_text('{"findings": []}')
    bad = run_cli("scan", "dags", "--baseline", "bad.json", cwd=project)
    assert bad.exit_code == 2 and "is not an airguard baseline" in bad.stderr
    (project / "broken.json").write_text("{")
    broken = run_cli("scan", "dags", "--baseline", "broken.json", cwd=project)
    assert broken.exit_code == 2 and "not valid JSON" in broken.stderr and "Traceback" not in broken.stderr


def test_baseline_of_the_demo_holds_no_planted_secret(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "demo-baseline.json"
    run_cli("baseline", "-o", out, "fixtures/demo")
    text = out.read_text()
    assert len(json.loads(text)["findings"]) > 10
    assert [s for s in PLANTED_IN_DEMO if s in text] == []


def test_baseline_shares_the_scan_flags() -> None:
    from scanner.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["baseline", "-o", "b.json", "--strict", "--select", "AG1", "--exclude", "x/*",
                              "--aws-snapshot", "s.json", "dags"])
    assert (args.output, args.strict, args.select, args.exclude, args.paths) == (
        Path("b.json"), True, ["AG1"], ["x/*"], [Path("dags")])
    scan = parser.parse_args(["scan", "--baseline", "b.json", "--report", "sarif=out/r.sarif", "--top", "5"])
    assert (scan.baseline, scan.report, scan.top) == (Path("b.json"), [("sarif", Path("out/r.sarif"))], 5)
