"""The resource registry is the contract between collectors and rules: every resource a collector emits fits
its registered model, and every type, attribute path and relation a rule names is registered."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from scanner.aws.snapshot import load_snapshot
from scanner.config import Config
from scanner.engine.loader import load_rules
from scanner.engine.rule import Rule
from scanner.model import Resource
from scanner.resources import REGISTRY
from scanner.resources.validate import attribute_problems
from scanner.scan import run_scan
from tests.resources.rule_paths import rule_problems

REPO = Path(__file__).resolve().parents[2]
FILE_FIXTURES = ["fixtures/collectors", "fixtures/dags", "fixtures/demo", "fixtures/realistic"]
SNAPSHOTS = ["fixtures/aws/snapshot-v1.json", "fixtures/demo/aws-snapshot.json"]


def _problems(resources: list[Resource]) -> list[str]:
    return [f"{r.id}: {p}" for r in resources for p in attribute_problems(r)]


def test_every_registered_type_has_a_model_and_known_relation_targets() -> None:
    for resource_type in REGISTRY:
        assert resource_type.description, resource_type.name
        for relation in resource_type.relations:
            assert relation.targets and all(t in REGISTRY for t in relation.targets), (resource_type.name, relation)


def test_native_names_are_unique_per_type() -> None:
    for attribute in ("cloudformation", "terraform"):
        owners: dict[str, str] = {}
        for resource_type in REGISTRY:
            for native in getattr(resource_type.native, attribute):
                assert native not in owners, (native, owners.get(native), resource_type.name)
                owners[native] = resource_type.name
    assert REGISTRY.get("aws.rds.cluster").native.terraform[0] == "aws_rds_cluster"
    assert REGISTRY.get("aws.rds.cluster").native.cloudformation[0] == "AWS::RDS::DBCluster"
    assert REGISTRY.get("aws.rds.cluster").native.security_hub == "AwsRdsDbCluster"
    assert [t.name for t in REGISTRY.by_terraform("aws_security_group_rule")] == ["aws.ec2.security_group"]


@pytest.mark.parametrize("fixture", FILE_FIXTURES)
def test_file_collectors_emit_resources_that_fit_their_models(fixture: str) -> None:
    result = run_scan([REPO / fixture], Config(), REPO, jobs=1)
    assert len(result.graph) > 0
    assert _problems(list(result.graph)) == []


@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_snapshot_resources_fit_their_models(snapshot: str) -> None:
    resources = load_snapshot(REPO / snapshot).resources()
    assert resources
    assert _problems(resources) == []


def test_a_resource_that_leaves_its_model_is_reported() -> None:
    resource = Resource(id="x", type="aws.rds.cluster", name="x",
                        attributes={"identifier": "x", "iam_database_authentication_enabled": "yes", "extra": 1})
    problems = attribute_problems(resource)
    assert "aws.rds.cluster.extra: not in ClusterAttributes" in problems
    assert "aws.rds.cluster.iam_database_authentication_enabled: expected bool, got 'yes'" in problems
    assert "aws.rds.cluster.arn: missing (ClusterAttributes)" in problems
    assert attribute_problems(Resource(id="y", type="aws.nope", name="y")) == ["aws.nope: not a registered resource type"]


BUILTIN_RULES = load_rules()


@pytest.mark.parametrize("rule", BUILTIN_RULES, ids=lambda rule: rule.id)
def test_every_path_and_relation_a_rule_reads_is_registered(rule: Rule) -> None:
    assert rule_problems(rule) == []


def test_a_typo_in_a_rule_path_is_caught() -> None:
    rule = next(r for r in BUILTIN_RULES if r.id == "AG505")
    broken = copy.copy(rule)
    broken.condition = {"all": [
        {"relation": "security_groups", "direction": "incoming", "some": {"key": "$type", "op": "exists"}},
        {"items": "ingress", "some": {"key": "open_to_wrld", "op": "is", "value": True}},
        {"relation": "securty_groups", "some": {"key": "x", "op": "exists"}},
    ]}
    assert rule_problems(broken) == [
        "AG505: condition.all[1].some: attribute 'open_to_wrld' exists on none of aws.ec2.security_group items",
        "AG505: condition.all[2]: no relation 'securty_groups' from aws.ec2.security_group",
    ]


def test_every_relation_in_a_linked_graph_is_registered_with_its_target_type() -> None:
    from scanner.scan import AwsInput

    snapshot = REPO / "fixtures" / "demo" / "aws-snapshot.json"
    result = run_scan([REPO / "fixtures" / "demo"], Config(), REPO,
                      aws=AwsInput(load_snapshot(snapshot), snapshot, snapshot.read_text()), jobs=1)
    graph = result.graph
    edges = {(resource.type, name, graph.get(target).type)   # pairs, groups (peers) and keyed relations alike
             for resource in graph for name, targets in graph.relations_of(resource).items() for target in targets}
    assert {name for _, name, _ in edges} >= {"aws_endpoint", "aws_database", "referenced_by_connection",
                                              "security_groups", "used_by", "peers"}
    unknown = sorted(edge for edge in edges
                     if (relation := REGISTRY.get(edge[0]).relation(edge[1])) is None or edge[2] not in relation.targets)
    assert unknown == []
