"""Airflow types: connections, configuration, DAGs, tasks and DAG files, from whichever collector reads them
(files, DAG code, the DagBag child)."""

# Annotations evaluated at import (no `from __future__ import annotations`): see README.md, Start-up.

from typing_extensions import NotRequired, TypedDict

from scanner.resources.common import JSON, Link, Redacted
from scanner.resources.names import CONFIG, CONNECTION, DAG, DAG_FILE, TASK
from scanner.resources.registry import REGISTRY, Relation, ResourceType

RDS_ENDPOINT_OWNERS = ("aws.rds.cluster", "aws.rds.cluster_endpoint", "aws.rds.instance", "aws.rds.proxy")


class HostInfo(TypedDict):
    """What an RDS/Aurora host name says about the endpoint behind it."""

    provider: str  # aws
    service: str  # rds
    endpoint_type: str  # cluster | reader | custom | instance | proxy | proxy-endpoint | unknown
    identifier: NotRequired[str]
    region: NotRequired[str]
    hostname: NotRequired[str]


class ConnectionAttributes(TypedDict):
    conn_id: str
    conn_type: str | None
    host: str | None
    port: int | None
    schema: str | None
    login: str | Redacted | None  # redacted for aws connections (an access key id) and key-shaped logins
    password: Redacted | None
    extra: dict[str, JSON]  # secrets in it redacted
    iam_enabled: bool  # how the hook reads extra.iam
    origin: str  # where it is defined: env, export file, settings, dag-code, helm, compose, ...
    definition: str  # uri | json | fields | metadata ...
    secret_fields: list[str]  # attribute paths holding a literal secret (one per line), for AG101
    key_fields: list[str]  # attribute paths holding a literal AWS key, for AG104
    env_var: NotRequired[str]
    extra_error: NotRequired[str]
    iam_value_type: NotRequired[str]  # the Python type name of extra.iam as written
    host_info: NotRequired[HostInfo]
    description: NotRequired[str]
    unknown_fields: NotRequired[list[str]]
    role: NotRequired[str]  # metadata: Airflow's own database (sql_alchemy_conn), not a connection of the DAGs
    setting: NotRequired[str]  # the setting it was read from (section.key)
    variable: NotRequired[str]  # the Airflow variable it was read from


class ConfigAttributes(TypedDict):
    origin: str
    settings: dict[str, dict[str, JSON]]  # section -> key -> value (secrets redacted)
    credentials: list[str]  # settings holding a literal credential (section.key)
    secrets_backend: str | None
    deployment: NotRequired[str]  # derived by the deployment linker: the folder of the deployment
    deployment_lead: NotRequired[bool]  # derived: the one config of the deployment deployment-wide findings land on


class DagAttributes(TypedDict):
    dag_id: str
    tasks: list[str]
    loaded_by_dagbag: NotRequired[bool]


class TaskAttributes(TypedDict):
    dag_id: str | None
    task_id: str
    operator: str | None
    conn_ids: list[str]
    mapped: bool
    operator_class: NotRequired[str]
    loaded_by_dagbag: NotRequired[bool]


class ImportProblem(TypedDict):
    exception: str | None
    message: str
    line: int | None


class Cycle(TypedDict):
    dag_id: str | None
    task_id: str | None
    message: str


class Duplicate(TypedDict):
    dag_id: str | None
    also_in: str
    message: str


class DagFileAttributes(TypedDict):
    path: str
    loaded_by: str  # dagbag
    dag_ids: list[str]
    import_error: ImportProblem | None
    cycle: Cycle | None
    duplicate_dag_id: Duplicate | None
    _links: NotRequired[list[Link]]


REGISTRY.register(ResourceType(
    CONNECTION, "An Airflow connection, wherever it is defined (env var, export file, settings, DAG code).",
    ConnectionAttributes,
    relations=(
        Relation("aws_conn", (CONNECTION,), "the aws connection whose credentials sign its IAM token", "link.airflow"),
        Relation("used_by_connection", (CONNECTION,), "connections that use this aws connection", "link.airflow"),
        Relation("used_by", (TASK,), "tasks that name the connection's conn_id", "link.airflow"),
        Relation("aws_endpoint", RDS_ENDPOINT_OWNERS, "the AWS resource that owns the connection's host name",
                 "link.aws"),
        Relation("aws_database", ("aws.rds.cluster", "aws.rds.instance"),
                 "the database behind the host (a proxy's targets, an instance's cluster)", "link.aws"),
        Relation("aws_role", ("aws.iam.role",), "the role an aws connection's extra.role_arn names", "link.aws"),
    ),
))
REGISTRY.register(ResourceType(
    CONFIG, "Airflow settings read from one place (airflow.cfg, AIRFLOW__* env vars, Helm `config:`).",
    ConfigAttributes,
    relations=(Relation("peers", (CONFIG,), "the other configs of the same deployment", "link.airflow"),),
))
REGISTRY.register(ResourceType(DAG, "A DAG found in DAG code.", DagAttributes))
REGISTRY.register(ResourceType(
    TASK, "A task of a DAG.", TaskAttributes,
    relations=(Relation("uses", (CONNECTION,), "connections the task names", "link.airflow"),),
))
REGISTRY.register(ResourceType(
    DAG_FILE, "A DAG file and what loading or parsing it reported.", DagFileAttributes,
    relations=(Relation("duplicates", (DAG,), "the DAG elsewhere with the same dag_id"),),
))
