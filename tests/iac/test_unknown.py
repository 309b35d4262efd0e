"""Values unknown before apply: a rule that needs one gives a not-evaluated notice, never a pass or a finding."""

from __future__ import annotations

from pathlib import Path

from scanner.collect.iac import collect_structured
from scanner.context import ScanContext
from scanner.engine.evaluate import evaluate
from scanner.engine.link import link
from scanner.engine.loader import load_rules
from scanner.model import FileLocation, Resource, ResourceGraph, Source
from scanner.source import SourceFile

REPO = Path(__file__).resolve().parents[2]


def test_unknown_iam_flag_is_not_evaluated_and_known_values_are_judged() -> None:
    path = REPO / "fixtures" / "iac" / "cloudformation" / "aurora-bad.yaml"
    ctx = ScanContext(root=path.parent)
    source = SourceFile(path=path.name, absolute=path, text=path.read_text())
    ctx.sources[path.name] = source
    graph = ResourceGraph()
    graph.add_all(collect_structured(ctx, source, "yaml"))
    link(graph)
    rules = [r for r in load_rules() if r.id in ("AG501", "AG502", "AG505", "AG506")]
    findings = evaluate(graph, rules, ctx)
    assert sorted((f.rule_id, f.location.path, f.location.start_line) for f in findings if f.location) == [
        ("AG502", "aurora-bad.yaml", 52), ("AG505", "aurora-bad.yaml", 21), ("AG506", "aurora-bad.yaml", 41)]
    notices = [(n.kind, n.rule_id, n.path, n.line, n.level) for n in ctx.notices]
    assert notices == [("not-evaluated", "AG501", "aurora-bad.yaml", 42, "warning")]  # the property's line
    assert "iam_database_authentication_enabled is not known before apply" in ctx.notices[0].message


def _judge(rule_id: str, *resources: Resource, relations: tuple[tuple[str, str, str], ...] = ()) -> tuple[
        list[str], list[str]]:
    """(resource names found, resource names not evaluated) for one rule over `resources`."""
    graph = ResourceGraph()
    graph.add_all(resources)
    for source, relation, target in relations:
        graph.relate(source, relation, target)
    ctx = ScanContext(root=REPO)
    rule = next(r for r in load_rules() if r.id == rule_id)
    found = [f.resource_name for f in evaluate(graph, [rule], ctx)]
    return found, [n.message.split("'")[1] for n in ctx.notices if n.kind == "not-evaluated"]


def _iac(resource_type: str, label: str, **attributes: object) -> Resource:
    return Resource(id=f"{resource_type}:main.tf:{label}", type=resource_type, name=label, attributes=attributes,
                    source=Source(file=FileLocation(path="main.tf", start_line=1)))


def test_a_known_part_decides_and_only_an_undecided_rule_is_not_evaluated() -> None:
    # AG501: engine matches AND iam falsy. Engine unknown: IAM on decides (pass), IAM off does not.
    decided = _iac("aws.rds.cluster", "on", iam_database_authentication_enabled=True, _unknown=["engine"])
    open_question = _iac("aws.rds.cluster", "off", iam_database_authentication_enabled=False, _unknown=["engine"])
    assert _judge("AG501", decided, open_question) == ([], ["off"])


def _group(name: str, *cidrs: str) -> Resource:
    ingress = [{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_ipv4": cidr, "cidr_ipv6": None,
                "source_security_group_id": None, "open_to_world": cidr == "0.0.0.0/0"} for cidr in cidrs]
    return _iac("aws.ec2.security_group", name, group_name=name, ingress=ingress,
                _unknown=["ingress", "ingress_open_to_world"])


def test_a_partly_known_list_is_judged_on_its_known_items() -> None:
    # one rule's CIDRs come from a module output (unknown), the other rules are written out
    world, private = _group("world", "0.0.0.0/0"), _group("private", "10.0.0.0/16")
    cluster = _iac("aws.rds.cluster", "orders", identifier="orders")
    edges = ((cluster.id, "security_groups", world.id), (cluster.id, "security_groups", private.id))
    assert _judge("AG505", world, private, cluster, relations=edges) == (["world"], ["private"])


def test_an_unknown_relation_is_judged_on_its_known_targets() -> None:
    unknown_subnets = _iac("aws.mwaa.environment", "unknown", name="unknown", _unknown=["subnets", "subnet_ids"])
    partly = _iac("aws.mwaa.environment", "partly", name="partly", _unknown=["subnets", "subnet_ids"])
    public = _iac("aws.ec2.subnet", "public", subnet_id="public", public=True)
    known_private = _iac("aws.mwaa.environment", "private", name="private")
    private = _iac("aws.ec2.subnet", "private-subnet", subnet_id="private-subnet", public=False)
    edges = ((partly.id, "subnets", public.id), (known_private.id, "subnets", private.id))
    assert _judge("AG512", unknown_subnets, partly, public, known_private, private, relations=edges) == (
        ["partly"], ["unknown"])
