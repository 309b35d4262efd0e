"""The condition language: boolean combinators, quantifiers over relations and items, boolean tests and their
missing-value behaviour, the old forms refused at load time, and the AWS additions (incoming relations, per-item
scoping, CIDR and wildcard tests)."""

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
                  "some": {"key": "$type", "op": "in", "value": ["aws.rds.cluster", "aws.rds.instance"]}}


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
        compile_condition({"relation": "x", "direction": "sideways", "some": {"key": "a", "op": "exists"}})


STATEMENT_TOO_BROAD = {"items": "statements", "some": {"all": [
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
    assert _holds({"items": "access_keys", "some": old_active}, keys, params={"max": 90}) is True
    assert _holds({"items": "access_keys", "some": old_active}, keys, params={"max": 180}) is False
    assert _holds({"items": "access_keys", "none": old_active}, keys, params={"max": 180}) is True
    assert _holds({"items": "access_keys", "every": {"key": "age_days", "op": "gt", "value": 100}}, keys) is True
    assert _holds({"items": "access_keys", "every": {"key": "age_days", "op": "gt", "value": 200}}, keys) is False
    assert _holds({"items": "missing", "every": {"key": "x", "op": "is", "value": True}}, keys) is True
    assert _holds({"items": "missing", "none": {"key": "x", "op": "is", "value": True}}, keys) is True
    assert _holds({"items": "missing", "some": {"key": "x", "op": "is", "value": True}}, keys) is False
    assert _holds({"items": "tags_list", "some": {"key": "value", "op": "equals", "value": "b"}}, keys) is True
    assert _holds({"items": "access_keys", "some": {"key": "$name", "op": "equals", "value": "u"}}, keys) is True


def test_all_and_any_are_only_and_or() -> None:
    resource = Resource(id="x", type="aws.rds.cluster", name="x", attributes={"a": 1, "b": 2})
    one, other, wrong = ({"key": "a", "op": "equals", "value": 1}, {"key": "b", "op": "equals", "value": 2},
                         {"key": "b", "op": "equals", "value": 3})
    assert _holds({"all": [one, other]}, resource) is True
    assert _holds({"all": [one, wrong]}, resource) is False
    assert _holds({"any": [wrong, one]}, resource) is True
    assert _holds({"any": [wrong]}, resource) is False
    assert _holds({"not": wrong}, resource) is True


def test_relation_quantifiers_some_every_none() -> None:
    graph = ResourceGraph()
    graph.add_all([Resource(id="g", type="aws.rds.subnet_group", name="g", attributes={}),
                   Resource(id="s1", type="aws.ec2.subnet", name="s1", attributes={"public": True}),
                   Resource(id="s2", type="aws.ec2.subnet", name="s2", attributes={"public": False}),
                   Resource(id="lone", type="aws.rds.subnet_group", name="lone", attributes={})])
    graph.relate("g", "subnets", "s1")
    graph.relate("g", "subnets", "s2")
    group, lone = graph.get("g"), graph.get("lone")
    public = {"key": "public", "op": "is", "value": True}
    assert [_holds({"relation": "subnets", q: public}, group, graph) for q in ("some", "every", "none")] == [
        True, False, False]
    # over no targets: some is false, every and none are true
    assert [_holds({"relation": "subnets", q: public}, lone, graph) for q in ("some", "every", "none")] == [
        False, True, True]
    with pytest.raises(ConditionError, match="needs some, every, none or count"):
        compile_condition({"relation": "subnets"})


@pytest.mark.parametrize(("attributes", "is_true", "is_false"), [
    ({"flag": True}, True, False),
    ({"flag": False}, False, True),
    ({}, False, False),                 # missing is neither true nor false
    ({"flag": None}, False, False),     # null: neither
    ({"flag": 1}, False, False),        # a number is no boolean
    ({"flag": "true"}, False, False),   # nor is text
    ({"flag": [True]}, False, False),
])
def test_is_tests_a_boolean_and_missing_is_neither(attributes: dict[str, Any], is_true: bool, is_false: bool) -> None:
    resource = Resource(id="x", type="aws.rds.cluster", name="x", attributes=attributes)
    assert _holds({"key": "flag", "op": "is", "value": True}, resource) is is_true
    assert _holds({"key": "flag", "op": "is", "value": False}, resource) is is_false
    assert _holds({"key": "flag", "op": "is_not", "value": True}, resource) is (not is_true)
    assert _holds({"key": "flag", "op": "is_not", "value": False}, resource) is (not is_false)


@pytest.mark.parametrize(("op", "value", "on_missing"), [
    ("equals", "x", False), ("not_equals", "x", True), ("in", ["x"], False), ("not_in", ["x"], True),
    ("exists", None, False), ("absent", None, True), ("empty", None, True), ("not_empty", None, False),
    ("matches", "x", False), ("not_matches", "x", True), ("gt", 1, False), ("lte", 1, False),
    ("contains", "x", False), ("not_contains", "x", True), ("is", True, False), ("is_not", True, True),
])
def test_missing_value_behaviour_per_operator(op: str, value: Any, on_missing: bool) -> None:
    # the table the README documents: a positive operator is false on a missing attribute, its negation true
    resource = Resource(id="x", type="aws.rds.cluster", name="x", attributes={})
    condition = {"key": "flag", "op": op} | ({} if value is None else {"value": value})
    assert _holds(condition, resource) is on_missing


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
      some: {key: $type, op: equals, value: aws.rds.cluster}
    - items: ingress
      some: {key: cidr_ipv4, op: not_cidr_in, value: [10.0.0.0/8]}
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
    ("items: ingress\n      some:", "items: ingress\n      each:"),
    ("op: not_cidr_in", "op: cidr_within"),
])
def test_bad_new_condition_forms_name_file_and_line(run_cli, tmp_path, change) -> None:
    # nested condition errors are reported at the condition's line (the loader's oneOf reporting)
    expected = "r/rule.yaml:8: /condition: not a valid condition"
    result = run_cli("rules", "--rules", _write_rule(tmp_path / "r", USER_SG_RULE.replace(*change)), cwd=tmp_path)
    assert result.exit_code == 2
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("change", "line", "expected"), [
    (("direction: incoming\n      some:", "direction: incoming\n      any:"), 11,
     ("/condition/all/0/any: 'any:' beside 'relation:' is a quantifier in the old rule language; write 'some:' "
      "({relation: security_groups, some: ...})")),
    (("items: ingress\n      some:", "items: ingress\n      all:"), 13,
     ("/condition/all/1/all: 'all:' beside 'items:' is a quantifier in the old rule language; write 'every:' "
      "({items: ingress, every: ...})")),
    (("{key: cidr_ipv4, op: not_cidr_in, value: [10.0.0.0/8]}", "{key: open_to_world, op: truthy}"), 13,
     "/condition/all/1/some/op: op 'truthy' is gone: for a boolean write 'op: is, value: true'"),
    (("{key: cidr_ipv4, op: not_cidr_in, value: [10.0.0.0/8]}", "{key: open_to_world, op: falsy}"), 13,
     "/condition/all/1/some/op: op 'falsy' is gone: for a boolean write 'op: is_not, value: true'"),
    (("{key: cidr_ipv4, op: not_cidr_in, value: [10.0.0.0/8]}", "{key: open_to_world, op: equals, value: true}"), 13,
     "/condition/all/1/some/op: a boolean is tested with 'op: is, value: true'"),
])
def test_old_forms_are_refused_naming_file_line_and_the_new_form(run_cli, tmp_path, change, line, expected) -> None:
    assert change[0] in USER_SG_RULE
    result = run_cli("rules", "--rules", _write_rule(tmp_path / "r", USER_SG_RULE.replace(*change)), cwd=tmp_path)
    assert result.exit_code == 2
    assert f"r/rule.yaml:{line}: {expected}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_is_takes_only_a_boolean(run_cli, tmp_path) -> None:
    text = USER_SG_RULE.replace("{key: cidr_ipv4, op: not_cidr_in, value: [10.0.0.0/8]}",
                                "{key: open_to_world, op: is, value: \"true\"}")
    result = run_cli("rules", "--rules", _write_rule(tmp_path / "r", text), cwd=tmp_path)
    assert result.exit_code == 2
    assert "r/rule.yaml:8: /condition: not a valid condition" in result.stderr, result.stderr


def test_message_template_fallback_words_stand_for_an_absent_or_null_attribute() -> None:
    from scanner.engine.conditions import render

    template = "DB '{name}' ({endpoint|its endpoint, once created,} is public; port {port}, zone {zone|?})"
    known = Resource(id="c:a", type="aws.rds.cluster", name="a", attributes={"endpoint": "a.example", "port": 5432})
    planned = Resource(id="c:b", type="aws.rds.cluster", name="b", attributes={"endpoint": None})
    assert render(template, known, {}) == "DB 'a' (a.example is public; port 5432, zone ?)"
    assert render(template, planned, {}) == "DB 'b' (its endpoint, once created, is public; port (none), zone ?)"
