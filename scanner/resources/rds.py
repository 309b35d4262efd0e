"""RDS / Aurora types: cluster, instance, subnet group, proxy, custom cluster endpoint.

Derived here for every collector: a proxy's `iam_auth` summary of its auth entries.
"""

# Annotations evaluated at import (no `from __future__ import annotations`): see README.md, Start-up.

from collections.abc import Iterable

from typing_extensions import TypedDict

from scanner.resources.common import (
    REFERENCED_BY_CONNECTION,
    REFERENCED_BY_CONNECTION_MEANING,
    Link,
    Tags,
)
from scanner.resources.names import (
    CLUSTER,
    CLUSTER_ENDPOINT,
    CONNECTION,
    INSTANCE,
    PROXY,
    ROLE,
    SECRET,
    SECURITY_GROUP,
    SUBNET,
    SUBNET_GROUP,
    VPC,
)
from scanner.resources.registry import REGISTRY, NativeNames, Relation, ResourceType


class ClusterMember(TypedDict):
    instance_identifier: str | None
    is_writer: bool


class ClusterAttributes(TypedDict):
    identifier: str
    arn: str
    resource_id: str | None  # DbClusterResourceId (cluster-...), what rds-db:connect ARNs name
    engine: str | None
    engine_version: str | None
    engine_mode: str | None
    status: str | None
    port: int | None
    iam_database_authentication_enabled: bool
    storage_encrypted: bool
    kms_key_id: str | None
    endpoint: str | None
    reader_endpoint: str | None
    custom_endpoints: list[str]
    db_subnet_group: str | None
    vpc_security_group_ids: list[str]
    publicly_accessible: bool | None
    members: list[ClusterMember]
    multi_az: bool | None
    deletion_protection: bool | None
    backup_retention_period: int | None
    http_endpoint_enabled: bool | None
    activity_stream_status: str | None
    master_username: str | None
    master_user_secret_arn: str | None
    associated_role_arns: list[str]
    enabled_cloudwatch_logs_exports: list[str]
    global_cluster_identifier: str | None
    network_type: str | None
    created: str | None
    tags: Tags
    _links: list[Link]


class InstanceAttributes(TypedDict):
    identifier: str
    arn: str
    resource_id: str | None
    engine: str | None
    engine_version: str | None
    instance_class: str | None
    status: str | None
    publicly_accessible: bool
    endpoint_address: str | None
    endpoint_port: int | None
    cluster_identifier: str | None  # an Aurora member's cluster; None for a standalone instance
    db_subnet_group: str | None
    vpc_id: str | None
    subnet_ids: list[str]
    vpc_security_group_ids: list[str]
    storage_encrypted: bool
    kms_key_id: str | None
    iam_database_authentication_enabled: bool
    multi_az: bool | None
    availability_zone: str | None
    ca_certificate_identifier: str | None
    deletion_protection: bool | None
    auto_minor_version_upgrade: bool | None
    master_user_secret_arn: str | None
    created: str | None
    tags: Tags
    _links: list[Link]


class SubnetGroupAttributes(TypedDict):
    name: str
    arn: str
    description: str | None
    vpc_id: str | None
    status: str | None
    subnet_ids: list[str]
    availability_zones: list[str]
    _links: list[Link]


class ProxyAuth(TypedDict):
    auth_scheme: str | None
    iam_auth: str | None  # REQUIRED | DISABLED | ENABLED
    secret_arn: str | None
    client_password_auth_type: str | None
    description: str | None


class ProxyEndpoint(TypedDict):
    name: str | None
    arn: str | None
    endpoint: str | None
    target_role: str | None  # READ_WRITE | READ_ONLY
    is_default: bool
    status: str | None
    vpc_id: str | None
    vpc_subnet_ids: list[str]
    vpc_security_group_ids: list[str]


class ProxyTarget(TypedDict):
    type: str | None  # RDS_INSTANCE | TRACKED_CLUSTER | RDS_SERVERLESS_ENDPOINT
    rds_resource_id: str | None
    tracked_cluster_id: str | None
    endpoint: str | None
    port: int | None
    role: str | None
    target_arn: str | None


def proxy_iam_auth(auth: Iterable[ProxyAuth], default_scheme: str | None) -> str | None:
    """A proxy's `iam_auth`: REQUIRED / DISABLED / OPTIONAL when every auth entry agrees, MIXED otherwise
    (REQUIRED when the default scheme is IAM_AUTH; None when no entry says)."""
    if default_scheme == "IAM_AUTH":
        return "REQUIRED"
    values = {str(a.get("iam_auth")) for a in auth if a.get("iam_auth")}
    if not values:
        return None
    return values.pop() if len(values) == 1 else "MIXED"


class ProxyAttributes(TypedDict):
    name: str
    arn: str
    engine_family: str | None
    status: str | None
    endpoint: str | None
    require_tls: bool
    auth: list[ProxyAuth]
    default_auth_scheme: str | None
    iam_auth: str | None  # derived: `proxy_iam_auth(auth, default_auth_scheme)`
    vpc_id: str | None
    vpc_subnet_ids: list[str]
    vpc_security_group_ids: list[str]
    role_arn: str | None
    idle_client_timeout: int | None
    debug_logging: bool | None
    endpoints: list[ProxyEndpoint]
    targets: list[ProxyTarget]
    created: str | None
    _links: list[Link]


class ClusterEndpointAttributes(TypedDict):
    identifier: str
    arn: str
    cluster_identifier: str | None
    endpoint: str | None
    endpoint_type: str | None  # CUSTOM
    custom_endpoint_type: str | None  # READER | ANY
    status: str | None
    static_members: list[str]
    excluded_members: list[str]
    _links: list[Link]


def _referenced() -> Relation:
    return Relation(REFERENCED_BY_CONNECTION, (CONNECTION,), REFERENCED_BY_CONNECTION_MEANING, "link.aws")


_SECURITY_GROUPS = Relation("security_groups", (SECURITY_GROUP,), "the VPC security groups attached to it")
_SUBNET_GROUP = Relation("subnet_group", (SUBNET_GROUP,), "its DB subnet group")
_SECRET = Relation("master_user_secret", (SECRET,), "the Secrets Manager secret RDS manages for the master user")

REGISTRY.register(ResourceType(
    CLUSTER, "An Aurora/RDS DB cluster.", ClusterAttributes,
    relations=(_SECURITY_GROUPS, _SUBNET_GROUP,
               Relation("members", (INSTANCE,), "the cluster's DB instances (writer and readers)"),
               _SECRET,
               Relation("associated_roles", (ROLE,), "IAM roles associated with the cluster (S3 import, Lambda)"),
               _referenced()),
    native=NativeNames(cloudformation=("AWS::RDS::DBCluster",), terraform=("aws_rds_cluster",),
                       terraform_parts=("aws_rds_cluster_role_association",),
                       security_hub="AwsRdsDbCluster"),
))
REGISTRY.register(ResourceType(
    INSTANCE, "An RDS DB instance.", InstanceAttributes,
    relations=(Relation("cluster", (CLUSTER,), "the Aurora cluster the instance belongs to"),
               _SECURITY_GROUPS, _SUBNET_GROUP, Relation("vpc", (VPC,), "the instance's VPC"), _SECRET,
               _referenced()),
    native=NativeNames(cloudformation=("AWS::RDS::DBInstance",),
                       terraform=("aws_db_instance", "aws_rds_cluster_instance"),
                       security_hub="AwsRdsDbInstance"),
))
REGISTRY.register(ResourceType(
    SUBNET_GROUP, "An RDS DB subnet group.", SubnetGroupAttributes,
    relations=(Relation("vpc", (VPC,), "the subnet group's VPC"),
               Relation("subnets", (SUBNET,), "the subnets of the group"), _referenced()),
    native=NativeNames(cloudformation=("AWS::RDS::DBSubnetGroup",), terraform=("aws_db_subnet_group",)),
))
REGISTRY.register(ResourceType(
    PROXY, "An RDS proxy.", ProxyAttributes,
    relations=(Relation("vpc", (VPC,), "the proxy's VPC"),
               Relation("subnets", (SUBNET,), "subnets of the proxy and of its endpoints"),
               Relation("security_groups", (SECURITY_GROUP,), "security groups of the proxy and of its endpoints"),
               Relation("role", (ROLE,), "the IAM role the proxy reads its secrets with"),
               Relation("secrets", (SECRET,), "the secrets holding the database credentials"),
               Relation("targets", (CLUSTER, INSTANCE), "the databases the proxy forwards to"),
               _referenced()),
    native=NativeNames(cloudformation=("AWS::RDS::DBProxy",),
                       cloudformation_parts=("AWS::RDS::DBProxyEndpoint", "AWS::RDS::DBProxyTargetGroup"),
                       terraform=("aws_db_proxy",),
                       terraform_parts=("aws_db_proxy_endpoint", "aws_db_proxy_default_target_group",
                                        "aws_db_proxy_target")),
))
REGISTRY.register(ResourceType(
    CLUSTER_ENDPOINT, "A custom Aurora cluster endpoint.", ClusterEndpointAttributes,
    relations=(Relation("cluster", (CLUSTER,), "the endpoint's cluster"),
               Relation("static_members", (INSTANCE,), "instances the endpoint always includes"),
               _referenced()),
    native=NativeNames(cloudformation=("AWS::RDS::DBClusterEndpoint",), terraform=("aws_rds_cluster_endpoint",)),
))

