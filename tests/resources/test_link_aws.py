"""Connections linked to the AWS resources behind their hosts, the rules across that link, findings on
AWS resources pointing at the connections that depend on them, and not-evaluated notices per rule."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from scanner.aws.snapshot import parse_snapshot
from scanner.config import Config
from scanner.scan import AwsInput, run_scan
from tests.conftest import DATA, FIXTURES, findings_of

SNAPSHOT = FIXTURES / "aws" / "snapshot-v1.json"
SECRET = "Linked-Planted-Pw-61"

# A rule of the test's own on AWS resources, so the location logic is tested apart from the built-in rules.
CLUSTER_RULE = """\
id: TST901
name: test-cluster-without-iam
title: test rule
severity: high
confidence: high
resource: aws.rds.cluster
condition: {key: iam_database_authentication_enabled, op: is, value: false}
message: "cluster {name} without IAM auth"
docs: {what: a test rule, why: to test locations, fix: nothing to fix}
tests:
  fail: [{attributes: {iam_database_authentication_enabled: false}}]
  pass: [{attributes: {iam_database_authentication_enabled: true}}]
"""
TRAIL_RULE = CLUSTER_RULE.replace("TST901", "TST902").replace("test-cluster-without-iam", "test-trail") \
    .replace("aws.rds.cluster", "aws.cloudtrail.trail")


def _resource(snapshot: dict, resource_type: str, name: str) -> dict:
    for unit in snapshot["units"]:
        for resource in unit["resources"]:
            if resource["type"] == resource_type and resource["name"] == name:
                return resource
    raise AssertionError(f"{resource_type} {name} not in the snapshot")


@pytest.fixture
def account(tmp_path: Path) -> dict:
    """The bundled snapshot with one subnet of the DB subnet group made public, and a .env whose
    connections point at its endpoints."""
    snapshot = json.loads(SNAPSHOT.read_text())
    _resource(snapshot, "aws.ec2.subnet", "subnet-077cc68b6f57aa35f")["attributes"]["public"] = True
    (tmp_path / "aws").mkdir()
    (tmp_path / "aws" / "snapshot.json").write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n")
    orders = _resource(snapshot, "aws.rds.cluster", "orders")["attributes"]
    legacy = _resource(snapshot, "aws.rds.cluster", "legacy")["attributes"]
    instance = _resource(snapshot, "aws.rds.instance", "orders-1")["attributes"]
    proxy = _resource(snapshot, "aws.rds.proxy", "orders-proxy")["attributes"]
    role = _resource(snapshot, "aws.iam.role", "airflow-worker")["attributes"]
    lines = [
        # 1: IAM token to a cluster with IAM auth off -> AG601
        (f'AIRFLOW_CONN_LEGACY=\'{{"conn_type": "postgres", "host": "{legacy["endpoint"].upper()}.", '
        f'"login": "etl", "extra": {{"iam": true, "sslmode": "verify-full"}}}}\''),
        # 2: password to the IAM-enabled cluster's reader endpoint -> AG602 (+ AG101, AG102)
        f"AIRFLOW_CONN_ORDERS_PW=postgres://etl:{SECRET}@{orders['reader_endpoint']}:5432/orders?sslmode=verify-full",
        # 3: IAM through the proxy -> clean on IAM; the proxy's subnets are public
        (f'AIRFLOW_CONN_ORDERS_PROXY=\'{{"conn_type": "postgres", "host": "{proxy["endpoint"]}", '
        f'"login": "etl", "extra": {{"iam": true, "sslmode": "verify-full"}}}}\''),
        # 4: the public instance's own endpoint
        (f'AIRFLOW_CONN_ORDERS_1=\'{{"conn_type": "postgres", "host": "{instance["endpoint_address"]}", '
        f'"login": "etl", "extra": {{"iam": true, "sslmode": "verify-full"}}}}\''),
        # 5: an AWS connection assuming the worker role
        f'AIRFLOW_CONN_AWS_DEFAULT=\'{{"conn_type": "aws", "extra": {{"role_arn": "{role["arn"]}"}}}}\'',
        # 6: a host the account does not have
        'AIRFLOW_CONN_ELSEWHERE=\'{"conn_type": "postgres", "host": "db.example.com", "extra": {"iam": true}}\'',
    ]
    (tmp_path / "conns.env").write_text("\n".join(lines) + "\n")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "TST901.yaml").write_text(CLUSTER_RULE)
    (rules / "TST902.yaml").write_text(TRAIL_RULE)
    return {"root": tmp_path, "snapshot": tmp_path / "aws" / "snapshot.json", "rules": rules}


def _aws(account: dict, *, with_file: bool = True) -> AwsInput:
    """The account's snapshot as a scan reads it (optionally without its file: as if collected live)."""
    text = account["snapshot"].read_text()
    snapshot = parse_snapshot(text, "snapshot.json")
    return AwsInput(snapshot, file=account["snapshot"], text=text) if with_file else AwsInput(snapshot)


def _scan(account: dict, *paths: Path):
    return run_scan(list(paths), Config(), account["root"], [account["rules"]], aws=_aws(account))


def _names(graph, resource, relation: str) -> list[str]:
    return sorted(f"{t.type}:{t.name}" for t in graph.follow(resource, relation))


def test_hosts_link_to_endpoints_databases_and_roles(account: dict) -> None:
    result = _scan(account, account["root"] / "conns.env")
    graph = result.graph
    connections = {c.name: c for c in graph.of_type("airflow.connection")}
    expected = {
        "legacy": (["aws.rds.cluster:legacy"], ["aws.rds.cluster:legacy"]),  # upper case + trailing dot
        "orders_pw": (["aws.rds.cluster:orders"], ["aws.rds.cluster:orders"]),  # reader endpoint
        "orders_proxy": (["aws.rds.proxy:orders-proxy"], ["aws.rds.cluster:orders"]),  # proxy -> targets
        "orders_1": (["aws.rds.instance:orders-1"], ["aws.rds.cluster:orders"]),  # instance -> its cluster
        "aws_default": ([], []),
        "elsewhere": ([], []),
    }
    for name, (endpoint, database) in expected.items():
        assert _names(graph, connections[name], "aws_endpoint") == endpoint, name
        assert _names(graph, connections[name], "aws_database") == database, name
    assert _names(graph, connections["aws_default"], "aws_role") == ["aws.iam.role:airflow-worker"]
    # what depends on what: the cluster's security group and subnets point back at the connections
    group = next(r for r in graph.of_type("aws.ec2.security_group") if r.name == "sg-3d4504b534894c6d1")
    assert sorted(c.name for c in graph.follow(group, "referenced_by_connection")) == \
        ["legacy", "orders_1", "orders_proxy", "orders_pw"]
    subnet = next(r for r in graph.of_type("aws.ec2.subnet") if r.name == "subnet-077cc68b6f57aa35f")
    assert sorted(c.name for c in graph.follow(subnet, "referenced_by_connection")) == \
        ["legacy", "orders_1", "orders_proxy", "orders_pw"]


def test_rules_across_the_link(account: dict) -> None:
    result = _scan(account, account["root"] / "conns.env")
    found = {(f.rule_id, f.resource_name, f.location.start_line if f.location else None)
             for f in result.findings if f.rule_id.startswith("AG6")}
    assert found == {
        ("AG601", "legacy", 1),
        ("AG602", "orders_pw", 2),
        # orders-1 (a member of orders) is public; legacy has no public member
        ("AG603", "orders_pw", 2), ("AG603", "orders_proxy", 3), ("AG603", "orders_1", 4),
        # the DB subnet group (and the proxy's subnets) hold subnet-077cc68b6f57aa35f, public in this account
        ("AG604", "legacy", 1), ("AG604", "orders_pw", 2), ("AG604", "orders_proxy", 3), ("AG604", "orders_1", 4),
        # every database here sits behind sg-3d4504b534894c6d1, which admits 0.0.0.0/0
        ("AG605", "legacy", 1), ("AG605", "orders_pw", 2), ("AG605", "orders_proxy", 3), ("AG605", "orders_1", 4),
    }


def test_allowed_cidrs_parameter_silences_the_range(account: dict) -> None:
    config = Config(rule_parameters={"AG605": {"allowed_cidrs": ["0.0.0.0/0", "::/0"]}})
    result = run_scan([account["root"] / "conns.env"], config, account["root"], aws=_aws(account))
    assert not [f for f in result.findings if f.rule_id == "AG605"]


def test_aws_finding_points_at_the_connection_then_the_snapshot_line(account: dict) -> None:
    root = account["root"]
    linked = _scan(account, root / "conns.env")
    legacy = next(f for f in linked.findings if f.rule_id == "TST901")
    assert legacy.resource_name == "legacy"
    assert (legacy.location.path, legacy.location.start_line) == ("conns.env", 1)
    assert legacy.aws is not None and legacy.aws.arn.endswith(":cluster:legacy")
    # the same cluster with no connection in the scan: its line in the snapshot file of the repository
    alone = _scan(account)
    finding = next(f for f in alone.findings if f.rule_id == "TST901")
    line = account["snapshot"].read_text().splitlines()[finding.location.start_line - 1]
    assert finding.location.path == "aws/snapshot.json"
    assert line.strip() == f'"id": "{finding.resource_id}",'
    # same fingerprint either way: the alert follows the cluster, not the file that mentions it
    assert finding.fingerprint == legacy.fingerprint


def test_not_evaluated_per_rule_and_sarif_for_file_less_findings(account: dict, tmp_path: Path) -> None:
    from scanner.report import ReportOptions, renderer

    result = _scan(account)
    per_rule = [n for n in result.notices if n.kind == "not-evaluated" and n.rule_id and n.rule_id.startswith("TST")]
    assert [(n.rule_id, n.level) for n in per_rule] == [("TST902", "error")]
    assert "cloudtrail in account 123456789012, region eu-west-1" in per_rule[0].message
    assert "cloudtrail:DescribeTrails (denied)" in per_rule[0].message
    assert result.partial

    # no snapshot file in the repository and no connection: a placeholder path, never a URI scheme
    live = run_scan([], Config(), tmp_path / "elsewhere", [account["rules"]], aws=_aws(account, with_file=False))
    sarif = json.loads(renderer("sarif")(live, ReportOptions(fail_on="low")))
    jsonschema.validate(sarif, json.loads((DATA / "sarif-schema-2.1.0.json").read_text()))
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "TST901"]
    assert len(results) == 1
    location = results[0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "aws/123456789012/eu-west-1/rds.cluster/legacy"
    assert location["logicalLocations"][0]["fullyQualifiedName"].endswith(":cluster:legacy")
    for every in sarif["runs"][0]["results"]:
        uri = every["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri and ":" not in uri
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(n.get("associatedRule", {}).get("id") == "TST902" for n in notes)


def test_no_secret_in_any_output(account: dict) -> None:
    from scanner.report import ReportOptions, renderer

    result = _scan(account, account["root"] / "conns.env")
    for name in ("text", "json", "sarif", "markdown"):
        assert SECRET not in renderer(name)(result, ReportOptions(fail_on="low")), name
    assert findings_of(json.loads(renderer("json")(result, ReportOptions(fail_on="low"))))


def test_rules_over_services_left_out_are_reported_not_evaluated(account: dict, run_cli) -> None:
    snapshot = json.loads(account["snapshot"].read_text())
    snapshot["units"] = [u for u in snapshot["units"] if u["unit"]["service"] != "cloudtrail"]
    snapshot["services"] = sorted({u["unit"]["service"] for u in snapshot["units"]})
    (account["root"] / "aws" / "snapshot.json").write_text(json.dumps(snapshot, indent=1, sort_keys=True))
    result = run_cli("scan", "--aws-snapshot", "aws/snapshot.json", "--rules", "rules", "--select", "TST9",
                     "-f", "json", cwd=account["root"])
    report = result.json()
    assert [(e["rule_id"], e["level"]) for e in report["errors"] if e["kind"] == "not-evaluated"] == \
        [("TST902", "warning")]
    assert "cloudtrail not collected" in report["errors"][0]["message"]
    assert result.exit_code == 1  # TST901 fires on the legacy cluster; the left-out service is a warning


def test_config_names_the_snapshot_for_every_scan(account: dict, run_cli) -> None:
    (account["root"] / ".airguard.toml").write_text('aws-snapshot = "aws/snapshot.json"\n')
    report = run_cli("scan", "conns.env", "-f", "json", cwd=account["root"]).json()
    assert ("AG601", "conns.env", 1) in findings_of(report)
    assert any(f["rule_id"] == "AG505" and f["location"]["path"] == "conns.env" for f in report["findings"])
    # a flag wins over the file
    (account["root"] / "other.json").write_text("{}")
    result = run_cli("scan", "conns.env", "--aws-snapshot", "other.json", cwd=account["root"])
    assert result.exit_code == 2 and "other.json" in result.stderr


def test_odd_attribute_shapes_in_a_snapshot_do_not_break_linking(account: dict) -> None:
    snapshot = json.loads(account["snapshot"].read_text())
    _resource(snapshot, "aws.rds.cluster", "orders")["attributes"]["custom_endpoints"] = True
    _resource(snapshot, "aws.rds.proxy", "orders-proxy")["attributes"]["endpoints"] = "x"
    account["snapshot"].write_text(json.dumps(snapshot, indent=1, sort_keys=True))
    result = _scan(account, account["root"] / "conns.env")
    assert ("AG601", "legacy") in {(f.rule_id, f.resource_name) for f in result.findings}


def test_rules_that_follow_another_service_are_not_evaluated_without_it(account: dict, run_cli) -> None:
    snapshot = json.loads(account["snapshot"].read_text())
    snapshot["units"] = [u for u in snapshot["units"] if u["unit"]["service"] == "ec2"]
    snapshot["services"] = ["ec2"]
    (account["root"] / "aws" / "snapshot.json").write_text(json.dumps(snapshot, indent=1, sort_keys=True))
    report = run_cli("scan", "--aws-snapshot", "aws/snapshot.json", "--select", "AG5", "-f", "json",
                     cwd=account["root"]).json()
    not_evaluated = {e["rule_id"] for e in report["errors"] if e["kind"] == "not-evaluated"}
    # security-group rules judge only groups attached to databases: without rds they cannot say
    assert {"AG503", "AG504", "AG505", "AG512"} <= not_evaluated
    assert not [f for f in report["findings"] if f["rule_id"] in ("AG504", "AG505")]
