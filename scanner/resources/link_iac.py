"""Airflow connections -> the databases infrastructure code defines (before they exist).

An RDS host name says what it points at: ``<cluster>.cluster-<hash>.<region>.rds.amazonaws.com`` (writer),
``<cluster>.cluster-ro-<hash>...`` (readers), ``<endpoint>.cluster-custom-<hash>...`` (a custom endpoint),
``<proxy>.proxy-<hash>...`` (an RDS proxy), ``<instance>.<hash>...`` (an instance). The hash is the
account's and unknown in code, so a connection is matched to an IaC resource by identifier (and by region
when both say one). The relations are the ones `link_aws` adds for a live account: ``aws_endpoint``,
``aws_database`` and ``referenced_by_connection`` on everything the database depends on, so AG601-AG605
judge a connection against the cluster a pull request defines.
"""

from __future__ import annotations

from typing import Any

from scanner.model import Resource, ResourceGraph
from scanner.resources.link_aws import DEPENDENCY_RELATIONS, databases_behind, normalise_host
from scanner.resources.names import CLUSTER, CLUSTER_ENDPOINT, CONNECTION, INSTANCE, PROXY
from scanner.resources.registry import REGISTRY, Linker

_NAME_ATTRIBUTE = {CLUSTER: "identifier", INSTANCE: "identifier", PROXY: "name", CLUSTER_ENDPOINT: "identifier"}


def parse_host(host: Any) -> tuple[str, str, str] | None:
    """(resource type, name, region) an RDS host name points at, or None."""
    host = normalise_host(host)
    if host is None:
        return None
    labels = host.split(".")
    if len(labels) < 5 or labels[-3:] != ["rds", "amazonaws", "com"] and labels[-4:-1] != ["rds", "amazonaws",
                                                                                           "com"]:
        return None
    suffix = 3 if labels[-1] == "com" else 4
    region = labels[-suffix - 1]
    name, kind = labels[0], labels[1]
    if len(labels) != suffix + 3:
        return None
    if kind.startswith(("cluster-ro-", "cluster-")) and not kind.startswith("cluster-custom-"):
        return CLUSTER, name, region
    if kind.startswith("cluster-custom-"):
        return CLUSTER_ENDPOINT, name, region
    if kind.startswith("proxy-"):
        return PROXY, name, region
    return INSTANCE, name, region


def _region(resource: Resource) -> str:
    arn = resource.attributes.get("arn")
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[3] if len(parts) > 3 else ""


def _index(graph: ResourceGraph) -> dict[tuple[str, str], list[Resource]]:
    index: dict[tuple[str, str], list[Resource]] = {}
    for resource_type, attribute in _NAME_ATTRIBUTE.items():
        for resource in graph.of_type(resource_type):
            if resource.source.file is None or attribute in (resource.attributes.get("_unknown") or []):
                continue
            name = resource.attributes.get(attribute)
            if isinstance(name, str) and name:
                index.setdefault((resource_type, name.lower()), []).append(resource)
    return index


def link_connections_to_iac(graph: ResourceGraph) -> None:
    """Relate connections to the IaC-defined endpoint owners and databases their hosts name."""
    index = _index(graph)
    if not index:
        return
    for connection in graph.of_type(CONNECTION):
        parsed = parse_host(connection.attributes.get("host"))
        if parsed is None:
            continue
        resource_type, name, region = parsed
        owners = [r for r in index.get((resource_type, name), []) if _region(r) in ("", region)]
        for owner in owners:
            graph.relate(connection.id, "aws_endpoint", owner.id)
            reached = [owner]
            for database in databases_behind(graph, owner):
                graph.relate(connection.id, "aws_database", database.id)
                reached.append(database)
            seen: dict[str, Resource] = {}
            queue = list(reached)
            while queue:
                resource = queue.pop()
                if resource.id in seen:
                    continue
                seen[resource.id] = resource
                for relation in DEPENDENCY_RELATIONS:
                    queue.extend(t for t in graph.follow(resource, relation) if t.id not in seen)
            for resource in seen.values():
                graph.relate(resource.id, "referenced_by_connection", connection.id)


REGISTRY.add_linker(Linker("link.iac", (CLUSTER, INSTANCE, PROXY, CLUSTER_ENDPOINT), link_connections_to_iac,
                           order=25))
