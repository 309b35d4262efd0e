"""Infrastructure code through the real CLI (`python -m scanner scan PATH --format json`): exact findings (rule,
path, line), exact not-evaluated warnings, exit codes; resources that fit the registry; secrets never shown."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scanner.collect.files import collect_files
from scanner.context import ScanContext
from scanner.resources.validate import attribute_problems
from tests.conftest import FIXTURES, REPO, run_process

IAC = FIXTURES / "iac"
TEMPLATE = "cdk.out/OrdersDbStack.template.json"

# fixture -> (exit code, findings, not-evaluated warnings), paths relative to the fixture's folder
EXPECTED: dict[str, tuple[int, set[tuple[str, str, int]], set[tuple[str, str, int]]]] = {
    "terraform/plain-bad": (1, {
        ("AG501", "main.tf", 10),   # IAM authentication not set: the resource block
        ("AG506", "main.tf", 16),   # storage_encrypted = false
        ("AG502", "main.tf", 27),   # publicly_accessible = true
        ("AG503", "main.tf", 32),   # subnet_ids: public_a routes to the internet gateway
        ("AG504", "main.tf", 40),   # the office range (an aws_security_group_rule) lands on the group's ingress
        ("AG505", "main.tf", 40),   # ingress { cidr_blocks = ["0.0.0.0/0"] }
        ("AG507", "main.tf", 118),  # max_session_duration = 43200
        ("AG508", "main.tf", 132),  # the role policy's policy = data.aws_iam_policy_document...json (dbuser:*/*)
        ("AG509", "main.tf", 135),  # a secret without rotation
    }, set()),
    "terraform/plain-good": (0, set(), set()),
    "terraform/aurora-module": (1, {
        ("AG502", "infra/main.tf", 41),    # instances.two.publicly_accessible: the module input's line
        ("AG505", "infra/main.tf", 53),    # security_group_rules.analysts: 0.0.0.0/0
        ("AG501", "infra/main.tf", 63),    # iam_database_authentication_enabled = var.iam_auth (false in tfvars)
        ("AG511", "infra/main.tf", 79),    # webserver_access_mode = "PUBLIC_ONLY"
        ("AG508", "infra/main.tf", 116),   # rds-db:connect on dbuser:*/airflow
        # the connections in airflow/.env reach the cluster the module defines (writer and reader endpoints)
        ("AG601", "airflow/.env", 3), ("AG603", "airflow/.env", 3), ("AG605", "airflow/.env", 3),
        ("AG601", "airflow/.env", 4), ("AG603", "airflow/.env", 4), ("AG605", "airflow/.env", 4),
    }, {
        ("AG504", "infra/main.tf", 53),    # the other rule's CIDRs are module.vpc.private_subnets_cidr_blocks
        ("AG512", "infra/main.tf", 81),    # subnet_ids = slice(module.vpc.private_subnets, 0, 2)
        ("AG604", "airflow/.env", 3),      # db_subnet_group_name = module.vpc.database_subnet_group_name
        ("AG604", "airflow/.env", 4),
    }),
    "cloudformation/aurora-bad.yaml": (1, {
        ("AG504", "aurora-bad.yaml", 21), ("AG505", "aurora-bad.yaml", 21),  # SecurityGroupIngress + OfficeIngress
        ("AG506", "aurora-bad.yaml", 41),  # StorageEncrypted: false
        ("AG502", "aurora-bad.yaml", 52),  # PubliclyAccessible: true
    }, {("AG501", "aurora-bad.yaml", 42)}),  # EnableIAMDatabaseAuthentication: !If [IamOn, true, false]
    "cloudformation/aurora-good.yaml": (0, set(), set()),
    "plan": (1, {
        ("AG507", "plan.json", 352),  # "max_session_duration": 43200
        ("AG508", "plan.json", 391),  # "policy": "...dbuser:*/*..."
        ("AG501", "plan.json", 432),  # "iam_database_authentication_enabled": false
        ("AG502", "plan.json", 558),  # aws_rds_cluster_instance.orders[1] "publicly_accessible": true
        ("AG505", "plan.json", 623),  # "ingress": [... "0.0.0.0/0" ...]
    }, {("AG503", "plan.json", 304)}),  # existing subnets by id: their routes are not in the plan
    "cdk": (1, {
        ("AG503", TEMPLATE, 221),  # SubnetIds: the public subnets (vpcSubnets: PUBLIC)
        ("AG505", TEMPLATE, 245),  # allowDefaultPortFromAnyIpv4 (the port is Endpoint.Port: unknown, not needed)
        ("AG509", TEMPLATE, 272),  # the generated master secret, no rotation
        ("AG501", TEMPLATE, 314),  # no EnableIAMDatabaseAuthentication: the cluster's logical id
        ("AG502", TEMPLATE, 368), ("AG502", TEMPLATE, 393),  # writer and reader PubliclyAccessible: true
    }, set()),
}


def _relative(path: str, base: str) -> str:
    prefix = base + "/"
    assert path.startswith(prefix), path
    return path[len(prefix):]


def _scan(target: Path, *extra: str) -> tuple[int, dict]:
    run = run_process("scan", target.relative_to(REPO).as_posix(), "--format", "json", *extra)
    assert run.stderr == "" or "Traceback" not in run.stderr
    return run.exit_code, json.loads(run.stdout)


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_findings_and_warnings_land_on_the_iac_lines(fixture: str) -> None:
    code, report = _scan(IAC / fixture)
    base = (IAC / fixture).relative_to(REPO).as_posix()
    base = base.rsplit("/", 1)[0] if base.endswith((".yaml", ".json")) else base
    findings = {(f["rule_id"], _relative(f["location"]["path"], base), f["location"]["start_line"])
                for f in report["findings"]}
    warnings = {(e["rule_id"], _relative(e["path"], base), e["line"]) for e in report["errors"]}
    assert {e["kind"] for e in report["errors"]} <= {"not-evaluated"}
    assert {e["level"] for e in report["errors"]} <= {"warning"}
    assert (code, findings, warnings) == EXPECTED[fixture]


def test_a_cached_scan_gives_the_same_report() -> None:
    # the Terraform file records are cached per file; the directory is assembled again from them
    first, second = (_scan(IAC / "terraform" / "aurora-module") for _ in range(2))
    assert first[0] == second[0] and len(first[1]["findings"]) == 11
    assert (first[1]["findings"], first[1]["errors"]) == (second[1]["findings"], second[1]["errors"])


def test_iac_resources_fit_the_registry_and_no_file_record_reaches_the_graph() -> None:
    ctx = ScanContext(root=REPO)
    resources = collect_files(ctx, [IAC], jobs=1)
    for finish in ctx.finishers:   # the file cache written (as `run_scan` does once the rules have run)
        finish()
    types = {r.type for r in resources}
    assert "iac.terraform.file" not in types
    assert {"aws.rds.cluster", "aws.rds.instance", "aws.rds.subnet_group", "aws.ec2.security_group",
            "aws.ec2.subnet", "aws.ec2.route_table", "aws.iam.role", "aws.secretsmanager.secret",
            "aws.mwaa.environment", "airflow.connection"} <= types
    assert {r.id: attribute_problems(r) for r in resources if attribute_problems(r)} == {}


def test_a_plan_shows_secrets_in_clear_and_airguard_never_does(tmp_path: Path) -> None:
    # `terraform show -json` prints one line: every finding's snippet is that line
    plan = json.loads((IAC / "plan" / "plan.json").read_text())
    (tmp_path / "plan.json").write_text(json.dumps(plan, separators=(",", ":")))
    shutil.copytree(IAC / "terraform" / "plain-bad", tmp_path / "tf")
    for output in ("json", "sarif", "text"):
        run = run_process("scan", ".", "--format", output, "--no-cache", cwd=tmp_path)
        assert run.exit_code == 1
        for secret in ("Pl4nMasterPassw0rd-orders", "Sup3rSecretPassw0rdForOrders"):
            assert secret not in run.stdout + run.stderr


def test_the_plan_registers_its_sensitive_values_with_the_redactor() -> None:
    from scanner.collect.iac import collect_structured
    from scanner.source import SourceFile

    path = IAC / "plan" / "plan.json"
    ctx = ScanContext(root=path.parent)
    collect_structured(ctx, SourceFile(path="plan.json", absolute=path, text=path.read_text()), "json")
    assert ctx.redactor.scrub("pw=Pl4nMasterPassw0rd-orders") != "pw=Pl4nMasterPassw0rd-orders"


def test_mwaa_subnets_from_a_module_output_are_a_warning_not_a_pass() -> None:
    code, report = _scan(FIXTURES / "realistic" / "mwaa-finance")
    assert code == 1  # its literal SES credentials
    assert [(e["kind"], e["rule_id"], e["path"], e["line"]) for e in report["errors"]] == [
        ("not-evaluated", "AG512", "fixtures/realistic/mwaa-finance/infra/mwaa.tf", 23)]


def test_one_staged_file_gives_warnings_where_the_other_files_would_decide() -> None:
    # pre-commit passes only the staged main.tf: variables.tf and terraform.tfvars are not read
    code, report = _scan(IAC / "terraform" / "plain-bad" / "main.tf")
    base = "fixtures/iac/terraform/plain-bad"
    findings = {(f["rule_id"], _relative(f["location"]["path"], base), f["location"]["start_line"])
                for f in report["findings"]}
    warnings = {(e["rule_id"], _relative(e["path"], base), e["line"]) for e in report["errors"]}
    full = EXPECTED["terraform/plain-bad"][1]
    # var.office_cidr and var.region are unknown: the office rule's range and the policy's ARN
    assert (code, warnings) == (1, {("AG504", "main.tf", 40), ("AG508", "main.tf", 132)})
    assert findings == full - {("AG504", "main.tf", 40), ("AG508", "main.tf", 132)}


USERS_TF = """\
resource "aws_iam_user" "etl" {
  name = "legacy-etl"
}

resource "aws_iam_user_policy" "any" {
  user   = aws_iam_user.etl.name
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "rds-db:connect", Resource = "*" }] })
}

resource "aws_iam_policy" "wildcard" {
  name   = "rds-wildcard"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "rds-db:*", Resource = "arn:aws:rds-db:*:*:dbuser:*/*" }] })
}

resource "aws_iam_user" "analyst" {
  name = "analyst"
}

resource "aws_iam_user_policy_attachment" "analyst" {
  user       = aws_iam_user.analyst.name
  policy_arn = aws_iam_policy.wildcard.arn
}

resource "aws_iam_user" "reports" {
  name = "reports"
}

resource "aws_iam_user_policy" "one" {
  user   = aws_iam_user.reports.name
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "rds-db:connect", Resource = "arn:aws:rds-db:eu-west-1:1:dbuser:c/reports" }] })
}

resource "aws_iam_user_policy_attachment" "managed" {
  user       = aws_iam_user.reports.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
"""


def test_terraform_iam_users_and_their_policies_are_scanned(tmp_path: Path) -> None:
    # aws_iam_user with an inline aws_iam_user_policy, and with an aws_iam_policy of the stack attached: the
    # finding lands on the policy document's line; a named db user and an AWS managed policy give none
    (tmp_path / "main.tf").write_text(USERS_TF)
    run = run_process("scan", str(tmp_path), "--select", "AG517", "--format", "json")
    report = json.loads(run.stdout)
    findings = {(f["rule_id"], Path(f["location"]["path"]).name, f["location"]["start_line"], f["message"])
                for f in report["findings"]}
    assert run.exit_code == 1 and report["errors"] == []
    assert {(rule, path, line) for rule, path, line, _ in findings} == {("AG517", "main.tf", 7),
                                                                        ("AG517", "main.tf", 12)}
    assert sorted(message.split("'")[1] for *_, message in findings) == ["analyst", "legacy-etl"]
