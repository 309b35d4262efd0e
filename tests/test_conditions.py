"""Condition engine additions for AWS rules: incoming relations, per-item scoping, CIDR and wildcard tests."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.engine.conditions import ConditionError, EvalEnv, compile_condition
from scanner.model import Resource, ResourceGraph


def _graph() -> tuple[ResourceGraph, dict[str, Resource]]:
    graph = ResourceGraph()
    made = {
        "sg_db": Resource(id="sg:db", type="aws.ec2.security_group", name="sg-db", attributes={
            "ingress": [{"cidr_ipv4": "10.1.2.0/24", "from_port": 5432},
                        {"cidr_ipv4": None, "source_security_group_id": "sg-app", "from_port": 5432}]}),
        "sg_mwaa": Resource(id="sg:mwaa", type="aws.ec2.security_group", name="sg-mwaa", attributes={}),
        "cluster": Resource(id="c:orders", type="aws.rds.cluster", name="orders", attributes={}),
        "env": Resource(id="m:env", type="aws.mwaa.environment", name="env", attributes={}),
    }
    graph.add_all(made.values())
    graph.relate("c:orders", "security_groups", "sg:db")
    graph.relate("m:env", "security_groups", "sg:mwaa")
    return graph, made


def _holds(condition: dict[str, Any], resource: Resource, graph: ResourceGraph | None = None,
           params: dict[str, Any] | None = None) -> bool:
    return compile_condition(condition)(resource, EvalEnv(graph=graph or ResourceGraph(), params=params or {}))


ATTACHED_TO_DB = {"relation": "security_groups", "direction": "incoming",
                  "any": {"key": "$type", "op": "in", "value": ["aws.rds.cluster", "aws.rds.instance"]}}


def test_incoming_relation_follows_edges_pointing_at_the_resource() -> None:
    graph, made = _graph()
    assert _holds(ATTACHED_TO_DB, made["sg_db"], graph) is True
    assert _holds(ATTACHED_TO_DB, made["sg_mwaa"], graph) is False
    # the default direction follows the resource's own edges: a group has no security_groups edge
    outgoing = {key: value for key, value in ATTACHED_TO_DB.items() if key != "direction"}
    assert _holds(outgoing, made["sg_db"], graph) is False
    assert _holds({"relation": "security_groups", "direction": "incoming", "count": {"eq": 1}},
                  made["sg_mwaa"], graph) is True
    graph.relate("m:env", "security_groups", "sg:mwaa")   # a repeated edge is one edge, both ways
    graph.relate("c:orders", "security_groups", "sg:mwaa")
    assert [r.id for r in graph.incoming(made["sg_mwaa"], "security_groups")] == ["m:env", "c:orders"]
    assert _holds(ATTACHED_TO_DB, made["sg_mwaa"], graph) is True


def test_unknown_direction_is_a_condition_error() -> None:
    with pytest.raises(ConditionError, match="direction 'sideways'"):
        compile_condition({"relation": "x", "direction": "sideways", "any": {"key": "a", "op": "truthy"}})


STATEMENT_TOO_BROAD = {"items": "statements", "any": {"all": [
    {"key": "effect", "op": "equals", "value": "Allow"},
    {"key": "actions.*", "op": "glob_covers", "value": "rds-db:connect"},
    {"key": "resources.*", "op": "equals", "value": "*"},
]}}


def test_items_scope_keeps_both_tests_on_the_same_statement() -> None:
    split = Resource(id="r", type="aws.iam.role", name="r", attributes={"statements": [
        {"effect": "Allow", "actions": ["rds-db:connect"], "resources": ["arn:aws:rds-db:eu-west-1:1:dbuser:c/x"]},
        {"effect": "Allow", "actions": ["s3:GetObject"], "resources": ["*"]},
    ]})
    together = Resource(id="r", type="aws.iam.role", name="r", attributes={"statements": [
        {"effect": "Allow", "actions": ["s3:GetObject", "rds-db:*"], "resources": ["*"]},
    ]})
    assert _holds(STATEMENT_TOO_BROAD, split) is False
    assert _holds(STATEMENT_TOO_BROAD, together) is True
    # without items the two tests may hit different statements: exactly the false positive items avoids
    flat = {"all": [{"key": "statements.*.actions.*", "op": "glob_covers", "value": "rds-db:connect"},
                    {"key": "statements.*.resources.*", "op": "equals", "value": "*"}]}
    assert _holds(flat, split) is True


def test_items_all_none_scalars_and_params() -> None:
    keys = Resource(id="u", type="aws.iam.user", name="u", attributes={
        "access_keys": [{"status": "Active", "age_days": 120}, {"status": "Inactive", "age_days": 400}],
        "tags_list": ["a", "b"]})
    old_active = {"all": [{"key": "status", "op": "equals", "value": "Active"},
                          {"key": "age_days", "op": "gt", "value": {"param": "max"}}]}
    assert _holds({"items": "access_keys", "any": old_active}, keys, params={"max": 90}) is True
    assert _holds({"items": "access_keys", "any": old_active}, keys, params={"max": 180}) is False
    assert _holds({"items": "access_keys", "none": old_active}, keys, params={"max": 180}) is True
    assert _holds({"items": "access_keys", "all": {"key": "age_days", "op": "gt", "value": 100}}, keys) is True
    assert _holds({"items": "missing", "all": {"key": "x", "op": "truthy"}}, keys) is True
    assert _holds({"items": "missing", "any": {"key": "x", "op": "truthy"}}, keys) is False
    assert _holds({"items": "tags_list", "any": {"key": "value", "op": "equals", "value": "b"}}, keys) is True
    assert _holds({"items": "access_keys", "any": {"key": "$name", "op": "equals", "value": "u"}}, keys) is True


@pytest.mark.parametrize(("found", "allowed", "expected"), [
    ("10.1.2.0/24", ["10.0.0.0/8"], True),
    ("10.1.2.3/32", "10.1.2.0/24", True),
    ("10.1.2.3", ["10.1.2.0/24"], True),
    ("192.168.0.0/16", ["10.0.0.0/8", "172.16.0.0/12"], False),
    ("0.0.0.0/0", ["10.0.0.0/8"], False),
    ("2001:db8::/64", ["2001:db8::/32"], True),
    ("2001:db8::/64", ["0.0.0.0/0"], False),
    ("not-a-cidr", ["0.0.0.0/0"], False),
    (None, ["0.0.0.0/0"], False),
    ("10.0.0.0/8", [], False),
])
def test_cidr_in(found: Any, allowed: Any, expected: bool) -> None:
    rule = Resource(id="x", type="aws.ec2.security_group", name="x", attributes={"cidr": found})
    assert _holds({"key": "cidr", "op": "cidr_in", "value": allowed}, rule) is expected
    if found is not None:
        assert _holds({"key": "cidr", "op": "not_cidr_in", "value": allowed}, rule) is (not expected)


@pytest.mark.parametrize(("pattern", "expected"), [
    ("rds-db:connect", True), ("RDS-DB:Connect", True), ("rds-db:*", True), ("*", True), ("rds-db:conn*", True),
    ("rds-db:c?nnect", True), ("rds:*", False), ("rds-db:connectx", False), ("s3:*", False),
])
def test_glob_covers(pattern: str, expected: bool) -> None:
    statement = Resource(id="x", type="aws.iam.role", name="x", attributes={"actions": [pattern]})
    assert _holds({"key": "actions.*", "op": "glob_covers", "value": "rds-db:connect"}, statement) is expected


USER_SG_RULE = """\
id: XY501
name: db-group-from-cidr
title: Database group admits a range
severity: medium
confidence: high
resource: aws.ec2.security_group
condition:
  all:
    - relation: security_groups
      direction: incoming
      any: {key: $type, op: equals, value: aws.rds.cluster}
    - items: ingress
      any: {key: cidr_ipv4, op: not_cidr_in, value: [10.0.0.0/8]}
message: "Group {name}"
docs: {what: "Finds database groups.", why: "Ranges are broad.", fix: "Use group sources."}
tests:
  fail:
    - attributes: {ingress: [{cidr_ipv4: 192.168.1.0/24}]}
      incoming: {security_groups: [{type: aws.rds.cluster, attributes: {identifier: orders}}]}
  pass:
    - attributes: {ingress: [{cidr_ipv4: 192.168.1.0/24}]}
      relations: {security_groups: [{type: aws.rds.cluster, attributes: {identifier: orders}}]}
"""


def _write_rule(folder: Any, text: str) -> Any:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rule.yaml").write_text(text)
    return folder


def test_user_rule_with_incoming_items_and_cidr_passes_its_tests(run_cli, tmp_path) -> None:
    result = run_cli("rules", "test", "XY501", "--rules", _write_rule(tmp_path / "r", USER_SG_RULE))
    assert result.exit_code == 0, result.stdout
    assert "ok   XY501 db-group-from-cidr (2 cases)" in result.stdout


def test_an_incoming_example_is_needed_to_fail(run_cli, tmp_path) -> None:
    # the fail example attached the other way round: the rule must not fire, so its test fails
    broken = USER_SG_RULE.replace("      incoming: {security_groups:", "      relations: {security_groups:", 1)
    result = run_cli("rules", "test", "XY501", "--rules", _write_rule(tmp_path / "r", broken))
    assert result.exit_code == 1
    assert "tests.fail[0]: expected a finding, got none" in result.stdout


@pytest.mark.parametrize("change", [
    ("direction: incoming", "direction: sideways"),
    ("items: ingress\n      any:", "items: ingress\n      some:"),
    ("op: not_cidr_in", "op: cidr_within"),
])
def test_bad_new_condition_forms_name_file_and_line(run_cli, tmp_path, change) -> None:
    # nested condition errors are reported at the condition's line (the loader's oneOf reporting)
    expected = "r/rule.yaml:8: /condition: not a valid condition"
    result = run_cli("rules", "--rules", _write_rule(tmp_path / "r", USER_SG_RULE.replace(*change)), cwd=tmp_path)
    assert result.exit_code == 2
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
