"""Reporters: SARIF valid against the official schema and shaped for GitHub; JSON valid against ours."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import DATA, REPO

SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads((REPO / "scanner" / "schemas" / "report.schema.json").read_text())


@pytest.fixture(scope="module")
def demo_sarif(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from tests.conftest import run_process

    result = run_process("scan", "fixtures/demo", "fixtures/collectors", "-f", "sarif", "--sarif-category", "airguard",
                         env={"AIRGUARD_CACHE_DIR": str(tmp_path_factory.mktemp("c"))})
    assert result.exit_code == 1, result.stderr
    return json.loads(result.stdout)


def test_sarif_is_valid_against_the_official_schema(demo_sarif: dict) -> None:
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(demo_sarif)


def test_sarif_has_what_github_code_scanning_reads(demo_sarif: dict) -> None:
    run = demo_sarif["runs"][0]
    assert demo_sarif["version"] == "2.1.0"
    assert run["automationDetails"]["id"] == "airguard/"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and "### How to fix" in rule["help"]["markdown"]
        assert rule["helpUri"].startswith("https://")
        assert isinstance(rule["properties"]["security-severity"], str)
        float(rule["properties"]["security-severity"])
        assert rule["properties"]["precision"] in ("very-high", "high", "medium", "low")
        assert "security" in rule["properties"]["tags"]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri and "\\" not in uri
        assert result["partialFingerprints"]["airguard/v1"]


def test_sarif_leaves_suppressed_results_out_unless_asked(demo_sarif: dict, run_cli) -> None:
    """Code scanning ignores `suppressions`: an uploaded suppressed result would open an alert."""
    assert not [r for r in demo_sarif["runs"][0]["results"] if r.get("suppressions")]
    shown = json.loads(run_cli("scan", "fixtures/demo", "-f", "sarif", "--show-suppressed").stdout)
    suppressed = [r for r in shown["runs"][0]["results"] if r.get("suppressions")]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in suppressed] == [
        ("AG101", 18)]
    assert suppressed[0]["suppressions"] == [{"kind": "inSource",
                                              "justification": "local throwaway database, never deployed"}]
    report = run_cli("scan", "fixtures/demo", "-f", "json").json()  # JSON keeps them
    assert [(f["rule_id"], f["location"]["start_line"]) for f in report["findings"] if f["suppression"]] == [
        ("AG101", 18)]


# Computed with github/codeql-action's own src/fingerprints.ts (node) on this text: alerts keep their
# identity across uploads only if airguard writes the same value the upload would compute.
FINGERPRINT_TEXT = ("# émoji 😀 line\r\n\tkey:  value\rnext\n" + "x" * 250 + "\n\nsame\nsame\n")
FINGERPRINT_EXPECTED = {1: "5e86d3c9aadd8ef9:1", 2: "70fc5700ef1ed027:1", 3: "3aad6929fb70b009:1",
                        4: "52b56201ffb58620:1", 5: "c3cf7fc9cfa5e471:1", 6: "54dd522503d971eb:1",
                        7: "930af01a65e2307f:1", 8: "c129715d7a2bc9a3:1"}


def test_primary_location_line_hash_is_codeql_actions() -> None:
    from scanner.report.fingerprints import line_hashes

    assert line_hashes(FINGERPRINT_TEXT, range(1, 9)) == FINGERPRINT_EXPECTED
    assert line_hashes(FINGERPRINT_TEXT, [3]) == {3: FINGERPRINT_EXPECTED[3]}  # early stop, same value


def test_sarif_regions_fingerprints_tags_and_links(demo_sarif: dict) -> None:
    run = demo_sarif["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"]
    for result in run["results"]:
        located = [result["locations"][0]] + result.get("relatedLocations", [])
        for location in located:
            region = location["physicalLocation"]["region"]
            assert region["endColumn"] > 0 and region["startColumn"] > 0
            assert location["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        if not result.get("properties", {}).get("locationIsPlaceholder"):
            assert re.fullmatch(r"[0-9a-f]{1,16}:\d+", result["partialFingerprints"]["primaryLocationLineHash"])
        for related in result.get("relatedLocations", []):
            assert f"]({related['id']})" in result["message"]["text"]
    tags = {t for rule in run["tool"]["driver"]["rules"] for t in rule["properties"]["tags"]}
    assert "external/cwe/cwe-798" in tags and not [t for t in tags if t.startswith("cwe-")]



def test_sarif_reports_read_errors_as_notifications(demo_sarif: dict) -> None:
    invocation = demo_sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = {(n["descriptor"]["id"], n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
             for n in invocation["toolExecutionNotifications"] if "locations" in n}
    assert ("parse-error", "fixtures/collectors/broken/bad.yaml") in notes
    assert ("read-error", "fixtures/collectors/broken/binary.env") in notes


def test_sarif_output_is_deterministic(run_cli) -> None:
    first = run_cli("scan", "fixtures/demo", "-f", "sarif").stdout
    second = run_cli("scan", "fixtures/demo", "-f", "sarif").stdout
    assert first == second


def test_json_report_matches_its_schema(run_cli) -> None:
    result = run_cli("scan", "fixtures/demo", "fixtures/collectors", "-f", "json")
    report = result.json()
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert report["summary"]["exit_code"] == result.exit_code == 1
    assert report["summary"]["suppressed"] == 1


def test_fingerprints_survive_lines_inserted_above(run_cli, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(REPO / "fixtures" / "demo", project)
    (project / ".git").mkdir()
    before = run_cli("scan", ".", "-f", "json", cwd=project).json()
    env = project / ".env"
    env.write_text("# a new comment\n# and another\n\n" + env.read_text())
    after = run_cli("scan", ".", "-f", "json", cwd=project).json()

    def by_fingerprint(report: dict) -> dict[str, tuple[str, int]]:
        return {f["fingerprint"]: (f["rule_id"], f["location"]["start_line"]) for f in report["findings"]}

    old, new = by_fingerprint(before), by_fingerprint(after)
    assert set(old) == set(new)
    moved = [fp for fp in old if new[fp][1] == old[fp][1] + 3]
    assert len(moved) == sum(1 for f in before["findings"] if f["location"]["path"] == ".env")


def test_fingerprints_know_the_file(run_cli, tmp_path: Path) -> None:
    line = "AIRFLOW_CONN_DB=postgres://u:Same-Pw-123@db.cluster-abc.us-east-1.rds.amazonaws.com/x\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / ".env").write_text(line)
    (tmp_path / "b" / ".env").write_text(line)
    report = run_cli("scan", ".", "-f", "json", cwd=tmp_path).json()
    fingerprints = [f["fingerprint"] for f in report["findings"] if f["rule_id"] == "AG101"]
    assert len(fingerprints) == 2 and len(set(fingerprints)) == 2


def test_text_output_groups_by_file_and_summarises(run_cli) -> None:
    result = run_cli("scan", "fixtures/demo")
    lines = result.stdout.splitlines()
    assert lines[0] == "fixtures/demo/.env"
    assert "     5:46  high     AG101 Connection 'orders_db' (postgres) has a literal password written in env config" in lines
    assert "           │ AIRFLOW_CONN_ORDERS_DB=postgresql://etl_user:****@orders.cluster-c9akciq32xyz.eu-west-1.rds.amazonaws.com:5432/orders" in lines
    # the demo's .airguard.toml adds its AWS snapshot: account findings and the links to it
    assert "     5:46  medium   AG602 Connection 'orders_db' uses a password for orders.cluster-c9akciq32xyz.eu-west-1" \
           ".rds.amazonaws.com, which accepts IAM authentication: switch it to \"iam\": true" in lines
    # config/airflow.cfg's deployment (the compose project) sets no secrets backend: AG201 (the chart's does)
    assert any(l.startswith("44 findings (2 critical, 26 high, 15 medium, 1 low), 1 suppressed, 2 errors") for l in lines)
