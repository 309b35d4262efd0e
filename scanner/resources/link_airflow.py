"""Airflow relations across files: connections -> the aws connection signing their IAM tokens, connections <->
the tasks naming them, Airflow configs -> the other configs of their deployment."""

from __future__ import annotations

from scanner.model import ResourceGraph
from scanner.resources.names import CONFIG, CONNECTION, TASK
from scanner.resources.registry import REGISTRY, Linker

SQL_CONN_TYPES = {"postgres", "mysql", "redshift", "aurora", "aurora_postgresql", "aurora_mysql"}


def link_connections(graph: ResourceGraph) -> None:
    """connection -> its AWS connection (``aws_conn``, back: ``used_by_connection``): ``extra.aws_conn_id``, or
    ``aws_default`` for an IAM-enabled SQL connection; connection <-> the tasks naming its conn_id
    (``used_by`` / ``uses``)."""
    connections = graph.of_type(CONNECTION)
    # each connection and the conn_id it defines: what both relations file their targets under
    definitions = [(connection.id, str(connection.attributes.get("conn_id"))) for connection in connections]
    # each relation by key (a conn_id), not an edge per pair: a monorepo's many projects define `aws_default` or
    # `warehouse`, and every task naming it reaches each definition
    graph.relate_by_key("aws_conn", "used_by_connection",
                        ((connection.id, [aws_conn_id]) for connection in connections
                         if isinstance(aws_conn_id := _aws_conn_id(connection.attributes), str)),
                        definitions)
    graph.relate_by_key("uses", "used_by",
                        ((task.id, task.attributes.get("conn_ids") or []) for task in graph.of_type(TASK)),
                        definitions)


def _aws_conn_id(attributes: dict[str, object]) -> object:
    """The AWS connection that signs a connection's IAM tokens: ``extra.aws_conn_id``, or ``aws_default`` for an
    IAM-enabled SQL connection."""
    extra = attributes.get("extra") or {}
    aws_conn_id = extra.get("aws_conn_id") if isinstance(extra, dict) else None
    if aws_conn_id is None and attributes.get("iam_enabled") and attributes.get("conn_type") in SQL_CONN_TYPES:
        aws_conn_id = "aws_default"
    return aws_conn_id


# Folders that belong to the project above them: the official docker-compose mounts `./config` (airflow.cfg),
# a chart keeps its Go templates in `templates/` next to its values.
_PART_OF_PARENT = {"config", "templates"}


def deployment_of(path: str) -> str:
    """The deployment a configuration file belongs to: its folder (one compose project with its `.env`,
    one chart's values files, one Astro project), `config/` and `templates/` counted with their parent."""
    parts = path.split("/")[:-1]
    while parts and parts[-1] in _PART_OF_PARENT:
        parts.pop()
    return "/".join(parts)


def _example_file(path: str) -> bool:
    """`.env.example`, `airflow.cfg.sample`, `values.template.yaml`: a file to copy, not the deployment."""
    name = path.rsplit("/", 1)[-1].lower()
    return any(marker in name.split(".") for marker in ("example", "sample", "template", "dist", "tmpl"))


def link_deployments(graph: ResourceGraph) -> None:
    """Airflow configs of one deployment are `peers` of each other (a secrets backend set in any of them is
    set for all); the first one holding settings (outside DAG code and example files such as `.env.example`)
    is the deployment's `deployment_lead`, where a deployment-wide finding (AG201) is reported once."""
    groups: dict[str, list] = {}
    for config in graph.of_type(CONFIG):
        where = config.source.file
        key = deployment_of(where.path) if where is not None else config.id
        config.attributes["deployment"] = key
        config.attributes["deployment_lead"] = False
        groups.setdefault(key, []).append(config)
    for members in groups.values():
        members.sort(key=lambda c: (c.source.file.path, c.source.file.start_line, c.id) if c.source.file
                     else ("", 0, c.id))
        graph.relate_group("peers", [config.id for config in members])   # one group, not an edge per pair
        lead = next((c for c in members if c.attributes.get("settings") and c.attributes.get("origin") != "dag-code"
                     and not _example_file(c.source.file.path if c.source.file else "")), None)
        if lead is not None:
            lead.attributes["deployment_lead"] = True


REGISTRY.add_linker(Linker("link.airflow.connections", (CONNECTION,), link_connections, order=10))
REGISTRY.add_linker(Linker("link.airflow.deployments", (CONFIG,), link_deployments, order=30))
