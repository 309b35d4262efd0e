"""IaC collectors: bounded HCL parsing, Terraform directories, CloudFormation templates -> registry resources."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scanner.collect.iac import assemble, collect_structured, collect_terraform, hcl
from scanner.context import ScanContext
from scanner.doctree import DocumentError
from scanner.source import SourceFile

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "iac"


def _terraform(root: Path) -> tuple[ScanContext, dict[str, object]]:
    ctx = ScanContext(root=root)
    records = []
    for path in sorted(root.rglob("*")):
        if path.suffix in (".tf", ".tfvars"):
            relative = path.relative_to(root).as_posix()
            records += collect_terraform(ctx, SourceFile(path=relative, absolute=path, text=path.read_text()))
    return ctx, {r.id: r for r in assemble(ctx, records)}


def test_terraform_directory_resolves_variables_locals_and_relations() -> None:
    ctx, resources = _terraform(FIXTURES / "terraform")
    cluster = resources["aws.rds.cluster:plain-bad:aws_rds_cluster.orders"]
    assert cluster.name == "orders-prod"  # local.name from var.environment in terraform.tfvars
    assert cluster.attributes["storage_encrypted"] is False
    assert cluster.attributes["iam_database_authentication_enabled"] is False
    assert cluster.attributes["arn"] == "arn:aws:rds:eu-west-1::cluster:orders-prod"  # provider region var
    assert cluster.source.file is not None and (cluster.source.file.path, cluster.source.file.start_line) == \
        ("plain-bad/main.tf", 10)
    assert cluster.locations["storage_encrypted"].start_line == 16
    links = {(link["relation"], link["target_name"]) for link in cluster.attributes["_links"]}
    assert links == {("members", "aws_rds_cluster_instance.writer"), ("security_groups", "aws_security_group.db"),
                     ("subnet_group", "aws_db_subnet_group.orders")}
    group = resources["aws.ec2.security_group:plain-bad:aws_security_group.db"]
    assert [(r["cidr_ipv4"], r["open_to_world"]) for r in group.attributes["ingress"]] == \
        [("0.0.0.0/0", True), ("192.168.10.0/24", False)]  # inline block + aws_security_group_rule
    public = resources["aws.ec2.subnet:plain-bad:aws_subnet.public_a"]
    private = resources["aws.ec2.subnet:plain-bad:aws_subnet.private_b"]
    assert (public.attributes["public"], private.attributes["public"]) == (True, False)
    role = resources["aws.iam.role:plain-bad:aws_iam_role.airflow_worker"]
    assert role.attributes["max_session_duration"] == 43200
    assert role.attributes["statements"][0]["resources"] == ["arn:aws:rds-db:eu-west-1:123456789012:dbuser:*/*"]
    instance = resources["aws.rds.instance:plain-bad:aws_rds_cluster_instance.writer"]
    assert instance.attributes["publicly_accessible"] is True and instance.attributes["_unknown"] == ["engine"]
    assert not [n for n in ctx.notices if n.level == "error"]


def test_secret_attributes_never_reach_the_record() -> None:
    ctx, resources = _terraform(FIXTURES / "terraform")
    assert "Sup3rSecretPassw0rdForOrders" not in repr(resources)
    assert ctx.redactor.scrub("x Sup3rSecretPassw0rdForOrders") != "x Sup3rSecretPassw0rdForOrders"


def test_cloudformation_short_tags_parameters_and_conditions() -> None:
    path = FIXTURES / "cloudformation" / "aurora-bad.yaml"
    ctx = ScanContext(root=path.parent)
    found = {r.name: r for r in collect_structured(ctx, SourceFile(path=path.name, absolute=path,
                                                                   text=path.read_text()), "yaml")}
    cluster = found["orders-prod"]  # !Sub with a parameter default
    assert cluster.attributes["_unknown"] == ["iam_database_authentication_enabled"]  # !If: a condition
    assert cluster.source.file is not None and cluster.source.file.start_line == 33
    group = found["DbSecurityGroup"]
    assert sorted(r["cidr_ipv4"] for r in group.attributes["ingress"]) == ["0.0.0.0/0", "10.20.0.0/16"]
    assert found["orders-prod-1"].attributes["publicly_accessible"] is True  # !Join of !Sub


@pytest.mark.parametrize("text", [
    "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "b {\n" * 50_000 + "}\n" * 50_000,
    "a = <<EOF\n" + " \n" * 500_000,
    "a = 1 /* " * 100_000,
    'a = "' + "${" * 100_000 + "x" + "}" * 100_000 + '"\n',
    "a = 1" + " + 1" * 200_000 + "\n",
    "\x00\xff{{[[((\"\"" * 100_000,
])
def test_hostile_hcl_is_one_error_in_bounded_time(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(DocumentError) as raised:
        hcl.parse(text)
    assert time.perf_counter() - started < 10
    assert raised.value.line is not None and "invalid HCL" in raised.value.message


def test_garbled_terraform_file_is_one_notice(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_rds_cluster" "x" {\n  engine = "aurora-postgresql"\n  = = \n')
    ctx, resources = _terraform(tmp_path)
    assert resources == {}
    assert [(n.kind, n.path, n.line) for n in ctx.notices] == [("parse-error", "main.tf", 3)]


def test_cloudformation_alias_bomb_is_one_notice(tmp_path: Path) -> None:
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:", "  a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        lines.append(f"  l{level}: &l{level} [" + ", ".join([f"*{'a' if level == 1 else f'l{level - 1}'}"] * 10) + "]")
    text = "\n".join(lines) + "\n"
    ctx = ScanContext(root=tmp_path)
    found = collect_structured(ctx, SourceFile(path="t.yaml", absolute=tmp_path / "t.yaml", text=text), "yaml")
    assert found == []
    assert [(n.kind, n.path) for n in ctx.notices] == [("parse-error", "t.yaml")]
    assert "alias bomb" in ctx.notices[0].message
