"""`--format asff`: AWS Security Finding Format, valid for botocore's model of BatchImportFindings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.aws.securityhub import validate_findings
from tests.conftest import FIXTURES

SNAPSHOT = FIXTURES / "aws" / "snapshot-v1.json"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    from tests.conftest import run_process

    run = run_process("scan", "fixtures/demo", "--aws-snapshot", SNAPSHOT, "-f", "asff", "--asff-region",
                      "eu-west-1", env={"AIRGUARD_CACHE_DIR": str(tmp_path_factory.mktemp("c"))})
    assert run.exit_code == 1, run.stderr
    return json.loads(run.stdout)["Findings"]


def test_every_finding_is_valid_for_batch_import_findings(sample: list[dict]) -> None:
    assert len(sample) > 20
    assert validate_findings(sample) == []
    assert len({f["Id"] for f in sample}) == len(sample)


def test_an_aws_finding(sample: list[dict]) -> None:
    finding = next(f for f in sample if f["GeneratorId"] == "AG502")
    assert finding["SchemaVersion"] == "2018-10-08"
    assert finding["Id"].startswith("airguard/") and len(finding["Id"]) == len("airguard/") + 32
    assert finding["ProductArn"] == f"arn:aws:securityhub:eu-west-1:{ACCOUNT}:product/{ACCOUNT}/default"
    assert finding["AwsAccountId"] == ACCOUNT
    assert finding["Severity"] == {"Label": "HIGH", "Original": "high"}
    assert finding["Title"] == "AG502 RDS/Aurora DB instance is publicly accessible"
    assert finding["Resources"] == [{"Type": "AwsRdsDbInstance", "Id": f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:orders-1",
                                     "Partition": "aws", "Region": "eu-west-1"}]
    assert finding["Compliance"] == {"Status": "FAILED", "RelatedRequirements": [
        "CIS AWS Foundations Benchmark v3.0.0/2.3.3", "AWS Foundational Security Best Practices v1.0.0/RDS.2",
        "SOC 2 CC6.6", "NIST.800-53.r5 AC-4", "NIST.800-53.r5 SC-7"]}
    assert "Software and Configuration Checks/AWS Security Best Practices" in finding["Types"]
    assert ("Software and Configuration Checks/Industry and Regulatory Standards/"
            "AWS-Foundational-Security-Best-Practices") in finding["Types"]
    assert finding["Remediation"]["Recommendation"]["Url"].startswith("https://docs.aws.amazon.com/")
    assert finding["Workflow"] == {"Status": "NEW"} and finding["RecordState"] == "ACTIVE"
    kinds = {f["GeneratorId"]: f["Resources"][0]["Type"] for f in sample if f["AwsAccountId"] == ACCOUNT}
    assert kinds["AG505"] == "AwsEc2SecurityGroup" and kinds["AG501"] == "AwsRdsDbCluster"
    assert kinds["AG509"] == "AwsSecretsManagerSecret" and kinds["AG507"] == "AwsIamRole"


def test_a_file_finding_and_a_suppressed_one(sample: list[dict]) -> None:
    finding = next(f for f in sample if f["GeneratorId"] == "AG101" and f["Workflow"]["Status"] == "NEW")
    resource = finding["Resources"][0]
    assert resource["Type"] == "Other" and resource["Region"] == "eu-west-1"
    assert resource["Details"]["Other"]["airguard/path"] == "fixtures/demo/.env"
    assert resource["Details"]["Other"]["airguard/line"] == "5"
    assert finding["AwsAccountId"] == ACCOUNT   # the scan's one account
    assert "Sensitive Data Identifications/Passwords" in finding["Types"]
    suppressed = [f for f in sample if f["Workflow"]["Status"] == "SUPPRESSED"]
    assert [(f["GeneratorId"], f["ProductFields"]["airguard/Location"]) for f in suppressed] == [
        ("AG101", "fixtures/demo/.env:18")]
    assert suppressed[0]["Note"]["Text"] == "inline: local throwaway database, never deployed"


def test_ids_are_stable_and_secrets_never_leave(run_cli, tmp_path: Path) -> None:
    secret = "Zq9vT3xLw8Rk2Hn5"
    (tmp_path / ".env").write_text(f"AIRFLOW_CONN_WH=postgresql://etl:{secret}@db.internal:5432/wh\n"
                                   f"DB_PASSWORD={secret}\x1b[31m\n")
    args = ("scan", str(tmp_path), "--no-cache", "--no-repo-config", "-f", "asff", "--asff-account", ACCOUNT,
            "--asff-region", "us-east-1")
    first, second = run_cli(*args), run_cli(*args)
    assert first.exit_code == 1, first.stderr
    assert secret not in first.stdout and "\x1b" not in first.stdout
    findings = json.loads(first.stdout)["Findings"]
    assert [f["Id"] for f in findings] == [f["Id"] for f in json.loads(second.stdout)["Findings"]]
    assert {f["ProductArn"] for f in findings} == {f"arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default"}
    assert validate_findings(findings) == []


def test_no_account_or_region_is_a_clear_error(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    (tmp_path / ".env").write_text("AIRFLOW_CONN_WH=postgresql://etl:Zq9vT3xLw8Rk2Hn5@db.internal:5432/wh\n")
    no_region = run_cli("scan", str(tmp_path), "--no-cache", "--no-repo-config", "-f", "asff")
    assert no_region.exit_code == 2 and no_region.stdout == ""
    assert no_region.stderr == ("airguard: error: ASFF needs the Security Hub region to file findings in: pass "
                                "--asff-region REGION (or set AWS_REGION)\n")
    no_account = run_cli("scan", str(tmp_path), "--no-cache", "--no-repo-config", "-f", "asff",
                         "--asff-region", "eu-west-1")
    assert no_account.exit_code == 2
    assert "pass --asff-account ACCOUNT_ID" in no_account.stderr


def test_long_texts_are_cut_to_the_documented_maxima() -> None:
    from scanner.findings import Confidence, Finding, Severity
    from scanner.report.asff import finding_asff

    finding = Finding(rule_id="AG101", rule_name="x", title="t" * 400, severity=Severity.LOW,
                      confidence=Confidence.LOW, message="m" * 5000, resource_id="r" * 900,
                      resource_type="airflow.connection", resource_name="n" * 3000, fingerprint="0" * 32)
    data = finding_asff(finding, None, ACCOUNT, "eu-west-1", "2026-01-01T00:00:00.000Z")
    assert len(data["Title"]) == 256 and len(data["Description"]) == 1024
    assert data["Types"] == ["Software and Configuration Checks"]
    assert validate_findings([data]) == []


def test_the_validator_reports_what_botocore_and_the_docs_refuse(sample: list[dict]) -> None:
    bad = json.loads(json.dumps(sample[0]))
    del bad["Title"]
    bad["Severity"]["Label"] = "SEVERE"
    bad["Confidence"] = "high"
    bad["Description"] = "d" * 1025
    bad["AwsAccountId"] = "12345"
    bad["Surprise"] = True
    problems = [p.split(": ", 1)[1] for p in validate_findings([bad])]
    assert 'Missing required parameter: "Title"' in problems
    assert any(p.startswith('Unknown parameter: "Surprise"') for p in problems)
    assert any(p.startswith("Invalid type for parameter Confidence") for p in problems)
    assert "Severity.Label: 'SEVERE' is not one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL" in problems
    assert "Description: 1025 characters, at most 1024 allowed" in problems
    assert "AwsAccountId: '12345' is not a 12-digit account id" in problems


def test_report_flag_writes_asff_alongside(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "securityhub.json"
    run = run_cli("scan", "--aws-snapshot", SNAPSHOT, "--no-cache", "-f", "json", "--report", f"asff={out}",
                  "--asff-region", "eu-west-1")
    assert run.exit_code == 1, run.stderr
    findings = json.loads(out.read_text())["Findings"]
    assert sorted(f["GeneratorId"] for f in findings) == ["AG501", "AG502", "AG505", "AG506", "AG507", "AG509"]
    assert validate_findings(findings) == []
    assert [f["Resources"][0]["Type"] for f in findings if f["GeneratorId"] == "AG507"] == ["AwsIamRole"]


def test_the_root_user_is_the_account() -> None:
    from scanner.findings import Confidence, Finding, Severity
    from scanner.model import AwsIdentity
    from scanner.report.asff import finding_asff

    finding = Finding(rule_id="AG518", rule_name="iam-root-access-key", title="The root user has an active access key",
                      severity=Severity.CRITICAL, confidence=Confidence.HIGH, message="root key",
                      resource_id="aws.iam.user:root", resource_type="aws.iam.user", resource_name="<root_account>",
                      aws=AwsIdentity(arn=f"arn:aws:iam::{ACCOUNT}:root", account=ACCOUNT, region=None),
                      fingerprint="1" * 32)
    data = finding_asff(finding, None, ACCOUNT, "eu-west-1", "2026-01-01T00:00:00.000Z")
    assert data["Resources"] == [{"Type": "AwsAccount", "Id": f"AWS::::Account:{ACCOUNT}", "Partition": "aws",
                                  "Details": {"Other": {"airguard/arn": f"arn:aws:iam::{ACCOUNT}:root"}}}]
    assert data["Severity"]["Label"] == "CRITICAL"
    assert validate_findings([data]) == []
