"""Connections reach IaC-defined clusters by identifier and region in their host names (AG601-AG605 at PR time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.collect.iac import collect_structured
from scanner.context import ScanContext
from scanner.engine.evaluate import evaluate
from scanner.engine.link import link
from scanner.engine.loader import load_rules
from scanner.model import FileLocation, Resource, ResourceGraph, Source
from scanner.resources.link_iac import parse_host
from scanner.source import SourceFile

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("host", "expected"), [
    ("orders-prod.cluster-c9akciq32.eu-west-1.rds.amazonaws.com", ("aws.rds.cluster", "orders-prod", "eu-west-1")),
    ("Orders-Prod.cluster-ro-c9akciq32.eu-west-1.rds.amazonaws.com.", ("aws.rds.cluster", "orders-prod",
                                                                       "eu-west-1")),
    ("reporting.cluster-custom-c9akciq32.eu-west-1.rds.amazonaws.com", ("aws.rds.cluster_endpoint", "reporting",
                                                                        "eu-west-1")),
    ("orders-proxy.proxy-c9akciq32.us-east-1.rds.amazonaws.com", ("aws.rds.proxy", "orders-proxy", "us-east-1")),
    ("orders-prod-1.c9akciq32.eu-west-1.rds.amazonaws.com", ("aws.rds.instance", "orders-prod-1", "eu-west-1")),
    ("db.example.com", None),
    ("localhost", None),
])
def test_host_names(host: str, expected: tuple[str, str, str] | None) -> None:
    assert parse_host(host) == expected


def test_iam_connection_to_a_cluster_defined_without_iam_fires_ag601_at_the_connection() -> None:
    path = REPO / "fixtures" / "iac" / "cloudformation" / "aurora-bad.yaml"
    ctx = ScanContext(root=path.parent)
    source = SourceFile(path=path.name, absolute=path, text=path.read_text())
    graph = ResourceGraph()
    resources = collect_structured(ctx, source, "yaml")
    # the !If makes the IAM flag unknown: replace the template's cluster by one with IAM known to be off
    cluster = next(r for r in resources if r.type == "aws.rds.cluster")
    cluster.attributes.pop("_unknown")
    graph.add_all(resources)
    connection = Resource(
        id="airflow.connection:.env:orders", type="airflow.connection", name="orders",
        attributes={"conn_id": "orders", "conn_type": "postgres", "iam_enabled": True, "extra": {"iam": True},
                    "host": "orders-prod.cluster-c9akciq32.eu-west-1.rds.amazonaws.com"},
        source=Source(file=FileLocation(path=".env", start_line=3)),
        locations={"host": FileLocation(path=".env", start_line=3, start_column=20)})
    graph.add(connection)
    link(graph)  # the registered linkers, link.iac included
    assert [r.name for r in graph.follow(connection, "aws_database")] == ["orders-prod"]
    assert {r.name for r in graph.incoming(connection, "referenced_by_connection")} >= {"orders-prod",
                                                                                         "DbSecurityGroup"}
    rules = [r for r in load_rules() if r.id in ("AG601", "AG603", "AG605")]
    found = sorted((f.rule_id, f.location.path, f.location.start_line) for f in evaluate(graph, rules, ctx)
                   if f.location)
    assert found == [("AG601", ".env", 3), ("AG603", ".env", 3), ("AG605", ".env", 3)]
