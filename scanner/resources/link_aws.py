"""Connections -> the AWS resources behind them.

A connection's host is matched against every endpoint the account has: cluster writer and reader
endpoints, custom cluster endpoints, instance endpoints, proxy endpoints (default and additional).
Relations added (all lists, deterministic):

- ``aws_endpoint``: connection -> the resource that owns the host name (cluster, cluster endpoint,
  instance or proxy);
- ``aws_database``: connection -> the database behind it (the cluster; an instance's cluster, or the
  instance when it stands alone; a proxy's targets);
- ``aws_role``: an ``aws`` connection -> the IAM role named by ``extra.role_arn``;
- ``referenced_by_connection``: every AWS resource a connection depends on (endpoint owner, database,
  their security groups, subnet group, subnets, members, proxy targets, the role) -> the connection,
  so a finding on that AWS resource can point at the connection's file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.model import Resource, ResourceGraph
from scanner.resources.names import CLUSTER, CLUSTER_ENDPOINT, CONNECTION, INSTANCE, PROXY, ROLE
from scanner.resources.registry import REGISTRY, Linker

# Relations followed from what a connection reaches to everything its safety depends on.
DEPENDENCY_RELATIONS = ("security_groups", "subnet_group", "subnets", "members", "cluster", "targets")


def normalise_host(host: Any) -> str | None:
    """Host names compare case-insensitively and without a trailing dot or a scheme."""
    if not isinstance(host, str) or not host.strip():
        return None
    return host.strip().lower().split("://")[-1].split("/")[0].rsplit("@", 1)[-1].split(":")[0].rstrip(".") or None


def _listed(value: Any) -> list[Any]:
    """A list attribute as a list; anything else (a snapshot edited by hand) as nothing."""
    return value if isinstance(value, list) else []


def endpoint_hosts(resource: Resource) -> list[str]:
    """Every host name a resource answers on."""
    attributes = resource.attributes
    names: list[Any] = []
    if resource.type == CLUSTER:
        names = [attributes.get("endpoint"), attributes.get("reader_endpoint"),
                 *_listed(attributes.get("custom_endpoints"))]
    elif resource.type == CLUSTER_ENDPOINT:
        names = [attributes.get("endpoint")]
    elif resource.type == INSTANCE:
        names = [attributes.get("endpoint_address")]
    elif resource.type == PROXY:
        names = [attributes.get("endpoint"),
                 *[e.get("endpoint") for e in _listed(attributes.get("endpoints")) if isinstance(e, dict)]]
    return sorted({host for host in (normalise_host(n) for n in names) if host})


def endpoint_index(graph: ResourceGraph) -> dict[str, list[Resource]]:
    """Host name -> the resources answering on it. A custom endpoint is both a cluster_endpoint and
    listed on its cluster; the more specific owner comes first."""
    order = {CLUSTER_ENDPOINT: 0, PROXY: 1, INSTANCE: 2, CLUSTER: 3}
    index: dict[str, list[Resource]] = {}
    for resource_type in order:
        for resource in graph.of_type(resource_type):
            for host in endpoint_hosts(resource):
                index.setdefault(host, []).append(resource)
    for owners in index.values():
        owners.sort(key=lambda r: (order[r.type], r.id))
    return index


def databases_behind(graph: ResourceGraph, owner: Resource) -> list[Resource]:
    """The cluster(s) or standalone instance(s) that answer through `owner`."""
    if owner.type == CLUSTER:
        return [owner]
    if owner.type == CLUSTER_ENDPOINT:
        return graph.follow(owner, "cluster")
    if owner.type == INSTANCE:
        return graph.follow(owner, "cluster") or [owner]
    if owner.type == PROXY:
        found: list[Resource] = []
        for target in graph.follow(owner, "targets"):
            for database in databases_behind(graph, target) if target.type != PROXY else []:
                if database not in found:
                    found.append(database)
        return found
    return []


def _relate_all(graph: ResourceGraph, connection: Resource, relation: str, targets: Iterable[Resource]) -> None:
    for target in targets:
        graph.relate(connection.id, relation, target.id)


def _dependencies(graph: ResourceGraph, start: list[Resource]) -> list[Resource]:
    seen: dict[str, Resource] = {}
    queue = list(start)
    while queue:
        resource = queue.pop(0)
        if resource.id in seen:
            continue
        seen[resource.id] = resource
        for relation in DEPENDENCY_RELATIONS:
            queue.extend(t for t in graph.follow(resource, relation) if t.id not in seen)
    return list(seen.values())


def link_connections_to_aws(graph: ResourceGraph) -> None:
    """Add the relations described in the module docstring."""
    if not any(graph.of_type(t) for t in (CLUSTER, INSTANCE, PROXY, CLUSTER_ENDPOINT, ROLE)):
        return
    hosts = endpoint_index(graph)
    roles = {str(r.attributes.get("arn")): r for r in graph.of_type(ROLE) if r.attributes.get("arn")}
    for connection in graph.of_type(CONNECTION):
        reached: list[Resource] = []
        owners = hosts.get(normalise_host(connection.attributes.get("host")) or "", [])
        if owners:
            owner = owners[0]
            databases = databases_behind(graph, owner)
            _relate_all(graph, connection, "aws_endpoint", [owner])
            _relate_all(graph, connection, "aws_database", databases)
            reached += [owner, *databases]
        extra = connection.attributes.get("extra")
        role_arn = extra.get("role_arn") if isinstance(extra, dict) else None
        role = roles.get(role_arn) if isinstance(role_arn, str) else None
        if role is not None:
            _relate_all(graph, connection, "aws_role", [role])
            reached.append(role)
        for resource in _dependencies(graph, reached):
            graph.relate(resource.id, "referenced_by_connection", connection.id)


REGISTRY.add_linker(Linker("link.aws", (CLUSTER, INSTANCE, PROXY, CLUSTER_ENDPOINT, ROLE), link_connections_to_aws,
                           order=20))
