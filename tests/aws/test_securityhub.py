"""`airguard aws securityhub import` against moto's Security Hub (server mode, loopback only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.aws.securityhub import import_findings, securityhub_client
from tests.aws.conftest import ACCOUNT, REGION, AwsEnv
from tests.conftest import FIXTURES

SNAPSHOT = FIXTURES / "aws" / "snapshot-v1.json"
IMPORT = "securityhub:POST /findings/import"


def _asff(run_cli, tmp_path: Path, count: int = 0) -> Path:
    """The sample account's findings as ASFF, plus `count` synthetic copies with their own Ids."""
    run = run_cli("scan", "--aws-snapshot", SNAPSHOT, "--no-cache", "-f", "asff", "--asff-region", REGION)
    assert run.exit_code == 1, run.stderr
    findings = json.loads(run.stdout)["Findings"]
    for index in range(count):
        copy = dict(findings[index % len(findings)], Id=f"airguard/synthetic-{index:04d}")
        findings.append(copy)
    path = tmp_path / "findings.asff.json"
    path.write_text(json.dumps({"Findings": findings}))
    return path


def _hub_findings(aws: AwsEnv) -> list[dict]:
    client = aws.client("securityhub")
    found: list[dict] = []
    for page in client.get_paginator("get_findings").paginate():
        found += page["Findings"]
    return found


def test_imports_a_file_in_batches_of_100(aws: AwsEnv, run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    path = _asff(run_cli, tmp_path, count=244)   # 6 + 244 = 250 findings: 3 requests
    run = run_cli("aws", "securityhub", "import", path, "--hub-region", REGION)
    assert run.exit_code == 0, run.stderr
    assert run.stderr == (f"airguard: imported 250 of 250 finding(s) into Security Hub in {REGION} "
                          "(3 request(s)); 0 failed\n")
    stored = _hub_findings(aws)
    assert len(stored) == 250
    by_id = {f["Id"]: f for f in stored}
    public = next(f for f in stored if f["GeneratorId"] == "AG502")
    assert public["AwsAccountId"] == ACCOUNT and public["Resources"][0]["Type"] == "AwsRdsDbInstance"
    assert "AWS Foundational Security Best Practices v1.0.0/RDS.2" in public["Compliance"]["RelatedRequirements"]
    # importing again updates the same findings (stable Ids), adds none
    again = run_cli("aws", "securityhub", "import", path, "--hub-region", REGION)
    assert again.exit_code == 0
    assert len(_hub_findings(aws)) == 250 and set(by_id) == {f["Id"] for f in _hub_findings(aws)}


def test_from_scan_uses_the_callers_account(aws: AwsEnv, run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    (tmp_path / ".env").write_text("AIRFLOW_CONN_WH=postgresql://etl:Zq9vT3xLw8Rk2Hn5@db.internal:5432/wh\n")
    run = run_cli("aws", "securityhub", "import", "--from-scan", tmp_path, "--no-cache", "--no-repo-config",
                  "--hub-region", REGION)
    assert run.exit_code == 0, run.stderr
    stored = _hub_findings(aws)
    assert sorted(f["GeneratorId"] for f in stored) == ["AG101"]
    assert stored[0]["AwsAccountId"] == ACCOUNT   # moto's STS caller
    assert stored[0]["ProductArn"] == f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
    assert "Zq9vT3xLw8Rk2Hn5" not in json.dumps(stored)


def test_a_json_report_is_converted(aws: AwsEnv, run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    report = tmp_path / "report.json"
    scanned = run_cli("scan", "--aws-snapshot", SNAPSHOT, "--no-cache", "-f", "json", "-o", report)
    assert scanned.exit_code == 1
    run = run_cli("aws", "securityhub", "import", report, "--hub-region", REGION)
    assert run.exit_code == 0, run.stderr
    assert sorted(f["GeneratorId"] for f in _hub_findings(aws)) == ["AG501", "AG502", "AG505", "AG506", "AG507",
                                                                   "AG509"]


def test_failed_findings_are_listed_and_fail_the_run(aws: AwsEnv, proxy, run_cli, tmp_path: Path,
                                                     monkeypatch) -> None:
    """Security Hub refuses some findings of a batch: each one is named, the exit code is 1."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.proxy_url)
    path = _asff(run_cli, tmp_path)
    refused = json.loads(path.read_text())["Findings"][1]["Id"]
    proxy.respond(IMPORT, json.dumps({"FailedCount": 1, "SuccessCount": 5, "FailedFindings": [
        {"Id": refused, "ErrorCode": "AccessDeniedException", "ErrorMessage": "not your account\x1b[2J"}]}),
        content_type="application/json")
    run = run_cli("aws", "securityhub", "import", path, "--hub-region", REGION)
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"airguard: not imported: {refused}: AccessDeniedException: not your account\\x1b[2J",
        f"airguard: imported 5 of 6 finding(s) into Security Hub in {REGION} (1 request(s)); 1 failed"]


def test_throttling_is_retried_by_botocore(aws: AwsEnv, proxy, run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.proxy_url)
    path = _asff(run_cli, tmp_path)
    proxy.throttle(IMPORT, times=2)
    run = run_cli("aws", "securityhub", "import", path, "--hub-region", REGION)
    assert run.exit_code == 0, run.stderr
    assert proxy.requests[IMPORT] == 3
    assert len(_hub_findings(aws)) == 6


def test_invalid_input_sends_nothing(aws: AwsEnv, proxy, run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.proxy_url)
    path = _asff(run_cli, tmp_path)
    findings = json.loads(path.read_text())["Findings"]
    findings[2]["Severity"]["Label"] = "SEVERE"
    del findings[3]["Resources"][0]["Id"]
    path.write_text(json.dumps({"Findings": findings}))
    run = run_cli("aws", "securityhub", "import", path, "--hub-region", REGION)
    assert run.exit_code == 2
    assert "not valid for BatchImportFindings (2 problem(s)); nothing sent" in run.stderr
    assert f"Findings[2] (Id {findings[2]['Id']}): Severity.Label: 'SEVERE' is not one of" in run.stderr
    assert f'Findings[3] (Id {findings[3]["Id"]}): Missing required parameter in Resources[0]: "Id"' in run.stderr
    assert proxy.requests[IMPORT] == 0
    not_json = tmp_path / "x.json"
    not_json.write_text("{nope")
    assert run_cli("aws", "securityhub", "import", not_json, "--hub-region", REGION).stderr == (
        f"airguard: error: {not_json} is not a JSON file (JSONDecodeError)\n")


def test_import_findings_batches_and_counts(aws: AwsEnv, run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    findings = json.loads(_asff(run_cli, tmp_path, count=4).read_text())["Findings"]
    outcome = import_findings(securityhub_client(None, REGION), findings, size=3)
    assert (outcome.success, outcome.failed, outcome.requests) == (10, [], 4)
    with pytest.raises(ValueError):
        import_findings(securityhub_client(None, REGION), findings, size=101)
