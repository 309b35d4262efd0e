"""Relations between resources that no single collector can see (they span files)."""

from __future__ import annotations

from scanner.engine.link_aws import link_connections_to_aws
from scanner.model import ResourceGraph

SQL_CONN_TYPES = {"postgres", "mysql", "redshift", "aurora", "aurora_postgresql", "aurora_mysql"}


def link(graph: ResourceGraph) -> None:
    """Add relations: connection -> its AWS connection (aws_conn); connection <-> the tasks that use it
    (used_by / uses); AWS `_links`; connections -> the AWS resources behind their hosts (see
    `link_aws`); Airflow configs -> each other (peers)."""
    connections = graph.of_type("airflow.connection")
    by_conn_id: dict[str, list[str]] = {}
    for connection in connections:
        by_conn_id.setdefault(str(connection.attributes.get("conn_id")), []).append(connection.id)
    for connection in connections:
        attributes = connection.attributes
        extra = attributes.get("extra") or {}
        aws_conn_id = extra.get("aws_conn_id") if isinstance(extra, dict) else None
        if aws_conn_id is None and attributes.get("iam_enabled") and attributes.get("conn_type") in SQL_CONN_TYPES:
            aws_conn_id = "aws_default"
        if isinstance(aws_conn_id, str):
            for target in by_conn_id.get(aws_conn_id, []):
                if target != connection.id:
                    graph.relate(connection.id, "aws_conn", target)
                    graph.relate(target, "used_by_connection", connection.id)
    for task in graph.of_type("airflow.task"):
        for conn_id in task.attributes.get("conn_ids") or []:
            for target in by_conn_id.get(conn_id, []):
                graph.relate(target, "used_by", task.id)
                graph.relate(task.id, "uses", target)
    for resource in list(graph):
        for link_data in resource.attributes.get("_links") or []:
            target = link_data.get("target_id") if isinstance(link_data, dict) else None
            if target and graph.has(target):
                graph.relate(resource.id, str(link_data.get("relation")), target)
    link_connections_to_aws(graph)
    configs = graph.of_type("airflow.config")
    for config in configs:
        for other in configs:
            if other.id != config.id:
                graph.relate(config.id, "peers", other.id)
