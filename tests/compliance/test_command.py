"""Compliance tags on rules, shown in every format, and `airguard compliance FRAMEWORK`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scanner.compliance.frameworks import compliance_tags, related_requirements
from scanner.engine.loader import RuleLoadError, load_rules
from tests.conftest import FIXTURES, REPO

SNAPSHOT = FIXTURES / "aws" / "snapshot-v1.json"


@pytest.fixture(scope="module")
def rules() -> dict:
    return {rule.id: rule for rule in load_rules([])}


def test_rules_map_to_real_control_ids(rules: dict) -> None:
    assert rules["AG502"].compliance == {"cis-aws": ["2.3.3"], "aws-fsbp": ["RDS.2"], "soc2": ["CC6.6"],
                                         "nist-800-53": ["AC-4", "SC-7"]}
    assert rules["AG514"].compliance["aws-fsbp"] == ["RDS.10"]
    assert rules["AG501"].compliance["aws-fsbp"] == ["RDS.12"]
    assert rules["AG516"].compliance["aws-fsbp"] == ["RDS.3"]
    assert rules["AG506"].compliance["aws-fsbp"] == ["RDS.27"]
    assert rules["AG505"].compliance["aws-fsbp"] == ["EC2.18", "EC2.19"]
    assert rules["AG509"].compliance["aws-fsbp"] == ["SecretsManager.1", "SecretsManager.4"]
    assert rules["AG513"].compliance == {"cis-aws": ["1.14"], "aws-fsbp": ["IAM.3"], "soc2": ["CC6.1"],
                                         "nist-800-53": ["IA-5"]}
    assert rules["AG518"].compliance["cis-aws"] == ["1.4"] and rules["AG518"].compliance["aws-fsbp"] == ["IAM.4"]
    assert rules["AG510"].compliance["aws-fsbp"] == ["CloudTrail.1"] and rules["AG510"].compliance["cis-aws"] == ["3.1"]
    assert rules["AG101"].compliance == {"soc2": ["CC6.1"], "nist-800-53": ["IA-5(7)"]}
    # no honest mapping, no tag: correctness and reliability rules
    for rule_id in ("AG001", "AG106", "AG107", "AG401", "AG402", "AG403", "AG601"):
        assert rules[rule_id].compliance == {}, rule_id
    # the old free-form tags are gone (the field replaces them; AG505 used to claim CIS 5.2, an admin-port control)
    assert not [t for r in rules.values() for t in r.tags if t.startswith(("security-hub", "cis-aws"))]


def test_tag_and_requirement_forms(rules: dict) -> None:
    assert compliance_tags(rules["AG502"].compliance) == [
        "compliance/cis-aws/2.3.3", "compliance/aws-fsbp/RDS.2", "compliance/soc2/CC6.6",
        "compliance/nist-800-53/AC-4", "compliance/nist-800-53/SC-7"]
    assert related_requirements(rules["AG518"].compliance) == [
        "CIS AWS Foundations Benchmark v3.0.0/1.4", "AWS Foundational Security Best Practices v1.0.0/IAM.4",
        "SOC 2 CC6.1", "NIST.800-53.r5 AC-6"]


def _user_rule(tmp_path: Path, compliance: dict) -> Path:
    source = yaml.safe_load((REPO / "rules" / "aws" / "AG502-rds-instance-publicly-accessible.yaml").read_text())
    source.update(id="XY502", name="custom-public", compliance=compliance)
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "XY502.yaml").write_text(yaml.safe_dump(source))
    return folder


@pytest.mark.parametrize("compliance", [{"pci-dss": ["1.2"]}, {"aws-fsbp": ["rds 2"]}, {"nist-800-53": ["AC6"]},
                                        {"cis-aws": [1.4]}, {"soc2": []}, {"aws-fsbp": ["RDS.2", "RDS.2"]}])
def test_rule_schema_refuses_unknown_frameworks_and_malformed_ids(tmp_path: Path, compliance: dict) -> None:
    with pytest.raises(RuleLoadError) as raised:
        load_rules([_user_rule(tmp_path, compliance)])
    assert "/compliance" in "\n".join(raised.value.problems)


def test_rules_show_lists_controls(run_cli) -> None:
    shown = run_cli("rules", "show", "AG514")
    assert shown.exit_code == 0
    assert ("\nCompliance\n  AWS Foundational Security Best Practices: RDS.10\n"
            "  SOC 2 Trust Services Criteria (2017): CC6.1\n  NIST SP 800-53 Rev. 5: AC-2(1)\n") in shown.stdout
    as_json = run_cli("rules", "show", "AG514", "--format", "json").json()
    assert as_json["compliance"] == {"aws-fsbp": ["RDS.10"], "soc2": ["CC6.1"], "nist-800-53": ["AC-2(1)"]}


def test_every_format_shows_the_controls(run_cli) -> None:
    args = ("scan", "--aws-snapshot", SNAPSHOT, "--select", "AG502", "--no-cache")
    report = run_cli(*args, "-f", "json").json()
    assert [(f["rule_id"], f["compliance"]["aws-fsbp"]) for f in report["findings"]] == [("AG502", ["RDS.2"])]
    assert report["rules"][0]["compliance"]["cis-aws"] == ["2.3.3"]
    sarif = json.loads(run_cli(*args, "-f", "sarif").stdout)
    descriptor = sarif["runs"][0]["tool"]["driver"]["rules"][0]
    assert {"compliance/aws-fsbp/RDS.2", "compliance/cis-aws/2.3.3"} <= set(descriptor["properties"]["tags"])
    assert "### Compliance\n- CIS AWS Foundations Benchmark v3.0.0: 2.3.3\n" in descriptor["help"]["markdown"]
    text = run_cli(*args).stdout
    assert "           ⚖ cis-aws 2.3.3, aws-fsbp RDS.2, soc2 CC6.6, nist-800-53 AC-4, nist-800-53 SC-7\n" in text
    markdown = run_cli(*args, "-f", "markdown").stdout
    assert "- **AWS Foundational Security Best Practices**: RDS.2 (AG502)\n" in markdown


FSBP_TEXT = """\
AWS Foundational Security Best Practices: 7 failing, 4 passing, 1 not evaluated (12 controls)

  NOT EVALUATED  CloudTrail.1      AG510 the scan could not evaluate it everywhere (see the scan's notices)
  FAIL           EC2.18            AG505 1 finding
  FAIL           EC2.19            AG505 1 finding
  PASS           IAM.3             AG513 passed
  PASS           IAM.4             AG518 passed
  FAIL           RDS.2             AG502 1 finding; AG515 passed
  PASS           RDS.3             AG516 passed
  PASS           RDS.10            AG514 passed
  FAIL           RDS.12            AG501 1 finding
  FAIL           RDS.27            AG506 1 finding
  FAIL           SecretsManager.1  AG509 1 finding
  FAIL           SecretsManager.4  AG509 1 finding

Scan: exit code 1 (incomplete: see `airguard scan` for what could not be read)
"""


def test_compliance_summary_of_the_sample_account(run_cli) -> None:
    """The snapshot: a public instance, an open security group, an unencrypted cluster without IAM auth,
    an unrotated secret; CloudTrail could not be read (AccessDenied)."""
    run = run_cli("compliance", "aws-fsbp", "--aws-snapshot", SNAPSHOT, "--no-cache")
    assert run.exit_code == 1, run.stderr
    assert run.stdout == FSBP_TEXT


def test_compliance_json(run_cli) -> None:
    run = run_cli("compliance", "cis-aws", "--aws-snapshot", SNAPSHOT, "--no-cache", "--format", "json")
    data = run.json()
    assert run.exit_code == 1
    assert data["framework"]["key"] == "cis-aws"
    assert data["summary"] == {"controls": 5, "fail": 2, "pass": 2, "not_evaluated": 1}
    assert [(c["control"], c["status"], [(r["rule_id"], r["status"], r["findings"]) for r in c["rules"]])
            for c in data["controls"]] == [
        ("1.4", "pass", [("AG518", "pass", 0)]),
        ("1.14", "pass", [("AG513", "pass", 0)]),
        ("2.3.1", "fail", [("AG506", "fail", 1), ("AG516", "pass", 0)]),
        ("2.3.3", "fail", [("AG502", "fail", 1)]),
        ("3.1", "not-evaluated", [("AG510", "not-evaluated", 0)]),
    ]
    assert data["scan"]["exit_code"] == 1 and data["scan"]["partial"] is True


def test_a_rule_left_out_or_without_resources_is_not_a_pass(run_cli, tmp_path: Path) -> None:
    ignored = run_cli("compliance", "aws-fsbp", "--aws-snapshot", SNAPSHOT, "--no-cache", "--ignore", "AG513",
                      "--ignore", "AG510", "-f", "json").json()
    iam3 = next(c for c in ignored["controls"] if c["control"] == "IAM.3")
    assert iam3["status"] == "not-evaluated"
    assert iam3["rules"][0]["reason"] == "rule not run (--select, --ignore or configuration)"
    # files only: every AWS control is not evaluated (no resource seen), the file controls are judged
    (tmp_path / ".env").write_text("AIRFLOW_CONN_DB=postgresql://etl:hunter2hunter2@db.internal:5432/x\n")
    files = run_cli("compliance", "nist-800-53", str(tmp_path), "--no-cache", "--no-repo-config", "-f", "json")
    statuses = {c["control"]: c["status"] for c in files.json()["controls"]}
    assert statuses["IA-5(7)"] == "fail" and statuses["SC-28"] == "not-evaluated" and statuses["AC-6"] == "not-evaluated"
    sc28 = next(c for c in files.json()["controls"] if c["control"] == "SC-28")
    assert [r["reason"] for r in sc28["rules"]] == ["no aws.rds.cluster seen", "no aws.rds.instance seen"]
    assert files.exit_code == 1
    assert "hunter2" not in files.stdout


def test_suppressed_findings_do_not_fail_a_control(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# airguard: ignore-next-line[AG101] throwaway local database\n"
        "AIRFLOW_CONN_DB=postgresql://etl:hunter2hunter2@localhost:5432/x\n")
    run = run_cli("compliance", "soc2", str(tmp_path), "--no-cache", "--no-repo-config", "-f", "json")
    cc61 = next(c for c in run.json()["controls"] if c["control"] == "CC6.1")
    assert cc61["status"] == "pass"
    assert [(r["rule_id"], r["status"], r["suppressed"]) for r in cc61["rules"] if r["rule_id"] == "AG101"] == [
        ("AG101", "pass", 1)]
    assert run.exit_code == 0


def test_unknown_framework_is_a_usage_error(run_cli) -> None:
    with pytest.raises(SystemExit) as raised:
        run_cli("compliance", "pci-dss", ".")
    assert raised.value.code == 2


def test_a_file_that_could_not_be_read_leaves_the_file_controls_not_evaluated(run_cli, tmp_path: Path) -> None:
    (tmp_path / "big.env").write_bytes(b"A=" + b"x" * (6 * 1024 * 1024) + b"\n")   # over the 5 MiB cap
    run = run_cli("compliance", "nist-800-53", str(tmp_path), "--no-cache", "--no-repo-config", "-f", "json")
    assert run.exit_code == 3   # nothing failed, the scan is partial: the scan's exit code
    controls = {c["control"]: c for c in run.json()["controls"]}
    assert controls["IA-5(7)"]["status"] == "not-evaluated"
    assert {r["reason"] for r in controls["IA-5(7)"]["rules"]} == {"a file could not be read (scan incomplete)"}
    assert controls["SC-28"]["status"] == "not-evaluated"   # AWS rules: no resource seen
